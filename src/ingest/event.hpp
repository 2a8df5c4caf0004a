// One delivery event: one recipient, one attempt, as every reader produces it and `diagnose --json`
// prints it (docs/json-contract.md, "A delivery event"), with the classifier's diagnosis merged in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/diagnosis.hpp"
#include "rules/vocabulary.hpp"

namespace mxt {

struct DkimSignature {
    std::string d;
    std::string s;
    bool operator==(const DkimSignature&) const = default;
};

struct DeliveryEvent {
    std::string source;  // the file it came from ("-" for stdin)
    std::uint64_t position = 0;  // line number (logs) or message index (mailboxes), 1-based
    std::string format;  // the reader that produced it: "postfix", "rfc3464", ...
    std::string time;  // ISO 8601 as found or normalised; "" when unknown
    std::int64_t unix_time = 0;  // seconds since the epoch, 0 when unknown
    std::string sender;  // envelope sender
    std::string recipient;
    std::string remote_host;
    std::string remote_ip;
    Stage stage = Stage::unknown;
    std::string reply_code;  // "550"
    std::string status;  // enhanced code "5.7.26"
    std::string text;  // the reply text as found (codes included)
    Outcome outcome = Outcome::unknown;
    std::string campaign;
    std::string segment;
    std::string message_id;
    std::string queue_id;  // the MTA's queue id where the format has one
    // From the returned original message, where a bounce carries it.
    std::string header_from;
    std::string return_path;
    std::vector<DkimSignature> dkim;
    std::vector<std::string> authentication_results;
    std::string feedback_type;  // ARF Feedback-Type for complaints
    // A reason the reader knows better than the reply text (Sisimai vocabulary: "expired" after
    // retries, "delivered", "feedback", "vacation", "mailererror", ...); "" when none. Final hints
    // decide the reason; the others yield to a rule that recognises the reply (classify_event).
    std::string reason_hint;
    bool reason_hint_final = false;
    Diagnosis diagnosis;

    // Back to a default-constructed event, keeping the strings' buffers: log readers fill one
    // event per delivery line and reuse it (EventSink::reuse), so that a line costs no allocation.
    void clear();
    bool operator==(const DeliveryEvent&) const = default;
};

inline void DeliveryEvent::clear() {
    source.clear();
    position = 0;
    format.clear();
    time.clear();
    unix_time = 0;
    sender.clear();
    recipient.clear();
    remote_host.clear();
    remote_ip.clear();
    stage = Stage::unknown;
    reply_code.clear();
    status.clear();
    text.clear();
    outcome = Outcome::unknown;
    campaign.clear();
    segment.clear();
    message_id.clear();
    queue_id.clear();
    header_from.clear();
    return_path.clear();
    dkim.clear();
    authentication_results.clear();
    feedback_type.clear();
    reason_hint.clear();
    reason_hint_final = false;
    diagnosis.reset();
    // Every member is cleared above; a new member must be added there too.
    static_assert(sizeof(DeliveryEvent) == 18 * sizeof(std::string) + 2 * sizeof(std::vector<int>) +
                                               5 * sizeof(std::int64_t) + sizeof(Diagnosis),
                  "DeliveryEvent changed: update DeliveryEvent::clear()");
}

}  // namespace mxt
