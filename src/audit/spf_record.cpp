// SPF record parser (RFC 7208 4.6.1 term separation, 5 mechanisms, 6 modifiers, 12 ABNF).
// Hand-written: Debian's libspf2 does not expose its parse tree, and the audit needs the terms.
#include "audit/spf_record.hpp"

#include <fmt/format.h>

#include <cctype>

#include "audit/spf_macro.hpp"

namespace mxt::audit {

std::string_view to_string(Mechanism m) {
    switch (m) {
        case Mechanism::all: return "all";
        case Mechanism::include: return "include";
        case Mechanism::a: return "a";
        case Mechanism::mx: return "mx";
        case Mechanism::ptr: return "ptr";
        case Mechanism::ip4: return "ip4";
        case Mechanism::ip6: return "ip6";
        case Mechanism::exists: return "exists";
    }
    return "?";
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// "/" ("0" / %x31-39 0*DIGIT) with the value at most `max`; no leading zeros (RFC 7208 12).
std::optional<int> parse_cidr(std::string_view s, int max) {
    if (s.empty() || s.size() > 3) return std::nullopt;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    if (s.size() > 1 && s[0] == '0') return std::nullopt;
    int v = std::stoi(std::string(s));
    if (v > max) return std::nullopt;
    return v;
}

// Splits "domain-spec/cidr4//cidr6" into its parts. A domain-spec may itself contain '/' (any
// visible character but '%', RFC 7208 7.1), so only a trailing "/digits" or "//digits" is a
// prefix length.
std::expected<void, std::string> split_dual_cidr(std::string_view arg, std::string& domain, int& c4, int& c6) {
    std::string_view rest = arg;
    auto digits_after = [](std::string_view s, std::size_t at) {
        if (at >= s.size()) return true;  // "/" with nothing after: an error, reported below
        for (std::size_t i = at; i < s.size(); ++i)
            if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        return true;
    };
    auto dbl = rest.rfind("//");
    if (dbl != std::string_view::npos && digits_after(rest, dbl + 2)) {
        auto v = parse_cidr(rest.substr(dbl + 2), 128);
        if (!v) return std::unexpected(fmt::format("bad IPv6 prefix length '{}'", rest.substr(dbl)));
        c6 = *v;
        rest = rest.substr(0, dbl);
    }
    auto sl = rest.rfind('/');
    if (sl != std::string_view::npos && digits_after(rest, sl + 1)) {
        auto v = parse_cidr(rest.substr(sl + 1), 32);
        if (!v) return std::unexpected(fmt::format("bad IPv4 prefix length '{}'", rest.substr(sl)));
        c4 = *v;
        rest = rest.substr(0, sl);
    }
    domain = std::string(rest);
    return {};
}

bool valid_modifier_name(std::string_view n) {
    // name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    if (n.empty() || !std::isalpha(static_cast<unsigned char>(n[0]))) return false;
    for (char c : n)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

}  // namespace

bool is_spf_record(std::string_view txt) {
    if (txt.size() < 6 || !iequals(txt.substr(0, 6), "v=spf1")) return false;
    return txt.size() == 6 || txt[6] == ' ';
}

std::expected<SpfRecord, SpfSyntaxError> parse_spf_record(std::string_view txt) {
    SpfRecord rec;
    auto fail = [](std::size_t off, std::string msg) {
        return std::unexpected(SpfSyntaxError{off, std::move(msg)});
    };
    if (!is_spf_record(txt)) return fail(0, "not an SPF version 1 record");
    std::size_t pos = 6;
    while (pos < txt.size()) {
        // RFC 7208 4.6.1: terms are separated by spaces (SP) only.
        if (txt[pos] == ' ') {
            ++pos;
            continue;
        }
        std::size_t end = txt.find(' ', pos);
        if (end == std::string_view::npos) end = txt.size();
        std::string_view term = txt.substr(pos, end - pos);
        std::size_t off = pos;
        pos = end;
        for (char c : term) {
            unsigned char u = static_cast<unsigned char>(c);
            if (u < 0x21 || u > 0x7e)
                return fail(off, fmt::format("term '{}' contains a control or non-ASCII character", term));
        }
        // A modifier is name "=" macro-string, where the name precedes any ':' or '/'.
        auto eq = term.find('=');
        auto colon = term.find_first_of(":/");
        if (eq != std::string_view::npos && (colon == std::string_view::npos || eq < colon)) {
            std::string_view name = term.substr(0, eq), value = term.substr(eq + 1);
            if (!valid_modifier_name(name)) return fail(off, fmt::format("invalid modifier name in '{}'", term));
            if (iequals(name, "redirect") || iequals(name, "exp")) {
                bool redirect = iequals(name, "redirect");
                auto& slot = redirect ? rec.redirect : rec.exp;
                // RFC 7208 6: each may appear at most once.
                if (slot) return fail(off, fmt::format("'{}' modifier appears twice", name));
                if (auto ok = check_domain_spec(value); !ok)
                    return fail(off, fmt::format("{}: {}", term, ok.error()));
                slot = std::string(value);
            } else {
                if (auto ok = check_macro_string(value, false); !ok)
                    return fail(off, fmt::format("{}: {}", term, ok.error()));
                rec.unknown_modifiers.emplace_back(term);
            }
            continue;
        }
        SpfTerm t;
        t.text = std::string(term);
        t.offset = off;
        std::string_view body = term;
        if (body.front() == '+' || body.front() == '-' || body.front() == '~' || body.front() == '?') {
            t.qualifier = body.front();
            body.remove_prefix(1);
        }
        auto sep = body.find_first_of(":/");
        std::string_view name = body.substr(0, sep);
        std::string_view arg = sep == std::string_view::npos ? std::string_view{} : body.substr(sep);
        bool has_colon = !arg.empty() && arg.front() == ':';
        std::string_view after_colon = has_colon ? arg.substr(1) : std::string_view{};
        auto need_domain = [&]() -> std::expected<void, std::string> {
            if (!has_colon || after_colon.empty()) return std::unexpected(std::string("needs ':domain'"));
            if (arg.find('/') != std::string_view::npos && arg.find('}') == std::string_view::npos)
                return std::unexpected(std::string("takes no prefix length"));
            return check_domain_spec(after_colon);
        };
        if (iequals(name, "all")) {
            if (!arg.empty()) return fail(off, fmt::format("'{}': 'all' takes no argument", term));
            t.mechanism = Mechanism::all;
            rec.has_all = true;
        } else if (iequals(name, "include") || iequals(name, "exists")) {
            t.mechanism = iequals(name, "include") ? Mechanism::include : Mechanism::exists;
            if (auto ok = need_domain(); !ok) return fail(off, fmt::format("'{}': {}", term, ok.error()));
            t.domain_spec = std::string(after_colon);
        } else if (iequals(name, "ptr")) {
            t.mechanism = Mechanism::ptr;
            if (!arg.empty()) {
                if (auto ok = need_domain(); !ok) return fail(off, fmt::format("'{}': {}", term, ok.error()));
                t.domain_spec = std::string(after_colon);
            }
        } else if (iequals(name, "a") || iequals(name, "mx")) {
            t.mechanism = iequals(name, "a") ? Mechanism::a : Mechanism::mx;
            std::string domain;
            auto ok = split_dual_cidr(has_colon ? after_colon : arg, domain, t.cidr4, t.cidr6);
            if (!ok) return fail(off, fmt::format("'{}': {}", term, ok.error()));
            if (has_colon) {
                if (auto d = check_domain_spec(domain); !d) return fail(off, fmt::format("'{}': {}", term, d.error()));
                t.domain_spec = domain;
            } else if (!domain.empty()) {
                return fail(off, fmt::format("'{}': malformed mechanism", term));
            }
        } else if (iequals(name, "ip4") || iequals(name, "ip6")) {
            bool v6 = iequals(name, "ip6");
            t.mechanism = v6 ? Mechanism::ip6 : Mechanism::ip4;
            if (!has_colon) return fail(off, fmt::format("'{}': needs an address", term));
            std::string_view addr = after_colon;
            auto sl = addr.find('/');
            if (sl != std::string_view::npos) {
                auto v = parse_cidr(addr.substr(sl + 1), v6 ? 128 : 32);
                if (!v) return fail(off, fmt::format("'{}': bad prefix length", term));
                (v6 ? t.cidr6 : t.cidr4) = *v;
                addr = addr.substr(0, sl);
            }
            auto ip = IpAddress::parse(addr);
            if (!ip || ip->v6 != v6) return fail(off, fmt::format("'{}': invalid {} address", term, name));
            t.network = *ip;
        } else {
            return fail(off, fmt::format("unknown mechanism '{}'", term));
        }
        rec.mechanisms.push_back(std::move(t));
    }
    return rec;
}

}  // namespace mxt::audit
