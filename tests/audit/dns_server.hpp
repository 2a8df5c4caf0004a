// Test fixture: a real DNS server (Debian's unbound) on 127.0.0.1 and a free high port, serving
// the zone data a test gives it. Names listed as `timeout` are silently dropped (local-zone
// "deny"), names listed as `refused` answer REFUSED, every other unknown name is NXDOMAIN.
#pragma once

#include <sys/types.h>

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace mxt::audit::testing {

struct ZoneData {
    // unbound local-data lines: "name [TTL] TYPE rdata", e.g. "example.com TXT \"v=spf1 -all\"".
    std::vector<std::string> records;
    std::vector<std::string> timeout;  // zones whose names (without data) never answer
    std::vector<std::string> refused;  // zones answered with REFUSED
    std::vector<std::string> static_zones;  // zones answered only from their data (NXDOMAIN else)
};

// Quotes one TXT string for a local-data line: \" \\ and \DDD for everything outside printable
// ASCII and for the single quote that delimits the line in unbound.conf. Strings of more than
// 255 octets are split into several character-strings (RFC 1035 3.3.14).
std::string txt_rdata(const std::vector<std::string>& strings);

// Escapes a domain name for a local-data line (\DDD for anything but letters, digits, - _ . *).
std::string zone_name_escape(std::string_view name);

class DnsServer {
public:
    static std::expected<DnsServer, std::string> start(const ZoneData& zone);
    DnsServer(DnsServer&& o) noexcept;
    DnsServer& operator=(DnsServer&&) = delete;
    ~DnsServer();
    int port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    DnsServer() = default;
    pid_t pid_ = -1;
    int port_ = 0;
    std::string dir_;
};

}  // namespace mxt::audit::testing
