// HCL (IBM, Lotus) Domino and Notes delivery failure reports: "Your message ... was not delivered
// to: a@b because: User ... not listed in Domino Directory", under the subject "DELIVERY FAILURE:"
// or "DELIVERY_FAILURE:".
//
// Detection is this reader's own; the recipients and replies are read by the shared plain-text
// scanner (textscan.hpp), which already reads these layouts, so every plain-text format reads
// alike and its events name the MTA that wrote them.
#include "ingest/mail/readers_all.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool domino_detect(const Mail& m) {
    auto s = m.subject();
    if (istarts_with(s, "DELIVERY FAILURE:") || istarts_with(s, "DELIVERY_FAILURE:")) return true;
    auto head = body_head(m, 2048);
    return icontains(head, "was not delivered to:") && icontains(head, "because:");
}

bool domino_read(const Mail& m, Bounce& b) { return text_read(m, b); }

}  // namespace mxt::mail
