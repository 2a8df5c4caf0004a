// The shared scanner behind the plain-text bounce readers: most MTAs write "these recipients
// failed", then each address with its reply indented under it or after a colon, then a marker and
// the returned message. Each format's reader supplies its own markers; this does the walking.
#pragma once

#include <string_view>
#include <vector>

#include "ingest/mail/bounce.hpp"

namespace mxt::mail {

struct TextFormat {
    // Case-insensitive substrings: the error section starts after the first line holding one of
    // `start` (from the top when empty or none found) and ends at the first line holding one of
    // `end` (added to the common "copy of the original message" markers).
    std::vector<std::string_view> start;
    std::vector<std::string_view> end;
    // When a recipient's own lines hold no reply, use the whole error section as its text.
    bool section_as_text = true;
};

// The error section of `body` under the format's markers.
std::string_view error_section(std::string_view body, const TextFormat& f);

// Reads recipients and their reply text from the error section. Returns true when it found any.
bool scan_text(std::string_view body, const TextFormat& f, Bounce& b);

// Whether `line` names a recipient at its start ("<a@b>: ...", "a@b", "RCPT TO:<a@b>"), giving
// the address and the rest of the line.
bool recipient_line(std::string_view line, std::string& addr, std::string_view& rest);

// The lines of `body` that belong to `recipient` (its line and the indented reply under it).
std::string text_for(std::string_view body, std::string_view recipient);

// Fills status and reply code of each recipient from its text where the reader had none.
void codes_from_text(RecipientResult& r);

// Whether a line opens the returned original message (common markers of many MTAs).
bool is_original_marker(std::string_view line);

}  // namespace mxt::mail

namespace mxt::mail {

// The SMTP command a Sendmail-style transcript (">>> DATA" then "<<< 550 ...") shows the failing
// reply answered; Stage::unknown when the body holds no such exchange.
Stage transcript_stage(std::string_view body);

// The SMTP command a reply names: "(in reply to RCPT TO command)", "after end of data".
Stage stage_named_in(std::string_view text);

}  // namespace mxt::mail
