// `triage --audit`: subjects from the events, checks per verdict, findings into the evidence.
// See triage_audit.hpp for why the join lives in the CLI.
#include "cli/triage_audit.hpp"

#include <algorithm>
#include <filesystem>

#include "audit/dnsbl.hpp"
#include "audit/psl.hpp"
#include "audit/triage_checks.hpp"
#include "rules/classifier.hpp"

namespace mxt::cli {
namespace {

// The verdicts the audit can explain, and the category of rejection each one counts.
struct Explained {
    const char* kind;
    Category category;
};
constexpr Explained kExplained[] = {
    {"authentication_failure", Category::authentication},
    {"blocklisted", Category::blocklisted},
    {"ip_reputation_incident", Category::ip_reputation},
};

bool explained(Category c) {
    return std::any_of(std::begin(kExplained), std::end(kExplained), [&](auto& e) { return e.category == c; });
}

template <class K>
void bump(std::map<K, std::int64_t>& m, const K& key, std::int64_t& dropped) {
    if (auto it = m.find(key); it != m.end()) ++it->second;
    else if (m.size() < AuditSubjects::kMaxPerKind) m.emplace(key, 1);
    else ++dropped;
}

// Keys by count, most first (ties by name, so that runs are reproducible).
template <class K>
std::vector<K> by_count(const std::map<K, std::int64_t>& m) {
    std::vector<std::pair<K, std::int64_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    std::vector<K> out;
    for (auto& [k, n] : v) out.push_back(k);
    return out;
}

std::string dnsbl_file(const std::string& given) {
    if (!given.empty()) return given;
    std::string f = Classifier::default_rules_dir() + "/dnsbl.toml";
    if (!std::filesystem::exists(f)) f = std::string(MXT_SOURCE_RULES_DIR) + "/dnsbl.toml";
    return f;
}

int status_rank(const std::string& s) { return s == "problem" ? 0 : s == "could_not_check" ? 1 : 2; }

// DKIM alignment of the signatures the bounces returned (RFC 7489 3.1.1, relaxed): needs no DNS.
triage::AuditFinding alignment_finding(const audit::PublicSuffixList& psl, const std::string& from,
                                       const std::vector<std::string>& ds) {
    triage::AuditFinding f{.check = "alignment", .subject = from};
    std::vector<std::string> aligned;
    for (const auto& d : ds)
        if (audit::aligned(psl, from, d, false)) aligned.push_back(d);
    std::string list;
    for (const auto& d : ds) list += (list.empty() ? "d=" : ", d=") + d;
    if (!aligned.empty()) {
        f.status = "ok";
        f.result = "aligned";
        f.summary = "a DKIM signature of the returned messages (" + list + ") aligns with the From: domain " + from;
        return f;
    }
    f.status = "problem";
    f.result = "not_aligned";
    f.summary = "the returned messages are DKIM-signed for " + list + ", not for the From: domain " + from +
                " (nor its organisational domain): DKIM does not align, so DMARC passes only where SPF aligns";
    f.fix = "Set up a DKIM key for " + from + " at your sending service, so that it signs with d=" + from +
            " (a selector record under _domainkey." + from + ").";
    return f;
}

}  // namespace

void add_triage_audit_options(CLI::App* cmd, TriageAuditOptions& o) {
    auto* flag = cmd->add_flag("--audit", o.enabled,
                               "Check SPF, DMARC and DNS blocklists for authentication and blocklist verdicts "
                               "(docs/audit.md, \"triage --audit\")");
    cmd->add_option("--dns", o.dns, "With --audit: DNS server HOST:PORT (default: the system resolver)")->needs(flag);
    cmd->add_option("--timeout", o.timeout_ms, "With --audit: per-try DNS timeout in milliseconds")
        ->capture_default_str()->check(CLI::Range(1, 60000))->needs(flag);
    cmd->add_option("--retries", o.retries, "With --audit: DNS retries after the first try")
        ->capture_default_str()->check(CLI::Range(0, 10))->needs(flag);
    cmd->add_option("--concurrency", o.concurrency, "With --audit: most DNS queries in flight at once")
        ->capture_default_str()->check(CLI::Range(1, 1024))->needs(flag);
    cmd->add_option("--audit-max", o.max_subjects, "With --audit: most distinct domains and IPs checked")
        ->capture_default_str()->check(CLI::Range(1, 1000))->needs(flag);
    cmd->add_option("--dnsbl-lists", o.lists, "With --audit: blocklist file (default: rules/dnsbl.toml)")->needs(flag);
    cmd->add_option("--psl", o.psl, "With --audit: Public Suffix List file (default: the system's)")->needs(flag);
}

void AuditSubjects::observe(const DeliveryEvent& e) {
    bool rejected = e.outcome == Outcome::deferred || e.outcome == Outcome::bounced || e.outcome == Outcome::expired;
    if (!rejected || !explained(e.diagnosis.category)) return;
    // The same window as the aggregator's, so that the subjects are those of the verdicts.
    if (!filter_.campaign.empty() && e.campaign != filter_.campaign) return;
    if (filter_.since && (e.unix_time == 0 || e.unix_time < *filter_.since)) return;
    if (filter_.until && (e.unix_time == 0 || e.unix_time >= *filter_.until)) return;
    Bucket& b = buckets_[{triage::Aggregator::provider_of(e), e.diagnosis.category}];
    // Sending IPs: the one the classifier captured as listed, then any the reply names (the
    // receiving MX's own address is not one of them).
    std::vector<std::string> ips;
    if (!e.diagnosis.listed_ip.empty()) ips.push_back(e.diagnosis.listed_ip);
    for (auto& ip : audit::ips_in_reply(e.text))
        if (ip != e.remote_ip && std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(ip);
    if (ips.size() > 2) ips.resize(2);
    for (auto& ip : ips) bump(b.ips, ip, b.dropped);
    std::string envelope = audit::domain_of(e.sender);
    if (envelope.empty()) envelope = audit::domain_of(e.return_path);
    if (!envelope.empty()) bump(b.envelope_domains, envelope, b.dropped);
    std::string from = audit::domain_of(e.header_from);
    if (!from.empty()) {
        bump(b.from_domains, from, b.dropped);
        for (const auto& sig : e.dkim)
            if (auto d = audit::domain_of(sig.d); !d.empty()) bump(b.signatures, std::make_pair(from, d), b.dropped);
    }
    // A bounce's original Return-Path is the envelope sender of the rejected message.
    if (auto rp = audit::domain_of(e.return_path); !rp.empty() && rp != envelope)
        bump(b.envelope_domains, rp, b.dropped);
}

std::expected<void, std::string> audit_verdicts(const TriageAuditOptions& o, const AuditSubjects& subjects,
                                                triage::Decision& decision) {
    auto lists = audit::load_dnsbl_lists(dnsbl_file(o.lists));
    if (!lists) return std::unexpected(lists.error());
    auto psl = o.psl.empty() ? audit::PublicSuffixList::system() : audit::PublicSuffixList::load(o.psl);
    if (!psl) return std::unexpected(psl.error());

    std::vector<audit::CheckJob> jobs;
    std::map<std::pair<audit::CheckKind, std::string>, std::size_t> job_of;
    std::vector<std::vector<std::size_t>> verdict_jobs(decision.verdicts.size());
    std::vector<std::vector<triage::AuditFinding>> extra(decision.verdicts.size());
    // The bound: at most max_subjects distinct domains and IPs, taken verdict by verdict, most
    // frequent first; the rest are named as not checked.
    std::set<std::string> taken;
    std::vector<std::string> left_out;
    auto take = [&](const std::string& s) {
        if (taken.contains(s)) return true;
        if (taken.size() >= static_cast<std::size_t>(o.max_subjects)) {
            if (std::find(left_out.begin(), left_out.end(), s) == left_out.end()) left_out.push_back(s);
            return false;
        }
        taken.insert(s);
        return true;
    };
    auto want = [&](std::size_t v, audit::CheckKind k, const std::string& subject, const std::vector<std::string>& ips) {
        auto key = std::make_pair(k, subject);
        auto it = job_of.find(key);
        if (it == job_of.end()) {
            it = job_of.emplace(key, jobs.size()).first;
            jobs.push_back({.kind = k, .subject = subject});
        }
        auto& job_ips = jobs[it->second].ips;
        for (auto& ip : ips)
            if (std::find(job_ips.begin(), job_ips.end(), ip) == job_ips.end()) job_ips.push_back(ip);
        auto& vj = verdict_jobs[v];
        if (std::find(vj.begin(), vj.end(), it->second) == vj.end()) vj.push_back(it->second);
    };

    const auto& buckets = subjects.buckets();
    for (std::size_t v = 0; v < decision.verdicts.size(); ++v) {
        const triage::Verdict& verdict = decision.verdicts[v];
        auto ex = std::find_if(std::begin(kExplained), std::end(kExplained),
                               [&](auto& e) { return verdict.kind == e.kind; });
        if (ex == std::end(kExplained)) continue;
        auto bit = buckets.find({verdict.provider, ex->category});
        if (bit == buckets.end()) continue;
        const AuditSubjects::Bucket& b = bit->second;
        // Under the bound, what explains the verdict best goes first: the sender domains for an
        // authentication failure, the sending IPs for a blocklisting.
        bool auth = ex->category == Category::authentication;
        std::vector<std::string> ips, envelope;
        auto take_ips = [&] {
            for (auto& ip : by_count(b.ips))
                if (take(ip)) ips.push_back(ip);
        };
        auto take_domains = [&] {
            for (auto& d : by_count(b.envelope_domains))
                if (take(d)) envelope.push_back(d);
        };
        if (auth) take_domains(), take_ips();
        else take_ips(), take_domains();
        if (auth) {
            // SPF is checked for the envelope (MAIL FROM) domain with the sending IPs; DMARC for
            // the From: domain, or the envelope domain when the log does not carry the headers
            // (DMARC discovery falls back to the organisational domain either way).
            for (auto& d : envelope) want(v, audit::CheckKind::spf, d, ips);
            auto froms = by_count(b.from_domains);
            if (froms.empty()) froms = envelope;
            for (auto& d : froms)
                if (take(d)) want(v, audit::CheckKind::dmarc, d, {});
            std::map<std::string, std::vector<std::string>> sigs;
            for (auto& [key, n] : b.signatures) sigs[key.first].push_back(key.second);
            for (auto& [from, ds] : sigs)
                if (taken.contains(from)) extra[v].push_back(alignment_finding(*psl, from, ds));
        } else {
            for (auto& ip : ips) want(v, audit::CheckKind::dnsbl, ip, {});
            // A domain blocklist (Spamhaus DBL, SURBL, URIBL) lists the sender's domain itself.
            if (ex->category == Category::blocklisted)
                for (auto& d : envelope) want(v, audit::CheckKind::dnsbl, d, {});
            if (b.ips.empty())
                extra[v].push_back({.check = "dnsbl", .subject = "", .status = "could_not_check",
                                    .result = "no_ip",
                                    .summary = "the rejections name no sending IP, so no IP blocklist was checked",
                                    .fix = "Check your sending IPs with mxtriage audit dnsbl IP."});
        }
        if (b.dropped > 0)
            extra[v].push_back({.check = "audit", .subject = "", .status = "could_not_check", .result = "bounded",
                                .summary = std::to_string(b.dropped) + " rejections named sending IPs or domains "
                                           "beyond the " + std::to_string(AuditSubjects::kMaxPerKind) +
                                           " distinct ones kept per kind; only those kept were candidates"});
    }
    if (!left_out.empty()) {
        std::string names;
        for (std::size_t i = 0; i < left_out.size() && i < 10; ++i) names += (i ? ", " : "") + left_out[i];
        if (left_out.size() > 10) names += ", ...";
        triage::AuditFinding f{.check = "audit", .subject = "", .status = "could_not_check", .result = "bounded",
                               .summary = std::to_string(left_out.size()) + " domains and IPs not checked (more than "
                                          "--audit-max " + std::to_string(o.max_subjects) + "): " + names,
                               .fix = "Raise --audit-max, or check them with mxtriage audit spf|dmarc|dnsbl."};
        for (std::size_t v = 0; v < decision.verdicts.size(); ++v)
            if (!verdict_jobs[v].empty() || !extra[v].empty()) {
                extra[v].push_back(f);
                break;
            }
    }

    audit::CheckContext ctx{
        .resolver = {.server = o.dns, .timeout_ms = o.timeout_ms, .tries = o.retries + 1,
                     .max_in_flight = o.concurrency},
        .psl = &*psl,
        .lists = &*lists,
        .workers = 4,
    };
    auto results = audit::run_checks(jobs, ctx);
    if (!results) return std::unexpected(results.error());
    for (std::size_t v = 0; v < decision.verdicts.size(); ++v) {
        auto& out = decision.verdicts[v].evidence.audit;
        for (auto j : verdict_jobs[v])
            for (auto& f : (*results)[j])
                out.push_back({.check = f.check, .subject = f.subject, .status = f.status, .result = f.result,
                               .summary = f.summary, .fix = f.fix});
        for (auto& f : extra[v]) out.push_back(f);
        std::stable_sort(out.begin(), out.end(),
                         [](auto& a, auto& b) { return status_rank(a.status) < status_rank(b.status); });
    }
    return {};
}

}  // namespace mxt::cli
