// The self-contained HTML triage page; see html_report.hpp. Everything is inline so that the file
// can be mailed or archived alone.
#include "report/html_report.hpp"

#include "report/svg_chart.hpp"
#include "triage/steps.hpp"

namespace mxt::report {
namespace {

const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.muted{color:#777;fill:#777}.gate{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:600;color:#fff}
.gate.go{background:#2e8b57}.gate.hold{background:#d68910}.gate.stop{background:#c0392b}
.verdict{border-left:5px solid #999;padding:6px 12px;margin:10px 0;background:#fafafa}
.verdict.go{border-color:#2e8b57}.verdict.hold{border-color:#d68910}.verdict.stop{border-color:#c0392b}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px/1.3 ui-monospace,Menlo,Consolas,monospace;word-break:break-word}
svg text{font:12px system-ui,sans-serif;fill:#333}svg .grid{stroke:#ddd}
.charts{display:flex;flex-wrap:wrap;gap:24px}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
)css";

std::string gate_badge(triage::Gate g) {
    std::string n(triage::to_string(g));
    return "<span class=\"gate " + n + "\">" + n + "</span>";
}

std::string category_colour(Category c) {
    switch (c) {
        case Category::unknown_user:
        case Category::mailbox_disabled:
        case Category::bad_domain: return "#d4a017";
        case Category::ip_reputation:
        case Category::complaint_rate:
        case Category::blocklisted:
        case Category::authentication: return "#c0392b";
        case Category::content: return "#8e44ad";
        case Category::rate_limited:
        case Category::transient:
        case Category::mailbox_full: return "#2980b9";
        default: return "#7f8c8d";
    }
}

std::string gate_colour(triage::Gate g) {
    return g == triage::Gate::stop ? "#c0392b" : g == triage::Gate::hold ? "#d68910" : "#5d8aa8";
}

std::string td(const std::string& s, bool numeric = false) {
    return std::string(numeric ? "<td class=\"n\">" : "<td>") + html_escape(s) + "</td>";
}

}  // namespace

std::string triage_html(const ReportInput& in) {
    const triage::Aggregator& a = in.agg;
    const triage::Decision& d = in.decision;
    const triage::Counts& t = a.totals;
    std::string h;
    std::string title = "mxtriage triage" + (in.facts.campaign.empty() ? "" : ": " + in.facts.campaign);
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<link rel=\"icon\" href=\"data:,\"><title>" + html_escape(title) + "</title><style>" +
         kStyle + "</style></head><body>\n";
    h += "<h1>" + html_escape(title) + "</h1>\n<p class=\"muted\">";
    if (a.first_unix) h += html_escape(iso_time(a.first_unix) + " to " + iso_time(a.last_unix)) + " &middot; ";
    h += std::to_string(t.attempts) + " attempts &middot; " + std::to_string(t.recipients()) +
         " recipients with a final outcome &middot; " + std::to_string(a.templates.size()) +
         " reply templates</p>\n";

    // Gate
    h += "<h2>Send gate</h2>\n<p id=\"gate\">Overall " + gate_badge(d.gate.overall) + "</p>\n<p>";
    for (const auto& [p, g] : d.gate.providers)
        h += html_escape(triage::provider_label(p)) + " " + gate_badge(g) + " &nbsp; ";
    h += "</p>\n";
    if (!d.gate.segments.empty()) {
        h += "<p>";
        for (const auto& [s, g] : d.gate.segments) h += "segment " + html_escape(s) + " " + gate_badge(g) + " &nbsp; ";
        h += "</p>\n";
    }

    // Verdicts
    h += "<h2>Verdicts</h2>\n";
    for (const auto& v : d.verdicts) {
        std::string g(triage::to_string(v.gate));
        h += "<div class=\"verdict " + g + "\"><p><strong>" + html_escape(v.kind) + "</strong>";
        if (!v.provider.empty()) h += " at " + html_escape(triage::provider_label(v.provider));
        if (!v.segment.empty()) h += " in segment " + html_escape(v.segment);
        h += " " + gate_badge(v.gate) + "</p><p>" + html_escape(v.evidence.summary) + "</p>";
        if (!v.evidence.templates.empty()) {
            h += "<ul>";
            for (const auto& [tt, n] : v.evidence.templates)
                h += "<li>" + std::to_string(n) + " &times; <code>" + html_escape(tt) + "</code></li>";
            h += "</ul>";
        }
        if (!v.evidence.blocklists.empty()) {
            h += "<p>Lists:";
            for (const auto& b : v.evidence.blocklists) h += " " + html_escape(b);
            h += "</p>";
        }
        if (!v.evidence.audit.empty()) {  // triage --audit
            h += "<ul class=\"audit\">";
            for (const auto& f : v.evidence.audit) {
                h += "<li><strong>" + html_escape(f.check) + " " + html_escape(f.status) + "</strong>: " +
                     html_escape(f.summary);
                if (!f.fix.empty()) h += "<br>Fix: " + html_escape(f.fix);
                h += "</li>";
            }
            h += "</ul>";
        }
        h += "</div>\n";
    }

    // Charts
    std::vector<BarItem> by_provider;
    for (const auto& p : providers_by_rejections(a)) {
        const triage::Counts& c = a.providers.at(p);
        if (c.rejections() == 0) continue;
        auto g = d.gate.providers.count(p) ? d.gate.providers.at(p) : triage::Gate::go;
        by_provider.push_back({p, static_cast<double>(c.rejections()),
                               std::to_string(c.rejections()) + " (" +
                                   percent(ratio(c.rejections(), c.attempts)) + " of attempts)",
                               gate_colour(g)});
    }
    std::vector<BarItem> by_category;
    for (const auto& [cat, n] : categories_by_count(t))
        by_category.push_back({std::string(to_string(cat)), static_cast<double>(n),
                               std::to_string(n) + " (" + percent(ratio(n, t.rejections())) + ")",
                               category_colour(cat)});
    bool by_day = false;
    std::vector<TimePoint> points;
    for (const auto& b : time_buckets(a, &by_day)) {
        std::string label = iso_time(b.start).substr(by_day ? 0 : 5, by_day ? 10 : 11);
        points.push_back({label, ratio(b.counts.bounced, b.counts.attempts),
                          ratio(b.counts.deferred, b.counts.attempts), static_cast<long>(b.counts.attempts)});
    }
    h += "<h2>Rejections</h2>\n<div class=\"charts\"><figure id=\"chart-providers\"><figcaption>By provider "
         "(bounced and deferred attempts)</figcaption>" +
         horizontal_bars("Rejections by provider", by_provider) +
         "</figure><figure id=\"chart-categories\"><figcaption>By category</figcaption>" +
         horizontal_bars("Rejections by category", by_category) + "</figure></div>\n";
    h += "<h2>Rates over time</h2>\n<figure id=\"chart-time\"><figcaption class=\"legend\">Per " +
         std::string(by_day ? "day" : "hour") +
         " (UTC), share of attempts: <span style=\"background:#c0392b\"></span>bounced"
         "<span style=\"background:#e0a526\"></span>deferred</figcaption>" +
         rate_columns("Bounce and deferral rates over time", points) + "</figure>\n";

    // Providers table
    h += "<h2>Providers</h2>\n<table id=\"providers\"><tr><th>Provider</th><th>Attempts</th><th>Delivered</th>"
         "<th>Deferred</th><th>Bounced</th><th>Rejection rate</th><th>Share of rejections</th><th>Gate</th></tr>\n";
    for (const auto& p : providers_by_rejections(a)) {
        const triage::Counts& c = a.providers.at(p);
        auto g = d.gate.providers.count(p) ? d.gate.providers.at(p) : triage::Gate::go;
        h += "<tr>" + td(p) + td(std::to_string(c.attempts), true) + td(std::to_string(c.delivered), true) +
             td(std::to_string(c.deferred), true) + td(std::to_string(c.bounced), true) +
             td(percent(ratio(c.rejections(), c.attempts)), true) +
             td(percent(ratio(c.rejections(), t.rejections())), true) + "<td>" + gate_badge(g) + "</td></tr>\n";
    }
    h += "</table>\n";

    // Templates
    h += "<h2>Reply templates</h2>\n<table id=\"templates\"><tr><th>Count</th><th>Category</th><th>Providers</th>"
         "<th>Template and one example</th></tr>\n";
    for (const triage::TemplateStat* tp : templates_by_count(a)) {
        std::string ps;
        for (const auto& [p, n] : tp->providers) ps += (ps.empty() ? "" : ", ") + p + " " + std::to_string(n);
        h += "<tr>" + td(std::to_string(tp->count), true) + td(std::string(to_string(tp->category))) + td(ps) +
             "<td><code>" + html_escape(tp->text) + "</code><br><span class=\"muted\">e.g. " +
             html_escape(tp->example) + "</span></td></tr>\n";
    }
    h += "</table>\n";

    // Steps
    h += "<h2>Next steps</h2>\n";
    for (const auto& v : d.verdicts) {
        h += "<h3>" + html_escape(v.kind);
        if (!v.provider.empty()) h += " at " + html_escape(triage::provider_label(v.provider));
        if (!v.segment.empty()) h += " in segment " + html_escape(v.segment);
        h += "</h3><ol>";
        for (const auto& s : v.steps) h += "<li>" + html_escape(s) + "</li>";
        h += "</ol>\n";
    }
    h += "<p class=\"muted\">Generated by mxtriage. Attempts count every delivery attempt per "
         "recipient; rates of unknown users and permanent rejections are per recipient with a "
         "final outcome.</p>\n</body></html>\n";
    return h;
}

}  // namespace mxt::report
