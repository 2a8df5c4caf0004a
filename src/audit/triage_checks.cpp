// Batch checks for `triage --audit`; see triage_checks.hpp. The findings reuse the audit commands'
// evaluations (check_spf, audit_dmarc, check_dnsbl) and only turn their results into one
// sentence each with the fix, so `triage --audit` and `audit spf|dmarc|dnsbl` never disagree.
#include "audit/triage_checks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <thread>

#include "audit/dmarc.hpp"
#include "audit/ip.hpp"
#include "audit/spf.hpp"

namespace mxt::audit {
namespace {

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    return fmt::format("{}", fmt::join(v, sep));
}

// RFC 7208 4.6.4 limits, as check_spf applies them (SpfLimits defaults).
constexpr int kMaxLookups = SpfLimits{}.max_lookups;
constexpr int kMaxVoid = SpfLimits{}.max_void;

// The record itself: valid, permerror (and why), none, or not checkable (temperror).
CheckFinding spf_record_finding(const std::string& domain, const SpfReport& r) {
    CheckFinding f{.check = "spf", .subject = domain, .result = std::string(to_string(r.result))};
    switch (r.result) {
        case SpfResult::temperror:
            f.status = "could_not_check";
            f.summary = fmt::format("SPF of {} could not be checked: {}", domain,
                                    r.problems.empty() ? "a DNS lookup failed" : join(r.problems, "; "));
            f.fix = "Check again with a working resolver (--dns); a DNS failure says nothing about the record.";
            return f;
        case SpfResult::none:
            f.status = "problem";
            f.summary = fmt::format("{} publishes no SPF record: receivers get SPF none for mail from it", domain);
            f.fix = fmt::format("Publish one TXT record at {}: \"v=spf1 include:<your sending service> -all\" "
                                "(RFC 7208 3).", domain);
            return f;
        case SpfResult::permerror:
            f.status = "problem";
            if (r.dns_lookups > kMaxLookups) {
                f.summary = fmt::format("SPF of {} needs {} DNS lookups, more than the {} that RFC 7208 4.6.4 "
                                        "allows: every receiver gets permerror, so SPF fails for all mail from it",
                                        domain, r.dns_lookups, kMaxLookups);
                f.fix = fmt::format("Cut the DNS-querying terms of {} (include, a, mx, ptr, exists, redirect) to at "
                                    "most {}: drop includes of services no longer used, or replace them with their "
                                    "ip4:/ip6: ranges.", domain, kMaxLookups);
            } else if (r.void_lookups > kMaxVoid) {
                f.summary = fmt::format("SPF of {} has {} void lookups (names with no record), more than the {} "
                                        "that RFC 7208 4.6.4 allows: receivers get permerror",
                                        domain, r.void_lookups, kMaxVoid);
                f.fix = "Remove the terms that name domains without records.";
            } else {
                f.summary = fmt::format("SPF of {} is a permerror: {}", domain, join(r.problems, "; "));
                f.fix = fmt::format("Correct the SPF record of {}: receivers treat a permerror as a failure.", domain);
            }
            return f;
        default:
            break;
    }
    // Evaluable. Warnings (ptr, many MX names) still deserve the sender's attention.
    if (!r.problems.empty()) {
        f.status = "problem";
        f.summary = fmt::format("SPF of {} ({} of {} DNS lookups) has problems: {}", domain, r.dns_lookups,
                                kMaxLookups, join(r.problems, "; "));
        f.fix = fmt::format("Correct the SPF record of {}.", domain);
    } else {
        f.status = "ok";
        f.result = "valid";
        f.summary = fmt::format("SPF record of {} is valid: {} of {} DNS lookups", domain, r.dns_lookups, kMaxLookups);
    }
    return f;
}

CheckFinding spf_ip_finding(const std::string& domain, const std::string& ip, const SpfReport& r) {
    CheckFinding f{.check = "spf", .subject = domain + " " + ip, .result = std::string(to_string(r.result))};
    if (r.result == SpfResult::pass) {
        f.status = "ok";
        f.summary = fmt::format("{} is authorised by the SPF record of {} ({})", ip, domain, r.decided_by);
    } else if (r.result == SpfResult::temperror) {
        f.status = "could_not_check";
        f.summary = fmt::format("whether {} may send for {} could not be checked: {}", ip, domain,
                                r.problems.empty() ? "a DNS lookup failed" : join(r.problems, "; "));
    } else {
        f.status = "problem";
        f.summary = fmt::format("{} is not authorised by the SPF record of {}: {} ({})", ip, domain,
                                to_string(r.result), r.decided_by);
        f.fix = fmt::format("Add {} (or the include: of the service that sends from it) to the SPF record of {}.",
                            ip, domain);
    }
    return f;
}

std::vector<CheckFinding> spf_check(Resolver& dns, const CheckJob& job) {
    std::vector<CheckFinding> out;
    std::vector<IpAddress> ips;
    std::vector<std::string> bad;
    for (const auto& s : job.ips) {
        if (auto ip = IpAddress::parse(s)) ips.push_back(ip->unmapped());
        else bad.push_back(s);
    }
    auto evaluate = [&](const IpAddress& ip) {
        SpfQuery q;
        q.domain = job.subject;
        q.ip = ip;
        q.sender = "postmaster@" + job.subject;
        q.helo = job.subject;
        return check_spf(dns, q);
    };
    // The record alone: with no sending IP, an address nothing lists, so that every term is
    // evaluated and the lookup count is the worst case (as `audit spf` without --ip).
    SpfReport first = evaluate(ips.empty() ? *IpAddress::parse("0.0.0.0") : ips.front());
    out.push_back(spf_record_finding(job.subject, first));
    bool evaluable = first.result != SpfResult::permerror && first.result != SpfResult::temperror &&
                     first.result != SpfResult::none;
    if (!evaluable) return out;  // every IP gets the same answer: the record finding says it all
    for (std::size_t i = 0; i < ips.size(); ++i) {
        // Answers are cached per resolver, so evaluating the next IP costs no new lookups
        // unless the record's terms depend on the IP (macros, ptr).
        SpfReport r = i == 0 ? first : evaluate(ips[i]);
        out.push_back(spf_ip_finding(job.subject, ips[i].to_string(), r));
    }
    return out;
}

CheckFinding dmarc_check(Resolver& dns, const PublicSuffixList& psl, const std::string& domain) {
    DmarcAudit a = audit_dmarc(dns, psl, domain);
    CheckFinding f{.check = "dmarc", .subject = domain};
    if (a.dns_failed) {
        f.status = "could_not_check";
        f.result = "dns_failure";
        std::vector<std::string> failed;
        for (const auto& p : a.problems)
            if (p.find("failed") != std::string::npos) failed.push_back(p);
        f.summary = fmt::format("DMARC record of {} could not be checked: {}", domain,
                                failed.empty() ? "a DNS lookup failed" : join(failed, "; "));
        f.fix = "Check again with a working resolver (--dns); a DNS failure says nothing about the record.";
        return f;
    }
    const DmarcDiscovery& d = a.rfc7489.record.empty() ? a.rfc9989 : a.rfc7489;
    if (d.record.empty()) {
        f.status = "problem";
        f.result = "none";
        f.summary = fmt::format("{} publishes no DMARC record (none at _dmarc.{} nor at its organisational "
                                "domain {}): receivers that require DMARC (Gmail, Yahoo for bulk senders) reject",
                                domain, domain, a.rfc7489.org_domain);
        f.fix = fmt::format("Publish _dmarc.{} TXT \"v=DMARC1; p=none; rua=mailto:<your address>\", then tighten "
                            "the policy once the reports show your sources align.", a.rfc7489.org_domain);
        return f;
    }
    f.result = "p=" + (d.policy.empty() ? std::string("none") : d.policy);
    f.summary = fmt::format("From: domain {}: DMARC policy {} from _dmarc.{} (\"{}\")", domain,
                            d.policy.empty() ? "none" : d.policy, d.policy_domain, d.record);
    if (!a.problems.empty()) {
        f.status = "problem";
        f.summary += "; " + join(a.problems, "; ");
        f.fix = fmt::format("Correct the DMARC record at _dmarc.{}.", d.policy_domain);
    } else {
        f.status = "ok";
        if (d.policy == "reject" || d.policy == "quarantine")
            f.summary += ": receivers reject or quarantine mail that fails alignment, so the cause is in SPF or "
                         "DKIM alignment, not in this record";
    }
    return f;
}

CheckFinding dnsbl_check(Resolver& dns, const std::vector<DnsblList>& lists, const std::string& subject) {
    DnsblAudit a = check_dnsbl(dns, lists, subject);
    CheckFinding f{.check = "dnsbl", .subject = subject};
    std::vector<std::string> listed, unchecked, delist;
    std::size_t checked = 0;
    for (const auto& r : a.results) {
        switch (r.status) {
            case DnsblStatus::listed:
                ++checked;
                listed.push_back(fmt::format("{} ({})", r.list->name, r.meaning));
                if (!r.list->delist_url.empty()) delist.push_back(r.list->delist_url);
                break;
            case DnsblStatus::clean: ++checked; break;
            case DnsblStatus::refused: unchecked.push_back(r.list->name + ": the list refused the query"); break;
            case DnsblStatus::not_checked:
                // An IPv4-only list asked about an IPv6 address is "not covered", not a failure.
                if (r.meaning.find("failed") != std::string::npos)
                    unchecked.push_back(fmt::format("{}: {}", r.list->name, r.meaning));
                break;
        }
    }
    if (a.results.empty()) {
        f.status = "could_not_check";
        f.result = "no_list";
        f.summary = fmt::format("no blocklist of the right kind for {}", subject);
        return f;
    }
    if (!listed.empty()) {
        f.status = "problem";
        f.result = "listed";
        f.summary = fmt::format("{} is listed on {}", subject, join(listed, "; "));
        if (!unchecked.empty()) f.summary += fmt::format("; could not check {}", join(unchecked, "; "));
        // No full stop after a URL: it would read as part of the address.
        f.fix = fmt::format("Find and stop what got {} listed (compromised account, purchased or old addresses, "
                            "spam traps), then request removal{}", subject,
                            delist.empty() ? std::string(".") : ": " + join(delist, " "));
    } else if (!unchecked.empty()) {
        f.status = "could_not_check";
        f.result = "incomplete";
        f.summary = fmt::format("{} could not be checked on {} (not listed on the {} other lists)", subject,
                                join(unchecked, "; "), checked);
        f.fix = "Query the lists through your own recursive resolver (--dns) or the lists' keyed services.";
    } else {
        f.status = "ok";
        f.result = "clean";
        f.summary = fmt::format("{} is not listed on the {} lists checked", subject, checked);
    }
    return f;
}

}  // namespace

std::string_view to_string(CheckKind k) {
    switch (k) {
        case CheckKind::spf: return "spf";
        case CheckKind::dmarc: return "dmarc";
        case CheckKind::dnsbl: return "dnsbl";
    }
    return "?";
}

std::vector<CheckFinding> run_check(Resolver& dns, const CheckJob& job, const CheckContext& ctx) {
    switch (job.kind) {
        case CheckKind::spf: return spf_check(dns, job);
        case CheckKind::dmarc:
            if (!ctx.psl) return {};
            return {dmarc_check(dns, *ctx.psl, job.subject)};
        case CheckKind::dnsbl:
            if (!ctx.lists) return {};
            return {dnsbl_check(dns, *ctx.lists, job.subject)};
    }
    return {};
}

std::expected<std::vector<std::vector<CheckFinding>>, std::string> run_checks(
    const std::vector<CheckJob>& jobs, const CheckContext& ctx) {
    std::vector<std::vector<CheckFinding>> out(jobs.size());
    if (jobs.empty()) return out;
    std::size_t workers = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, ctx.workers)), 1, jobs.size());
    // One resolver per worker: a c-ares channel is not shared between threads. Each keeps the
    // in-flight bound of the options divided among the workers, so the total stays bounded.
    ResolverOptions ro = ctx.resolver;
    ro.max_in_flight = std::max(1, ro.max_in_flight / static_cast<int>(workers));
    std::vector<std::unique_ptr<Resolver>> resolvers;
    for (std::size_t i = 0; i < workers; ++i) {
        auto r = Resolver::create(ro);
        if (!r) return std::unexpected(r.error());
        resolvers.push_back(std::move(*r));
    }
    std::atomic<std::size_t> next{0};
    auto work = [&](Resolver& dns) {
        for (std::size_t i = next++; i < jobs.size(); i = next++) out[i] = run_check(dns, jobs[i], ctx);
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(work, std::ref(*resolvers[i]));
    work(*resolvers[0]);
    for (auto& t : threads) t.join();
    return out;
}

std::vector<std::string> ips_in_reply(std::string_view text) {
    std::vector<std::string> out;
    auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    std::size_t i = 0;
    while (i < text.size()) {
        if (!digit(text[i]) || (i > 0 && (digit(text[i - 1]) || text[i - 1] == '.'))) {
            ++i;
            continue;
        }
        // A run of digits and dots starting here.
        std::size_t j = i;
        while (j < text.size() && (digit(text[j]) || text[j] == '.')) ++j;
        std::string_view run = text.substr(i, j - i);
        // A sentence may end right after the address ("from 192.0.2.1.").
        if (run.ends_with('.')) run.remove_suffix(1);
        i = j;
        if (std::count(run.begin(), run.end(), '.') != 3) continue;
        auto ip = IpAddress::parse(run);
        if (!ip || ip->v6) continue;
        if (ip->bytes[0] == 127 || ip->bytes[0] == 0) continue;
        std::string s = ip->to_string();
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
    return out;
}

std::string domain_of(std::string_view v) {
    auto at = v.rfind('@');
    std::string_view d = at == std::string_view::npos ? v : v.substr(at + 1);
    std::size_t end = 0;
    while (end < d.size() && (std::isalnum(static_cast<unsigned char>(d[end])) || d[end] == '.' || d[end] == '-' ||
                              d[end] == '_'))
        ++end;
    d = d.substr(0, end);
    while (!d.empty() && d.back() == '.') d.remove_suffix(1);
    if (d.empty() || d.find('.') == std::string_view::npos) return {};
    return lower_domain(d);
}

}  // namespace mxt::audit
