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

// Whether `host` (a "While talking to" name) is in the domain of `addr` or the other way round.
static bool same_site(std::string_view host, std::string_view addr) {
    auto at = addr.rfind('@');
    if (at == std::string_view::npos || host.empty()) return false;
    auto dom = addr.substr(at + 1);
    return iequals(host, dom) || (host.size() > dom.size() && host[host.size() - dom.size() - 1] == '.' &&
                                  iequals(host.substr(host.size() - dom.size()), dom));
}

bool v5sendmail_read(const Mail& m, Bounce& b) {
    static const TextFormat f{{"Transcript of session follows"}, {"Unsent message follows"}, true};
    auto section = error_section(m.body, f);
    // The session being reported: "While talking to <host>:", then ">>> COMMAND" and the remote's
    // "<<< reply". Sendmail's own line for a recipient may carry only its verdict ("Remote
    // protocol error"): the remote's reply and the command it answered are in the session above.
    std::string talking, reply;
    Stage command = Stage::unknown;
    for (auto line : split_lines(section)) {
        auto t = trim(line);
        if (istarts_with(t, "While talking to")) {
            talking = std::string(trim(t.substr(16)));
            while (!talking.empty() && talking.back() == ':') talking.pop_back();
            reply.clear();
            command = Stage::unknown;
            continue;
        }
        if (t.starts_with(">>>")) {
            auto cmd = trim(t.substr(3));
            command = istarts_with(cmd, "MAIL")   ? Stage::mail
                      : istarts_with(cmd, "RCPT") ? Stage::rcpt
                      : istarts_with(cmd, "DATA") ? Stage::data
                      : (istarts_with(cmd, "HELO") || istarts_with(cmd, "EHLO")) ? Stage::helo
                                                                                  : Stage::unknown;
            continue;
        }
        if (t.starts_with("<<<")) {
            reply = squeeze(trim(t.substr(3)));
            continue;
        }
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
                if (find_reply_code(r.text).empty() && !reply.empty() && command != Stage::unknown &&
                    command != Stage::rcpt && same_site(talking, a)) {
                    // A session-wide failure (the reply to MAIL FROM or DATA) stands for every
                    // recipient of that host.
                    r.text = reply + " " + r.text;
                    r.stage = command;
                }
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
