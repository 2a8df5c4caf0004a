// The triage thresholds, read from rules/triage.toml: data, not code, so that a team can tune
// them without a rebuild. A bad file stops start-up with "file:line: what is wrong".
#pragma once

#include <expected>
#include <map>
#include <string>

#include "store/suppression_apply.hpp"

namespace mxt::triage {

enum class Gate { go = 0, hold = 1, stop = 2 };
std::string_view to_string(Gate g);

struct TriageConfig {
    // [sample] small samples must not raise incidents
    long min_attempts = 25;  // per provider / segment
    long min_rejections = 5;
    double confidence = 0.95;  // of the one-sided Wilson lower bound
    // [list_quality]
    double unknown_user_rate = 0.02;
    // [rise] against history
    double rise_min_rate = 0.05;
    double rise_baseline_max = 0.005;
    long rise_min_baseline = 200;  // recipients the history must hold to be a baseline
    // [concentration]
    double concentration_share = 0.6;
    // [provider_incident] minimum rate (lower bound) of each kind of rejection at a provider
    double ip_reputation_rate = 0.02;
    double authentication_rate = 0.02;
    double blocklisted_rate = 0.02;
    double complaint_rate_rate = 0.01;
    double content_rate = 0.02;
    double rate_limited_rate = 0.05;
    // [complaints] feedback reports (ARF) per delivered message
    double complaint_feedback_rate = 0.003;
    // [content]
    long content_min_providers = 2;
    // [gate] per verdict kind
    std::map<std::string, Gate> gates = {
        {"ip_reputation_incident", Gate::stop}, {"authentication_failure", Gate::stop},
        {"blocklisted", Gate::stop},           {"complaint_rate", Gate::stop},
        {"list_quality_incident", Gate::hold},  {"content_problem", Gate::hold},
        {"rate_limited", Gate::go},             {"normal", Gate::go},
    };
    // [suppression]
    store::SuppressionPolicy suppression;
    // [report]
    long max_templates = 500;

    double z() const;  // the normal quantile for `confidence` (one-sided)
    Gate gate_for(const std::string& kind) const;
};

// Errors are "path:line: message" (line omitted when the error has no place).
std::expected<TriageConfig, std::string> load_triage_config(const std::string& path);

}  // namespace mxt::triage
