// SPF macro strings (RFC 7208 section 7): syntax check and expansion. Used for domain-specs and,
// with the c, r and t letters allowed, for explanation strings (RFC 7208 6.2).
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <string_view>

#include "audit/ip.hpp"

namespace mxt::audit {

struct MacroContext {
    std::string sender;         // s: <sender> (after the postmaster@ substitution of RFC 7208 4.3)
    std::string local_part;     // l
    std::string sender_domain;  // o
    std::string domain;         // d: the current <domain>
    std::string helo;           // h
    std::string receiver = "unknown";  // r
    IpAddress ip;               // i, c, v
    // p: the validated domain name of the IP (RFC 7208 7.3); called only when the macro is used.
    std::function<std::string()> validated_name;
};

// Checks macro-string syntax; the error says where (byte offset) and what.
std::expected<void, std::string> check_macro_string(std::string_view s, bool explanation);

// Checks the domain-spec grammar of RFC 7208 7.1: a macro-string whose domain-end is
// "." toplabel ["."] or a macro-expand.
std::expected<void, std::string> check_domain_spec(std::string_view s);

// Expands a macro-string; an error only for bad syntax.
std::expected<std::string, std::string> expand_macros(std::string_view s, const MacroContext& ctx,
                                                      bool explanation);

// RFC 7208 4.8: an expanded domain-spec longer than 253 octets loses labels on the left.
std::string truncate_domain(std::string d);

}  // namespace mxt::audit
