// The closed vocabularies every module shares: categories (triage-spec section 3), actions, SMTP
// stages and delivery outcomes, with their stable JSON names (docs/json-contract.md).
#pragma once

#include <optional>
#include <string_view>

namespace mxt {

enum class Category {
    unknown_user,
    mailbox_disabled,
    bad_domain,
    mailbox_full,
    ip_reputation,
    complaint_rate,
    blocklisted,
    authentication,
    content,
    rate_limited,
    relay_denied,
    recipient_policy,
    message_too_big,
    transient,
    protocol,
    unclassified,
    // Not rejections, but results a reader can produce from a message.
    complaint,
    auto_reply,
    delivered,
};

enum class Action {
    suppress,
    suppress_after_retries,
    retry,
    throttle,
    pause_provider,
    fix_authentication,
    delist,
    review_content,
    fix_configuration,
    contact_recipient,
    investigate,
    none,
};

enum class Stage { unknown, connect, helo, mail, rcpt, data, end_of_data };

enum class Outcome { unknown, delivered, deferred, bounced, expired, complaint, auto_reply };

std::string_view to_string(Category c);
std::string_view to_string(Action a);
std::string_view to_string(Stage s);
std::string_view to_string(Outcome o);

std::optional<Category> category_from_string(std::string_view s);
std::optional<Action> action_from_string(std::string_view s);
std::optional<Stage> stage_from_string(std::string_view s);
std::optional<Outcome> outcome_from_string(std::string_view s);

// Sisimai's reason vocabulary (docs/sisimai-reasons.md): validated as a set of names.
bool is_known_reason(std::string_view reason);

// Categories whose recipients may be suppressed at once (triage-spec section 6).
constexpr bool suppress_at_once(Category c) {
    return c == Category::unknown_user || c == Category::mailbox_disabled ||
           c == Category::bad_domain;
}

}  // namespace mxt
