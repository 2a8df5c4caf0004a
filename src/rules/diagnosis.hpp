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
};

}  // namespace mxt
