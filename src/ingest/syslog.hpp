// Reads the syslog envelope around MTA log lines: RFC 3164 ("Mar  3 09:14:02 host prog[pid]: msg"),
// RFC 5424 ("<22>1 2025-03-03T09:14:02.1Z host prog pid - - msg") and the ISO-timestamped form
// written by rsyslog's high-precision template and `journalctl -o short-iso`
// ("2025-03-03T09:14:02+0000 host prog[pid]: msg"). Hand-written: it runs on every line, and a
// regex here would dominate the parse time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mxt {

struct SyslogLine {
    std::string_view time;  // as found
    std::string_view host;
    std::string_view program;  // "postfix/smtp", without "[pid]"
    std::string_view message;  // after "prog[pid]: "
    bool rfc3164 = false;  // the time has no year
};

bool parse_syslog(std::string_view line, SyslogLine& out);

// Normalises a timestamp to ISO 8601 and seconds since the epoch. Accepts RFC 3164 "Mar  3
// 09:14:02" (the year is `default_year`; no zone is known, so the result has none and the
// epoch seconds treat it as UTC), ISO 8601 / RFC 3339 with or without fraction and zone,
// "2025-03-03 09:40:01+0000" (PowerMTA, Exim) and unix seconds. False when unreadable.
bool normalise_time(std::string_view raw, int default_year, std::string& iso, std::int64_t& unix);

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

}  // namespace mxt
