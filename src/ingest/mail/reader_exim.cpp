// Exim's failure and delay notices (its default bounce_message_text and warn_message_text):
// "This message was created automatically by mail delivery software." over "The following
// address(es) failed:", each address with the remote reply indented under it ("SMTP error from
// remote mail server after RCPT TO:<a@b>: host mx [ip]: 550 ..."), and X-Failed-Recipients as the
// list of failed addresses. Mail.ru and other Exim-based hosts send the same text.
//
// Detection is this reader's own; the recipients and replies are read by the shared plain-text
// scanner (textscan.hpp), which already reads these layouts, so every plain-text format reads
// alike and its events name the MTA that wrote them.
#include "ingest/mail/readers_all.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool exim_detect(const Mail& m) {
    // The sentence opens every notice Exim writes; the body of a delay notice has it too.
    return icontains(body_head(m, 2048),
                     "This message was created automatically by mail delivery software");
}

bool exim_read(const Mail& m, Bounce& b) { return text_read(m, b); }

}  // namespace mxt::mail
