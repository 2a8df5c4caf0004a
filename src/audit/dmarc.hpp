// DMARC policy audit: record parsing and tag validation (RFC 7489 6.3, RFC 9989 4.7), record
// discovery both ways (RFC 7489 6.6.3 with the PSL organisational domain; RFC 9989 4.10 DNS tree
// walk), the effective policy for the domain, and external report authorisation (RFC 7489 7.1).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "audit/dns.hpp"
#include "audit/psl.hpp"

namespace mxt::audit {

enum class DmarcSpec { rfc7489, rfc9989 };

struct DmarcRecord {
    std::string text;
    std::map<std::string, std::string> tags;  // lower-case names
    std::vector<std::string> problems;        // tag errors and warnings, with offsets
    bool valid = false;                       // usable as a policy record
    std::string tag(const std::string& name, const std::string& fallback = {}) const {
        auto it = tags.find(name);
        return it == tags.end() ? fallback : it->second;
    }
};

// Parses "v=DMARC1; p=...": checks each tag against the given RFC's tag set and value grammar.
DmarcRecord parse_dmarc_record(std::string_view text, DmarcSpec spec);

struct ReportDestination {
    std::string uri;
    std::string domain;
    bool external = false;
    bool authorised = true;  // external destinations need <domain>._report._dmarc.<dest>
    std::string problem;
};

struct DmarcDiscovery {
    std::string org_domain;
    std::string policy_domain;  // where the record was found; empty when none
    std::string record;
    std::string policy;         // effective policy for the domain: none/quarantine/reject, or empty
    std::vector<std::string> queried;  // the _dmarc names asked, in order
    DmarcRecord parsed;
    std::vector<ReportDestination> reports;
};

struct DmarcAudit {
    std::string domain;
    DmarcDiscovery rfc7489;
    DmarcDiscovery rfc9989;
    std::vector<std::string> problems;
    bool dns_failed = false;  // a lookup timed out or failed: the audit is incomplete
};

DmarcAudit audit_dmarc(Resolver& dns, const PublicSuffixList& psl, const std::string& domain);

// One lookup of _dmarc.<domain>: the single DMARC record, or why there is none.
struct DmarcLookup {
    DnsStatus status = DnsStatus::nxdomain;
    std::string record;  // empty: none
    int count = 0;       // records starting with v=DMARC1
};
DmarcLookup lookup_dmarc(Resolver& dns, const std::string& domain);

}  // namespace mxt::audit
