// Small pieces every MTA log reader needs: "host[ip]:port" splitting, the basic reply code at the
// start of a reply, SMTP stage names, timestamps onto an event, and a cheap "key=value" finder.
#pragma once

#include <string>
#include <string_view>

#include "ingest/event.hpp"

namespace mxt {

// "mx.example.org[198.51.100.7]:25" -> host "mx.example.org", ip "198.51.100.7". Also accepts
// "host [ip]" (Exim, Sendmail) and "host (ip)" (PowerMTA). A trailing dot is removed.
void split_host_ip(std::string_view s, std::string& host, std::string& ip);

// "550" when `text` starts with a 2xx/4xx/5xx code followed by space, '-' or end; else "".
std::string_view leading_reply_code(std::string_view text);

// The SMTP stage of a command name as logs write it: "RCPT TO", "MAIL FROM", "end of DATA",
// "DATA", "HELO", "EHLO", "STARTTLS", "initial connection", ".". Stage::unknown otherwise.
Stage stage_of_command(std::string_view command);

// Fills e.time / e.unix_time from a raw timestamp (syslog.hpp normalise_time).
void set_time(DeliveryEvent& e, std::string_view raw, int default_year);

// Removes surrounding "<...>" from an address.
std::string_view strip_angle(std::string_view s);

// Trims ASCII whitespace at both ends.
std::string_view trim(std::string_view s);

// Replaces each literal two-character "\n" (Exim's multi-line replies) by a space, so that the
// reply reads like Postfix's flattened form "550-5.1.1 ... 550 5.1.1 ...".
std::string unescape_newlines(std::string_view s);

// Lower-case ASCII copy.
std::string lower(std::string_view s);

}  // namespace mxt
