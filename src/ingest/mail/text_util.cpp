// Text helpers for the bounce readers (see text_util.hpp).
#include "ingest/mail/text_util.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace mxt::mail {

namespace {

// ASCII case folding and white space by table: the program runs in the "C" locale (it never calls
// setlocale), where std::tolower and std::isspace mean exactly these, but each of them is a
// library call per byte, and the bounce readers fold every byte of every body several times.
constexpr std::array<unsigned char, 256> kLower = [] {
    std::array<unsigned char, 256> t{};
    for (int i = 0; i < 256; ++i) t[i] = static_cast<unsigned char>(i >= 'A' && i <= 'Z' ? i + 32 : i);
    return t;
}();

inline char lc(char c) { return static_cast<char>(kLower[static_cast<unsigned char>(c)]); }
inline bool space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }  // the "C" locale's isspace

}  // namespace

std::string normalize_eol(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    // Copy runs up to each CR in one piece: most input has LF endings already.
    std::size_t i = 0;
    while (i < in.size()) {
        const void* cr = std::memchr(in.data() + i, '\r', in.size() - i);
        std::size_t at = cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - in.data()) : in.size();
        out.append(in.data() + i, at - i);
        if (at == in.size()) break;
        out.push_back('\n');
        i = at + 1;
        if (i < in.size() && in[i] == '\n') ++i;
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lc(c);
    return out;
}

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
    if (hay.size() < needle.size() || from > hay.size() - needle.size()) return std::string_view::npos;
    // Candidates are found with memchr for both cases of the needle's first byte (the next hit of
    // each is remembered, so the scan stays linear), then compared folded.
    const char lo = lc(needle[0]);
    const char up = lo >= 'a' && lo <= 'z' ? static_cast<char>(lo - 32) : lo;
    const char* base = hay.data();
    const std::size_t last = hay.size() - needle.size();  // the last possible start
    auto next_of = [&](char c, std::size_t at) -> std::size_t {
        if (at > last) return std::string_view::npos;
        const void* p = std::memchr(base + at, c, last - at + 1);
        return p ? static_cast<std::size_t>(static_cast<const char*>(p) - base) : std::string_view::npos;
    };
    std::size_t a = next_of(lo, from);
    std::size_t b = up == lo ? std::string_view::npos : next_of(up, from);
    while (a != std::string_view::npos || b != std::string_view::npos) {
        const std::size_t i = std::min(a, b);
        std::size_t j = 1;
        while (j < needle.size() && lc(base[i + j]) == lc(needle[j])) ++j;
        if (j == needle.size()) return i;
        if (i == a) a = next_of(lo, i + 1);
        if (i == b) b = next_of(up, i + 1);
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
    bool gap = false;
    for (char c : s) {
        if (space(c)) {
            gap = true;
            continue;
        }
        if (gap && !out.empty()) out.push_back(' ');
        gap = false;
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
            if (c != '<' && c != '>' && c != '"' && !space(c)) out.push_back(c);
        return out;
    }
    return a;
}

namespace {

inline bool digit(char c) { return c >= '0' && c <= '9'; }
inline bool class_digit(char c) { return c == '2' || c == '4' || c == '5'; }

// Whether `s` holds "[245].[0-9]", which every pattern of find_status needs: most texts that
// hold none are answered without running the regular expressions.
bool may_hold_status(std::string_view s) {
    for (std::size_t i = 1; i + 1 < s.size(); ++i)
        if (s[i] == '.' && class_digit(s[i - 1]) && digit(s[i + 1])) return true;
    return false;
}

// Whether `s` holds "[245][0-9][0-9]", which every pattern of find_reply_code needs.
bool may_hold_reply_code(std::string_view s) {
    for (std::size_t i = 0; i + 2 < s.size(); ++i)
        if (class_digit(s[i]) && digit(s[i + 1]) && digit(s[i + 2])) return true;
    return false;
}

}  // namespace

std::string find_status(std::string_view s) {
    if (!may_hold_status(s)) return "";
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
    if (!may_hold_reply_code(s)) return "";
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
