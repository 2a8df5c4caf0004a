// Yahoo Mail's notices to its own users: "Sorry, we were unable to deliver your message to the
// following address." and one "<a@b>:" paragraph per recipient with "Remote host said: 550 ...
// [RCPT_TO]", then "--- Below this line is a copy of the message.".
//
// Detection is this reader's own; the recipients and replies are read by the shared plain-text
// scanner (textscan.hpp), which already reads these layouts, so every plain-text format reads
// alike and its events name the MTA that wrote them.
#include "ingest/mail/readers_all.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool yahoo_detect(const Mail& m) {
    auto head = body_head(m, 2048);
    return icontains(head, "Sorry, we were unable to deliver your message to the following address");
}

bool yahoo_read(const Mail& m, Bounce& b) { return text_read(m, b); }

}  // namespace mxt::mail
