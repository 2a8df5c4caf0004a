// Loading rules/triage.toml; see config.hpp. toml++ throws on syntax errors: caught here so that
// no exception leaves the module.
#include "triage/config.hpp"

#include <cmath>
#include <set>
#include <toml++/toml.h>

namespace mxt::triage {

std::string_view to_string(Gate g) {
    switch (g) {
        case Gate::go: return "go";
        case Gate::hold: return "hold";
        case Gate::stop: return "stop";
    }
    return "go";
}

double TriageConfig::z() const {
    // Solve 0.5 * erfc(z / sqrt 2) = 1 - confidence by bisection: exact enough, and no table.
    double target = 1.0 - confidence, lo = 0.0, hi = 10.0;
    for (int i = 0; i < 100; ++i) {
        double mid = (lo + hi) / 2;
        if (0.5 * std::erfc(mid / std::sqrt(2.0)) > target) lo = mid;
        else hi = mid;
    }
    return (lo + hi) / 2;
}

Gate TriageConfig::gate_for(const std::string& kind) const {
    auto it = gates.find(kind);
    return it == gates.end() ? Gate::go : it->second;
}

namespace {

struct Loader {
    std::string path;
    std::string error;

    std::string where(const toml::node& n) const {
        auto line = n.source().begin.line;
        return line ? path + ":" + std::to_string(line) + ": " : path + ": ";
    }
    bool fail(const toml::node& n, const std::string& msg) {
        if (error.empty()) error = where(n) + msg;
        return false;
    }

    bool number(const toml::table& t, const std::string& key, double& out, double lo, double hi) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        std::optional<double> v = n->value<double>();
        if (!v) return fail(*n, key + ": expected a number");
        if (!(*v >= lo && *v <= hi))
            return fail(*n, key + ": " + std::to_string(*v) + " is outside [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "]");
        out = *v;
        return true;
    }
    bool integer(const toml::table& t, const std::string& key, long& out, long lo, long hi) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        if (!n->is_integer()) return fail(*n, key + ": expected an integer");
        long v = static_cast<long>(n->as_integer()->get());
        if (v < lo || v > hi)
            return fail(*n, key + ": " + std::to_string(v) + " is outside [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "]");
        out = v;
        return true;
    }
    // Unknown keys are errors: a misspelt threshold would otherwise be ignored silently.
    bool only(const toml::table& t, const std::string& section, std::set<std::string> keys) {
        for (auto&& [k, v] : t)
            if (!keys.contains(std::string(k.str())))
                return fail(v, "unknown key \"" + std::string(k.str()) + "\" in [" + section + "]");
        return true;
    }
};

}  // namespace

std::expected<TriageConfig, std::string> load_triage_config(const std::string& path) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        auto line = e.source().begin.line;
        return std::unexpected(path + (line ? ":" + std::to_string(line) : "") + ": " +
                               std::string(e.description()));
    } catch (const std::exception& e) {
        return std::unexpected(path + ": " + e.what());
    }
    TriageConfig c;
    Loader L{path, {}};
    const std::set<std::string> sections = {"sample",  "list_quality", "rise",       "concentration",
                                            "provider_incident", "complaints", "content", "gate",
                                            "suppression", "report"};
    for (auto&& [k, v] : root) {
        if (!sections.contains(std::string(k.str())))
            L.fail(v, "unknown section [" + std::string(k.str()) + "]");
        else if (!v.is_table())
            L.fail(v, std::string(k.str()) + ": expected a table");
    }
    auto section = [&](const char* name) -> const toml::table* { return root[name].as_table(); };
    if (auto* t = section("sample")) {
        L.only(*t, "sample", {"min_attempts", "min_rejections", "confidence"});
        L.integer(*t, "min_attempts", c.min_attempts, 1, 100000000);
        L.integer(*t, "min_rejections", c.min_rejections, 1, 100000000);
        L.number(*t, "confidence", c.confidence, 0.5, 0.9999);
    }
    if (auto* t = section("list_quality")) {
        L.only(*t, "list_quality", {"unknown_user_rate"});
        L.number(*t, "unknown_user_rate", c.unknown_user_rate, 0.0001, 1);
    }
    if (auto* t = section("rise")) {
        L.only(*t, "rise", {"min_rate", "baseline_max", "min_baseline_recipients"});
        L.number(*t, "min_rate", c.rise_min_rate, 0.0001, 1);
        L.number(*t, "baseline_max", c.rise_baseline_max, 0, 1);
        L.integer(*t, "min_baseline_recipients", c.rise_min_baseline, 1, 100000000);
    }
    if (auto* t = section("concentration")) {
        L.only(*t, "concentration", {"share"});
        L.number(*t, "share", c.concentration_share, 0.01, 1);
    }
    if (auto* t = section("provider_incident")) {
        L.only(*t, "provider_incident", {"ip_reputation", "authentication", "blocklisted",
                                         "complaint_rate", "content", "rate_limited"});
        L.number(*t, "ip_reputation", c.ip_reputation_rate, 0.0001, 1);
        L.number(*t, "authentication", c.authentication_rate, 0.0001, 1);
        L.number(*t, "blocklisted", c.blocklisted_rate, 0.0001, 1);
        L.number(*t, "complaint_rate", c.complaint_rate_rate, 0.0001, 1);
        L.number(*t, "content", c.content_rate, 0.0001, 1);
        L.number(*t, "rate_limited", c.rate_limited_rate, 0.0001, 1);
    }
    if (auto* t = section("complaints")) {
        L.only(*t, "complaints", {"feedback_rate"});
        L.number(*t, "feedback_rate", c.complaint_feedback_rate, 0.00001, 1);
    }
    if (auto* t = section("content")) {
        L.only(*t, "content", {"min_providers"});
        L.integer(*t, "min_providers", c.content_min_providers, 1, 100);
    }
    if (auto* t = section("gate")) {
        for (auto&& [k, v] : *t) {
            std::string kind(k.str());
            if (!c.gates.contains(kind)) {
                L.fail(v, "unknown verdict kind \"" + kind + "\" in [gate]");
                continue;
            }
            auto s = v.value<std::string>();
            if (s == "go") c.gates[kind] = Gate::go;
            else if (s == "hold") c.gates[kind] = Gate::hold;
            else if (s == "stop") c.gates[kind] = Gate::stop;
            else L.fail(v, kind + ": expected \"go\", \"hold\" or \"stop\"");
        }
    }
    if (auto* t = section("suppression")) {
        L.only(*t, "suppression", {"mailbox_full_failures", "mailbox_full_days"});
        long f = c.suppression.mailbox_full_failures, d = c.suppression.mailbox_full_days;
        L.integer(*t, "mailbox_full_failures", f, 1, 1000);
        L.integer(*t, "mailbox_full_days", d, 0, 365);
        c.suppression.mailbox_full_failures = static_cast<int>(f);
        c.suppression.mailbox_full_days = static_cast<int>(d);
    }
    if (auto* t = section("report")) {
        L.only(*t, "report", {"max_templates"});
        L.integer(*t, "max_templates", c.max_templates, 10, 1000000);
    }
    if (!L.error.empty()) return std::unexpected(L.error);
    return c;
}

}  // namespace mxt::triage
