// Sendmail V5 (and other pre-DSN Sendmail) bounces: no delivery-status part, a transcript whose
// lines read "554 <rcpt>... 550 Host unknown", and "----- Unsent message follows -----".
#include "ingest/mail/readers_all.hpp"

#include <algorithm>

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool v5sendmail_detect(const Mail& m) {
    return istarts_with(m.subject(), "Returned mail:") && m.body.find("Unsent message follows") != std::string::npos &&
           !dsn_part(m);
}

bool v5sendmail_read(const Mail& m, Bounce& b) {
    static const TextFormat f{{"Transcript of session follows"}, {"Unsent message follows"}, true};
    auto section = error_section(m.body, f);
    std::string host_text;
    for (auto line : split_lines(section)) {
        auto t = trim(line);
        // "554 <rcpt>... reply": the code in front is Sendmail's own, the reply follows "...".
        if (t.size() > 5 && t[0] >= '2' && t[0] <= '5' && t[3] == ' ') {
            auto rest = trim(t.substr(4));
            auto dots = rest.find("...");
            if (!rest.empty() && rest[0] == '<' && dots != std::string_view::npos) {
                std::string a = find_address(rest.substr(0, dots));
                if (a.empty()) continue;
                RecipientResult r;
                r.recipient = a;
                r.text = squeeze(rest.substr(dots + 3));
                codes_from_text(r);
                if (r.reply_code.empty()) r.reply_code = std::string(t.substr(0, 3));
                auto it = std::find_if(b.recipients.begin(), b.recipients.end(),
                                       [&](const RecipientResult& x) { return iequals(x.recipient, a); });
                if (it == b.recipients.end()) b.recipients.push_back(std::move(r));
                continue;
            }
        }
    }
    if (b.recipients.empty()) {
        TextFormat g = f;
        return read_text_bounce(m, g, b);
    }
    return true;
}

}  // namespace mxt::mail
