// Syslog envelope and timestamp parsing (syslog.hpp).
#include "ingest/syslog.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <utility>

namespace mxt {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int month_of(std::string_view m) {
    // Runs on every line: compare the three letters as one number, not twelve string compares.
    if (m.size() != 3) return 0;
    auto key = [](const char* s) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) << 16 |
               static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
               static_cast<unsigned char>(s[2]);
    };
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::uint32_t k = key(m.data());
    for (int i = 0; i < 12; ++i)
        if (k == key(kMonths[i])) return i + 1;
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

// "YYYY-MM-DDTHH:MM:SS" into `iso` (replacing it). Written out digit by digit: this runs once per
// log event, and snprintf's format parsing cost more than the rest of the timestamp handling.
static void write_iso(std::string& iso, int y, int mo, int d, int hh, int mm, int ss) {
    if (y < 0 || y > 9999) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, hh, mm, ss);
        iso = buf;
        return;
    }
    char b[19] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0',
                  'T', '0', '0', ':', '0', '0', ':', '0', '0'};
    auto two = [&](int at, int v) {
        b[at] = static_cast<char>('0' + v / 10 % 10);
        b[at + 1] = static_cast<char>('0' + v % 10);
    };
    two(0, y / 100);
    two(2, y % 100);
    two(5, mo);
    two(8, d);
    two(11, hh);
    two(14, mm);
    two(17, ss);
    iso.assign(b, sizeof b);
}

// RFC 5322 section 3.3 date-time, with the obsolete forms of section 4.3 (two-digit years, zone
// names, no seconds): "Fri, 13 Nov 2020 09:47:59 +0900 (JST)", as in Date: headers and the
// Arrival-Date and Last-Attempt-Date fields of DSNs (RFC 3464 2.2.5, 2.3.7).
bool rfc5322_time(std::string_view s, std::string& iso, std::int64_t& unix) {
    auto skip_space = [&] {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    };
    auto number = [&](int max_digits) {
        int v = 0, n = 0;
        while (!s.empty() && is_digit(s.front()) && n < max_digits) {
            v = v * 10 + (s.front() - '0');
            s.remove_prefix(1);
            ++n;
        }
        return n == 0 ? -1 : v;
    };
    skip_space();
    if (s.size() >= 4 && s[3] == ',') s.remove_prefix(4);  // day-of-week
    skip_space();
    int day = number(2);
    skip_space();
    if (day < 1 || day > 31 || s.size() < 3) return false;
    char mon_name[3] = {static_cast<char>(std::toupper(static_cast<unsigned char>(s[0]))),
                        static_cast<char>(std::tolower(static_cast<unsigned char>(s[1]))),
                        static_cast<char>(std::tolower(static_cast<unsigned char>(s[2])))};
    int mon = month_of(std::string_view(mon_name, 3));
    if (mon == 0) return false;
    s.remove_prefix(3);
    skip_space();
    std::size_t before = s.size();
    int year = number(4);
    if (year < 0) return false;
    if (before - s.size() <= 2) year += year < 50 ? 2000 : 1900;  // 4.3: two-digit years
    else if (before - s.size() == 3) year += 1900;
    skip_space();
    int hh = number(2);
    if (hh < 0 || s.empty() || s.front() != ':') return false;
    s.remove_prefix(1);
    int mm = number(2);
    int ss = 0;
    if (!s.empty() && s.front() == ':') {
        s.remove_prefix(1);
        ss = number(2);
    }
    if (mm < 0 || ss < 0 || hh > 23 || mm > 59 || ss > 60) return false;
    skip_space();
    int offset_min = 0;
    bool known_zone = true;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        int sign = s.front() == '-' ? -1 : 1;
        s.remove_prefix(1);
        int hhmm = number(4);
        if (hhmm < 0) return false;
        offset_min = sign * (hhmm / 100 * 60 + hhmm % 100);
        if (sign < 0 && hhmm == 0) known_zone = false;  // "-0000": local time, zone unknown
    } else {
        // 4.3: the US zone names; UT, GMT and Z are zero; anything else (military letters) is
        // to be read as "-0000", i.e. unknown local time, counted as UTC.
        std::string_view z = s.substr(0, std::min<std::size_t>(3, s.size()));
        static constexpr std::pair<std::string_view, int> kZones[] = {
            {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
            {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420}};
        known_zone = false;
        for (const auto& [name, minutes] : kZones)
            if (z == name) offset_min = minutes, known_zone = true;
        if (z.starts_with("UT") || z.starts_with("GMT") || z == "Z") known_zone = true;
    }
    write_iso(iso, year, mon, day, hh, mm, ss);
    if (known_zone) {
        char zone[8];
        int a = offset_min < 0 ? -offset_min : offset_min;
        std::snprintf(zone, sizeof zone, "%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60 % 100, a % 60);
        iso += offset_min == 0 ? std::string("Z") : std::string(zone);
    }
    unix = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss - offset_min * 60;
    return true;
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
        write_iso(iso, default_year, mon, day, hh, mm, ss);
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
        write_iso(iso, y, mo, d, hh, mm, ss);
        iso.append(raw.substr(frac_begin, frac_end - frac_begin));
        iso += zone;
        unix = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss - offset;
        return true;
    }
    if (rfc5322_time(raw, iso, unix)) return true;
    iso.clear();
    unix = 0;
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
