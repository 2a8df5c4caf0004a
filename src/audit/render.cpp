// Text and JSON renderings of the audit results (docs/json-contract.md, "Audit"). Text is for a
// person fixing DNS: the verdict first, then the evidence, then the problems to fix.
#include "audit/render.hpp"

#include <fmt/format.h>

#include "util/json_writer.hpp"

namespace mxt::audit {
namespace {

void strings(JsonWriter& w, std::string_view k, const std::vector<std::string>& v) {
    w.key(k).begin_array();
    for (auto& s : v) w.value(s);
    w.end_array();
}

void spf_node_json(JsonWriter& w, const SpfNode& n) {
    w.begin_object();
    w.field("domain", n.domain);
    w.field_or_null("via", n.via);
    w.field_or_null("record", n.record);
    w.field("result", std::string(to_string(n.result)));
    w.field("dns_lookups", n.lookups);
    w.field("void_lookups", n.void_lookups);
    w.field_or_null("decided_by", n.decided_by);
    strings(w, "problems", n.problems);
    w.key("children").begin_array();
    for (auto& c : n.children) spf_node_json(w, c);
    w.end_array();
    w.end_object();
}

void spf_node_text(std::string& out, const SpfNode& n, int depth) {
    std::string pad(2 + depth * 4, ' ');
    out += fmt::format("{}{}{}: {} ({} DNS lookup{} in this branch", pad, n.via.empty() ? "" : n.via + " -> ", n.domain,
                       to_string(n.result), n.lookups, n.lookups == 1 ? "" : "s");
    if (n.void_lookups) out += fmt::format(", {} void", n.void_lookups);
    out += ")\n";
    if (!n.record.empty()) out += fmt::format("{}  \"{}\"\n", pad, n.record);
    if (!n.decided_by.empty()) out += fmt::format("{}  decided by: {}\n", pad, n.decided_by);
    for (auto& c : n.children) spf_node_text(out, c, depth + 1);
}

}  // namespace

std::string spf_json(const SpfReport& r, bool have_ip) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("domain", r.domain);
    if (have_ip) w.field("ip", r.ip.to_string());
    else w.key("ip").null();
    w.field("result", std::string(to_string(r.result)));
    w.field("dns_lookups", r.dns_lookups);
    w.field("void_lookups", r.void_lookups);
    w.field_or_null("decided_by", r.decided_by);
    w.field_or_null("explanation", r.explanation);
    w.key("tree");
    spf_node_json(w, r.tree);
    strings(w, "problems", r.problems);
    w.end_object();
    out += '\n';
    return out;
}

std::string spf_text(const SpfReport& r, bool have_ip) {
    std::string out;
    if (have_ip)
        out += fmt::format("SPF of {} for {}: {}\n", r.domain, r.ip.to_string(), to_string(r.result));
    else
        out += fmt::format("SPF of {} (no --ip: every term evaluated against an address nothing lists): {}\n", r.domain,
                           to_string(r.result));
    if (have_ip) {
        if (r.result == SpfResult::pass) out += fmt::format("  {} is authorised by {}\n", r.ip.to_string(), r.decided_by);
        else out += fmt::format("  {} is not authorised; decided by {}\n", r.ip.to_string(), r.decided_by);
    }
    out += fmt::format("  DNS-querying terms: {} of 10 allowed; void lookups: {} of 2 allowed\n", r.dns_lookups,
                       r.void_lookups);
    if (!r.explanation.empty()) out += fmt::format("  explanation published: {}\n", r.explanation);
    out += "tree:\n";
    spf_node_text(out, r.tree, 0);
    if (!r.problems.empty()) {
        out += "problems:\n";
        for (auto& p : r.problems) out += "  - " + p + "\n";
    }
    return out;
}

namespace {
void discovery_json(JsonWriter& w, const DmarcDiscovery& d) {
    w.begin_object();
    w.field("org_domain", d.org_domain);
    w.field_or_null("policy_domain", d.policy_domain);
    w.field_or_null("record", d.record);
    w.field_or_null("policy", d.policy);
    strings(w, "queried", d.queried);
    w.key("tags").begin_object();
    for (auto& [k, v] : d.parsed.tags) w.field(k, v);
    w.end_object();
    w.key("reports").begin_array();
    for (auto& r : d.reports) {
        w.begin_object();
        w.field("uri", r.uri);
        w.field("domain", r.domain);
        w.field("external", r.external);
        w.field("authorised", r.authorised);
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

void discovery_text(std::string& out, const char* title, const DmarcDiscovery& d) {
    out += fmt::format("{}:\n  organisational domain: {}\n", title, d.org_domain);
    if (d.record.empty()) {
        out += fmt::format("  no record found (asked {})\n", fmt::join(d.queried, ", "));
        return;
    }
    out += fmt::format("  record at _dmarc.{}: {}\n  effective policy: {}\n", d.policy_domain, d.record,
                       d.policy.empty() ? "(invalid record: no policy)" : d.policy);
    for (auto& r : d.reports)
        out += fmt::format("  report to {}: {}\n", r.uri,
                           !r.external ? "own domain" : r.authorised ? "external, authorised" : "external, NOT authorised");
}
}  // namespace

std::string dmarc_json(const DmarcAudit& a) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("domain", a.domain);
    w.key("rfc7489");
    discovery_json(w, a.rfc7489);
    w.key("rfc9989");
    discovery_json(w, a.rfc9989);
    strings(w, "problems", a.problems);
    w.end_object();
    out += '\n';
    return out;
}

std::string dmarc_text(const DmarcAudit& a) {
    std::string out = fmt::format("DMARC of {}\n", a.domain);
    discovery_text(out, "RFC 7489 (Public Suffix List)", a.rfc7489);
    discovery_text(out, "RFC 9989 (DNS tree walk)", a.rfc9989);
    if (!a.problems.empty()) {
        out += "problems:\n";
        for (auto& p : a.problems) out += "  - " + p + "\n";
    }
    return out;
}

std::string dnsbl_json(const DnsblAudit& a) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("subject", a.subject);
    w.key("results").begin_array();
    for (auto& r : a.results) {
        w.begin_object();
        w.field("list", r.list->name);
        w.field("zone", r.list->zone);
        w.field("listed", r.status == DnsblStatus::listed);
        w.field("refused", r.status == DnsblStatus::refused);
        w.field("checked", r.status != DnsblStatus::not_checked);
        strings(w, "codes", r.codes);
        w.field_or_null("meaning", r.meaning);
        w.field_or_null("delist_url", r.list->delist_url);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    out += '\n';
    return out;
}

std::string dnsbl_text(const DnsblAudit& a) {
    std::string out = fmt::format("Blocklists for {}\n", a.subject);
    for (auto& r : a.results) {
        out += fmt::format("  {:<20} {:<26} {}\n", r.list->name, r.list->zone, to_string(r.status));
        if (!r.meaning.empty()) out += fmt::format("      {}\n", r.meaning);
        if (r.status == DnsblStatus::listed && !r.list->delist_url.empty())
            out += fmt::format("      delisting: {}\n", r.list->delist_url);
    }
    return out;
}

std::string message_json(const MessageAudit& m) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field_or_null("header_from", m.header_from);
    w.field_or_null("return_path", m.return_path);
    w.field_or_null("reply", m.reply);
    w.key("spf").begin_object();
    w.field_or_null("domain", m.spf.domain);
    w.field("result", m.spf.result);
    w.field("aligned", m.spf.aligned);
    w.field("aligned_strict", m.spf.aligned_strict);
    w.field("aligned_relaxed", m.spf.aligned_relaxed);
    w.end_object();
    w.key("dkim").begin_array();
    for (auto& d : m.dkim) {
        w.begin_object();
        w.field("d", d.d);
        w.field_or_null("s", d.s);
        w.field("result", d.result);
        w.field("aligned", d.aligned);
        w.field("aligned_strict", d.aligned_strict);
        w.field("aligned_relaxed", d.aligned_relaxed);
        w.end_object();
    }
    w.end_array();
    w.key("dmarc").begin_object();
    w.field("result", m.dmarc.result);
    w.field_or_null("policy", m.dmarc.policy);
    w.field_or_null("disposition", m.dmarc.disposition);
    w.field_or_null("reported", m.dmarc.reported);
    w.end_object();
    w.field("verdict", m.verdict);
    w.field_or_null("fix", m.fix);
    strings(w, "problems", m.problems);
    w.end_object();
    out += '\n';
    return out;
}

std::string message_text(const MessageAudit& m) {
    std::string out;
    if (!m.reply.empty()) out += fmt::format("Rejection: {}\n", m.reply);
    out += fmt::format("From: domain {}\n", m.header_from.empty() ? "(none found)" : m.header_from);
    out += fmt::format("SPF: {} for {} ({})\n", m.spf.result, m.spf.domain.empty() ? "(unknown)" : m.spf.domain,
                       m.spf.aligned ? "aligned" : "not aligned");
    if (m.dkim.empty()) out += "DKIM: no signature\n";
    for (auto& d : m.dkim)
        out += fmt::format("DKIM: {} for d={} s={} ({})\n", d.result, d.d, d.s, d.aligned ? "aligned" : "not aligned");
    out += fmt::format("DMARC: {}{}\n", m.dmarc.result, m.dmarc.policy.empty() ? "" : " (policy " + m.dmarc.policy + ")");
    out += fmt::format("\nRoot cause: {}\n", m.verdict);
    if (!m.fix.empty()) out += fmt::format("Fix: {}\n", m.fix);
    if (!m.problems.empty()) {
        out += "problems:\n";
        for (auto& p : m.problems) out += "  - " + p + "\n";
    }
    return out;
}

std::string reports_json(const ReportsAudit& r) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("reports", static_cast<std::uint64_t>(r.reports.size()));
    w.field("messages", r.messages);
    w.field("failing", r.failing);
    w.key("sources").begin_array();
    for (auto& s : r.sources) {
        w.begin_object();
        w.field("ip", s.ip);
        w.field("messages", s.messages);
        w.field("dmarc_fail", s.dmarc_fail);
        w.field("spf_fail", s.spf_fail);
        w.field("dkim_fail", s.dkim_fail);
        strings(w, "header_from", s.header_from);
        strings(w, "spf", s.spf_domains);
        strings(w, "dkim", s.dkim_domains);
        w.field("meaning", s.meaning);
        w.end_object();
    }
    w.end_array();
    w.key("files").begin_array();
    for (auto& rep : r.reports) {
        w.begin_object();
        w.field("source", rep.source);
        w.field("schema", rep.schema);
        w.field_or_null("org_name", rep.org_name);
        w.field_or_null("report_id", rep.report_id);
        w.field_or_null("policy_domain", rep.policy_domain);
        w.field("records", static_cast<std::uint64_t>(rep.records.size()));
        strings(w, "warnings", rep.warnings);
        w.end_object();
    }
    w.end_array();
    strings(w, "errors", r.errors);
    w.end_object();
    out += '\n';
    return out;
}

std::string reports_text(const ReportsAudit& r) {
    std::string out = fmt::format("{} report(s), {} messages, {} failing DMARC\n", r.reports.size(), r.messages, r.failing);
    for (auto& s : r.sources) {
        if (s.dmarc_fail == 0 && s.spf_fail == 0 && s.dkim_fail == 0) continue;
        out += fmt::format("  {:<40} {:>8} msgs  DMARC fail {:>8}  SPF fail {:>8}  DKIM fail {:>8}\n", s.ip, s.messages,
                           s.dmarc_fail, s.spf_fail, s.dkim_fail);
        if (!s.header_from.empty()) out += fmt::format("      From: {}\n", fmt::join(s.header_from, ", "));
        if (!s.spf_domains.empty()) out += fmt::format("      SPF: {}\n", fmt::join(s.spf_domains, ", "));
        if (!s.dkim_domains.empty()) out += fmt::format("      DKIM: {}\n", fmt::join(s.dkim_domains, ", "));
        out += fmt::format("      {}\n", s.meaning);
    }
    std::size_t clean = 0;
    for (auto& s : r.sources)
        if (s.dmarc_fail == 0 && s.spf_fail == 0 && s.dkim_fail == 0) ++clean;
    if (clean) out += fmt::format("  {} source(s) pass SPF and DKIM with alignment\n", clean);
    return out;
}

}  // namespace mxt::audit
