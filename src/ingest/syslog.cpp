// Syslog envelope and timestamp parsing (syslog.hpp).
#include "ingest/syslog.hpp"

#include <charconv>
#include <cstdio>

namespace mxt {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int month_of(std::string_view m) {
    static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
        if (m == kMonths[i]) return i + 1;
    return 0;
}

// Reads `n` digits at s[pos]; -1 when they are not all digits.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return -1;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        char c = s[pos + i];
        if (!is_digit(c)) return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

std::string_view next_token(std::string_view& s) {
    std::size_t sp = s.find(' ');
    std::string_view tok = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
    return tok;
}

// "prog[pid]: message" or "prog: message"
bool split_tag(std::string_view rest, SyslogLine& out) {
    std::size_t colon = rest.find(": ");
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view tag = rest.substr(0, colon);
    if (tag.find(' ') != std::string_view::npos) return false;
    std::size_t br = tag.find('[');
    out.program = br == std::string_view::npos ? tag : tag.substr(0, br);
    out.message = rest.substr(colon + 2);
    return true;
}

}  // namespace

bool parse_syslog(std::string_view line, SyslogLine& out) {
    out = {};
    // Optional "<PRI>" (RFC 3164 4.1.1 / RFC 5424 6.2.1).
    if (!line.empty() && line[0] == '<') {
        std::size_t gt = line.find('>');
        if (gt == std::string_view::npos || gt > 4) return false;
        line.remove_prefix(gt + 1);
        if (line.size() > 2 && line[0] == '1' && line[1] == ' ') {
            // RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
            line.remove_prefix(2);
            out.time = next_token(line);
            out.host = next_token(line);
            out.program = next_token(line);
            next_token(line);  // procid
            next_token(line);  // msgid
            if (line.starts_with("-")) {
                line.remove_prefix(line.size() > 1 ? 2 : 1);
            } else if (line.starts_with("[")) {
                // Structured data: skip elements, minding escaped "]" inside values (6.3.5).
                std::size_t i = 0;
                bool in_quotes = false;
                while (i < line.size()) {
                    char c = line[i];
                    if (c == '\\') { i += 2; continue; }
                    if (c == '"') in_quotes = !in_quotes;
                    else if (c == ']' && !in_quotes && (i + 1 == line.size() || line[i + 1] != '['))
                        break;
                    ++i;
                }
                line.remove_prefix(std::min(line.size(), i + 2));
            }
            if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // BOM (6.4)
            out.message = line;
            return !out.program.empty();
        }
    }
    if (line.size() >= 16 && month_of(line.substr(0, 3)) != 0 && line[3] == ' ') {
        // RFC 3164: "Mmm dd hh:mm:ss " (day space-padded)
        if (line[9] != ':' || line[12] != ':' || line[15] != ' ') return false;
        out.time = line.substr(0, 15);
        out.rfc3164 = true;
        line.remove_prefix(16);
    } else if (line.size() >= 20 && digits(line, 0, 4) >= 0 && line[4] == '-' && line[10] == 'T') {
        out.time = next_token(line);
    } else {
        return false;
    }
    out.host = next_token(line);
    return split_tag(line, out);
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool normalise_time(std::string_view raw, int default_year, std::string& iso, std::int64_t& unix) {
    iso.clear();
    unix = 0;
    if (raw.empty()) return false;
    char buf[96];  // room for any int values, so -Wformat-truncation can prove no cut
    if (raw.size() >= 15 && month_of(raw.substr(0, 3)) != 0) {
        int mon = month_of(raw.substr(0, 3));
        int day = raw[4] == ' ' ? digits(raw, 5, 1) : digits(raw, 4, 2);
        int hh = digits(raw, 7, 2), mm = digits(raw, 10, 2), ss = digits(raw, 13, 2);
        if (day < 1 || hh < 0 || mm < 0 || ss < 0) return false;
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", default_year, mon, day, hh,
                      mm, ss);
        iso = buf;
        unix = days_from_civil(default_year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
        return true;
    }
    if (raw.size() >= 19 && raw[4] == '-' && raw[7] == '-' && (raw[10] == 'T' || raw[10] == ' ')) {
        int y = digits(raw, 0, 4), mo = digits(raw, 5, 2), d = digits(raw, 8, 2);
        int hh = digits(raw, 11, 2), mm = digits(raw, 14, 2), ss = digits(raw, 17, 2);
        if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh < 0 || mm < 0 || ss < 0)
            return false;
        std::size_t i = 19;
        std::size_t frac_begin = i;
        if (i < raw.size() && (raw[i] == '.' || raw[i] == ',')) {
            ++i;
            while (i < raw.size() && is_digit(raw[i])) ++i;
        }
        std::size_t frac_end = i;
        if (i < raw.size() && raw[i] == ' ') ++i;  // "2025-03-03 09:40:01 +0000"
        int offset = 0;
        std::string zone;
        if (i < raw.size() && (raw[i] == 'Z' || raw[i] == 'z')) {
            zone = "Z";
        } else if (i < raw.size() && (raw[i] == '+' || raw[i] == '-')) {
            int zh = digits(raw, i + 1, 2);
            int zm = i + 3 < raw.size() && raw[i + 3] == ':' ? digits(raw, i + 4, 2)
                                                             : digits(raw, i + 3, 2);
            if (zh >= 0 && zm >= 0) {
                offset = (zh * 60 + zm) * 60 * (raw[i] == '-' ? -1 : 1);
                std::snprintf(buf, sizeof buf, "%c%02d:%02d", raw[i], zh, zm);
                zone = buf;
            }
        }
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, hh, mm, ss);
        iso = buf;
        iso.append(raw.substr(frac_begin, frac_end - frac_begin));
        iso += zone;
        unix = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss - offset;
        return true;
    }
    // Unix seconds (PowerMTA's default timeLogged, KumoMTA's timestamp).
    std::int64_t secs = 0;
    auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), secs);
    if (ec == std::errc() && secs > 0 && (p == raw.data() + raw.size() || *p == '.')) {
        unix = secs;
        std::int64_t days = secs / 86400, rem = secs % 86400;
        // civil_from_days (H. Hinnant)
        days += 719468;
        const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
        const unsigned doe = static_cast<unsigned>(days - era * 146097);
        const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
        const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const unsigned mp = (5 * doy + 2) / 153;
        const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
        const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                      static_cast<long long>(yy + (mm <= 2)), mm, dd,
                      static_cast<long long>(rem / 3600), static_cast<long long>(rem % 3600 / 60),
                      static_cast<long long>(rem % 60));
        iso = buf;
        return true;
    }
    return false;
}

}  // namespace mxt
