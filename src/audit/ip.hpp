// IP addresses for the audit: parsing, CIDR matching, and the reversed names that PTR lookups
// (RFC 1035 3.5, RFC 3596 2.5) and DNS blocklists (RFC 5782 2.1, 2.4) query.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxt::audit {

struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4

    static std::optional<IpAddress> parse(std::string_view text);
    // "::ffff:a.b.c.d" becomes a.b.c.d, as RFC 7208 5 asks for IPv4-mapped clients.
    IpAddress unmapped() const;
    std::string to_string() const;
    // Dotted nibbles for IPv6 (RFC 7208 7.3 "i" macro), dotted quad for IPv4.
    std::string dotted() const;
    // "4.3.2.1" or the 32 reversed nibbles, without a zone.
    std::string reversed() const;
    // reversed() + ".in-addr.arpa" / ".ip6.arpa"
    std::string ptr_name() const;
    bool in_network(const IpAddress& net, int prefix) const;
    bool operator==(const IpAddress&) const = default;
};

}  // namespace mxt::audit
