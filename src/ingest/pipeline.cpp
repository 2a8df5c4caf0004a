// The ingest pipeline (pipeline.hpp). Inputs are claimed by worker threads in order; each worker
// reads a whole input, classifies its events with its own ClassifierSession and hands them on.
//
// Ordering: the consumer sees input 1's items, then input 2's, and so on, whatever the thread
// count, so output is deterministic. The input at the head of that order delivers directly; a
// worker ahead of the head buffers up to kBufferBytes and then waits for its turn. Since inputs
// are claimed in order, the head input is always being read or done: no deadlock, and memory stays
// bounded by threads x kBufferBytes.
#include "ingest/pipeline.hpp"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "ingest/campaign.hpp"
#include "ingest/classify_event.hpp"
#include "ingest/expand.hpp"
#include "ingest/input.hpp"
#include "ingest/log_reader.hpp"

namespace mxt {
namespace {

constexpr std::size_t kBufferBytes = 8u << 20;
constexpr std::size_t kMaxWaitingParts = 64;  // forked parts read but not yet joined

struct Turn {
    std::atomic<std::size_t> head{0};
    std::mutex m;
    std::condition_variable cv;

    void wait_for(std::size_t k) {
        if (head.load(std::memory_order_acquire) == k) return;
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return head.load(std::memory_order_acquire) == k; });
    }
    void advance() {
        {
            std::lock_guard lock(m);
            head.fetch_add(1, std::memory_order_acq_rel);
        }
        cv.notify_all();
    }
};

// What every event goes through before a consumer sees it: campaign keys, the log's own word on
// the result, classification, counting.
void prepare_event(DeliveryEvent& e, ClassifierSession* session, CampaignExtractor* campaigns,
                   InputCounts& counts) {
    if (campaigns) campaigns->apply(e);
    // What the log itself says about the result, for classify_event: a delivery is final; an
    // expiry yields to a rule that recognises the last deferral's reply.
    if (e.reason_hint.empty() && e.outcome == Outcome::delivered) {
        e.reason_hint = "delivered";
        e.reason_hint_final = true;
    } else if (e.reason_hint.empty() && e.outcome == Outcome::expired) {
        e.reason_hint = "expired";
    }
    if (session) classify_event(*session, e);
    ++counts.events;
}

// Where forked parts are joined (EventConsumer::fork): the parts read but not yet joined, and
// the index of the next input to join. next_join changes only under the mutex; a part reads it
// without the lock to learn that its input has become the head.
struct JoinState {
    std::mutex m;  // also guards the caller's totals
    std::condition_variable cv;
    std::map<std::size_t, std::unique_ptr<EventConsumer>> finished;
    std::atomic<std::size_t> next_join{0};
};

// The sink of an input read for a forked consumer: events go to the part, or, once the input is
// the head and the consumer streams (EventConsumer::streams_when_head), straight to the consumer.
// No other thread uses the consumer then: a later part is joined only after this input is done.
class PartSink final : public EventSink {
public:
    PartSink(std::size_t index, EventConsumer& part, EventConsumer& consumer, JoinState& joins,
             ClassifierSession* session, CampaignExtractor* campaigns, InputCounts& counts)
        : index_(index), part_(part), consumer_(consumer), joins_(joins),
          streams_(consumer.streams_when_head()), session_(session), campaigns_(campaigns),
          counts_(counts) {}
    void event(DeliveryEvent&& e) override { reuse(e); }
    void reuse(DeliveryEvent& e) override {
        prepare_event(e, session_, campaigns_, counts_);
        target().on_event(e);
        // Bounded read-ahead: an input ahead of the head holds at most kBufferBytes, then waits.
        if (streams_ && !direct_ && part_.held_bytes() > kBufferBytes) take_turn();
    }
    void problem(const InputProblem& p) override { target().on_problem(p); }

private:
    EventConsumer& target() {
        if (!direct_ && streams_ && joins_.next_join.load(std::memory_order_acquire) == index_) {
            std::lock_guard lock(joins_.m);
            consumer_.join(part_);  // what was held before this input became the head
            direct_ = true;
        }
        return direct_ ? consumer_ : part_;
    }
    // Waits until this input is the head (the inputs before it are joined), then prints what it
    // held and goes on directly. The head's reader never waits, so the chain always moves.
    void take_turn() {
        std::unique_lock lock(joins_.m);
        joins_.cv.wait(lock, [&] { return joins_.next_join.load() == index_; });
        consumer_.join(part_);
        direct_ = true;
    }

    std::size_t index_;
    EventConsumer& part_;
    EventConsumer& consumer_;
    JoinState& joins_;
    bool streams_;
    bool direct_ = false;
    ClassifierSession* session_;
    CampaignExtractor* campaigns_;
    InputCounts& counts_;
};

// The sink one input's reader writes to: campaign keys, classification, counting, ordering.
class TaskSink final : public EventSink {
public:
    TaskSink(std::size_t index, Turn& turn, EventConsumer& consumer, ClassifierSession* session,
             CampaignExtractor* campaigns, InputCounts& counts)
        : index_(index), turn_(turn), consumer_(consumer), session_(session),
          campaigns_(campaigns), counts_(counts) {}

    void event(DeliveryEvent&& e) override {
        prepare(e);
        if (is_head()) {
            consumer_.on_event(e);
            return;
        }
        hold(std::move(e));
    }

    void reuse(DeliveryEvent& e) override {
        prepare(e);
        if (is_head()) {
            consumer_.on_event(e);  // in place: the reader's buffers are kept
            return;
        }
        hold(DeliveryEvent(e));
    }

    void problem(const InputProblem& p) override {
        if (is_head()) {
            consumer_.on_problem(p);
            return;
        }
        bytes_ += sizeof(InputProblem) + p.why.size() + p.source.size();
        buffer_.emplace_back(p);
        if (bytes_ > kBufferBytes) take_turn();
    }

    // End of the input: deliver what is buffered in turn, then pass the turn on.
    void finish() {
        take_turn();
        turn_.advance();
    }

private:
    void prepare(DeliveryEvent& e) { prepare_event(e, session_, campaigns_, counts_); }
    void hold(DeliveryEvent&& e) {
        bytes_ += sizeof(DeliveryEvent) + e.text.size() + e.recipient.size() + e.sender.size() +
                  e.diagnosis.explanation.size() + e.diagnosis.fix.size() +
                  e.diagnosis.template_text.size() + 256;
        buffer_.emplace_back(std::move(e));
        if (bytes_ > kBufferBytes) take_turn();
    }
    bool is_head() {
        if (head_) return true;
        if (turn_.head.load(std::memory_order_acquire) != index_) return false;
        take_turn();
        return true;
    }
    void take_turn() {
        turn_.wait_for(index_);
        head_ = true;
        for (auto& item : buffer_) {
            if (auto* e = std::get_if<DeliveryEvent>(&item)) consumer_.on_event(*e);
            else consumer_.on_problem(std::get<InputProblem>(item));
        }
        buffer_.clear();
        buffer_.shrink_to_fit();
        bytes_ = 0;
    }

    std::size_t index_;
    Turn& turn_;
    EventConsumer& consumer_;
    ClassifierSession* session_;
    CampaignExtractor* campaigns_;
    InputCounts& counts_;
    bool head_ = false;
    std::vector<std::variant<DeliveryEvent, InputProblem>> buffer_;
    std::size_t bytes_ = 0;
};

}  // namespace

std::vector<std::string> reader_names() {
    std::vector<std::string> names;
    for (const auto& f : formats()) names.emplace_back(f.name);
    return names;
}

InputCounts ingest_paths(const std::vector<std::string>& paths, const IngestOptions& options,
                         std::shared_ptr<const Classifier> classifier, EventConsumer& consumer) {
    InputCounts total;
    Expansion expansion = expand_paths(paths, options.format, options.follow_symlinks);
    for (const auto& p : expansion.problems) {
        ++total.read;
        ++total.failed["cannot read directory"];
        consumer.on_problem(p);
    }
    auto campaigns = CampaignExtractor::make(options.campaign_pattern);
    if (!campaigns) {
        consumer.on_problem({"--campaign-pattern", 0, 0, 0, campaigns.error()});
        campaigns = CampaignExtractor::make("");
    }
    InputOptions input_options;
    input_options.campaign_header = options.campaign_header;

    const auto& inputs = expansion.inputs;
    unsigned threads = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
    if (threads == 0) threads = 1;
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(inputs.size(), 1)));

    Turn turn;
    std::atomic<std::size_t> next{0};
    JoinState joins;  // its mutex also guards total
    auto worker = [&] {
        std::unique_ptr<ClassifierSession> session;
        if (classifier) session = std::make_unique<ClassifierSession>(classifier);
        CampaignExtractor local = *campaigns;
        for (;;) {
            std::size_t k = next.fetch_add(1);
            if (k >= inputs.size()) break;
            InputCounts counts;
            auto read_guarded = [&](EventSink& sink) {
                try {
                    read_input(inputs[k], input_options, sink, counts);
                } catch (const std::exception& ex) {
                    // A reader bug must not end the run: the input is counted as failed.
                    ++counts.read;
                    ++counts.failed["internal error"];
                    sink.problem({inputs[k].path, 0, 0, 0, std::string("internal error: ") + ex.what()});
                }
            };
            if (std::unique_ptr<EventConsumer> part = consumer.fork()) {
                PartSink sink(k, *part, consumer, joins, session.get(), &local, counts);
                read_guarded(sink);
                // Join every finished part whose turn has come, in input order, without waiting
                // for the inputs before it: whichever worker finishes the head input joins it.
                std::unique_lock lock(joins.m);
                total.merge(counts);
                joins.finished.emplace(k, std::move(part));
                bool joined = false;
                for (auto it = joins.finished.find(joins.next_join); it != joins.finished.end();
                     it = joins.finished.find(joins.next_join)) {
                    consumer.join(*it->second);
                    joins.finished.erase(it);
                    joins.next_join.fetch_add(1, std::memory_order_release);
                    joined = true;
                }
                if (joined) joins.cv.notify_all();
                // Bounded memory: with many parts waiting behind a long head input (a large log
                // beside thousands of small bounce files), wait until this one is joined.
                if (joins.finished.size() > kMaxWaitingParts)
                    joins.cv.wait(lock, [&] { return joins.next_join.load() > k; });
                continue;
            }
            TaskSink sink(k, turn, consumer, session.get(), &local, counts);
            read_guarded(sink);
            sink.finish();
            std::lock_guard lock(joins.m);
            total.merge(counts);
        }
    };
    if (threads <= 1) {
        worker();
    } else {
        std::vector<std::jthread> pool;
        for (unsigned i = 0; i < threads; ++i) pool.emplace_back(worker);
    }
    return total;
}

}  // namespace mxt
