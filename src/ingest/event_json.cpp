// Event and summary serialisation (event_json.hpp). Field names are the JSON contract
// (json-contract.md): add fields freely, never rename one.
#include "ingest/event_json.hpp"

#include "rules/diagnosis_json.hpp"

namespace mxt {

void write_event_json(JsonWriter& w, const DeliveryEvent& e) {
    w.begin_object();
    w.field("type", "event");
    w.field("source", e.source);
    w.field("position", e.position);
    w.field("format", e.format);
    w.field_or_null("time", e.time);
    if (e.unix_time != 0) w.field("unix_time", e.unix_time);
    else w.key("unix_time").null();
    w.field_or_null("sender", e.sender);
    w.field("recipient", e.recipient);
    w.field_or_null("remote_host", e.remote_host);
    w.field_or_null("remote_ip", e.remote_ip);
    if (e.stage != Stage::unknown) w.field("stage", to_string(e.stage));
    else w.key("stage").null();
    w.field_or_null("reply_code", e.reply_code);
    w.field_or_null("status", e.status);
    w.field("text", e.text);
    if (e.outcome != Outcome::unknown) w.field("outcome", to_string(e.outcome));
    else w.key("outcome").null();
    w.field_or_null("campaign", e.campaign);
    w.field_or_null("segment", e.segment);
    w.field_or_null("message_id", e.message_id);
    w.field_or_null("queue_id", e.queue_id);
    w.field_or_null("header_from", e.header_from);
    w.field_or_null("return_path", e.return_path);
    w.key("dkim").begin_array();
    for (const auto& s : e.dkim) {
        w.begin_object();
        w.field("d", s.d);
        w.field("s", s.s);
        w.end_object();
    }
    w.end_array();
    w.key("authentication_results").begin_array();
    for (const auto& a : e.authentication_results) w.value(a);
    w.end_array();
    w.field_or_null("feedback_type", e.feedback_type);
    write_diagnosis_fields(w, e.diagnosis);
    w.end_object();
}

void write_summary_json(JsonWriter& w, const InputCounts& c) {
    w.begin_object();
    w.field("type", "summary");
    w.field("read", c.read);
    w.field("parsed", c.parsed);
    w.key("skipped").begin_object();
    for (const auto& [why, n] : c.skipped) w.field(why, n);
    w.end_object();
    w.key("failed").begin_object();
    for (const auto& [why, n] : c.failed) w.field(why, n);
    w.end_object();
    w.field("events", c.events);
    w.end_object();
}

std::string event_json_line(const DeliveryEvent& e) {
    std::string out;
    JsonWriter w(out);
    write_event_json(w, e);
    out.push_back('\n');
    return out;
}

std::string summary_json_line(const InputCounts& c) {
    std::string out;
    JsonWriter w(out);
    write_summary_json(w, c);
    out.push_back('\n');
    return out;
}

}  // namespace mxt
