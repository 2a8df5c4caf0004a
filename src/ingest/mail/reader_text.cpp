// The fallback for plain-text bounces that no specific reader claimed, and for bounce bodies
// pasted without headers: the common "copy of the message" markers and recipient lines.
#include "ingest/mail/readers_all.hpp"

#include <algorithm>

#include "ingest/mail/original.hpp"
#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool from_daemon(const Mail& m) {
    auto from = m.from();
    if (icontains(from, "mailer-daemon") || icontains(from, "postmaster") || icontains(from, "mail delivery") ||
        icontains(from, "mail-daemon") || icontains(from, "maildaemon"))
        return true;
    auto s = m.subject();
    static constexpr std::string_view kWords[] = {
        "undeliver", "delivery fail", "delivery status", "returned mail", "failure notice",
        "mail delivery", "could not be delivered", "not delivered", "delivery notification",
        "nondeliverable", "non-deliverable", "rejected", "bounce", "mail system error",
        "warning: could not send", "delivery problem", "error sending", "message delivery",
    };
    for (auto w : kWords)
        if (icontains(s, w)) return true;
    return false;
}

// Wordings that open a failure notice, for notices whose sender and subject say nothing in English.
bool bounce_markers(std::string_view body) {
    static constexpr std::string_view kMarkers[] = {
        "could not be delivered", "undeliverable", "delivery failed", "permanent error", "error delivering",
        "unable to deliver", "was not delivered", "not be delivered", "could not deliver", "delivery has failed",
        "failed to deliver", "following addresses had", "following recipients", "delivery to the following",
    };
    auto head = body.substr(0, std::min<std::size_t>(body.size(), 4096));
    for (auto k : kMarkers)
        if (icontains(head, k)) return true;
    return false;
}

bool text_detect(const Mail& m) {
    return m.bare || from_daemon(m) || m.headers.has("X-Failed-Recipients") || bounce_markers(m.body);
}

bool text_read(const Mail& m, Bounce& b) {
    TextFormat f;
    return read_text_bounce(m, f, b);
}

std::vector<std::string> failed_recipients_header(const Mail& m) {
    std::vector<std::string> out;
    for (auto v : m.headers.all("X-Failed-Recipients")) {
        std::size_t pos = 0;
        while (pos <= v.size()) {
            auto comma = v.find(',', pos);
            auto item = v.substr(pos, comma == std::string_view::npos ? v.size() - pos : comma - pos);
            if (auto a = clean_address(item); looks_like_address(a)) out.push_back(a);
            if (comma == std::string_view::npos) break;
            pos = comma + 1;
        }
    }
    return out;
}

bool read_text_bounce(const Mail& m, const TextFormat& f, Bounce& b) {
    scan_text(m.body, f, b);
    // Exim and Gmail name the failed recipients in X-Failed-Recipients: that list is authoritative.
    auto failed = failed_recipients_header(m);
    if (!failed.empty()) {
        std::vector<RecipientResult> keep;
        for (auto& a : failed) {
            auto it = std::find_if(b.recipients.begin(), b.recipients.end(),
                                   [&](const RecipientResult& r) { return iequals(r.recipient, a); });
            if (it != b.recipients.end()) {
                keep.push_back(std::move(*it));
                b.recipients.erase(it);
            } else {
                RecipientResult r;
                r.recipient = a;
                keep.push_back(std::move(r));
            }
        }
        b.recipients = std::move(keep);
    }
    if (b.recipients.empty() && !m.bare) {
        // No recipient named in the text: the returned message's To: is the best evidence left.
        if (!from_daemon(m) && !bounce_markers(m.body)) return false;
        std::string to = find_address(original_headers(m).get("To"));
        if (to.empty()) return false;
        RecipientResult r;
        r.recipient = to;
        b.recipients.push_back(std::move(r));
    }
    // Exchange and Office 365 put the remote reply under "Diagnostic information for
    // administrators": "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; ...'".
    std::string remote;
    if (auto at = ifind(m.body, "Remote Server returned '"); at != std::string::npos) {
        auto end = m.body.find('\n', at);
        remote = squeeze(std::string_view(m.body).substr(at, end == std::string::npos ? std::string::npos : end - at));
    }
    for (auto& r : b.recipients) {
        if (!remote.empty() && find_reply_code(r.text).empty() && find_status(r.text).empty()) {
            r.text = r.text.empty() ? remote : r.text + " " + remote;
            codes_from_text(r);
        }
    }
    // A delay notice ("has been delayed", "THIS IS A WARNING MESSAGE ONLY"): the MTA is still
    // retrying, so the outcome is deferred rather than bounced.
    bool delayed = icontains(m.subject(), "(Delay)") || icontains(m.subject(), "delayed") ||
                   ifind(m.body, "has been delayed") != std::string::npos ||
                   ifind(m.body, "THIS IS A WARNING MESSAGE ONLY") != std::string::npos;
    if (delayed)
        for (auto& r : b.recipients)
            if (r.outcome == Outcome::bounced) r.outcome = Outcome::deferred;
    std::string section;
    Stage tstage = transcript_stage(m.body);
    for (auto& r : b.recipients) {
        if (r.stage == Stage::unknown) r.stage = tstage;
        if (!r.text.empty()) continue;
        if (section.empty()) section = squeeze(error_section(m.body, f));
        r.text = section;
        codes_from_text(r);
    }
    return !b.recipients.empty();
}

}  // namespace mxt::mail
