// Auto-replies (RFC 3834): vacation and out-of-office answers. Recognised by Auto-Submitted:
// auto-replied (section 5), the vendors' X-Autoreply / X-Autorespond fields, Precedence, or an
// "Automatic reply" / "Out of Office" subject. The recipient is the one who answered (From:).
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool rfc3834_detect(const Mail& m) {
    if (m.bare) return false;
    auto as = m.headers.get("Auto-Submitted");
    if (icontains(as, "auto-replied")) return true;
    if (m.headers.has("X-Autoreply") || m.headers.has("X-Autorespond") || m.headers.has("X-Autoresponder"))
        return true;
    auto prec = m.headers.get("Precedence");
    if (iequals(trim(prec), "auto_reply")) return true;
    if (icontains(m.headers.get("X-Auto-Response-Suppress"), "oof") &&
        icontains(m.headers.get("X-MS-Exchange-Inbox-Rules-Loop"), "@"))
        return true;
    auto s = m.subject();
    return istarts_with(s, "auto:") || istarts_with(s, "automatic reply") || icontains(s, "out of office") ||
           istarts_with(s, "auto reply") || istarts_with(s, "autoreply") || icontains(s, "vacation");
}

bool rfc3834_read(const Mail& m, Bounce& b) {
    // Not a delivery failure notice dressed as an auto-reply (Exim sets Auto-Submitted too).
    auto from = m.from();
    if (icontains(from, "mailer-daemon") || icontains(from, "postmaster")) return false;
    if (m.find_part("message/delivery-status")) return false;
    RecipientResult r;
    r.recipient = find_address(from);
    if (r.recipient.empty()) return false;
    r.outcome = Outcome::auto_reply;
    r.reason_hint = "vacation";
    r.hint_is_final = true;
    r.time = std::string(m.headers.get("Date"));
    r.text = squeeze(std::string_view(m.body).substr(0, std::min<std::size_t>(m.body.size(), 400)));
    b.recipients.push_back(std::move(r));
    return true;
}

}  // namespace mxt::mail
