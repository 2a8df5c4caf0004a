// Entry point for one e-mail message (a bounce, a complaint report, an auto-reply, or a message
// that is none of these): finds every failed recipient with its reply and delivers one event per
// recipient to the sink. Containers (files, mbox, Maildir, gzip) are split by the ingest layer;
// this reads one message's bytes. The per-format readers (RFC 3464, Postfix, Exim, qmail, ...)
// live beside this file, each with a cheap detect step, registered in one table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/sink.hpp"

namespace mxt {

struct MessageOrigin {
    std::string source;  // the file (or "file:message-index" for mailboxes is NOT used: see index)
    std::uint64_t index = 1;  // 1-based message index within the source
    std::string campaign_header = "X-Campaign";
    // For a date without a year (a syslog-style stamp); RFC 5322 dates carry their own. The input
    // layer passes the file's year, as it does to the log readers.
    int default_year = 1970;
};

enum class UnitResult { parsed, skipped, failed };

struct UnitOutcome {
    UnitResult result = UnitResult::parsed;
    std::string why;  // for skipped / failed: a short stable reason ("not a bounce", ...)
    std::size_t events = 0;
};

// Cheap check on the first bytes of an input: does it look like an RFC 5322 message (headers
// then a body), or a bare bounce body pasted without headers?
bool looks_like_message(std::string_view head);

// Reads one message. Never throws; bad input is a failed outcome with why.
UnitOutcome read_message(std::string_view bytes, const MessageOrigin& origin, EventSink& sink);

}  // namespace mxt
