// SPF macro expansion (RFC 7208 section 7). Hand-written: no Debian library exposes it (libspf2
// has no public macro API and evaluates whole records only).
#include "audit/spf_macro.hpp"

#include <fmt/format.h>

#include <cctype>
#include <ctime>
#include <vector>

namespace mxt::audit {
namespace {

bool is_delimiter(char c) {
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

bool is_letter(char c, bool explanation) {
    switch (std::tolower(static_cast<unsigned char>(c))) {
        case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v': return true;
        case 'c': case 'r': case 't': return explanation;  // RFC 7208 7.2: exp only
        default: return false;
    }
}

struct MacroExpand {
    char letter = 0;
    int digits = -1;  // -1: keep all
    bool reverse = false;
    std::string delimiters;
};

// Parses "%{...}" starting at s[i] == '%' and s[i+1] == '{'; sets `next` past the '}'.
std::expected<MacroExpand, std::string> parse_expand(std::string_view s, std::size_t i, bool explanation,
                                                     std::size_t& next) {
    std::size_t j = i + 2;
    if (j >= s.size() || !is_letter(s[j], explanation))
        return std::unexpected(fmt::format("offset {}: invalid macro letter", j));
    MacroExpand m;
    m.letter = s[j++];
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
        int n = 0;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
            n = std::min(n * 10 + (s[j] - '0'), 100000);
            ++j;
        }
        // RFC 7208 7.1: a transformer of zero is a syntax error.
        if (n == 0) return std::unexpected(fmt::format("offset {}: macro transformer of zero", i));
        m.digits = n;
    }
    if (j < s.size() && (s[j] == 'r' || s[j] == 'R')) {
        m.reverse = true;
        ++j;
    }
    while (j < s.size() && is_delimiter(s[j])) m.delimiters += s[j++];
    if (j >= s.size() || s[j] != '}')
        return std::unexpected(fmt::format("offset {}: unterminated or malformed macro", i));
    next = j + 1;
    return m;
}

bool is_toplabel(std::string_view l) {
    // toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
    if (l.empty()) return false;
    bool alpha = false;
    for (char c : l) {
        if (std::isalpha(static_cast<unsigned char>(c))) alpha = true;
        else if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    if (l.front() == '-' || l.back() == '-') return false;
    bool hyphen = l.find('-') != std::string_view::npos;
    return alpha || hyphen;
}

std::string url_escape(std::string_view s) {
    // RFC 7208 7.3: upper-case macro letters are URL-escaped (RFC 3986 unreserved kept).
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            out += static_cast<char>(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

std::string apply_transformers(const std::string& value, const MacroExpand& m) {
    std::string delims = m.delimiters.empty() ? "." : m.delimiters;
    std::vector<std::string> parts;
    std::string cur;
    for (char c : value) {
        if (delims.find(c) != std::string::npos) {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    parts.push_back(cur);
    if (m.reverse) std::reverse(parts.begin(), parts.end());
    std::size_t start = 0;
    if (m.digits > 0 && static_cast<std::size_t>(m.digits) < parts.size())
        start = parts.size() - static_cast<std::size_t>(m.digits);
    std::string out;
    for (std::size_t k = start; k < parts.size(); ++k) {
        if (k > start) out += '.';
        out += parts[k];
    }
    return out;
}

std::string letter_value(char letter, const MacroContext& ctx) {
    switch (std::tolower(static_cast<unsigned char>(letter))) {
        case 's': return ctx.sender;
        case 'l': return ctx.local_part;
        case 'o': return ctx.sender_domain;
        case 'd': return ctx.domain;
        case 'i': return ctx.ip.dotted();
        case 'p': return ctx.validated_name ? ctx.validated_name() : "unknown";
        case 'h': return ctx.helo;
        case 'v': return ctx.ip.v6 ? "ip6" : "in-addr";
        case 'c': return ctx.ip.to_string();
        case 'r': return ctx.receiver;
        case 't': return std::to_string(static_cast<long long>(std::time(nullptr)));
    }
    return {};
}

}  // namespace

std::expected<void, std::string> check_macro_string(std::string_view s, bool explanation) {
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '%') {
            if (i + 1 >= s.size()) return std::unexpected(fmt::format("offset {}: lone '%'", i));
            char n = s[i + 1];
            if (n == '%' || n == '_' || n == '-') {
                i += 2;
                continue;
            }
            if (n != '{') return std::unexpected(fmt::format("offset {}: '%' must be followed by {{, %, _ or -", i));
            std::size_t next = 0;
            auto m = parse_expand(s, i, explanation, next);
            if (!m) return std::unexpected(m.error());
            i = next;
            continue;
        }
        // macro-literal = %x21-24 / %x26-7E; explanation strings also allow spaces (RFC 7208 6.2).
        if (!((c >= 0x21 && c <= 0x7e) || (explanation && c == ' ')))
            return std::unexpected(fmt::format("offset {}: invalid character 0x{:02x}", i, c));
        ++i;
    }
    return {};
}

std::expected<void, std::string> check_domain_spec(std::string_view s) {
    if (s.empty()) return std::unexpected(std::string("empty domain-spec"));
    if (auto ok = check_macro_string(s, false); !ok) return ok;
    // domain-end: a trailing macro-expand, or "." toplabel ["."]
    if (s.back() == '}') return {};
    if (s.size() >= 2 && s[s.size() - 2] == '%' &&
        (s.back() == '%' || s.back() == '_' || s.back() == '-')) {
        // "%%" ends in a literal '%', which is not a macro-expand unless preceded by an odd run.
        std::size_t run = 0;
        for (std::size_t k = s.size() - 1; k < s.size() && s[k] == '%'; --k) ++run;
        if (s.back() != '%' || run % 2 == 0) return {};
    }
    std::string_view d = s;
    if (d.back() == '.') d.remove_suffix(1);
    auto dot = d.rfind('.');
    if (dot == std::string_view::npos)
        return std::unexpected(fmt::format("domain-spec '{}' has no top-level label", s));
    if (!is_toplabel(d.substr(dot + 1)))
        return std::unexpected(fmt::format("domain-spec '{}' ends in an invalid top-level label", s));
    return {};
}

std::expected<std::string, std::string> expand_macros(std::string_view s, const MacroContext& ctx,
                                                      bool explanation) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] != '%') {
            out += s[i++];
            continue;
        }
        if (i + 1 >= s.size()) return std::unexpected(fmt::format("offset {}: lone '%'", i));
        char n = s[i + 1];
        if (n == '%') { out += '%'; i += 2; continue; }
        if (n == '_') { out += ' '; i += 2; continue; }
        if (n == '-') { out += "%20"; i += 2; continue; }
        if (n != '{') return std::unexpected(fmt::format("offset {}: '%' must be followed by {{, %, _ or -", i));
        std::size_t next = 0;
        auto m = parse_expand(s, i, explanation, next);
        if (!m) return std::unexpected(m.error());
        std::string v = apply_transformers(letter_value(m->letter, ctx), *m);
        if (std::isupper(static_cast<unsigned char>(m->letter))) v = url_escape(v);
        out += v;
        i = next;
    }
    return out;
}

std::string truncate_domain(std::string d) {
    while (d.size() > 253) {
        auto dot = d.find('.');
        if (dot == std::string::npos) break;
        d.erase(0, dot + 1);
    }
    return d;
}

}  // namespace mxt::audit
