// The ingest pipeline that `diagnose` and `triage` share: expand paths (files, directories,
// Maildir folders, mbox files, gzip files, "-" for stdin), detect each input's format, read it
// with the reader registered for that format, classify every delivery event and hand it to the
// consumer. Bad input never stops the run: it is counted and reported as a problem.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ingest/event.hpp"
#include "ingest/sink.hpp"
#include "rules/classifier.hpp"

namespace mxt {

struct IngestOptions {
    std::string format;  // force one reader by name; "" = detect per input
    unsigned threads = 0;  // 0 = all cores
    // RE2 pattern with named groups (?P<campaign>...) and (?P<segment>...) applied to the
    // envelope sender; "" = the built-in VERP forms.
    std::string campaign_pattern;
    std::string campaign_header = "X-Campaign";  // header of a bounce's original message
    bool follow_symlinks = false;
};

// Receives classified events. Called from one thread at a time (the pipeline serialises), with
// the events of one input in input order.
class EventConsumer {
public:
    virtual ~EventConsumer() = default;
    virtual void on_event(const DeliveryEvent& e) = 0;
    virtual void on_problem(const InputProblem& p) = 0;

    // Optional, for consumers whose work on one input does not depend on the inputs before it
    // (triage's counting): a fresh consumer for one input, fed by the worker thread that reads
    // that input without waiting for its turn; `join` then folds it into this one, in input
    // order, one call at a time. So several inputs use several cores, and the result is the same
    // as reading them in order. nullptr (the default): every event comes here, in input order.
    virtual std::unique_ptr<EventConsumer> fork() { return nullptr; }
    // Folds `part` in and leaves it empty (it may be joined again later with more).
    virtual void join(EventConsumer& /*part*/) {}
    // True: once a part's input is the next to be joined, the pipeline joins what the part holds
    // and hands the rest of that input's events straight to this consumer (diagnose prints the
    // input at the head as it is read instead of holding all of it).
    virtual bool streams_when_head() const { return false; }
    // For a streaming consumer's part: the bytes it holds. Past the pipeline's read-ahead bound
    // the part's reader waits for its turn instead of holding more.
    virtual std::size_t held_bytes() const { return 0; }
};

// Reads every path; returns the counts over all inputs (they reconcile: read = parsed + skipped +
// failed). A path that cannot be opened is counted as failed with its reason.
InputCounts ingest_paths(const std::vector<std::string>& paths, const IngestOptions& options,
                         std::shared_ptr<const Classifier> classifier, EventConsumer& consumer);

// Names of the registered readers, for --format and --help.
std::vector<std::string> reader_names();

}  // namespace mxt
