// The terminal triage report; see text_report.hpp.
#include "report/text_report.hpp"

#include <algorithm>

#include "triage/steps.hpp"

namespace mxt::report {
namespace {

struct Style {
    bool on;
    std::string operator()(const char* code, const std::string& s) const {
        return on ? std::string("\x1b[") + code + "m" + s + "\x1b[0m" : s;
    }
};

std::string gate_word(triage::Gate g, const Style& st) {
    switch (g) {
        case triage::Gate::stop: return st("1;31", "STOP");
        case triage::Gate::hold: return st("1;33", "HOLD");
        case triage::Gate::go: return st("1;32", "GO");
    }
    return "GO";
}

// Left-aligned cell of `width` (bytes; replies are mostly ASCII) followed by two spaces.
void cell(std::string& out, const std::string& s, std::size_t width, bool right = false) {
    std::string v = s.size() > width ? s.substr(0, width - 1) + "~" : s;
    std::string fill(width - v.size(), ' ');
    out += right ? fill + v : v + fill;
    out += "  ";
}

void heading(std::string& out, const std::string& title, const Style& st) {
    out += "\n" + st("1", title) + "\n";
}

std::string where(const triage::Verdict& v) {
    if (!v.provider.empty()) return " at " + triage::provider_label(v.provider);
    if (!v.segment.empty()) return " in segment " + v.segment;
    return "";
}

}  // namespace

std::string triage_text(const ReportInput& in, bool colour) {
    const triage::Aggregator& a = in.agg;
    const triage::Decision& d = in.decision;
    Style st{colour};
    std::string out;

    out += st("1", "Send gate: ") + gate_word(d.gate.overall, st);
    std::string detail;
    for (const auto& [p, g] : d.gate.providers)
        if (g != triage::Gate::go) detail += "  " + triage::provider_label(p) + " " + gate_word(g, st);
    for (const auto& [s, g] : d.gate.segments)
        if (g != triage::Gate::go) detail += "  segment " + s + " " + gate_word(g, st);
    if (!detail.empty()) out += "  (" + detail.substr(2) + "; everything else GO)";
    out += "\n";

    heading(out, "Verdicts", st);
    for (const auto& v : d.verdicts) {
        out += "  " + gate_word(v.gate, st) + "  " + st("1", v.kind) + where(v) + "\n";
        out += "        " + v.evidence.summary + "\n";
        for (const auto& [t, n] : v.evidence.templates)
            out += "        " + std::to_string(n) + " x " + t.substr(0, 110) + "\n";
        if (!v.evidence.blocklists.empty()) {
            out += "        lists:";
            for (const auto& b : v.evidence.blocklists) out += " " + b;
            out += "\n";
        }
        for (const auto& f : v.evidence.audit) {  // triage --audit
            out += "        audit " + f.check + " [" + f.status + "]: " + f.summary + "\n";
            if (!f.fix.empty()) out += "          fix: " + f.fix + "\n";
        }
    }

    const triage::Counts& t = a.totals;
    heading(out, "Totals", st);
    out += "  " + std::to_string(t.attempts) + " attempts: " + std::to_string(t.delivered) +
           " delivered (" + percent(ratio(t.delivered, t.attempts)) + "), " +
           std::to_string(t.deferred) + " deferred (" + percent(ratio(t.deferred, t.attempts)) +
           "), " + std::to_string(t.bounced) + " bounced (" + percent(ratio(t.bounced, t.attempts)) +
           ")\n";
    out += "  " + std::to_string(t.recipients()) + " recipients with a final outcome; " +
           std::to_string(t.permanent) + " permanent rejections (" +
           percent(ratio(t.permanent, t.recipients())) + ")";
    if (t.complaints) out += "; " + std::to_string(t.complaints) + " complaints";
    out += "\n";
    if (a.outside_window) out += "  " + std::to_string(a.outside_window) + " events outside --since/--until/--campaign\n";

    heading(out, "Providers", st);
    out += "  ";
    cell(out, "PROVIDER", 12);
    for (const char* h : {"ATTEMPTS", "DELIVERED", "DEFERRED", "BOUNCED", "REJECTED", "SHARE"})
        cell(out, h, 9, true);
    out += "GATE\n";
    std::int64_t all = t.rejections();
    for (const auto& p : providers_by_rejections(a)) {
        const triage::Counts& c = a.providers.at(p);
        out += "  ";
        cell(out, p, 12);
        cell(out, std::to_string(c.attempts), 9, true);
        cell(out, std::to_string(c.delivered), 9, true);
        cell(out, std::to_string(c.deferred), 9, true);
        cell(out, std::to_string(c.bounced), 9, true);
        cell(out, percent(ratio(c.rejections(), c.attempts)), 9, true);
        cell(out, percent(ratio(c.rejections(), all)), 9, true);
        auto g = d.gate.providers.count(p) ? d.gate.providers.at(p) : triage::Gate::go;
        out += gate_word(g, st) + "\n";
    }

    auto cats = categories_by_count(t);
    if (!cats.empty()) {
        heading(out, "Categories", st);
        out += "  ";
        cell(out, "CATEGORY", 17);
        cell(out, "COUNT", 7, true);
        cell(out, "SHARE", 7, true);
        out += "PROVIDERS\n";
        for (const auto& [cat, n] : cats) {
            out += "  ";
            cell(out, std::string(to_string(cat)), 17);
            cell(out, std::to_string(n), 7, true);
            cell(out, percent(ratio(n, all)), 7, true);
            std::string ps;
            for (const auto& [p, c] : a.providers)
                if (std::int64_t k = c.rejected(cat)) ps += (ps.empty() ? "" : ", ") + p + " " + std::to_string(k);
            out += ps + "\n";
        }
    }

    auto tmpl = templates_by_count(a);
    if (!tmpl.empty()) {
        heading(out, "Templates (" + std::to_string(tmpl.size()) + " distinct)", st);
        out += "  ";
        cell(out, "COUNT", 6, true);
        cell(out, "CATEGORY", 16);
        out += "TEMPLATE\n";
        std::size_t shown = std::min<std::size_t>(tmpl.size(), 15);
        for (std::size_t i = 0; i < shown; ++i) {
            out += "  ";
            cell(out, std::to_string(tmpl[i]->count), 6, true);
            cell(out, std::string(to_string(tmpl[i]->category)), 16);
            out += tmpl[i]->text.substr(0, 120) + "\n";
        }
        if (shown < tmpl.size())
            out += "  ... " + std::to_string(tmpl.size() - shown) + " more (--json or --html for all)\n";
    }

    heading(out, "Next steps", st);
    for (const auto& v : d.verdicts) {
        out += "  " + st("1", v.kind + where(v)) + "\n";
        int i = 1;
        for (const auto& s : v.steps) out += "    " + std::to_string(i++) + ". " + s + "\n";
    }

    const RunFacts& f = in.facts;
    std::string foot;
    if (f.history_used)
        foot += "history: " + std::to_string(f.baseline_campaigns) + " earlier campaign(s) compared" +
                (d.has_baseline ? " (permanent rejections " + percent(d.baseline_rate) + ")" : "") +
                "; " + std::to_string(f.inputs_recorded) + " input(s) recorded, " +
                std::to_string(f.inputs_known) + " already known";
    if (f.applied)
        foot += std::string(foot.empty() ? "" : "\n") + "suppression list: " +
                std::to_string(f.suppressed_added) + " added, " + std::to_string(f.suppressed_updated) +
                " updated";
    if (!foot.empty()) out += "\n" + st("2", foot) + "\n";
    return out;
}

}  // namespace mxt::report
