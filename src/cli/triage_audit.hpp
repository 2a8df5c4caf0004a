// `triage --audit`: the join between triage verdicts and the root-cause audit. While triage reads
// the events, AuditSubjects remembers (bounded) the sending IPs and sender domains of the
// authentication and blocklist/IP-reputation rejections per provider; after the decision,
// audit_verdicts() runs SPF, DMARC and blocklist checks for the subjects of each such verdict and
// adds the findings to its evidence.
//
// Why here, in the CLI: the join needs triage's types (verdicts, the window filter, providers)
// and the audit's checks, and mxt_triage does not link mxt_audit (nor should it: the decision
// tree needs no DNS). The executable links both, so the join lives beside it and the library
// graph stays acyclic (audit -> core; triage -> ingest, store; mxtriage -> both). The checks
// themselves, which need no triage type, are in mxt_audit (src/audit/triage_checks.*) where
// test_audit tests them.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <expected>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "ingest/event.hpp"
#include "triage/aggregate.hpp"
#include "triage/verdict.hpp"

namespace mxt::cli {

struct TriageAuditOptions {
    bool enabled = false;
    std::string dns;  // HOST:PORT, "" = the system resolver
    int timeout_ms = 2000;
    int retries = 1;
    int concurrency = 16;
    int max_subjects = 20;  // distinct domains and IPs checked in one run
    std::string lists;  // blocklist file; "" = dnsbl.toml of the rules directory
    std::string psl;  // Public Suffix List file; "" = the system's
};

// Adds --audit and the audit's DNS options (the names `mxtriage audit` uses) to `triage`.
void add_triage_audit_options(CLI::App* cmd, TriageAuditOptions& o);

// Sending IPs and sender domains seen in the rejections the audit can explain, per provider and
// category, with counts. Memory is bounded: at most kMaxPerKind distinct values of each kind per
// provider and category are kept; the rest are only counted as dropped.
class AuditSubjects {
public:
    static constexpr std::size_t kMaxPerKind = 64;

    explicit AuditSubjects(triage::Filter filter) : filter_(std::move(filter)) {}
    void observe(const DeliveryEvent& e);

    struct Bucket {
        std::map<std::string, std::int64_t> ips, envelope_domains, from_domains;
        std::map<std::pair<std::string, std::string>, std::int64_t> signatures;  // (From domain, d=)
        std::int64_t dropped = 0;
    };
    const std::map<std::pair<std::string, Category>, Bucket>& buckets() const { return buckets_; }

private:
    triage::Filter filter_;
    std::map<std::pair<std::string, Category>, Bucket> buckets_;
};

// Runs the checks for the authentication_failure, blocklisted and ip_reputation_incident
// verdicts and appends the findings to their evidence. An error only for bad configuration
// (blocklist file, PSL file, --dns value); DNS failures are findings.
std::expected<void, std::string> audit_verdicts(const TriageAuditOptions& o, const AuditSubjects& subjects,
                                                triage::Decision& decision);

}  // namespace mxt::cli
