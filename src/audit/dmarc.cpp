// DMARC record parsing and discovery. Hand-written: Debian has libopendmarc, but it implements
// RFC 7489 only, without the RFC 9989 tree walk or the diagnostics reported here.
#include "audit/dmarc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace mxt::audit {
namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

bool one_of(const std::string& v, std::initializer_list<const char*> set) {
    std::string l = lower_domain(v);
    for (auto* s : set)
        if (l == s) return true;
    return false;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto p = s.find(sep, start);
        if (p == std::string_view::npos) p = s.size();
        out.push_back(trim(s.substr(start, p - start)));
        start = p + 1;
    }
    return out;
}

std::size_t label_count(const std::string& d) { return d.empty() ? 0 : std::count(d.begin(), d.end(), '.') + 1; }

std::string parent(const std::string& d) {
    auto dot = d.find('.');
    return dot == std::string::npos ? std::string() : d.substr(dot + 1);
}

}  // namespace

DmarcRecord parse_dmarc_record(std::string_view text, DmarcSpec spec) {
    DmarcRecord r;
    r.text = std::string(text);
    const char* rfc = spec == DmarcSpec::rfc7489 ? "RFC 7489" : "RFC 9989";
    std::set<std::string> known = spec == DmarcSpec::rfc7489
                                      ? std::set<std::string>{"v", "p", "sp", "adkim", "aspf", "pct", "fo", "rf", "ri",
                                                              "rua", "ruf"}
                                      : std::set<std::string>{"v", "p", "sp", "np", "adkim", "aspf", "fo", "rua", "ruf",
                                                              "psd", "t"};
    std::size_t offset = 0;
    bool first = true;
    for (auto& part : split(text, ';')) {
        std::size_t here = offset;
        offset += part.size() + 1;
        if (part.empty()) continue;
        auto eq = part.find('=');
        if (eq == std::string::npos) {
            r.problems.push_back(fmt::format("offset {}: '{}' is not a tag=value pair", here, part));
            first = false;
            continue;
        }
        std::string name = lower_domain(trim(part.substr(0, eq)));
        std::string value = trim(part.substr(eq + 1));
        if (first) {
            first = false;
            // RFC 7489 6.3: v=DMARC1 must come first, exactly.
            if (name != "v" || value != "DMARC1") {
                r.problems.push_back("the record must start with v=DMARC1");
                return r;
            }
        }
        if (r.tags.contains(name)) r.problems.push_back(fmt::format("tag '{}' appears twice", name));
        if (!known.contains(name)) {
            r.problems.push_back(fmt::format("tag '{}' is not defined by {} (ignored)", name, rfc));
            continue;
        }
        r.tags[name] = value;
        auto bad = [&](std::string what) {
            r.problems.push_back(fmt::format("{}={}: {} ({})", name, value, what, rfc));
        };
        if (name == "p" || name == "sp" || name == "np") {
            if (!one_of(value, {"none", "quarantine", "reject"})) bad("must be none, quarantine or reject");
        } else if (name == "adkim" || name == "aspf") {
            if (!one_of(value, {"r", "s"})) bad("must be r (relaxed) or s (strict)");
        } else if (name == "pct") {
            bool digits = !value.empty() && value.size() <= 3 &&
                          std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
            if (!digits || std::stoi(value) > 100) bad("must be 0 to 100");
            else if (std::stoi(value) < 100) bad("only part of the failing mail gets the policy");
        } else if (name == "fo") {
            for (auto& f : split(value, ':'))
                if (!one_of(f, {"0", "1", "d", "s"})) bad("options are 0, 1, d and s, separated by ':'");
        } else if (name == "rf") {
            for (auto& f : split(value, ':'))
                if (!one_of(f, {"afrf"})) bad("the only report format is afrf");
        } else if (name == "ri") {
            if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
                bad("must be a number of seconds");
        } else if (name == "psd") {
            if (!one_of(value, {"y", "n", "u"})) bad("must be y, n or u");
        } else if (name == "t") {
            if (!one_of(value, {"y", "n"})) bad("must be y or n");
        } else if (name == "rua" || name == "ruf") {
            for (auto& u : split(value, ','))
                if (lower_domain(u).rfind("mailto:", 0) != 0) bad(fmt::format("'{}' is not a mailto: URI", u));
        }
    }
    bool has_p = r.tags.contains("p") && one_of(r.tags["p"], {"none", "quarantine", "reject"});
    if (!r.tags.contains("p")) {
        if (spec == DmarcSpec::rfc7489) {
            // RFC 7489 6.6.3: a record without p is invalid, unless it has a rua (then p=none).
            if (r.tags.contains("rua")) {
                r.problems.push_back("no p= tag: treated as p=none because rua= is present (RFC 7489 6.6.3)");
                has_p = true;
            } else {
                r.problems.push_back("no p= tag: the record is invalid (RFC 7489 6.3)");
            }
        } else {
            // RFC 9989: a missing or invalid p is treated as p=none.
            r.problems.push_back("no p= tag: treated as p=none (RFC 9989)");
            has_p = true;
        }
    }
    r.valid = has_p || spec == DmarcSpec::rfc9989;
    return r;
}

DmarcLookup lookup_dmarc(Resolver& dns, const std::string& domain) {
    DmarcLookup l;
    auto a = dns.query("_dmarc." + domain, DnsType::TXT);
    l.status = a.status;
    for (auto& t : a.txt) {
        std::string s = trim(t);
        if (s.size() >= 8 && lower_domain(s.substr(0, 8)) == "v=dmarc1" &&
            (s.size() == 8 || s[8] == ';' || std::isspace(static_cast<unsigned char>(s[8])))) {
            ++l.count;
            l.record = s;
        }
    }
    // RFC 7489 6.6.3: more than one record means no record.
    if (l.count != 1) l.record.clear();
    return l;
}

namespace {

void check_reports(Resolver& dns, const PublicSuffixList& psl, DmarcDiscovery& d, std::vector<std::string>& problems) {
    for (const char* tag : {"rua", "ruf"}) {
        std::string v = d.parsed.tag(tag);
        if (v.empty()) continue;
        for (auto& uri : split(v, ',')) {
            ReportDestination rd;
            rd.uri = uri;
            auto at = uri.rfind('@');
            if (at == std::string::npos) continue;
            std::string dom = lower_domain(uri.substr(at + 1));
            if (auto bang = dom.find('!'); bang != std::string::npos) dom.resize(bang);  // "!10m" size limit
            rd.domain = dom;
            rd.external = psl.org_domain(dom) != psl.org_domain(d.policy_domain);
            if (rd.external) {
                // RFC 7489 7.1: the destination must publish <policy-domain>._report._dmarc.<dest>.
                std::string name = d.policy_domain + "._report._dmarc." + dom;
                auto a = dns.query(name, DnsType::TXT);
                bool ok = false;
                for (auto& t : a.txt)
                    if (lower_domain(trim(t)).rfind("v=dmarc1", 0) == 0) ok = true;
                rd.authorised = ok;
                if (a.failed()) {
                    rd.problem = fmt::format("{} {}: could not check {} ({})", tag, uri, name, to_string(a.status));
                    problems.push_back(rd.problem);
                } else if (!ok) {
                    rd.problem = fmt::format("{} {} is outside {} and {} does not authorise it (no v=DMARC1 "
                                             "record at {}), so receivers will not send these reports "
                                             "(RFC 7489 7.1)",
                                             tag, uri, d.policy_domain, dom, name);
                    problems.push_back(rd.problem);
                }
            }
            d.reports.push_back(rd);
        }
    }
}

std::string effective_policy(const DmarcRecord& r, bool at_domain, bool domain_exists, DmarcSpec spec) {
    std::string p = lower_domain(r.tag("p", "none"));
    if (at_domain) return p;
    if (spec == DmarcSpec::rfc9989 && !domain_exists && r.tags.contains("np")) return lower_domain(r.tag("np"));
    if (r.tags.contains("sp")) return lower_domain(r.tag("sp"));
    return p;
}

}  // namespace

DmarcAudit audit_dmarc(Resolver& dns, const PublicSuffixList& psl, const std::string& domain_in) {
    DmarcAudit out;
    std::string domain = lower_domain(domain_in);
    out.domain = domain;
    auto exists = dns.query(domain, DnsType::A);
    bool domain_exists = exists.status != DnsStatus::nxdomain;

    // RFC 7489 6.6.3: the domain, then its PSL organisational domain.
    {
        auto& d = out.rfc7489;
        d.org_domain = psl.org_domain(domain);
        std::vector<std::string> names{domain};
        if (d.org_domain != domain) names.push_back(d.org_domain);
        for (auto& n : names) {
            d.queried.push_back("_dmarc." + n);
            auto l = lookup_dmarc(dns, n);
            if (l.status != DnsStatus::ok && l.status != DnsStatus::nodata && l.status != DnsStatus::nxdomain) {
                out.problems.push_back(fmt::format("RFC 7489: lookup of _dmarc.{} failed: {} (not the same as no record)",
                                                   n, to_string(l.status)));
                out.dns_failed = true;
                break;
            }
            if (l.count > 1) out.problems.push_back(fmt::format("_dmarc.{} has {} DMARC records; receivers ignore them all", n, l.count));
            if (!l.record.empty()) {
                d.policy_domain = n;
                d.record = l.record;
                break;
            }
        }
        if (!d.record.empty()) {
            d.parsed = parse_dmarc_record(d.record, DmarcSpec::rfc7489);
            if (d.parsed.valid) d.policy = effective_policy(d.parsed, d.policy_domain == domain, domain_exists, DmarcSpec::rfc7489);
            for (auto& p : d.parsed.problems) out.problems.push_back("RFC 7489: " + p);
            check_reports(dns, psl, d, out.problems);
        }
    }

    // RFC 9989 4.10: walk up the DNS tree; names with more than 8 labels jump to their last 7.
    {
        auto& d = out.rfc9989;
        std::string cur = domain;
        std::string first_found, org_candidate, below;
        bool org_fixed = false;
        bool first = true;
        while (!cur.empty()) {
            d.queried.push_back("_dmarc." + cur);
            auto l = lookup_dmarc(dns, cur);
            if (l.status != DnsStatus::ok && l.status != DnsStatus::nodata && l.status != DnsStatus::nxdomain) {
                out.problems.push_back(fmt::format("RFC 9989: lookup of _dmarc.{} failed: {} (not the same as no record)",
                                                   cur, to_string(l.status)));
                out.dns_failed = true;
                break;
            }
            if (!l.record.empty()) {
                auto rec = parse_dmarc_record(l.record, DmarcSpec::rfc9989);
                if (d.record.empty()) {
                    d.record = l.record;
                    d.policy_domain = cur;
                    d.parsed = rec;
                }
                std::string psd = lower_domain(rec.tag("psd", "u"));
                if (!org_fixed) {
                    if (psd == "n") {
                        org_candidate = cur;
                        org_fixed = true;
                    } else if (psd == "y") {
                        org_candidate = below.empty() ? cur : below;
                        org_fixed = true;
                    } else {
                        org_candidate = cur;  // the highest record without psd= so far
                    }
                }
            }
            below = cur;
            std::string next = parent(cur);
            if (first && label_count(cur) > 8) {
                // keep the rightmost 7 labels
                std::string t = cur;
                while (label_count(t) > 7) t = parent(t);
                next = t;
            }
            first = false;
            cur = next;
        }
        d.org_domain = org_candidate.empty() ? domain : org_candidate;
        if (!d.record.empty()) {
            for (auto& p : d.parsed.problems) out.problems.push_back("RFC 9989: " + p);
            d.policy = effective_policy(d.parsed, d.policy_domain == domain, domain_exists, DmarcSpec::rfc9989);
            check_reports(dns, psl, d, out.problems);
        }
    }
    if (out.dns_failed)
        ;  // no conclusion about a missing record when a lookup failed
    else if (out.rfc7489.record.empty() && out.rfc9989.record.empty())
        out.problems.push_back(fmt::format("{} has no DMARC record: publish one at _dmarc.{} (start with p=none and a rua= address)",
                                           domain, out.rfc7489.org_domain));
    else if (out.rfc7489.policy != out.rfc9989.policy)
        out.problems.push_back(fmt::format("the two discovery methods disagree: RFC 7489 gives '{}', RFC 9989 gives '{}'",
                                           out.rfc7489.policy, out.rfc9989.policy));
    // Dedupe (both methods often report the same record problem).
    std::vector<std::string> uniq;
    for (auto& p : out.problems)
        if (std::find(uniq.begin(), uniq.end(), p) == uniq.end()) uniq.push_back(p);
    out.problems = uniq;
    return out;
}

}  // namespace mxt::audit
