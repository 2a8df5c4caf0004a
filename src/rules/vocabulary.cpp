// String forms of the shared vocabularies; the names are the JSON contract, never rename one.
#include "rules/vocabulary.hpp"

#include <array>
#include <utility>

namespace mxt {
namespace {

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
    for (const auto& [e, name] : table)
        if (e == value) return name;
    return "?";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view s) {
    for (const auto& [e, name] : table)
        if (name == s) return e;
    return std::nullopt;
}

constexpr std::array<std::pair<Category, std::string_view>, 19> kCategories{{
    {Category::unknown_user, "unknown_user"},
    {Category::mailbox_disabled, "mailbox_disabled"},
    {Category::bad_domain, "bad_domain"},
    {Category::mailbox_full, "mailbox_full"},
    {Category::ip_reputation, "ip_reputation"},
    {Category::complaint_rate, "complaint_rate"},
    {Category::blocklisted, "blocklisted"},
    {Category::authentication, "authentication"},
    {Category::content, "content"},
    {Category::rate_limited, "rate_limited"},
    {Category::relay_denied, "relay_denied"},
    {Category::recipient_policy, "recipient_policy"},
    {Category::message_too_big, "message_too_big"},
    {Category::transient, "transient"},
    {Category::protocol, "protocol"},
    {Category::unclassified, "unclassified"},
    {Category::complaint, "complaint"},
    {Category::auto_reply, "auto_reply"},
    {Category::delivered, "delivered"},
}};

constexpr std::array<std::pair<Action, std::string_view>, 12> kActions{{
    {Action::suppress, "suppress"},
    {Action::suppress_after_retries, "suppress_after_retries"},
    {Action::retry, "retry"},
    {Action::throttle, "throttle"},
    {Action::pause_provider, "pause_provider"},
    {Action::fix_authentication, "fix_authentication"},
    {Action::delist, "delist"},
    {Action::review_content, "review_content"},
    {Action::fix_configuration, "fix_configuration"},
    {Action::contact_recipient, "contact_recipient"},
    {Action::investigate, "investigate"},
    {Action::none, "none"},
}};

constexpr std::array<std::pair<Stage, std::string_view>, 7> kStages{{
    {Stage::unknown, ""},
    {Stage::connect, "connect"},
    {Stage::helo, "helo"},
    {Stage::mail, "mail"},
    {Stage::rcpt, "rcpt"},
    {Stage::data, "data"},
    {Stage::end_of_data, "end_of_data"},
}};

constexpr std::array<std::pair<Outcome, std::string_view>, 7> kOutcomes{{
    {Outcome::unknown, ""},
    {Outcome::delivered, "delivered"},
    {Outcome::deferred, "deferred"},
    {Outcome::bounced, "bounced"},
    {Outcome::expired, "expired"},
    {Outcome::complaint, "complaint"},
    {Outcome::auto_reply, "auto_reply"},
}};

constexpr std::array<std::string_view, 36> kReasons{
    "authfailure",   "badreputation",  "blocked",       "contenterror",   "delivered",
    "exceedlimit",   "expired",        "failedstarttls", "feedback",      "filtered",
    "hasmoved",      "hostunknown",    "mailboxfull",   "mailererror",    "mesgtoobig",
    "networkerror",  "norelaying",     "notaccept",     "notcompliantrfc", "onhold",
    "policyviolation", "rejected",     "requireptr",    "securityerror",  "spamdetected",
    "speeding",      "suppressed",     "suspend",       "syntaxerror",    "systemerror",
    "systemfull",    "toomanyconn",    "undefined",     "userunknown",    "vacation",
    "virusdetected",
};

}  // namespace

std::string_view to_string(Category c) { return name_of(kCategories, c); }
std::string_view to_string(Action a) { return name_of(kActions, a); }
std::string_view to_string(Stage s) { return name_of(kStages, s); }
std::string_view to_string(Outcome o) { return name_of(kOutcomes, o); }
std::optional<Category> category_from_string(std::string_view s) { return value_of(kCategories, s); }
std::optional<Action> action_from_string(std::string_view s) { return value_of(kActions, s); }
std::optional<Stage> stage_from_string(std::string_view s) { return value_of(kStages, s); }
std::optional<Outcome> outcome_from_string(std::string_view s) { return value_of(kOutcomes, s); }

bool is_known_reason(std::string_view reason) {
    for (auto r : kReasons)
        if (r == reason) return true;
    return false;
}

}  // namespace mxt
