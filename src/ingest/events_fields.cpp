// Generic event fields (events_fields.hpp).
#include "ingest/events_fields.hpp"

#include <array>
#include <utility>

#include "ingest/log_util.hpp"

namespace mxt {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (x == '-' || x == ' ') x = '_';
        if (x != y) return false;
    }
    return true;
}

constexpr std::array<std::pair<std::string_view, GenericField>, 52> kAliases{{
    {"recipient", GenericField::recipient}, {"email", GenericField::recipient},
    {"rcpt", GenericField::recipient}, {"to", GenericField::recipient},
    {"address", GenericField::recipient}, {"rcpt_to", GenericField::recipient},
    {"text", GenericField::text}, {"reply", GenericField::text},
    {"response", GenericField::text}, {"smtp_response", GenericField::text},
    {"diagnostic_code", GenericField::text}, {"diagnostic", GenericField::text},
    {"reason", GenericField::text}, {"bounce_reason", GenericField::text},
    {"error", GenericField::text},
    {"reply_code", GenericField::reply_code}, {"smtp_code", GenericField::reply_code},
    {"code", GenericField::reply_code}, {"status_code", GenericField::reply_code},
    {"status", GenericField::status}, {"enhanced_code", GenericField::status},
    {"enhanced_status", GenericField::status}, {"dsn", GenericField::status},
    {"time", GenericField::time}, {"timestamp", GenericField::time},
    {"event_time", GenericField::time}, {"date", GenericField::time},
    {"sender", GenericField::sender}, {"from", GenericField::sender},
    {"mail_from", GenericField::sender}, {"envelope_sender", GenericField::sender},
    {"remote_host", GenericField::remote_host}, {"mx", GenericField::remote_host},
    {"remote_mta", GenericField::remote_host}, {"mx_host", GenericField::remote_host},
    {"remote_ip", GenericField::remote_ip}, {"ip", GenericField::remote_ip},
    {"stage", GenericField::stage}, {"command", GenericField::stage},
    {"outcome", GenericField::outcome}, {"event", GenericField::outcome},
    {"type", GenericField::outcome}, {"result", GenericField::outcome},
    {"campaign", GenericField::campaign}, {"campaign_id", GenericField::campaign},
    {"segment", GenericField::segment}, {"list", GenericField::segment},
    {"message_id", GenericField::message_id}, {"queue_id", GenericField::queue_id},
    {"header_from", GenericField::header_from}, {"return_path", GenericField::return_path},
    {"feedback_type", GenericField::feedback_type},
}};

}  // namespace

GenericField generic_field(std::string_view key) {
    for (const auto& [name, f] : kAliases)
        if (iequals(key, name)) return f;
    return GenericField::none;
}

Outcome outcome_of_word(std::string_view w) {
    std::string l = lower(trim(w));
    if (l == "delivered" || l == "delivery" || l == "sent" || l == "success" || l == "relayed")
        return Outcome::delivered;
    if (l == "bounced" || l == "bounce" || l == "failed" || l == "failure" || l == "dropped" ||
        l == "hard_bounce" || l == "hardbounce" || l == "rejected" || l == "reject")
        return Outcome::bounced;
    if (l == "deferred" || l == "deferral" || l == "delayed" || l == "defer" ||
        l == "soft_bounce" || l == "softbounce" || l == "transient" || l == "temporary_failure")
        return Outcome::deferred;
    if (l == "expired") return Outcome::expired;
    if (l == "complaint" || l == "spamreport" || l == "spam_report" || l == "abuse")
        return Outcome::complaint;
    if (l == "auto_reply" || l == "autoreply" || l == "auto-reply") return Outcome::auto_reply;
    return Outcome::unknown;
}

bool set_generic_field(DeliveryEvent& e, GenericField f, std::string_view v, int default_year) {
    v = trim(v);
    switch (f) {
        case GenericField::none: break;
        case GenericField::recipient: e.recipient.assign(strip_angle(v)); break;
        case GenericField::text:
            if (e.text.empty()) e.text = unescape_newlines(v);
            break;
        case GenericField::reply_code: e.reply_code.assign(v); break;
        case GenericField::status:
            // "status" may hold an enhanced code ("5.1.1") or, in some exports, the outcome.
            if (!v.empty() && v[0] >= '2' && v[0] <= '5' && v.find('.') != std::string_view::npos)
                e.status.assign(v.substr(0, v.find(' ')));
            else if (Outcome o = outcome_of_word(v); o != Outcome::unknown && e.outcome == Outcome::unknown)
                e.outcome = o;
            break;
        case GenericField::time: set_time(e, v, default_year); break;
        case GenericField::sender: e.sender.assign(strip_angle(v)); break;
        case GenericField::remote_host: {
            std::string ip;
            split_host_ip(v, e.remote_host, ip);
            if (e.remote_ip.empty()) e.remote_ip = ip;
            break;
        }
        case GenericField::remote_ip: e.remote_ip.assign(v); break;
        case GenericField::stage: {
            if (auto s = stage_from_string(v)) e.stage = *s;
            else e.stage = stage_of_command(v);
            break;
        }
        case GenericField::outcome: {
            if (v.empty()) break;
            Outcome o = outcome_of_word(v);
            if (o == Outcome::unknown) return false;
            e.outcome = o;
            break;
        }
        case GenericField::campaign: e.campaign.assign(v); break;
        case GenericField::segment: e.segment.assign(v); break;
        case GenericField::message_id: e.message_id.assign(strip_angle(v)); break;
        case GenericField::queue_id: e.queue_id.assign(v); break;
        case GenericField::header_from: e.header_from.assign(v); break;
        case GenericField::return_path: e.return_path.assign(strip_angle(v)); break;
        case GenericField::feedback_type: e.feedback_type.assign(v); break;
    }
    return true;
}

void complete_generic_event(DeliveryEvent& e) {
    if (e.reply_code.empty()) e.reply_code.assign(leading_reply_code(e.text));
    if (e.outcome == Outcome::unknown) {
        char c = !e.reply_code.empty() ? e.reply_code[0] : !e.status.empty() ? e.status[0] : 0;
        if (c == '2') e.outcome = Outcome::delivered;
        else if (c == '4') e.outcome = Outcome::deferred;
        else if (c == '5') e.outcome = Outcome::bounced;
    }
    if (e.outcome == Outcome::complaint && e.reason_hint.empty()) {
        e.reason_hint = "feedback";
        e.reason_hint_final = true;
    }
}

}  // namespace mxt
