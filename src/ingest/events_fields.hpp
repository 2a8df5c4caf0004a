// The generic delivery-event vocabulary shared by the JSON Lines and CSV event readers: field names
// as in json-contract.md ("A delivery event") plus the aliases ESP webhook exports commonly use
// (email, rcpt, response, smtp_code, event, ...). docs/diagnose-json.md documents the accepted
// input.
#pragma once

#include <string_view>

#include "ingest/event.hpp"

namespace mxt {

enum class GenericField {
    none, recipient, text, reply_code, status, time, sender, remote_host, remote_ip, stage,
    outcome, campaign, segment, message_id, queue_id, header_from, return_path, feedback_type
};

// The field a (case-insensitive) key names; GenericField::none when unknown.
GenericField generic_field(std::string_view key);

// Stores `value` into `e`. Returns false when an outcome value is not a delivery result
// (opens, clicks) so the record is skipped.
bool set_generic_field(DeliveryEvent& e, GenericField f, std::string_view value, int default_year);

// Reads an outcome word: delivered/delivery/sent, bounce/bounced/failed/dropped/hard_bounce,
// deferred/deferral/delayed/soft_bounce, expired, complaint/spamreport, auto_reply.
Outcome outcome_of_word(std::string_view word);

// After all fields: derive what is missing (reply_code from text, outcome from the code).
void complete_generic_event(DeliveryEvent& e);

}  // namespace mxt
