// Reads one SMTP reply (RFC 5321 section 4.2) with its RFC 3463 enhanced status code, as it arrives
// from a transcript, a DSN Diagnostic-Code or an MTA log line that flattened a multi-line reply.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/vocabulary.hpp"

namespace mxt {

// An RFC 3463 enhanced status code "class.subject.detail". class is 2, 4 or 5; subject and detail
// have 1-3 digits (section 2). Zero-initialised means "absent".
struct EnhancedCode {
    int cls = 0;
    int subject = 0;
    int detail = 0;
    bool present() const { return cls != 0; }
    std::string str() const;  // "5.7.26", or "" when absent
    friend bool operator==(const EnhancedCode&, const EnhancedCode&) = default;
};

struct Reply {
    int basic_code = 0;  // 0 when the reply carries no 3-digit code
    EnhancedCode status;  // trusted enhanced code (absent when none or untrusted)
    EnhancedCode untrusted_status;  // a syntactically valid code whose class disagrees
    std::string text;  // the joined text, codes and continuation prefixes removed
    std::vector<std::string> tags;  // provider tags found in the text: "TS02", "S3150", "AS(1234)"
    Stage stage = Stage::unknown;  // from "(in reply to RCPT TO command)" and similar
    std::string reply_code() const;  // "550" or ""
};

// Parses `raw`. Never fails: a reply without any code is still read (its text is all of it).
// Limits: input beyond kMaxReplyBytes is cut there (no real reply is longer; RFC 5321 4.5.3.1.5
// caps a reply line at 512 octets).
constexpr std::size_t kMaxReplyBytes = 64 * 1024;
Reply parse_reply(std::string_view raw);
// The same into `out`, whose buffers (text, tags) are reused: for callers that parse many replies.
void parse_reply(std::string_view raw, Reply& out);

// Parses "5.7.26" exactly (RFC 3463 section 2 grammar); returns absent on anything else.
EnhancedCode parse_enhanced_code(std::string_view s);

// Finds the SMTP stage named in text such as "(in reply to end of DATA command)" or
// "after RCPT TO:<x>"; Stage::unknown when none is named.
Stage find_stage(std::string_view text);

}  // namespace mxt
