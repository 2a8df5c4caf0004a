// The checks `triage --audit` runs for authentication and blocklist verdicts, as a batch: SPF of
// sender domains (lookup count, permerror, whether each sending IP is authorised), the DMARC
// record of From: domains, and DNS blocklists for sending IPs and domains. Each check yields
// findings in plain words with the fix; a DNS failure is a finding of its own kind ("could not
// check"), never "no record". Checks run concurrently, each worker on its own c-ares resolver.
//
// This module knows nothing of triage's types (mxt_audit does not link mxt_triage); the join
// with verdicts is in src/cli/triage_audit.cpp.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "audit/dns.hpp"
#include "audit/dnsbl.hpp"
#include "audit/psl.hpp"

namespace mxt::audit {

enum class CheckKind { spf, dmarc, dnsbl };
std::string_view to_string(CheckKind k);

struct CheckJob {
    CheckKind kind = CheckKind::spf;
    std::string subject;  // a domain (spf, dmarc, dnsbl) or an IP address (dnsbl)
    std::vector<std::string> ips;  // spf: sending IPs to evaluate; empty = the record alone
};

struct CheckFinding {
    std::string check;  // "spf", "dmarc", "dnsbl"
    std::string subject;
    std::string status;  // "problem", "ok", "could_not_check"
    std::string result;  // SPF result, "p=reject", "listed", "clean", ...
    std::string summary;
    std::string fix;
};

struct CheckContext {
    ResolverOptions resolver;  // each worker creates its own resolver from these
    const PublicSuffixList* psl = nullptr;  // needed by dmarc jobs
    const std::vector<DnsblList>* lists = nullptr;  // needed by dnsbl jobs
    int workers = 4;  // checks run at once (at most one per job)
};

// Findings per job, in the order of the jobs. Fails only when no resolver can be made (a bad
// --dns value): everything else is a finding.
std::expected<std::vector<std::vector<CheckFinding>>, std::string> run_checks(
    const std::vector<CheckJob>& jobs, const CheckContext& ctx);

// One job run on a given resolver (what each worker does); exposed for tests.
std::vector<CheckFinding> run_check(Resolver& dns, const CheckJob& job, const CheckContext& ctx);

// IPv4 addresses a rejection reply names ("[192.0.2.1]", "from 192.0.2.1", Gmail's
// "[192.0.2.1      12]"), in order, without duplicates, loopback or 0.0.0.0: for a sender-side
// rejection these are the sending IPs the receiver judged. Dotted numbers that run on into
// more digits (version strings) are not addresses.
std::vector<std::string> ips_in_reply(std::string_view text);

// The domain of an address or a From: field value ("Shop <news@Shop.Example>" -> "shop.example");
// a bare domain is returned lower-cased; "" when there is none.
std::string domain_of(std::string_view address_or_field);

}  // namespace mxt::audit
