// The audit's DNS client, over c-ares: one configurable resolver (server, timeout, retries), an
// answer cache, and bounded concurrency for batches (blocklists). Failures keep their kind:
// a timeout or SERVFAIL is never folded into "no record" (RFC 7208 2.6.6, RFC 5782 2.1).
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "audit/ip.hpp"

namespace mxt::audit {

enum class DnsType : std::uint16_t {
    A = 1,
    CNAME = 5,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SPF = 99,
};

enum class DnsStatus {
    ok,        // NOERROR with at least one record of the asked type
    nodata,    // NOERROR, no record of that type
    nxdomain,  // the name does not exist
    timeout,   // no answer in time, after the retries
    servfail,  // the server failed
    refused,   // the server refused the query
    error,     // anything else (bad name, unreachable server, malformed answer)
};

std::string_view to_string(DnsStatus s);
std::string_view to_string(DnsType t);

struct MxRecord {
    int preference = 0;
    std::string host;
};

struct DnsAnswer {
    DnsStatus status = DnsStatus::error;
    std::string detail;                 // c-ares's message when failed
    std::vector<std::string> txt;       // TXT/SPF: each record's strings joined (RFC 7208 3.3)
    std::vector<IpAddress> addresses;   // A/AAAA
    std::vector<MxRecord> mx;           // MX
    std::vector<std::string> names;     // PTR / CNAME targets
    std::string cname;                  // an alias in the answer with no record of the asked type
    std::uint32_t ttl = 0;

    // A DNS failure, as opposed to an answer (positive or negative).
    bool failed() const {
        return status != DnsStatus::ok && status != DnsStatus::nodata &&
               status != DnsStatus::nxdomain;
    }
    // RFC 7208 4.6.4: NOERROR with no answers, or NXDOMAIN.
    bool is_void() const { return status == DnsStatus::nodata || status == DnsStatus::nxdomain; }
};

struct ResolverOptions {
    std::string server;      // "HOST:PORT" or "HOST"; empty = the system's resolv.conf
    int timeout_ms = 2000;   // per try
    int tries = 2;
    int max_in_flight = 16;  // bounded concurrency for query_all
    bool cache = true;
};

struct DnsQuestion {
    std::string name;
    DnsType type = DnsType::A;
};

class Resolver {
public:
    static std::expected<std::unique_ptr<Resolver>, std::string> create(const ResolverOptions& opts);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    DnsAnswer query(const std::string& name, DnsType type);
    // Answers in the order of the questions; at most max_in_flight queries outstanding.
    std::vector<DnsAnswer> query_all(std::span<const DnsQuestion> questions);

    // Queries that went to the network (cache misses); for tests and diagnostics.
    std::size_t sent() const { return sent_; }

    struct Impl;

private:
    explicit Resolver(std::unique_ptr<Impl> impl, ResolverOptions opts);
    std::unique_ptr<Impl> impl_;
    ResolverOptions opts_;
    std::map<std::pair<std::string, DnsType>, DnsAnswer> cache_;
    std::size_t sent_ = 0;
};

// Parses a DNS response message (RFC 1035 4.1) into the records of `type` in its answer section.
DnsAnswer parse_dns_response(const unsigned char* buf, int len, DnsType type);

}  // namespace mxt::audit
