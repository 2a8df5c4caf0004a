// Shared pieces of the fuzz targets: an event sink that keeps what the readers deliver, the
// shipped rule table loaded once per process, and a check that stops the run (as a finding) when
// an invariant documented in the code's interfaces does not hold.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ingest/classify_event.hpp"
#include "ingest/sink.hpp"
#include "rules/classifier.hpp"

namespace mxt::fuzz {

// Keeps events and problems so that a target can classify and check them afterwards.
class CollectingSink : public EventSink {
public:
    void event(DeliveryEvent&& e) override { events.push_back(std::move(e)); }
    void problem(const InputProblem& p) override { problems.push_back(p.str()); }
    std::vector<DeliveryEvent> events;
    std::vector<std::string> problems;
};

// The shipped rules (rules/ of the source tree, or $MXTRIAGE_RULES), compiled once: loading is
// not what these targets fuzz (fuzz_rule_loader does), and doing it per input would cost seconds.
inline std::shared_ptr<const Classifier> shipped_classifier() {
    static std::shared_ptr<const Classifier> c = [] {
        auto loaded = Classifier::load({}, Classifier::default_rules_dir());
        if (!loaded) {
            for (const auto& e : loaded.error()) std::fprintf(stderr, "%s\n", e.str().c_str());
            std::abort();  // the fuzz build cannot run without its rules: bad set-up, not a finding
        }
        return *loaded;
    }();
    return c;
}

// An invariant failed: abort so that the fuzzer records the input.
[[noreturn]] inline void invariant_failed(const char* what) {
    std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
    std::abort();
}

// Classifies every collected event as the pipeline does, and checks triage's rule that a 5.7.x
// rejection (the sender's reputation, authentication or content, RFC 3463 section 3.8) never
// suppresses the recipient; complaints are the one exception (classify_event.cpp).
inline void classify_all(std::vector<DeliveryEvent>& events) {
    static ClassifierSession session(shipped_classifier());
    for (auto& e : events) {
        classify_event(session, e);
        const Diagnosis& d = e.diagnosis;
        if (e.status.starts_with("5.7.") && d.category != Category::complaint &&
            (d.action == Action::suppress || d.action == Action::suppress_after_retries)) {
            std::fprintf(stderr, "event: status=%s code=%s reason_hint=%s text=%s\ndiagnosis: rule=%s reason=%s category=%s\n",
                         e.status.c_str(), e.reply_code.c_str(), e.reason_hint.c_str(), e.text.c_str(),
                         d.rule.c_str(), d.reason.c_str(), std::string(to_string(d.category)).c_str());
            invariant_failed("a 5.7.x event is to be suppressed");
        }
        if (d.reason.empty()) invariant_failed("diagnosis without a reason");
    }
}

}  // namespace mxt::fuzz
