// qmail's failure notices (qmail-send's bounce, and the netqmail/notqmail forms): "Hi. This is the
// qmail-send program at host." and one "<a@b>:" paragraph per recipient with the remote reply
// ("Remote host said: 550 ..." or "Sorry, no SMTP connection got far enough; most progress was
// RCPT TO response; remote host 192.0.2.1 said: 550 ..."), then "--- Below this line is a copy of
// the message.".
//
// Detection is this reader's own; the recipients and replies are read by the shared plain-text
// scanner (textscan.hpp), which already reads these layouts, so every plain-text format reads
// alike and its events name the MTA that wrote them.
#include "ingest/mail/readers_all.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool qmail_detect(const Mail& m) {
    auto head = body_head(m, 2048);
    return icontains(head, "This is the qmail-send program") || icontains(head, "qmail-send program at");
}

bool qmail_read(const Mail& m, Bounce& b) { return text_read(m, b); }

}  // namespace mxt::mail
