// `mxtriage triage [PATH...]`: reads the same inputs as diagnose, aggregates them per campaign,
// provider, category, segment and template, compares with the history in the database, and
// prints verdicts, the send gate and next steps (terminal, --json or --html). Exit status 0 when
// the gate is go, 1 when hold or stop, 2 on error, so that a send script can ask first.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/input_options.hpp"
#include "cli/triage_audit.hpp"
#include "ingest/pipeline.hpp"
#include "report/html_report.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "store/database.hpp"
#include "store/history.hpp"
#include "store/suppression_apply.hpp"
#include "triage/aggregate.hpp"
#include "triage/config.hpp"
#include "triage/verdict.hpp"

namespace mxt::cli {
namespace {

struct TriageOptions {
    InputArgs input;  // paths, --format, --threads, --campaign-pattern, --rules, --follow-symlinks
    std::string since, until, campaign, db, html, config;
    bool json = false, apply = false, no_history = false;
    TriageAuditOptions audit;  // --audit and its DNS options (cli/triage_audit.hpp)
};

// "2026-03-01", "2026-03-01T09:00", "2026-03-01 09:00:00", optional trailing "Z"; all UTC.
std::optional<std::int64_t> parse_time(const std::string& s) {
    std::tm tm{};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    char sep = 0;
    int n = std::sscanf(s.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &sec);
    if (n != 3 && n != 6 && n != 7) return std::nullopt;
    if (n > 3 && sep != 'T' && sep != ' ') return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return static_cast<std::int64_t>(timegm(&tm));
}

class TriageConsumer final : public EventConsumer {
public:
    TriageConsumer(triage::Aggregator& agg, store::SuppressionApplier* applier, AuditSubjects* audit)
        : agg_(agg), applier_(applier), audit_(audit) {}
    void on_event(const DeliveryEvent& e) override {
        if (held_) {
            agg_.add(e);  // a part: one input
        } else {
            // Events in input order: counted per input and merged, exactly as parts are, so that
            // --apply and --audit (which keep this path) give the same template table.
            if (!current_ || current_source_ != e.source) {
                finish();
                current_ = std::make_unique<triage::Aggregator>(agg_.empty_like());
                current_source_ = e.source;
            }
            current_->add(e);
        }
        if (audit_) audit_->observe(e);
        if (applier_ && store_error_.empty())
            if (auto r = applier_->observe(e); !r) store_error_ = r.error();
    }
    void on_problem(const InputProblem& p) override {
        if (held_) held_->push_back(p);  // a part: told when it is joined, in input order
        else warning(p.str());
    }
    const std::string& store_error() const { return store_error_; }
    // Folds in the input being counted; call after the last event, before reading the aggregator.
    void finish() {
        if (current_) agg_.merge(std::move(*current_));
        current_.reset();
    }

    // Counting alone is per input and merges exactly, so each input is counted by the thread
    // that reads it. Suppressions and audit subjects are recorded in input order: with --apply or
    // --audit, events come here one input after another.
    std::unique_ptr<EventConsumer> fork() override {
        if (applier_ || audit_) return nullptr;
        return std::unique_ptr<EventConsumer>(
            new TriageConsumer(std::make_unique<triage::Aggregator>(agg_.empty_like())));
    }
    void join(EventConsumer& part) override {
        auto& p = static_cast<TriageConsumer&>(part);
        triage::Aggregator counted = std::move(*p.own_);
        *p.own_ = counted.empty_like();  // the part is left empty
        agg_.merge(std::move(counted));
        for (const auto& problem : *p.held_) warning(problem.str());
        p.held_->clear();
    }

private:
    explicit TriageConsumer(std::unique_ptr<triage::Aggregator> own)
        : own_(std::move(own)), held_(std::make_unique<std::vector<InputProblem>>()), agg_(*own_),
          applier_(nullptr), audit_(nullptr) {}
    std::unique_ptr<triage::Aggregator> own_;  // a part's own aggregator
    std::unique_ptr<std::vector<InputProblem>> held_;  // a part's problems (bounded per input)
    triage::Aggregator& agg_;
    store::SuppressionApplier* applier_;
    AuditSubjects* audit_;
    std::string store_error_;
    std::unique_ptr<triage::Aggregator> current_;  // the input being counted (serial path)
    std::string current_source_;
};

int run(const TriageOptions& o) {
    std::string config_path =
        o.config.empty() ? Classifier::default_rules_dir() + "/triage.toml" : o.config;
    auto config = triage::load_triage_config(config_path);
    if (!config) {
        error(config.error());
        return kExitError;
    }
    triage::Filter filter;
    filter.campaign = o.campaign;
    if (!o.since.empty()) {
        filter.since = parse_time(o.since);
        if (!filter.since) return error("--since: expected YYYY-MM-DD[THH:MM[:SS]] (UTC), got " + o.since), kExitError;
    }
    if (!o.until.empty()) {
        filter.until = parse_time(o.until);
        if (!filter.until) return error("--until: expected YYYY-MM-DD[THH:MM[:SS]] (UTC), got " + o.until), kExitError;
    }
    auto classifier = prepare_inputs(o.input);
    if (!classifier) return kExitError;

    std::optional<store::Db> db;
    std::string db_path = store::resolve_db_path(o.db);
    if (!o.no_history || o.apply) {
        auto opened = store::open_database(db_path);
        if (!opened) {
            error("database: " + opened.error());
            return kExitError;
        }
        db = std::move(*opened);
    }

    triage::Aggregator agg(filter, static_cast<std::size_t>(config->max_templates));
    std::optional<store::SuppressionApplier> applier;
    if (o.apply) applier.emplace(*db, config->suppression);
    std::optional<AuditSubjects> audit_subjects;
    if (o.audit.enabled) audit_subjects.emplace(filter);
    TriageConsumer consumer(agg, applier ? &*applier : nullptr, audit_subjects ? &*audit_subjects : nullptr);
    InputCounts counts = ingest_paths(o.input.paths_or_stdin(), o.input.ingest_options(), classifier, consumer);
    consumer.finish();
    if (counts.parsed == 0 && counts.skipped_total() == 0 && counts.failed_total() > 0) {
        error("no input could be read");
        return kExitError;
    }

    report::RunFacts facts;
    facts.read = counts.read;
    facts.parsed = counts.parsed;
    facts.skipped = counts.skipped_total();
    facts.failed = counts.failed_total();
    facts.events = counts.events;
    facts.campaign = o.campaign;
    facts.since = o.since;
    facts.until = o.until;
    facts.db_path = db_path;

    store::Baseline baseline;
    if (!o.no_history) {
        // Compare with what was known before this run, then record this run.
        auto b = store::load_baseline(*db, agg.campaign_names(), agg.input_digests());
        if (!b) return error("database: " + b.error()), kExitError;
        baseline = std::move(*b);
        facts.history_used = true;
        facts.baseline_campaigns = baseline.campaigns;
        auto rec = store::record_inputs(*db, agg.input_records());
        if (!rec) return error("database: " + rec.error()), kExitError;
        facts.inputs_recorded = rec->recorded;
        facts.inputs_known = rec->known;
    }
    if (applier) {
        if (!consumer.store_error().empty()) return error("suppression list: " + consumer.store_error()), kExitError;
        auto c = applier->finish();
        if (!c) return error("suppression list: " + c.error()), kExitError;
        facts.applied = true;
        facts.suppressed_added = c->added;
        facts.suppressed_updated = c->updated;
    }

    triage::Decision decision = triage::decide(agg, *config, baseline);
    if (audit_subjects)
        if (auto r = audit_verdicts(o.audit, *audit_subjects, decision); !r) return error("--audit: " + r.error()), kExitError;
    report::ReportInput in{agg, decision, facts};
    if (!o.html.empty()) {
        std::ofstream f(o.html, std::ios::binary | std::ios::trunc);
        f << report::triage_html(in);
        if (!f) return error(o.html + ": cannot write the HTML report"), kExitError;
    }
    std::string text = o.json ? report::triage_json(in) : report::triage_text(in, colour_stdout());
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return decision.gate.overall == triage::Gate::go ? kExitOk : kExitFindings;
}

void setup(CLI::App& root, int& exit_status) {
    auto o = std::make_shared<TriageOptions>();
    CLI::App* cmd = root.add_subcommand(
        "triage", "Triage a campaign: verdicts, send gate (go/hold/stop) and next steps");
    cmd->footer(
        "Reads the same inputs as diagnose. Compares the campaign with earlier ones recorded in\n"
        "the database (--db, $MXTRIAGE_DB, default ~/.local/share/mxtriage/mxtriage.db) and\n"
        "records it; an input already recorded is recognised and not counted twice.\n"
        "Thresholds: rules/triage.toml (docs/decision-tree.md).\n\n"
        "Examples:\n"
        "  mxtriage triage /var/log/mail.log\n"
        "  mxtriage triage --campaign spring-sale --json mail.log > triage.json\n"
        "  mxtriage triage --since 2026-03-01 --until 2026-03-02 --html report.html mail.log*\n"
        "  mxtriage triage --apply mail.log && ./send-next-batch\n\n"
        "Exit status: 0 when the gate is go, 1 when it is hold or stop, 2 on error.");
    add_input_options(cmd, o->input);
    cmd->add_option("--config", o->config, "Triage thresholds (default: triage.toml in the rules directory)");
    cmd->add_option("--since", o->since, "Only events at or after this time (UTC, YYYY-MM-DD[THH:MM[:SS]])");
    cmd->add_option("--until", o->until, "Only events before this time (UTC)");
    cmd->add_option("--campaign", o->campaign, "Only this campaign");
    cmd->add_option("--db", o->db, "Database file (history and suppression list)");
    cmd->add_flag("--apply", o->apply,
                  "Add unknown users, disabled mailboxes and bad domains to the suppression list "
                  "(mailbox-full addresses after repeated failures); never for 5.7.x rejections");
    cmd->add_flag("--no-history", o->no_history, "Neither compare with nor record to the history");
    cmd->add_flag("--json", o->json, "One JSON object (docs/triage-json.md)");
    cmd->add_option("--html", o->html, "Also write a self-contained HTML report to FILE");
    add_triage_audit_options(cmd, o->audit);
    cmd->callback([o, &exit_status] { exit_status = run(*o); });
}

}  // namespace

MXT_COMMAND("triage", setup);

}  // namespace mxt::cli
