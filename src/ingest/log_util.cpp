// Helpers shared by the MTA log readers (log_util.hpp).
#include "ingest/log_util.hpp"

#include "ingest/syslog.hpp"

namespace mxt {

void split_host_ip(std::string_view s, std::string& host, std::string& ip) {
    s = trim(s);
    // The first '[' or '(': one memchr for '[' (the usual "host[ip]"), then one for '(' over what
    // comes before it. (string_view::find_first_of would call memchr over the set per position.)
    std::size_t open = s.find('[');
    if (std::size_t paren = s.substr(0, open).find('('); paren != std::string_view::npos) open = paren;
    std::string_view h = s, i;
    if (open != std::string_view::npos) {
        char close_ch = s[open] == '[' ? ']' : ')';
        std::size_t close = s.find(close_ch, open);
        if (close != std::string_view::npos) i = s.substr(open + 1, close - open - 1);
        h = trim(s.substr(0, open));
    } else if (std::size_t colon = s.rfind(':');
               colon != std::string_view::npos && s.find(':') == colon) {
        h = s.substr(0, colon);  // "host:25"
    }
    if (!h.empty() && h.back() == '.') h.remove_suffix(1);
    if (i.starts_with("IPv6:")) i.remove_prefix(5);  // RFC 5321 4.1.3 address literal
    host.assign(h);
    ip.assign(i);
}

std::string_view leading_reply_code(std::string_view text) {
    if (text.size() < 3) return {};
    char a = text[0];
    if ((a != '2' && a != '4' && a != '5') || text[1] < '0' || text[1] > '9' || text[2] < '0' ||
        text[2] > '9')
        return {};
    if (text.size() > 3 && text[3] != ' ' && text[3] != '-') return {};
    return text.substr(0, 3);
}

Stage stage_of_command(std::string_view c) {
    c = trim(c);
    auto starts = [&](std::string_view p) {
        if (c.size() < p.size()) return false;
        for (std::size_t i = 0; i < p.size(); ++i) {
            char x = c[i];
            if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
            if (x != p[i]) return false;
        }
        return true;
    };
    if (starts("RCPT")) return Stage::rcpt;
    if (starts("MAIL") || starts("PIPELINED MAIL") || starts("XFORWARD")) return Stage::mail;
    if (starts("END OF DATA") || starts("END OF MESSAGE") || c == "." || starts("BDAT"))
        return Stage::end_of_data;
    if (starts("DATA")) return Stage::data;
    if (starts("HELO") || starts("EHLO") || starts("LHLO") || starts("STARTTLS") || starts("AUTH"))
        return Stage::helo;
    if (starts("INITIAL CONNECTION") || starts("CONNECT") || starts("GREETING") || starts("BANNER"))
        return Stage::connect;
    return Stage::unknown;
}

void set_time(DeliveryEvent& e, std::string_view raw, int default_year) {
    if (!normalise_time(raw, default_year, e.time, e.unix_time)) e.time.assign(raw);
}

std::string_view strip_angle(std::string_view s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return s;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string unescape_newlines(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
            out += ' ';
            ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

}  // namespace mxt
