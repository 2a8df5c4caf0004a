// The MIME view of one message that every bounce reader works on: top header fields, the decoded
// leaf parts of the report (transfer encodings and charsets undone, RFC 2045/2047/2231), and the
// header fields of the returned original message (RFC 3462 message/rfc822 or text/rfc822-headers).
// Our own reader (mime_fast.hpp) does the MIME structure and decoding where it is sure of reading
// the message exactly as GMime would; GMime does the rest. Line endings are LF throughout.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/mail/headers.hpp"

namespace mxt::mail {

struct Part {
    std::string type;  // lower case "type/subtype"
    std::string text;  // decoded content (UTF-8 where the charset was known), LF endings
};

struct Mail {
    HeaderBlock headers;  // the message's own header fields (empty for a bare pasted body)
    std::vector<Part> parts;  // leaf parts outside any returned message, in order
    std::string body;  // the human-readable text: text/plain parts joined (text/html stripped if none)
    HeaderBlock original;  // header fields of the returned message, where one is attached
    std::string original_body;  // its body text, where attached (bounded)
    bool has_original = false;
    bool bare = false;  // no header block: a bounce body pasted on its own

    const Part* find_part(std::string_view type) const;
    std::string_view subject() const { return headers.get("Subject"); }
    std::string_view from() const { return headers.get("From"); }
};

// Nested multiparts are followed to this depth; deeper input is refused rather than risking the
// parser's recursion (hostile input can nest thousands deep).
constexpr int kMaxMimeDepth = 32;
// More container declarations than this in one message (multiparts, embedded messages) are refused
// before GMime parses it: its parser recurses once per level (docs/limits.md).
constexpr std::size_t kMaxMimeContainers = 256;

// Parses LF-normalised bytes. Errors are a short reason ("MIME nesting too deep", ...).
// A message that is one text/plain body with no transfer encoding to undo is read without any
// MIME parse (its content is the bytes after the header block); other messages go through our
// own MIME reader (mime_fast.hpp), and through GMime whenever that reader is not sure.
std::expected<Mail, std::string> parse_mail(std::string_view lf_bytes);

// The same view, always built by GMime: lets tests check that the shortcut reads every message
// exactly as GMime does.
std::expected<Mail, std::string> parse_mail_with_gmime(std::string_view lf_bytes);

// The same view built by our own MIME reader alone: false when it is not sure (the message would
// go to GMime) or the message is not MIME at all. For tests that compare the two readers.
bool parse_mail_fast_only(std::string_view lf_bytes, Mail& out);

}  // namespace mxt::mail
