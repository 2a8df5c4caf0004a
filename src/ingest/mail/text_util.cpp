// Text helpers for the bounce readers (see text_util.hpp).
#include "ingest/mail/text_util.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

namespace mxt::mail {

std::string normalize_eol(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '\r') {
            out.push_back('\n');
            if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

static inline char lc(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lc(a[i]) != lc(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from) {
    if (needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
    if (hay.size() < needle.size()) return std::string_view::npos;
    const char first = lc(needle[0]);
    for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
        if (lc(hay[i]) != first) continue;
        std::size_t j = 1;
        while (j < needle.size() && lc(hay[i + j]) == lc(needle[j])) ++j;
        if (j == needle.size()) return i;
    }
    return std::string_view::npos;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            out.push_back(text.substr(start));
            break;
        }
        out.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

std::string squeeze(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool space = false;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

static bool addr_char(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return std::isalnum(u) || u >= 0x80 || std::string_view("._%+-=/!#$&'*?^`{|}~").find(c) != std::string_view::npos;
}

bool looks_like_address(std::string_view s) {
    auto at = s.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
    for (char c : s.substr(0, at))
        if (!addr_char(c) && c != '"' && c != ' ') return false;
    auto dom = s.substr(at + 1);
    for (char c : dom)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '[' ||
              c == ']' || c == ':' || static_cast<unsigned char>(c) >= 0x80))
            return false;
    return true;
}

std::string find_address(std::string_view s) {
    // Angle-bracketed first: "<user@example.com>".
    for (std::size_t p = s.find('<'); p != std::string_view::npos; p = s.find('<', p + 1)) {
        auto q = s.find('>', p + 1);
        if (q == std::string_view::npos) break;
        auto inner = trim(s.substr(p + 1, q - p - 1));
        if (istarts_with(inner, "mailto:")) inner.remove_prefix(7);
        if (looks_like_address(inner) && inner.find(' ') == std::string_view::npos) return std::string(inner);
    }
    for (std::size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
        std::size_t b = at;
        while (b > 0 && addr_char(s[b - 1])) --b;
        std::size_t e = at + 1;
        while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '.' || s[e] == '-' ||
                                static_cast<unsigned char>(s[e]) >= 0x80))
            ++e;
        while (e > at + 1 && s[e - 1] == '.') --e;
        while (b < at && (s[b] == '.' || s[b] == '\'' || s[b] == '`')) ++b;
        if (b < at && e > at + 1 && s.substr(at + 1, e - at - 1).find('.') != std::string_view::npos)
            return std::string(s.substr(b, e - b));
    }
    return "";
}

std::string clean_address(std::string_view s) {
    s = trim(s);
    if (auto semi = s.find(';'); semi != std::string_view::npos && semi < 12) s = trim(s.substr(semi + 1));
    std::string a = find_address(s);
    if (a.empty()) {
        std::string out;
        for (char c : s)
            if (c != '<' && c != '>' && c != '"' && !std::isspace(static_cast<unsigned char>(c))) out.push_back(c);
        return out;
    }
    return a;
}

std::string find_status(std::string_view s) {
    // A reply quoted inside another ("554 4.4.7 expired <421 4.4.2 Connection timed out>") or after
    // a relay's own summary ("5.1.0 - Unknown address error 550-'5.7.1 ... Access denied'") carries
    // the remote server's own code: it wins.
    static const RE2 nested(R"((?:<|[245][0-9][0-9][ -]')([245][0-9][0-9][ -])?([245]\.[0-9]{1,3}\.[0-9]{1,3}))");
    {
        std::string code, st;
        if (RE2::PartialMatch(s, nested, &code, &st) && !st.empty()) return st;
    }
    static const RE2 re(R"((?:^|[^0-9.\w])([245]\.[0-9]{1,3}\.[0-9]{1,3})(?:[^0-9.]|\.(?:[^0-9]|$)|$))");
    std::string out;
    if (RE2::PartialMatch(s, re, &out)) return out;
    return "";
}

std::string find_reply_code(std::string_view s) {
    // A code followed by an enhanced code is the strongest evidence ("550 5.1.1", "550-5.1.1").
    static const RE2 nested(R"(<([245][0-9][0-9]) [245]\.[0-9]{1,3}\.[0-9]{1,3})");
    {
        std::string code;
        if (RE2::PartialMatch(s, nested, &code)) return code;
    }
    static const RE2 with_status(R"((?:^|[^0-9.\w])([245][0-9][0-9])[ \-]+[245]\.[0-9]{1,3}\.[0-9]{1,3})");
    static const RE2 bare(R"((?:^|[\s:>(\[\"'])([245][0-9][0-9])(?:[ \-]|$|[:,.;)]\s))");
    std::string out;
    if (RE2::PartialMatch(s, with_status, &out)) return out;
    if (RE2::PartialMatch(s, bare, &out)) return out;
    return "";
}

}  // namespace mxt::mail

namespace mxt::mail {

std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = n > 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
        if (ok && n == 2) ok = c >= 0xC2;
        if (ok && n == 3) {
            unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
        }
        if (ok && n == 4) {
            unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
            ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (!ok) {
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        if (n == 1 && c < 0x20 && c != '\t' && c != '\n') {
            out.push_back(' ');
        } else {
            out.append(s.substr(i, n));
        }
        i += n;
    }
    return out;
}

}  // namespace mxt::mail
