// An SPF record parsed into terms (RFC 7208 4.6 and 12 "Collected ABNF"). Any syntax error makes
// the whole record a PermError before evaluation (RFC 7208 4.6), so parsing is a separate step.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/ip.hpp"

namespace mxt::audit {

enum class Mechanism { all, include, a, mx, ptr, ip4, ip6, exists };
std::string_view to_string(Mechanism m);

struct SpfTerm {
    char qualifier = '+';        // + - ~ ?
    Mechanism mechanism = Mechanism::all;
    std::string domain_spec;     // empty: the current domain
    int cidr4 = 32;
    int cidr6 = 128;
    IpAddress network;           // ip4 / ip6
    std::string text;            // the term as written
    std::size_t offset = 0;      // byte offset in the record
    // RFC 7208 4.6.4: include, a, mx, ptr, exists (and redirect) cost a DNS lookup.
    bool queries_dns() const {
        return mechanism == Mechanism::include || mechanism == Mechanism::a || mechanism == Mechanism::mx ||
               mechanism == Mechanism::ptr || mechanism == Mechanism::exists;
    }
};

struct SpfRecord {
    std::vector<SpfTerm> mechanisms;
    std::optional<std::string> redirect;  // domain-spec
    std::optional<std::string> exp;       // domain-spec
    std::vector<std::string> unknown_modifiers;
    bool has_all = false;
};

struct SpfSyntaxError {
    std::size_t offset = 0;
    std::string message;
};

// True when `txt` is an SPF version 1 record: "v=spf1" then a space or the end (RFC 7208 4.5).
bool is_spf_record(std::string_view txt);

std::expected<SpfRecord, SpfSyntaxError> parse_spf_record(std::string_view txt);

}  // namespace mxt::audit
