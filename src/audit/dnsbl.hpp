// DNS blocklist checks (RFC 5782) driven by rules/dnsbl.toml: query names, answer codes read per
// list, refusal codes reported as "query refused" (never as a listing), and delisting pages.
#pragma once

#include <expected>
#include <map>
#include <string>
#include <vector>

#include "audit/dns.hpp"

namespace mxt::audit {

struct DnsblList {
    std::string name, zone, kind;  // kind: "ip" or "domain"
    std::vector<std::string> mentions;
    std::string delist_url;
    std::map<std::string, std::string> answers;
    std::vector<std::string> refused;
    bool bitmask = false;
    bool ipv6 = false;
};

// Loads the [[list]] tables; errors name the file and line.
std::expected<std::vector<DnsblList>, std::string> load_dnsbl_lists(const std::string& path);

enum class DnsblStatus { listed, clean, refused, not_checked };
std::string_view to_string(DnsblStatus s);

struct DnsblResult {
    const DnsblList* list = nullptr;
    DnsblStatus status = DnsblStatus::not_checked;
    std::string query;               // the name asked
    std::vector<std::string> codes;  // answers inside 127.0.0.0/8
    std::string meaning;             // plain words for the codes, or why not checked
};

struct DnsblAudit {
    std::string subject;
    bool is_ip = false;
    std::vector<DnsblResult> results;
};

// `subject` is an IPv4/IPv6 address (IP lists) or a domain (domain lists).
DnsblAudit check_dnsbl(Resolver& dns, const std::vector<DnsblList>& lists, const std::string& subject);

}  // namespace mxt::audit
