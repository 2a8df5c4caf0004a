// Gmail's own failure notices (before Google switched to RFC 3464 reports): "Delivery to the
// following recipient failed permanently" / "has been delayed", the address indented, then
// "Technical details of permanent|temporary failure:" with the remote server's reply quoted as
// "The error that the other server returned was: 550 5.1.1 ...".
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool gmail_detect(const Mail& m) {
    return icontains(m.from(), "@googlemail.com") || icontains(m.from(), "@gmail.com")
               ? m.body.find("Technical details of") != std::string::npos
               : false;
}

bool gmail_read(const Mail& m, Bounce& b) {
    std::string_view body = m.body;
    auto td = body.find("Technical details of");
    if (td == std::string_view::npos) return false;
    static const TextFormat f{{"Delivery to the following recipient"}, {"Technical details of"}, false};
    scan_text(body, f, b);
    for (auto& a : failed_recipients_header(m)) {
        bool seen = false;
        for (auto& r : b.recipients) seen = seen || iequals(r.recipient, a);
        if (!seen) {
            RecipientResult r;
            r.recipient = a;
            b.recipients.push_back(std::move(r));
        }
    }
    if (b.recipients.empty()) return false;
    static const TextFormat details{{"Technical details of"}, {}, false};
    std::string text = squeeze(error_section(body.substr(td), details));
    std::string reply;
    if (auto w = ifind(text, "The error that the other server returned was:"); w != std::string::npos)
        reply = std::string(trim(std::string_view(text).substr(w + 45)));
    bool delayed = body.find("has been delayed") != std::string_view::npos || icontains(m.subject(), "Delay");
    for (auto& r : b.recipients) {
        r.text = reply.empty() ? text : reply;
        r.status.clear();
        r.reply_code.clear();
        codes_from_text(r);
        if (delayed) r.outcome = Outcome::deferred;
    }
    return true;
}

}  // namespace mxt::mail
