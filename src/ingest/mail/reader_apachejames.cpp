// Apache James bounces: "Error message below:" with the reply, and a "Message details:" block
// whose "RCPT TO:" line names the recipient.
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool apachejames_detect(const Mail& m) {
    return m.body.find("Message details:") != std::string::npos && m.body.find("RCPT TO:") != std::string::npos;
}

bool apachejames_read(const Mail& m, Bounce& b) {
    std::string_view body = m.body;
    auto em = body.find("Error message below:");
    auto det = body.find("Message details:");
    auto rc = body.find("RCPT TO:", det == std::string_view::npos ? 0 : det);
    if (rc == std::string_view::npos) return false;
    auto eol = body.find('\n', rc);
    RecipientResult r;
    r.recipient = find_address(body.substr(rc + 8, eol == std::string_view::npos ? std::string_view::npos : eol - rc - 8));
    if (r.recipient.empty()) return false;
    if (em != std::string_view::npos && det != std::string_view::npos && det > em)
        r.text = squeeze(body.substr(em + 20, det - em - 20));
    else
        r.text = squeeze(body.substr(0, det));
    codes_from_text(r);
    b.recipients.push_back(std::move(r));
    return true;
}

}  // namespace mxt::mail
