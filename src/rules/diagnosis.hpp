// What mxtriage concludes about one reply: the record `classify` prints and every delivery event
// carries (docs/json-contract.md, "A diagnosis").
#pragma once

#include <string>

#include "rules/vocabulary.hpp"

namespace mxt {

struct Blocklist {
    std::string name;  // "Spamhaus ZEN"
    std::string zone;  // "zen.spamhaus.org"
    std::string delist_url;
    bool present() const { return !zone.empty() || !name.empty(); }
    bool operator==(const Blocklist&) const = default;
};

struct Diagnosis {
    Category category = Category::unclassified;
    std::string reason = "undefined";  // Sisimai vocabulary
    Action action = Action::investigate;
    bool hard_bounce = false;
    bool permanent = false;
    std::string provider = "other";  // provider id (json-contract)
    std::string provider_detail;  // "outlook.com", "microsoft365", "aol", ...
    std::string rule;  // id of the rule that matched, "" if none
    Blocklist blocklist;
    std::string template_text;
    std::string explanation;
    std::string fix;
    std::string url;  // the provider's or list's reference page
    std::string listed_ip;  // the IP address the reply says is blocked ("[192.0.2.1]")
    std::string block_id;  // a provider's block reference, e.g. Microsoft's "AS(1234)"

    // Back to a default-constructed Diagnosis, keeping the strings' buffers: a diagnosis filled
    // in for every event of a large log is reused rather than reallocated.
    void reset();
    bool operator==(const Diagnosis&) const = default;
};

inline void Diagnosis::reset() {
    category = Category::unclassified;
    reason.assign("undefined");
    action = Action::investigate;
    hard_bounce = false;
    permanent = false;
    provider.assign("other");
    provider_detail.clear();
    rule.clear();
    blocklist.name.clear();
    blocklist.zone.clear();
    blocklist.delist_url.clear();
    template_text.clear();
    explanation.clear();
    fix.clear();
    url.clear();
    listed_ip.clear();
    block_id.clear();
    // Every member is reset above; a new member must be added there too.
    static_assert(sizeof(Diagnosis) == 4 * sizeof(int) + 13 * sizeof(std::string),
                  "Diagnosis changed: update Diagnosis::reset()");
}

}  // namespace mxt
