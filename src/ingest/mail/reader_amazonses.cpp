// Amazon SES notifications delivered by e-mail (SNS topic subscriptions): a JSON document with
// notificationType Bounce, Complaint or Delivery. The JSON names each recipient with its action,
// status and diagnostic code, so the rest of the message adds nothing. (SES's DSN-style bounces
// are read by the RFC 3464 reader.)
#include "ingest/mail/readers_all.hpp"

#include <simdjson.h>

#include "ingest/mail/dsn_fields.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool amazonses_detect(const Mail& m) {
    return m.body.find("\"notificationType\"") != std::string::npos &&
           (m.headers.has("x-amz-sns-message-id") || icontains(m.from(), "amazonaws.com") ||
            icontains(m.from(), "amazonses.com") || m.body.find("\"mail\"") != std::string::npos);
}

namespace {

std::string str(simdjson::dom::element e, std::string_view key) {
    std::string_view v;
    if (e[key].get(v) == simdjson::SUCCESS) return std::string(v);
    return "";
}

}  // namespace

bool amazonses_read(const Mail& m, Bounce& b) {
    auto open = m.body.find('{');
    auto close = m.body.rfind('}');
    if (open == std::string::npos || close == std::string::npos || close < open) return false;
    std::string json;
    json.reserve(close - open + 1);
    for (char c : std::string_view(m.body).substr(open, close - open + 1))
        if (c != '\n') json.push_back(c);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(json).get(doc) != simdjson::SUCCESS) return false;
    std::string type = str(doc, "notificationType");
    if (type.empty()) type = str(doc, "eventType");
    if (type == "Bounce") {
        simdjson::dom::element bounce;
        if (doc["bounce"].get(bounce) != simdjson::SUCCESS) return false;
        std::string kind = str(bounce, "bounceType");
        std::string reporting(strip_type(str(bounce, "reportingMTA")));
        simdjson::dom::array list;
        if (bounce["bouncedRecipients"].get(list) != simdjson::SUCCESS) return false;
        for (auto r : list) {
            RecipientResult x;
            x.recipient = clean_address(str(r, "emailAddress"));
            x.action = str(r, "action");
            x.status = find_status(str(r, "status"));
            x.text = squeeze(strip_type(str(r, "diagnosticCode")));
            x.reply_code = find_reply_code(x.text);
            x.time = str(bounce, "timestamp");
            x.remote_host = reporting;
            if (x.recipient.empty()) continue;
            if (x.text.empty()) x.text = "Amazon SES bounce: " + kind + " " + str(bounce, "bounceSubType");
            b.recipients.push_back(std::move(x));
        }
    } else if (type == "Complaint") {
        simdjson::dom::element c;
        if (doc["complaint"].get(c) != simdjson::SUCCESS) return false;
        simdjson::dom::array list;
        if (c["complainedRecipients"].get(list) != simdjson::SUCCESS) return false;
        std::string fbt = str(c, "complaintFeedbackType");
        for (auto r : list) {
            RecipientResult x;
            x.recipient = clean_address(str(r, "emailAddress"));
            x.outcome = Outcome::complaint;
            x.reason_hint = "feedback";
            x.hint_is_final = true;
            x.feedback_type = fbt.empty() ? "abuse" : fbt;
            x.time = str(c, "timestamp");
            x.text = "Feedback-Type: " + x.feedback_type;
            if (!x.recipient.empty()) b.recipients.push_back(std::move(x));
        }
    } else if (type == "Delivery") {
        simdjson::dom::element d;
        if (doc["delivery"].get(d) != simdjson::SUCCESS) return false;
        simdjson::dom::array list;
        if (d["recipients"].get(list) != simdjson::SUCCESS) return false;
        std::string resp = str(d, "smtpResponse");
        for (auto r : list) {
            std::string_view a;
            if (r.get(a) != simdjson::SUCCESS) continue;
            RecipientResult x;
            x.recipient = clean_address(a);
            x.outcome = Outcome::delivered;
            x.reason_hint = "delivered";
            x.hint_is_final = true;
            x.text = resp;
            x.status = find_status(resp);
            x.reply_code = find_reply_code(resp);
            x.remote_host = str(d, "remoteMtaIp");
            x.time = str(d, "timestamp");
            if (!x.recipient.empty()) b.recipients.push_back(std::move(x));
        }
    }
    return !b.recipients.empty();
}

}  // namespace mxt::mail
