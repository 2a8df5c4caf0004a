// Classifies one delivery event's reply with the context the reader found (recipient, remote host,
// stage, reported status and code) and merges the reader's own reason hint with the rules' answer.
#pragma once

#include "ingest/event.hpp"
#include "rules/classifier.hpp"

namespace mxt {

// Fills e.diagnosis; fills e.status / e.reply_code from the reply text when the reader had none.
void classify_event(ClassifierSession& session, DeliveryEvent& e);

// The diagnosis for a reason the reader is sure of, without consulting the rules (complaints,
// auto-replies, delivery reports, retries given up, mailer program failures).
void diagnosis_for_hint(const DeliveryEvent& e, Diagnosis& d);

}  // namespace mxt
