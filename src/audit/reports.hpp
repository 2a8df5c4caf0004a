// DMARC aggregate reports (RFC 7489 7.2 and appendix C; RFC 9990): read from XML, .gz, .zip or
// e-mail messages carrying them, with bounded decompression and XML, then summed per sending
// source: which IPs fail SPF, DKIM or alignment, and with how much mail.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace mxt::audit {

struct ReportLimits {
    std::size_t max_input = 64u << 20;         // bytes read from one file
    // Bytes inflated out of one file, all gzip/zip layers together (docs/limits.md). The largest
    // real aggregate reports are a few MiB of XML; this is also the most libxml2 is given.
    std::size_t max_decompressed = 32u << 20;
    // Decompressed/compressed past the first MiB: report XML compresses 5-50x, deflate tops out
    // near 1032x on runs of one byte, which only a bomb holds.
    std::size_t max_ratio = 200;
    int max_depth = 4;                          // email in zip in email...
};

struct AuthResult {
    std::string domain, result, selector;
};

struct ReportRecord {
    std::string source_ip;
    std::uint64_t count = 0;
    std::string disposition, dkim, spf;  // policy_evaluated
    std::string header_from, envelope_from;
    std::vector<AuthResult> dkim_auth, spf_auth;
};

struct AggregateReport {
    std::string source;    // file (and part) it came from
    std::string schema;    // "rfc7489" or "rfc9990"
    std::string org_name, report_id, policy_domain, policy;
    std::int64_t begin = 0, end = 0;
    std::vector<ReportRecord> records;
    std::vector<std::string> warnings;
};

// One XML document, already decompressed.
std::expected<AggregateReport, std::string> parse_aggregate_report(std::string_view xml, const std::string& source);

// The XML documents inside a file's bytes: XML itself, gzip, zip, or a MIME message.
struct ExtractedXml {
    std::string source;
    std::string xml;
};
std::expected<std::vector<ExtractedXml>, std::string> extract_reports(std::string_view bytes, const std::string& source,
                                                                      const ReportLimits& limits, int depth = 0);

struct SourceSummary {
    std::string ip;
    std::uint64_t messages = 0;
    std::uint64_t dmarc_fail = 0;  // neither aligned SPF nor aligned DKIM passed
    std::uint64_t spf_fail = 0;    // policy_evaluated spf != pass (not aligned or failed)
    std::uint64_t dkim_fail = 0;   // policy_evaluated dkim != pass
    std::vector<std::string> header_from, spf_domains, dkim_domains;  // with results, "d=pass"
    std::string meaning;
};

struct ReportsAudit {
    std::vector<AggregateReport> reports;
    std::vector<SourceSummary> sources;  // most failing mail first
    std::vector<std::string> errors;     // "file: message", the run goes on
    std::uint64_t messages = 0, failing = 0;
};

ReportsAudit audit_reports(const std::vector<std::string>& files, const ReportLimits& limits = {});

}  // namespace mxt::audit
