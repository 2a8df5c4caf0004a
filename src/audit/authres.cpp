// RFC 8601 parser. Hand-written: Debian has no C/C++ library for Authentication-Results (OpenDKIM
// and OpenDMARC keep theirs internal). Lenient where real MTAs are: an unquoted property value may
// hold ':' (IPv6 addresses) and '@'.
#include "audit/authres.hpp"

#include <fmt/format.h>

#include <cctype>

namespace mxt::audit {

std::string AuthResResult::property(std::string_view type, std::string_view name) const {
    for (auto& p : properties)
        if (p.type == type && p.name == name) return p.value;
    return {};
}

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

struct Parser {
    std::string_view s;
    std::size_t i = 0;
    std::string error;
    std::size_t error_at = 0;

    bool at_end() { return i >= s.size(); }
    void fail(std::string msg) {
        if (error.empty()) {
            error = std::move(msg);
            error_at = i;
        }
    }
    // CFWS: whitespace, folding, and nested comments with quoted-pairs (RFC 5322 3.2.2).
    void cfws() {
        while (i < s.size()) {
            char c = s[i];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++i;
            } else if (c == '(') {
                int depth = 0;
                while (i < s.size()) {
                    if (s[i] == '\\') {
                        i += 2;
                        continue;
                    }
                    if (s[i] == '(') ++depth;
                    if (s[i] == ')' && --depth == 0) {
                        ++i;
                        break;
                    }
                    ++i;
                }
                if (depth > 0) {
                    fail("unterminated comment");
                    i = s.size();
                }
            } else {
                break;
            }
        }
    }
    bool is_stop(char c, std::string_view extra) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ';' || c == '"' ||
               extra.find(c) != std::string_view::npos;
    }
    std::string word(std::string_view stops) {
        cfws();
        std::size_t start = i;
        while (i < s.size() && !is_stop(s[i], stops)) ++i;
        return std::string(s.substr(start, i - start));
    }
    std::string quoted() {
        std::string out;
        ++i;  // opening quote
        while (i < s.size() && s[i] != '"') {
            if (s[i] == '\\' && i + 1 < s.size()) ++i;
            out += s[i++];
        }
        if (i >= s.size()) fail("unterminated quoted string");
        else ++i;
        return out;
    }
    std::string value(std::string_view stops = "") {
        cfws();
        if (i < s.size() && s[i] == '"') return quoted();
        return word(stops);
    }
    bool expect(char c) {
        cfws();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        fail(fmt::format("expected '{}'", c));
        return false;
    }
    bool peek(char c) {
        cfws();
        return i < s.size() && s[i] == c;
    }
};

std::optional<int> number(const std::string& w) {
    if (w.empty() || w.size() > 6) return std::nullopt;
    for (char c : w)
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    return std::stoi(w);
}

}  // namespace

std::expected<AuthResults, AuthResError> parse_authentication_results(std::string_view v) {
    Parser p;
    p.s = v;
    AuthResults out;
    out.authserv_id = p.value();
    if (out.authserv_id.empty()) return std::unexpected(AuthResError{p.i, "missing authserv-id"});
    p.cfws();
    if (!p.at_end() && std::isdigit(static_cast<unsigned char>(p.s[p.i]))) out.version = number(p.word(""));
    while (true) {
        p.cfws();
        if (p.at_end()) break;
        if (!p.expect(';')) {
            out.warnings.push_back(fmt::format("offset {}: {}; the rest is ignored", p.error_at, p.error));
            break;
        }
        p.cfws();
        if (p.at_end()) break;  // a trailing ';' is tolerated
        AuthResResult r;
        r.method = lower(p.word("/=."));
        if (r.method.empty()) {
            p.fail("expected a method");
            out.warnings.push_back(fmt::format("offset {}: expected a method", p.error_at));
            p.error.clear();
            while (!p.at_end() && p.s[p.i] != ';') ++p.i;
            continue;
        }
        if (r.method == "none" && !p.peek('=') && !p.peek('/')) continue;  // no-result
        if (p.peek('/')) {
            ++p.i;
            r.version = number(p.word("=;"));
        }
        if (p.expect('=')) r.result = lower(p.word("=;."));
        // reasonspec and propspecs until the next ';'
        while (p.error.empty()) {
            p.cfws();
            if (p.at_end() || p.s[p.i] == ';') break;
            std::size_t before = p.i;
            std::string ptype = lower(p.word(".=;"));
            if (ptype == "reason" && p.peek('=')) {
                ++p.i;
                r.reason = p.value();
                continue;
            }
            if (p.peek('=')) {
                // "version=TLSv1.2" without a ptype: not RFC 8601 syntax, but some MTAs write it
                // (x-tls). Skipped, as authres does.
                ++p.i;
                p.value();
                continue;
            }
            if (!p.expect('.')) break;
            std::string name = lower(p.word("=;"));
            if (!p.expect('=')) break;
            std::string val = p.value();
            r.properties.push_back({ptype, name, val});
            if (p.i == before) {
                p.fail("no progress");
                break;
            }
        }
        if (!p.error.empty()) {
            // Lenient like real consumers: drop this resinfo, note where, resume at the next ';'.
            out.warnings.push_back(fmt::format("offset {}: {} (result '{}' skipped)", p.error_at, p.error, r.method));
            p.error.clear();
            while (!p.at_end() && p.s[p.i] != ';') {
                if (p.s[p.i] == '"') p.quoted();
                else ++p.i;
            }
            continue;
        }
        out.results.push_back(std::move(r));
    }
    return out;
}

}  // namespace mxt::audit
