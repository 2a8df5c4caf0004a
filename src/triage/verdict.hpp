// The triage decision tree (triage-spec section 5, docs/decision-tree.md): from the aggregates,
// the thresholds and the history baseline to verdicts (each with its evidence and next steps)
// and the send gate overall, per provider and per segment.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/history.hpp"
#include "triage/aggregate.hpp"
#include "triage/config.hpp"

namespace mxt::triage {

// One root-cause check run for a verdict by `triage --audit` (docs/triage-json.md, "Audit
// findings"): filled outside the decision tree, which never reads it.
struct AuditFinding {
    std::string check;  // "spf", "dmarc", "dnsbl", "alignment", "audit" (a note on the audit itself)
    std::string subject;  // the domain or IP checked ("domain IP" for an SPF authorisation)
    std::string status;  // "problem", "ok", "could_not_check" (a DNS failure, never "no record")
    std::string result;  // the check's own word: SPF result, DMARC policy, "listed", ...
    std::string summary;  // plain words, the root cause when status is "problem"
    std::string fix;  // what to do; "" when nothing
};

struct Evidence {
    std::string summary;  // one sentence with the numbers
    std::int64_t count = 0;  // rejections (or complaints) of the verdict's kind
    std::int64_t denominator = 0;
    std::string denominator_name;  // "attempts", "recipients", "delivered"
    double rate = 0;
    double lower_bound = 0;  // Wilson lower bound of rate
    double threshold = 0;
    double share = -1;  // share of that kind of rejection held by the provider; -1 = n/a
    bool concentrated = false;  // share >= [concentration] share: the provider's problem alone
    double baseline_rate = -1;  // history's rate for comparison; -1 = no history
    std::vector<std::pair<std::string, std::int64_t>> templates;  // top templates
    std::vector<std::string> blocklists;
    std::vector<std::string> providers;  // for verdicts across providers
    std::vector<AuditFinding> audit;  // triage --audit only
};

struct Verdict {
    std::string kind;
    std::string provider;  // "" = not one provider
    std::string segment;  // "" = not one segment
    Evidence evidence;
    std::vector<std::string> steps;
    Gate gate = Gate::go;
};

struct GateState {
    Gate overall = Gate::go;
    std::map<std::string, Gate> providers;
    std::map<std::string, Gate> segments;
};

struct Decision {
    std::vector<Verdict> verdicts;
    GateState gate;
    bool has_baseline = false;
    double baseline_rate = -1;  // permanent rejections per recipient in earlier campaigns
};

Decision decide(const Aggregator& a, const TriageConfig& config, const store::Baseline& baseline);

}  // namespace mxt::triage
