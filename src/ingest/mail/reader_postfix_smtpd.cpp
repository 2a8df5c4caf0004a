// Postfix's notice to the postmaster about an SMTP session its own server refused ("Postfix SMTP
// server: errors from ..."): a transcript of "In:" and "Out:" lines. The recipient is the last
// RCPT TO and the reply the first 4xx/5xx "Out:" after it.
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool postfix_smtpd_detect(const Mail& m) { return istarts_with(m.subject(), "Postfix SMTP server: errors from"); }

bool postfix_smtpd_read(const Mail& m, Bounce& b) {
    std::string rcpt, reply;
    Stage stage = Stage::unknown, last = Stage::unknown;
    for (auto raw : split_lines(m.body)) {
        auto line = trim(raw);
        if (istarts_with(line, "In:")) {
            auto cmd = trim(line.substr(3));
            if (istarts_with(cmd, "RCPT")) {
                rcpt = find_address(cmd);
                last = Stage::rcpt;
            } else if (istarts_with(cmd, "MAIL")) {
                last = Stage::mail;
            } else if (istarts_with(cmd, "DATA")) {
                last = Stage::data;
            }
        } else if (istarts_with(line, "Out:") && reply.empty()) {
            auto out = trim(line.substr(4));
            if (!out.empty() && (out[0] == '4' || out[0] == '5')) {
                reply = std::string(out);
                stage = last;
            }
        }
    }
    if (rcpt.empty() || reply.empty()) return false;
    RecipientResult r;
    r.recipient = rcpt;
    r.text = reply;
    r.stage = stage;
    codes_from_text(r);
    b.recipients.push_back(std::move(r));
    return true;
}

}  // namespace mxt::mail
