// The triage JSON object; field by field in docs/triage-json.md. Names follow
// docs/json-contract.md (verdicts, gate, totals, providers, categories, templates).
#include "report/json_report.hpp"

#include "util/json_writer.hpp"

namespace mxt::report {
namespace {

void rate_or_null(JsonWriter& w, std::string_view key, double v) {
    w.key(key);
    if (v < 0) w.null();
    else w.value(v);
}

void counts_fields(JsonWriter& w, const triage::Counts& c) {
    w.field("attempts", c.attempts).field("delivered", c.delivered).field("deferred", c.deferred);
    w.field("bounced", c.bounced).field("permanent", c.permanent);
    w.field("recipients", c.recipients()).field("complaints", c.complaints);
    w.key("rates").begin_object();
    w.field("delivered", ratio(c.delivered, c.attempts));
    w.field("deferred", ratio(c.deferred, c.attempts));
    w.field("bounced", ratio(c.bounced, c.attempts));
    w.field("rejected", ratio(c.rejections(), c.attempts));
    w.field("permanent_per_recipient", ratio(c.permanent, c.recipients()));
    w.field("unknown_user_per_recipient",
            ratio(c.bounced_by[static_cast<std::size_t>(Category::unknown_user)], c.recipients()));
    w.end_object();
    w.key("categories").begin_object();
    for (const auto& [cat, n] : categories_by_count(c)) w.field(to_string(cat), n);
    w.end_object();
}

void verdict(JsonWriter& w, const triage::Verdict& v) {
    const triage::Evidence& e = v.evidence;
    w.begin_object();
    w.field("kind", v.kind);
    w.field_or_null("provider", v.provider);
    w.field_or_null("segment", v.segment);
    w.field("gate", triage::to_string(v.gate));
    w.key("evidence").begin_object();
    w.field("summary", e.summary);
    w.field("count", e.count).field("denominator", e.denominator);
    w.field("denominator_name", e.denominator_name.empty() ? "attempts" : e.denominator_name);
    w.field("rate", e.rate).field("lower_bound", e.lower_bound).field("threshold", e.threshold);
    rate_or_null(w, "share", e.share);
    w.field("concentrated", e.concentrated);
    rate_or_null(w, "baseline_rate", e.baseline_rate);
    w.key("templates").begin_array();
    for (const auto& [t, n] : e.templates)
        w.begin_object().field("template", t).field("count", n).end_object();
    w.end_array();
    w.key("blocklists").begin_array();
    for (const auto& b : e.blocklists) w.value(b);
    w.end_array();
    w.key("providers").begin_array();
    for (const auto& p : e.providers) w.value(p);
    w.end_array();
    // triage --audit findings (docs/triage-json.md, "Audit findings"); empty without --audit.
    w.key("audit").begin_array();
    for (const auto& f : e.audit) {
        w.begin_object().field("check", f.check).field_or_null("subject", f.subject).field("status", f.status);
        w.field_or_null("result", f.result).field("summary", f.summary).field_or_null("fix", f.fix).end_object();
    }
    w.end_array();
    w.end_object();
    w.key("steps").begin_array();
    for (const auto& s : v.steps) w.value(s);
    w.end_array();
    w.end_object();
}

}  // namespace

std::string triage_json(const ReportInput& in) {
    const triage::Aggregator& a = in.agg;
    const triage::Decision& d = in.decision;
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("type", "triage");

    w.key("verdicts").begin_array();
    for (const auto& v : d.verdicts) verdict(w, v);
    w.end_array();

    w.key("gate").begin_object();
    w.field("overall", triage::to_string(d.gate.overall));
    w.key("providers").begin_object();
    for (const auto& [p, g] : d.gate.providers) w.field(p, triage::to_string(g));
    w.end_object();
    w.key("segments").begin_object();
    for (const auto& [s, g] : d.gate.segments) w.field(s, triage::to_string(g));
    w.end_object();
    w.end_object();

    w.key("totals").begin_object();
    counts_fields(w, a.totals);
    w.field("auto_replies", a.totals.auto_replies);
    w.field("outside_window", a.outside_window);
    w.field_or_null("first_time", iso_time(a.first_unix));
    w.field_or_null("last_time", iso_time(a.last_unix));
    w.end_object();

    std::int64_t all_rejections = a.totals.rejections();
    w.key("providers").begin_array();
    for (const auto& p : providers_by_rejections(a)) {
        const triage::Counts& c = a.providers.at(p);
        w.begin_object().field("provider", p);
        counts_fields(w, c);
        w.field("rejections", c.rejections());
        w.field("share_of_rejections", ratio(c.rejections(), all_rejections));
        w.field("gate", triage::to_string(d.gate.providers.count(p) ? d.gate.providers.at(p)
                                                                    : triage::Gate::go));
        w.end_object();
    }
    w.end_array();

    w.key("categories").begin_array();
    for (const auto& [cat, n] : categories_by_count(a.totals)) {
        auto i = static_cast<std::size_t>(cat);
        w.begin_object().field("category", to_string(cat)).field("count", n);
        w.field("bounced", a.totals.bounced_by[i]).field("deferred", a.totals.deferred_by[i]);
        w.field("share_of_rejections", ratio(n, all_rejections));
        w.key("providers").begin_object();
        for (const auto& [p, c] : a.providers)
            if (std::int64_t k = c.rejected(cat)) w.field(p, k);
        w.end_object();
        w.end_object();
    }
    w.end_array();

    w.key("segments").begin_array();
    for (const auto& [s, c] : a.segments) {
        w.begin_object();
        w.field_or_null("segment", s);
        counts_fields(w, c);
        w.end_object();
    }
    w.end_array();

    w.key("campaigns").begin_array();
    for (const auto& [name, c] : a.campaigns) {
        w.begin_object();
        w.field_or_null("campaign", name);
        counts_fields(w, c);
        w.end_object();
    }
    w.end_array();

    w.key("templates").begin_array();
    for (const triage::TemplateStat* t : templates_by_count(a)) {
        w.begin_object().field("template", t->text).field("count", t->count);
        w.field("example", t->example).field("category", to_string(t->category));
        w.key("providers").begin_object();
        for (const auto& [p, n] : t->providers) w.field(p, n);
        w.end_object();
        w.end_object();
    }
    w.end_array();

    bool by_day = false;
    auto buckets = time_buckets(a, &by_day);
    w.key("timeline").begin_object();
    w.field("bucket", by_day ? "day" : "hour");
    w.key("points").begin_array();
    for (const auto& b : buckets) {
        w.begin_object().field("time", iso_time(b.start));
        w.field("attempts", b.counts.attempts).field("delivered", b.counts.delivered);
        w.field("deferred", b.counts.deferred).field("bounced", b.counts.bounced);
        w.end_object();
    }
    w.end_array();
    w.end_object();

    const RunFacts& f = in.facts;
    w.key("history").begin_object();
    w.field("used", f.history_used);
    w.field("baseline_campaigns", f.baseline_campaigns);
    rate_or_null(w, "baseline_permanent_rate", d.has_baseline ? d.baseline_rate : -1);
    w.field("inputs_recorded", f.inputs_recorded).field("inputs_known", f.inputs_known);
    w.end_object();

    if (f.applied) {
        w.key("suppression").begin_object();
        w.field("added", f.suppressed_added).field("updated", f.suppressed_updated);
        w.end_object();
    }

    w.key("input").begin_object();
    w.field("read", f.read).field("parsed", f.parsed).field("skipped", f.skipped);
    w.field("failed", f.failed).field("events", f.events);
    w.end_object();
    w.end_object();
    out.push_back('\n');
    return out;
}

}  // namespace mxt::report
