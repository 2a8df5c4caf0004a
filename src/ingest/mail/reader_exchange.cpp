// Microsoft Exchange's plain-text non-delivery reports (Exchange 2000 and 2003; later versions
// and Office 365 send an RFC 3464 report, read by the rfc3464 reader): "Your message ... did not
// reach the following recipient(s):" with "a@b on <date>" and the reason indented under it, often
// with an "MSEXCH:IMS:..." diagnostic code.
//
// Detection is this reader's own; the recipients and replies are read by the shared plain-text
// scanner (textscan.hpp), which already reads these layouts, so every plain-text format reads
// alike and its events name the MTA that wrote them.
#include "ingest/mail/readers_all.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool exchange_detect(const Mail& m) {
    auto head = body_head(m, 4096);
    return icontains(head, "did not reach the following recipient") || icontains(head, "MSEXCH:");
}

bool exchange_read(const Mail& m, Bounce& b) { return text_read(m, b); }

}  // namespace mxt::mail
