// Zoho Mail bounces: a Sendmail-like text part whose recipient lines read
// "[Status: Error, Address: <rcpt>, ResponseCode 421, , Host not reachable.]", or
// "Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.1 <rcpt>... User Unknown".
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool zoho_detect(const Mail& m) {
    return icontains(m.headers.get("X-Mailer"), "Zoho Mail") || icontains(m.from(), "@mail.zoho.com");
}

bool zoho_read(const Mail& m, Bounce& b) {
    for (auto raw : split_lines(m.body)) {
        auto line = trim(raw);
        if (!line.starts_with("[Status:")) continue;
        auto at = ifind(line, "Address:");
        if (at == std::string_view::npos) continue;
        RecipientResult r;
        r.recipient = find_address(line.substr(at));
        if (r.recipient.empty()) continue;
        std::string text;
        auto rc = ifind(line, "ResponseCode");
        if (rc != std::string_view::npos) {
            for (char c : line.substr(rc + 12))
                if (c != ',' && c != ']') text.push_back(c);
        }
        r.text = squeeze(text);
        codes_from_text(r);
        b.recipients.push_back(std::move(r));
    }
    if (!b.recipients.empty()) return true;
    static const TextFormat f{{"The following addresses had"}, {"Received:"}, true};
    return read_text_bounce(m, f, b);
}

}  // namespace mxt::mail
