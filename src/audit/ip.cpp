// IP address parsing and formatting through inet_pton/inet_ntop (no hand-written parser), plus the
// reversed-name forms used by PTR and DNSBL queries.
#include "audit/ip.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

namespace mxt::audit {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    std::string s(text);
    IpAddress ip;
    if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) return ip;
    if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
        ip.v6 = true;
        return ip;
    }
    return std::nullopt;
}

IpAddress IpAddress::unmapped() const {
    if (!v6) return *this;
    for (int i = 0; i < 10; ++i)
        if (bytes[i] != 0) return *this;
    if (bytes[10] != 0xff || bytes[11] != 0xff) return *this;
    IpAddress v4;
    for (int i = 0; i < 4; ++i) v4.bytes[i] = bytes[12 + i];
    return v4;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
    return buf;
}

static constexpr char kHex[] = "0123456789abcdef";

std::string IpAddress::dotted() const {
    if (!v6) return to_string();
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i) out += '.';
        out += kHex[bytes[i] >> 4];
        out += '.';
        out += kHex[bytes[i] & 15];
    }
    return out;
}

std::string IpAddress::reversed() const {
    if (!v6) return fmt::format("{}.{}.{}.{}", bytes[3], bytes[2], bytes[1], bytes[0]);
    std::string out;
    for (int i = 15; i >= 0; --i) {
        out += kHex[bytes[i] & 15];
        out += '.';
        out += kHex[bytes[i] >> 4];
        if (i) out += '.';
    }
    return out;
}

std::string IpAddress::ptr_name() const {
    return reversed() + (v6 ? ".ip6.arpa" : ".in-addr.arpa");
}

bool IpAddress::in_network(const IpAddress& net, int prefix) const {
    if (v6 != net.v6) return false;
    int bits = v6 ? 128 : 32;
    if (prefix < 0 || prefix > bits) return false;
    int full = prefix / 8, rest = prefix % 8;
    for (int i = 0; i < full; ++i)
        if (bytes[i] != net.bytes[i]) return false;
    if (rest) {
        std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
        if ((bytes[full] & mask) != (net.bytes[full] & mask)) return false;
    }
    return true;
}

}  // namespace mxt::audit
