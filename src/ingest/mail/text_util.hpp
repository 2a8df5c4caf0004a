// Small text helpers shared by the bounce readers: line-ending normalisation, case-insensitive
// search, trimming, line iteration, and picking addresses and SMTP codes out of free text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxt::mail {

// CRLF and CR-only line endings become LF, so that every reader sees one form (the corpus holds
// the same messages with all three).
std::string normalize_eol(std::string_view in);

std::string_view trim(std::string_view s);
std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
// Case-insensitive find of an ASCII needle; npos when absent.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0);
inline bool icontains(std::string_view hay, std::string_view needle) {
    return ifind(hay, needle) != std::string_view::npos;
}

// Splits on LF (the input is normalised). A trailing empty line is not produced.
std::vector<std::string_view> split_lines(std::string_view text);

// Collapses runs of white space into one space and trims.
std::string squeeze(std::string_view s);

// The first e-mail address found in `s` ("<a@b>" preferred, then a bare local@domain), lower-
// cased domain kept as written; "" when none.
std::string find_address(std::string_view s);
// Cleans an address field value: strips "rfc822;", angle brackets, quotes and spaces.
std::string clean_address(std::string_view s);
bool looks_like_address(std::string_view s);

// RFC 3463 enhanced code ("5.1.1") found as a token in `s`; "" when none. Only classes 2, 4, 5.
std::string find_status(std::string_view s);
// A 3-digit SMTP reply code (RFC 5321 section 4.2) at the start of `s` or after a "host said:"
// style prefix; "" when none. Only 2xx, 4xx and 5xx.
std::string find_reply_code(std::string_view s);

}  // namespace mxt::mail

namespace mxt::mail {

// Replaces invalid UTF-8 sequences with U+FFFD, so that every string leaving a reader is valid.
std::string valid_utf8(std::string_view s);

}  // namespace mxt::mail
