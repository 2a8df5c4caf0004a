// `mxtriage diagnose [PATH...]`: reads MTA logs, bounce messages, mailboxes and event exports
// (src/ingest/pipeline.hpp), classifies every delivery event and prints a table, or JSON Lines
// with --json (docs/diagnose-json.md) ending with a summary whose counts reconcile.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/input_options.hpp"
#include "ingest/event_json.hpp"
#include "ingest/pipeline.hpp"
#include "store/database.hpp"
#include "store/suppression_apply.hpp"
#include "triage/config.hpp"

namespace mxt::cli {
namespace {

struct DiagnoseOptions {
    InputArgs input;  // paths, --format, --threads, --campaign-pattern, --rules, --follow-symlinks
    std::string db;
    bool json = false;
    bool apply = false;
};

// Buffered stdout: one fwrite per 64 KB rather than per event.
class Out {
public:
    ~Out() { flush(); }
    std::string& buf() { return buf_; }
    void maybe_flush() {
        if (buf_.size() >= 64 * 1024) flush();
    }
    void flush() {
        if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), stdout);
        buf_.clear();
        std::fflush(stdout);
    }

private:
    std::string buf_;
};

const char* colour_for(Category c) {
    switch (c) {
        case Category::unknown_user:
        case Category::mailbox_disabled:
        case Category::bad_domain: return "\x1b[33m";
        case Category::ip_reputation:
        case Category::complaint_rate:
        case Category::blocklisted:
        case Category::authentication: return "\x1b[1;31m";
        case Category::content:
        case Category::rate_limited: return "\x1b[35m";
        case Category::transient:
        case Category::mailbox_full: return "\x1b[36m";
        case Category::delivered: return "\x1b[32m";
        default: return "";
    }
}

void pad(std::string& out, std::string_view s, std::size_t width) {
    out.append(s.substr(0, width));
    for (std::size_t n = std::min(s.size(), width); n < width + 1; ++n) out.push_back(' ');
}

class Consumer final : public EventConsumer {
public:
    Consumer(bool json, bool colour, store::SuppressionApplier* applier)
        : json_(json), colour_(colour), applier_(applier) {}
    const std::string& store_error() const { return store_error_; }

    void on_event(const DeliveryEvent& e) override {
        if (applier_ && store_error_.empty()) {
            if (auto r = applier_->observe(e); !r) store_error_ = r.error();
        }
        if (part_) {
            format(held_, e);
            return;
        }
        if (!json_ && !header_done_) header();
        format(out_.buf(), e);
        out_.maybe_flush();
    }

    void on_problem(const InputProblem& p) override {
        if (part_) {
            problems_.emplace_back(held_.size(), p.str());
            return;
        }
        out_.flush();
        error(p.str());
    }

    // Each input is read and formatted by its own thread. The input at the head of the output
    // order prints as it is read (streams_when_head); one that is ahead holds its output (up to
    // the pipeline's read-ahead bound, then its reader waits) until its turn comes. So the output
    // is in input order whatever the thread count, and many small inputs (a bounce mailbox) use
    // every core. With --apply, suppressions are recorded in input order by one thread instead.
    std::unique_ptr<EventConsumer> fork() override {
        if (applier_) return nullptr;
        auto part = std::make_unique<Consumer>(json_, colour_, nullptr);
        part->part_ = true;
        return part;
    }
    bool streams_when_head() const override { return true; }
    std::size_t held_bytes() const override { return held_.size(); }

    // Prints what a part holds, its problems interleaved where they happened, and empties it.
    void join(EventConsumer& other) override {
        auto& part = static_cast<Consumer&>(other);
        std::size_t done = 0;
        auto copy_to = [&](std::size_t end) {
            if (end <= done) return;
            if (!json_ && !header_done_) header();
            out_.buf().append(part.held_, done, end - done);
            done = end;
            out_.maybe_flush();
        };
        for (const auto& [at, why] : part.problems_) {
            copy_to(at);
            out_.flush();
            error(why);
        }
        copy_to(part.held_.size());
        part.held_.clear();
        part.problems_.clear();
    }

    void summary(const InputCounts& c) {
        std::string& b = out_.buf();
        if (json_) {
            JsonWriter w(b);
            write_summary_json(w, c);
            b.push_back('\n');
        } else {
            b += "\nread " + std::to_string(c.read) + ", parsed " + std::to_string(c.parsed) +
                 ", skipped " + std::to_string(c.skipped_total()) + ", failed " +
                 std::to_string(c.failed_total()) + "; " + std::to_string(c.events) + " events\n";
            for (const auto& [why, n] : c.skipped)
                b += "  skipped " + std::to_string(n) + ": " + why + "\n";
            for (const auto& [why, n] : c.failed)
                b += "  failed  " + std::to_string(n) + ": " + why + "\n";
        }
        out_.flush();
    }

private:
    void format(std::string& b, const DeliveryEvent& e) const {
        if (json_) {
            JsonWriter w(b);
            write_event_json(w, e);
            b.push_back('\n');
            return;
        }
        // The file's base name keeps the column narrow; --json has the full path.
        std::string_view src = e.source;
        if (auto slash = src.rfind('/'); slash != std::string_view::npos) src.remove_prefix(slash + 1);
        std::string place = std::string(src) + ":" + std::to_string(e.position);
        if (place.size() > 28) place = "..." + place.substr(place.size() - 25);
        pad(b, place, 28);
        pad(b, e.outcome == Outcome::unknown ? "-" : to_string(e.outcome), 9);
        pad(b, e.reply_code.empty() ? "-" : e.reply_code, 4);
        pad(b, e.status.empty() ? "-" : e.status, 7);
        const char* c = colour_ ? colour_for(e.diagnosis.category) : "";
        b += c;
        pad(b, to_string(e.diagnosis.category), 16);
        if (*c) b += "\x1b[0m";
        pad(b, e.diagnosis.provider, 10);
        pad(b, e.campaign.empty() ? "-" : e.campaign, 14);
        b += e.recipient.empty() ? "-" : e.recipient;
        b.push_back('\n');
        if (e.outcome != Outcome::delivered && !e.diagnosis.explanation.empty()) {
            b += "    ";
            b += e.diagnosis.explanation;
            if (!e.diagnosis.fix.empty()) b += " Fix: " + e.diagnosis.fix;
            b.push_back('\n');
        }
    }

    void header() {
        header_done_ = true;
        std::string& b = out_.buf();
        if (colour_) b += "\x1b[1m";
        pad(b, "WHERE", 28);
        pad(b, "OUTCOME", 9);
        pad(b, "CODE", 4);
        pad(b, "STATUS", 7);
        pad(b, "CATEGORY", 16);
        pad(b, "PROVIDER", 10);
        pad(b, "CAMPAIGN", 14);
        b += "RECIPIENT";
        if (colour_) b += "\x1b[0m";
        b.push_back('\n');
    }
    bool json_, colour_;
    store::SuppressionApplier* applier_ = nullptr;
    std::string store_error_;
    bool header_done_ = false;
    Out out_;
    // A part (fork()): its output, held until its input is the head, and its problems with their
    // place in that output.
    bool part_ = false;
    std::string held_;
    std::vector<std::pair<std::size_t, std::string>> problems_;
};

void run(const DiagnoseOptions& o, int& exit_status) {
    auto classifier = prepare_inputs(o.input);
    if (!classifier) {
        exit_status = kExitError;
        return;
    }
    // --apply: the suppression rules of triage-spec section 6, as `triage --apply` applies them.
    std::optional<store::Db> db;
    std::optional<store::SuppressionApplier> applier;
    if (o.apply) {
        auto config = triage::load_triage_config(Classifier::default_rules_dir() + "/triage.toml");
        if (!config) {
            error(config.error());
            exit_status = kExitError;
            return;
        }
        auto opened = store::open_database(store::resolve_db_path(o.db));
        if (!opened) {
            error("database: " + opened.error());
            exit_status = kExitError;
            return;
        }
        db = std::move(*opened);
        applier.emplace(*db, config->suppression);
    }
    Consumer consumer(o.json, !o.json && colour_stdout(), applier ? &*applier : nullptr);
    InputCounts counts = ingest_paths(o.input.paths_or_stdin(), o.input.ingest_options(), classifier, consumer);
    consumer.summary(counts);
    if (applier) {
        auto c = consumer.store_error().empty()
                     ? applier->finish()
                     : std::expected<store::ApplyCounts, store::Error>(std::unexpected(consumer.store_error()));
        if (!c) {
            error("suppression list: " + c.error());
            exit_status = kExitError;
            return;
        }
        std::fprintf(stderr, "mxtriage: suppression list: %lld added, %lld seen again, %lld refused (sender-side rejections)\n",
                     static_cast<long long>(c->added), static_cast<long long>(c->updated),
                     static_cast<long long>(c->refused));
    }
    // Nothing at all could be read (every input missing, unreadable or refused): an error.
    bool nothing = counts.parsed == 0 && counts.skipped_total() == 0 && counts.failed_total() > 0;
    exit_status = nothing ? kExitError : kExitOk;
}

void setup(CLI::App& root, int& exit_status) {
    auto o = std::make_shared<DiagnoseOptions>();
    std::string formats;
    for (const auto& n : reader_names()) formats += (formats.empty() ? "" : ", ") + n;
    CLI::App* cmd = root.add_subcommand(
        "diagnose",
        "Read MTA logs, bounce messages, mailboxes or event exports and explain every rejection");
    cmd->footer(
        "Inputs: files, directories (read recursively, sorted), Maildir folders, mbox files,\n"
        "gzip-compressed files, and - for stdin (the default). Formats are detected per input:\n  " +
        formats +
        "\n\nExamples:\n"
        "  mxtriage diagnose /var/log/mail.log\n"
        "  mxtriage diagnose --json /var/log/mail.log.*.gz > events.jsonl\n"
        "  journalctl -u postfix -o short-iso | mxtriage diagnose -\n"
        "  mxtriage diagnose --format pmta --threads 4 acct/\n"
        "  mxtriage diagnose --campaign-pattern 'bounces\\+(?P<campaign>[^.@]+)\\.(?P<segment>[^@]+)@' "
        "mail.log\n"
        "  mxtriage diagnose --rules my-rules.toml ~/Maildir/.Bounces\n\n"
        "Exit status: 0 when the run completed (bad input lines are counted and reported on\n"
        "stderr as file:line: why), 2 on a usage or rules error or when no input could be read.");
    add_input_options(cmd, o->input);
    cmd->add_flag("--json", o->json, "JSON Lines: one object per event, then a summary object");
    cmd->add_flag("--apply", o->apply,
                  "Add unknown_user, mailbox_disabled and bad_domain recipients to the suppression list "
                  "(mailbox_full after repeated failures; never for 5.7.x)");
    cmd->add_option("--db", o->db, "Database file for --apply (default: $MXTRIAGE_DB or ~/.local/share/mxtriage/mxtriage.db)");
    cmd->callback([o, &exit_status] { run(*o, exit_status); });
}

}  // namespace

MXT_COMMAND("diagnose", setup);

}  // namespace mxt::cli
