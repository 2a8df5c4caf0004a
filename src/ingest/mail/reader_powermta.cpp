// PowerMTA delivery reports: a standard RFC 3464 report whose per-recipient groups add PowerMTA's
// own fields (X-PowerMTA-VirtualMTA, X-PowerMTA-BounceCategory). The bounce category is PowerMTA's
// classification of the remote reply (its User's Guide, "Bounce categories": bad-mailbox,
// bad-domain, inactive-mailbox, quota-issues, ...); where it names a recipient-side cause without
// doubt it becomes the reader's (soft) reason hint, so that the rules still decide when the reply
// says more, and a vague code beside the reply does not outweigh the MTA's own reading.
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/dsn_fields.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

namespace {

bool is_powermta_report(const Part& p) { return icontains(p.text, "\nX-PowerMTA-"); }

// PowerMTA's bounce categories that name one Sisimai reason; the others ("other",
// "policy-related", "routing-errors", "protocol-errors", ...) leave the reply to the rules.
std::string_view reason_of_category(std::string_view c) {
    struct Map {
        std::string_view category, reason;
    };
    static constexpr Map kMap[] = {
        {"bad-mailbox", "userunknown"},   {"bad-domain", "hostunknown"},     {"inactive-mailbox", "suspend"},
        {"quota-issues", "mailboxfull"},  {"message-expired", "expired"},    {"virus-related", "virusdetected"},
        {"spam-related", "spamdetected"}, {"relaying-issues", "norelaying"},
    };
    for (const auto& m : kMap)
        if (iequals(c, m.category)) return m.reason;
    return {};
}

}  // namespace

bool powermta_detect(const Mail& m) {
    const Part* p = dsn_part(m);
    return p != nullptr && is_powermta_report(*p);
}

bool powermta_read(const Mail& m, Bounce& b) {
    if (!read_dsn(m, b, m.body)) return false;
    for (const auto& p : m.parts) {
        if (p.type != "message/delivery-status" || !is_powermta_report(p)) continue;
        DsnReport rep = parse_dsn_fields(p.text);
        for (const auto& g : rep.recipients) {
            auto reason = reason_of_category(trim(g.get("X-PowerMTA-BounceCategory")));
            if (reason.empty()) continue;
            RecipientResult one = recipient_from_dsn(rep.message, g);
            for (auto& r : b.recipients)
                if (iequals(r.recipient, one.recipient) && r.reason_hint.empty()) r.reason_hint = std::string(reason);
        }
    }
    return true;
}

}  // namespace mxt::mail
