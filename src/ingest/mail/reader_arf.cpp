// ARF feedback reports (RFC 5965): a complaint about a message, not a bounce. One record per
// Original-Rcpt-To (section 3.2), else per Removal-Recipient, else the returned message's To:.
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/headers.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool arf_detect(const Mail& m) {
    if (m.find_part("message/feedback-report")) return true;
    auto ct = m.headers.get("Content-Type");
    if (icontains(ct, "feedback-report")) return true;
    // Some providers send the report fields inline in a text/plain body; Hotmail's older
    // complaint loop forwards the message alone with "complaint about message" as subject.
    if (m.body.find("Feedback-Type:") != std::string::npos) return true;
    // Apple Mail's one-click unsubscribe sends a message marked X-Apple-Unsubscribe: an opt-out.
    if (iequals(trim(m.headers.get("X-Apple-Unsubscribe")), "true")) return true;
    return icontains(m.subject(), "complaint about message") && m.has_original;
}

bool arf_read(const Mail& m, Bounce& b) {
    if (iequals(trim(m.headers.get("X-Apple-Unsubscribe")), "true")) {
        RecipientResult r;
        r.recipient = find_address(m.from());
        if (r.recipient.empty()) return false;
        r.outcome = Outcome::complaint;
        r.reason_hint = "feedback";
        r.hint_is_final = true;
        r.feedback_type = "opt-out";
        r.text = "Feedback-Type: opt-out";
        b.recipients.push_back(std::move(r));
        return true;
    }
    const Part* p = m.find_part("message/feedback-report");
    std::string_view fields_text;
    std::string inline_text;
    if (p) {
        fields_text = p->text;
    } else {
        auto at = m.body.find("Feedback-Type:");
        if (at == std::string::npos) at = m.body.size();
        inline_text = m.body.substr(at);
        fields_text = inline_text;
    }
    HeaderBlock f = parse_header_block(fields_text, nullptr, true);
    std::string type = lower(trim(f.get("Feedback-Type")));
    if (type.empty()) type = "abuse";
    std::vector<std::string> rcpts;
    for (auto v : f.all("Original-Rcpt-To"))
        if (auto a = clean_address(v); !a.empty()) rcpts.push_back(a);
    if (rcpts.empty())
        for (auto v : f.all("Removal-Recipient"))
            if (auto a = clean_address(v); !a.empty()) rcpts.push_back(a);
    if (rcpts.empty() && m.has_original) {
        // Hotmail names the complaining recipient in X-HmXmrOriginalRecipient.
        auto a = find_address(m.original.get("X-HmXmrOriginalRecipient"));
        if (a.empty()) a = find_address(m.original.get("To"));
        if (!a.empty()) rcpts.push_back(a);
    }
    if (rcpts.empty()) rcpts.push_back("");
    std::string time(f.get("Arrival-Date"));
    if (time.empty()) time = std::string(f.get("Received-Date"));
    for (auto& a : rcpts) {
        RecipientResult r;
        r.recipient = a;
        r.outcome = Outcome::complaint;
        r.reason_hint = "feedback";
        r.hint_is_final = true;
        r.feedback_type = type;
        r.time = time;
        r.text = "Feedback-Type: " + type;
        b.recipients.push_back(std::move(r));
    }
    return true;
}

}  // namespace mxt::mail
