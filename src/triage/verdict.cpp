// The triage decision tree; see verdict.hpp and docs/decision-tree.md.
#include "triage/verdict.hpp"

#include <algorithm>
#include <cstdio>

#include "triage/steps.hpp"
#include "triage/wilson.hpp"

namespace mxt::triage {
namespace {

std::string percent(double r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, r < 0.01 && r > 0 ? "%.2f %%" : "%.1f %%", r * 100);
    return buf;
}

// A sender-side pattern checked per provider: the category it reads and its threshold.
struct Pattern {
    const char* kind;
    Category category;
    double TriageConfig::*threshold;
};

constexpr Pattern kProviderPatterns[] = {
    {"authentication_failure", Category::authentication, &TriageConfig::authentication_rate},
    {"blocklisted", Category::blocklisted, &TriageConfig::blocklisted_rate},
    {"ip_reputation_incident", Category::ip_reputation, &TriageConfig::ip_reputation_rate},
    {"complaint_rate", Category::complaint_rate, &TriageConfig::complaint_rate_rate},
    {"rate_limited", Category::rate_limited, &TriageConfig::rate_limited_rate},
};

class Decider {
public:
    Decider(const Aggregator& a, const TriageConfig& c, const store::Baseline& b)
        : a_(a), c_(c), b_(b), z_(c.z()) {}

    Decision run() {
        Decision d;
        if (b_.overall.recipients() >= c_.rise_min_baseline) {
            d.has_baseline = true;
            d.baseline_rate = static_cast<double>(b_.overall.permanent) /
                              static_cast<double>(b_.overall.recipients());
        }
        provider_patterns(d);
        content(d);
        list_quality(d);
        if (d.verdicts.empty()) normal(d);
        gates(d);
        return d;
    }

private:
    // Rate, Wilson bound and the small-sample guard in one place.
    bool significant(std::int64_t k, std::int64_t n, double threshold, Evidence& ev) const {
        ev.count = k;
        ev.denominator = n;
        ev.rate = n ? static_cast<double>(k) / static_cast<double>(n) : 0;
        ev.lower_bound = wilson_lower(k, n, z_);
        ev.threshold = threshold;
        return n >= c_.min_attempts && k >= c_.min_rejections && ev.lower_bound >= threshold;
    }

    double baseline_for(const std::string& provider) const {
        if (provider.empty()) {
            if (b_.overall.recipients() < c_.rise_min_baseline) return -1;
            return static_cast<double>(b_.overall.permanent) / static_cast<double>(b_.overall.recipients());
        }
        auto it = b_.providers.find(provider);
        if (it == b_.providers.end() || it->second.recipients() < c_.rise_min_baseline) return -1;
        return static_cast<double>(it->second.permanent) / static_cast<double>(it->second.recipients());
    }

    std::vector<std::pair<std::string, std::int64_t>> top_templates(
        Category c, const std::string& provider, std::size_t n = 3) const {
        std::vector<std::pair<std::string, std::int64_t>> out;
        for (const auto& [key, t] : a_.templates) {
            if (t.category != c) continue;
            std::int64_t k = t.count;
            if (!provider.empty()) {
                auto it = t.providers.find(provider);
                k = it == t.providers.end() ? 0 : it->second;
            }
            if (k > 0) out.emplace_back(t.text, k);
        }
        std::stable_sort(out.begin(), out.end(),
                         [](const auto& x, const auto& y) { return x.second > y.second; });
        if (out.size() > n) out.resize(n);
        return out;
    }

    void add(Decision& d, std::string kind, std::string provider, std::string segment, Evidence ev) {
        Verdict v;
        v.kind = std::move(kind);
        v.provider = std::move(provider);
        v.segment = std::move(segment);
        v.steps = steps_for(v.kind, v.provider, ev.blocklists);
        v.gate = c_.gate_for(v.kind);
        v.evidence = std::move(ev);
        d.verdicts.push_back(std::move(v));
    }

    void provider_patterns(Decision& d) {
        for (const Pattern& p : kProviderPatterns) {
            std::int64_t all = a_.totals.rejected(p.category);
            for (const auto& [provider, counts] : a_.providers) {
                Evidence ev;
                std::int64_t k = counts.rejected(p.category);
                bool sig = significant(k, counts.attempts, c_.*p.threshold, ev);
                // Complaints reported through feedback loops count towards the same verdict.
                if (p.category == Category::complaint_rate && !sig && counts.complaints > 0) {
                    Evidence fb;
                    if (significant(counts.complaints, counts.delivered, c_.complaint_feedback_rate, fb)) {
                        fb.denominator_name = "delivered";
                        fb.summary = std::to_string(counts.complaints) + " complaints per " +
                                     std::to_string(counts.delivered) + " delivered at " +
                                     provider_label(provider) + " (" + percent(fb.rate) + ", at least " +
                                     percent(fb.lower_bound) + " at " + percent(c_.confidence) +
                                     " confidence; threshold " + percent(fb.threshold) + ").";
                        add(d, p.kind, provider, "", std::move(fb));
                    }
                    continue;
                }
                if (!sig) continue;
                ev.denominator_name = "attempts";
                ev.share = all ? static_cast<double>(k) / static_cast<double>(all) : 0;
                ev.baseline_rate = baseline_for(provider);
                ev.templates = top_templates(p.category, provider);
                if (auto it = a_.blocklists.find(provider); it != a_.blocklists.end())
                    for (const auto& [name, n] : it->second) ev.blocklists.push_back(name);
                ev.summary = std::to_string(k) + " of " + std::to_string(counts.attempts) +
                             " attempts at " + provider_label(provider) + " rejected as " +
                             std::string(to_string(p.category)) + " (" + percent(ev.rate) +
                             ", at least " + percent(ev.lower_bound) + " at " +
                             percent(c_.confidence) + " confidence; threshold " +
                             percent(ev.threshold) + "); " + provider_label(provider) + " holds " +
                             percent(ev.share) + " of these rejections.";
                if (ev.baseline_rate >= 0)
                    ev.summary += " Earlier campaigns there: " + percent(ev.baseline_rate) +
                                  " permanent rejections.";
                ev.concentrated = ev.share >= c_.concentration_share;
                add(d, p.kind, provider, "", std::move(ev));
                if (!d.verdicts.back().evidence.concentrated)
                    d.verdicts.back().steps.push_back(
                        "The same kind of rejection comes from other providers too: look at the "
                        "sending IPs and domain as a whole, not only at " + provider_label(provider) + ".");
            }
        }
    }

    // Content-filter rejections: significant at several providers, it is the message (one
    // verdict for the whole send); at fewer, it is those providers' filters (one verdict each).
    // Counting providers with a significant rate, rather than comparing shares of the count,
    // keeps a big provider's volume from hiding that the others filter the message too.
    void content(Decision& d) {
        std::vector<std::pair<std::string, Evidence>> hits;
        for (const auto& [provider, counts] : a_.providers) {
            Evidence ev;
            std::int64_t k = counts.rejected(Category::content);
            if (significant(k, counts.attempts, c_.content_rate, ev)) hits.emplace_back(provider, ev);
        }
        std::int64_t all = a_.totals.rejected(Category::content);
        if (static_cast<long>(hits.size()) >= c_.content_min_providers) {
            Evidence overall;
            significant(all, a_.totals.attempts, c_.content_rate, overall);
            overall.denominator_name = "attempts";
            std::string list;
            for (const auto& [p, ev] : hits) {
                overall.providers.push_back(p);
                list += (list.empty() ? "" : ", ") + provider_label(p) + " " + percent(ev.rate);
            }
            overall.templates = top_templates(Category::content, "", 5);
            overall.summary = std::to_string(all) + " of " + std::to_string(a_.totals.attempts) +
                              " attempts rejected by content filters (" + percent(overall.rate) +
                              "), significantly at " + std::to_string(hits.size()) +
                              " providers: " + list + ".";
            add(d, "content_problem", "", "", std::move(overall));
            return;
        }
        for (auto& [provider, ev] : hits) {
            ev.denominator_name = "attempts";
            ev.share = all ? static_cast<double>(ev.count) / static_cast<double>(all) : 0;
            ev.templates = top_templates(Category::content, provider);
            ev.summary = std::to_string(ev.count) + " of " + std::to_string(ev.denominator) +
                         " attempts at " + provider_label(provider) +
                         " rejected by content filters (" + percent(ev.rate) + ", at least " +
                         percent(ev.lower_bound) + "); " + provider_label(provider) + " holds " +
                         percent(ev.share) + " of these rejections.";
            add(d, "content_problem", provider, "", std::move(ev));
        }
    }

    // Unknown users per recipient with a final outcome, per segment when the input has segments.
    void list_quality(Decision& d) {
        bool has_segments = a_.segments.size() > 1 ||
                            (a_.segments.size() == 1 && !a_.segments.begin()->first.empty());
        auto check = [&](const std::string& segment, const Counts& counts) {
            Evidence ev;
            std::int64_t k = counts.bounced_by[static_cast<std::size_t>(Category::unknown_user)];
            if (!significant(k, counts.recipients(), c_.unknown_user_rate, ev)) return;
            ev.denominator_name = "recipients";
            ev.baseline_rate = baseline_for("");
            ev.templates = top_templates(Category::unknown_user, "");
            std::string where = segment.empty() ? "the whole input" : "segment " + segment;
            ev.summary = std::to_string(k) + " unknown users among " +
                         std::to_string(counts.recipients()) + " recipients in " + where + " (" +
                         percent(ev.rate) + ", at least " + percent(ev.lower_bound) + " at " +
                         percent(c_.confidence) + " confidence; threshold " +
                         percent(ev.threshold) + ").";
            add(d, "list_quality_incident", "", segment, std::move(ev));
        };
        if (!has_segments) {
            check("", a_.totals);
            return;
        }
        for (const auto& [segment, counts] : a_.segments) check(segment.empty() ? "(none)" : segment, counts);
    }

    // No pattern: normal churn, unless the permanent-rejection rate rose against history.
    void normal(Decision& d) {
        Evidence ev;
        const Counts& t = a_.totals;
        significant(t.permanent, t.recipients(), c_.rise_min_rate, ev);
        ev.denominator_name = "recipients";
        ev.baseline_rate = baseline_for("");
        std::vector<std::pair<std::string, std::int64_t>> all;
        for (const auto& [key, tmpl] : a_.templates) all.emplace_back(tmpl.text, tmpl.count);
        std::stable_sort(all.begin(), all.end(), [](auto& x, auto& y) { return x.second > y.second; });
        if (all.size() > 3) all.resize(3);
        ev.templates = all;
        ev.summary = std::to_string(t.permanent) + " permanent rejections among " +
                     std::to_string(t.recipients()) + " recipients (" + percent(ev.rate) + ")";
        // Without history, a rate this high is unexplained too; with history, only when earlier
        // campaigns were clean (a sender whose campaigns always bounce this much gets no hold).
        bool history_clean = ev.baseline_rate < 0 || ev.baseline_rate < c_.rise_baseline_max;
        bool rise = history_clean && t.recipients() >= c_.min_attempts &&
                    t.permanent >= c_.min_rejections && ev.lower_bound >= c_.rise_min_rate;
        if (ev.baseline_rate >= 0) ev.summary += " against " + percent(ev.baseline_rate) + " in earlier campaigns";
        if (rise)
            ev.summary += ev.baseline_rate >= 0
                              ? ": a sudden rise that no single pattern explains; read the templates before the next send."
                              : ": far above normal churn, though no single pattern crosses its threshold; read the templates before the next send.";
        else
            ev.summary += "; no pattern crosses its threshold.";
        add(d, "normal", "", "", std::move(ev));
        if (rise) {
            d.verdicts.back().gate = Gate::hold;
            d.verdicts.back().steps = {
                "Hold the next send until the rise is understood.",
                "Read the most frequent templates below: an unclassified reply may be a new pattern.",
                "Compare with the previous campaign: list source, content, sending IPs, volume."};
        }
    }

    void gates(Decision& d) {
        GateState& g = d.gate;
        for (const auto& [provider, counts] : a_.providers) g.providers[provider] = Gate::go;
        for (const auto& [segment, counts] : a_.segments)
            if (!segment.empty() || a_.segments.size() > 1)
                g.segments[segment.empty() ? "(none)" : segment] = Gate::go;
        auto raise = [](Gate& slot, Gate v) { slot = std::max(slot, v); };
        for (const Verdict& v : d.verdicts) {
            if (!v.provider.empty()) raise(g.providers[v.provider], v.gate);
            else if (!v.segment.empty()) raise(g.segments[v.segment], v.gate);
            else if (v.kind == "content_problem")
                for (const auto& p : v.evidence.providers) raise(g.providers[p], v.gate);
            // A verdict about no one provider or segment concerns the whole send.
            if (v.provider.empty() && v.segment.empty()) raise(g.overall, v.gate);
        }
        // Overall is the most restrictive gate anywhere: a script reading only the exit status
        // never sends where something is stopped; the JSON says what can still go.
        for (const auto& [k, v] : g.providers) raise(g.overall, v);
        for (const auto& [k, v] : g.segments) raise(g.overall, v);
    }

    const Aggregator& a_;
    const TriageConfig& c_;
    const store::Baseline& b_;
    double z_;
};

}  // namespace

Decision decide(const Aggregator& a, const TriageConfig& config, const store::Baseline& baseline) {
    return Decider(a, config, baseline).run();
}

}  // namespace mxt::triage
