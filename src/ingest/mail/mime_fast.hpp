// Our own reader of the MIME structure of a bounce (RFC 2045, 2046, 3462): part boundaries, the
// few header fields that decide how a part is read, base64 and quoted-printable bodies, embedded
// message/rfc822 and message/delivery-status parts. It fills the same Mail view as the GMime walk
// in mime.cpp, and it exists because GMime builds a full object tree for every message (a GObject,
// a header list, a stream and a data wrapper per part, charset filters on write, all freed again),
// about 855,000 instructions a message, while the bounce readers need only the part boundaries, a
// few header fields and the decoded text of a few parts.
//
// It never guesses: whatever it cannot read with certainty exactly as GMime 3.2 would (text that
// iconv refuses or in a multi-byte charset GMime may name differently, RFC 2231 parameters,
// comments, encoded words or quoted pairs in Content-Type, malformed header blocks, boundaries
// that match more than one enclosing multipart, base64 with padding in the middle,
// multipart/digest, message/partial, deep nesting ...) makes it answer "not sure", and the
// caller hands the message to GMime. tests/ingest/mail_fast_path_test.cpp holds
// the two readers to the same output, field by field, over the corpus and hand-made edge cases.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/mail/mime.hpp"

namespace mxt::mail {

// Limits of the fast reader (docs/limits.md). Past them it is "not sure" and GMime decides, with
// its own limits (kMaxMimeDepth, kMaxMimeContainers) applied as before.
constexpr std::size_t kFastMaxDepth = 32;    // nested multiparts and embedded messages
constexpr std::size_t kFastMaxParts = 1024;  // entities (parts, multiparts, messages) per message

// Reads `bytes` (LF line endings; its top header block, already parsed into mail.headers, ended at
// an empty line just before offset `used`) into `mail`. Returns false, leaving `mail` as it was,
// when the message must go to GMime.
bool read_mime_fast(std::string_view bytes, std::size_t used, Mail& mail);

namespace detail {

// What both readers do with the parts they find, so that the two cannot drift apart.
std::string strip_html(std::string_view html);

struct MailBuilder {
    Mail& mail;
    std::vector<std::size_t> html_parts;  // indexes in mail.parts of the text/html leaves

    // A leaf part outside any returned message: its decoded text joins the body, or gives the
    // returned message's header fields (RFC 3462 text/rfc822-headers).
    void leaf(std::string type, std::string text);
    // Final touches once every part is read (text/html only, or a multipart with no parts read).
    void finish(std::string_view bytes, std::size_t used);
};

}  // namespace detail

}  // namespace mxt::mail
