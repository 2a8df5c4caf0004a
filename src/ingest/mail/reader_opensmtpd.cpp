// OpenSMTPD's plain-text notices (older releases; newer ones send an RFC 3464 report, read by the
// rfc3464 reader): "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail." over "the
// following list of recipients:" with "a@b: 550 5.1.1 ..." lines, then "Below is a copy of the
// original message:".
//
// Detection is this reader's own; the recipients and replies are read by the shared plain-text
// scanner (textscan.hpp), which already reads these layouts, so every plain-text format reads
// alike and its events name the MTA that wrote them.
#include "ingest/mail/readers_all.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool opensmtpd_detect(const Mail& m) {
    auto head = body_head(m, 2048);
    return icontains(head, "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail");
}

bool opensmtpd_read(const Mail& m, Bounce& b) { return text_read(m, b); }

}  // namespace mxt::mail
