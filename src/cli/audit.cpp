// `mxtriage audit spf|dmarc|message|dnsbl|reports`: root-cause audits of the sender's DNS and
// mail (SPF, DMARC, alignment, blocklists, aggregate reports). Options shared by all: --dns,
// --timeout, --retries, --json. Exit 0 clean, 1 findings, 2 errors (DNS failures included).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "audit/dmarc.hpp"
#include "audit/dns.hpp"
#include "audit/dnsbl.hpp"
#include "audit/message.hpp"
#include "audit/psl.hpp"
#include "audit/render.hpp"
#include "audit/reports.hpp"
#include "audit/spf.hpp"
#include "cli/command.hpp"
#include "rules/classifier.hpp"

namespace mxt::cli {
namespace {

struct AuditOptions {
    std::string dns;
    int timeout_ms = 2000;
    int retries = 1;
    int concurrency = 16;
    bool json = false;
    std::string psl_file;
    // spf
    std::string domain, ip, sender, helo;
    // message / reports
    std::string file;
    std::vector<std::string> files;
    std::string lists;
    bool no_dns = false;
};

std::unique_ptr<audit::Resolver> make_resolver(const AuditOptions& o, int& status) {
    auto r = audit::Resolver::create(
        {.server = o.dns, .timeout_ms = o.timeout_ms, .tries = o.retries + 1, .max_in_flight = o.concurrency});
    if (!r) {
        error(r.error());
        status = kExitError;
        return nullptr;
    }
    return std::move(*r);
}

std::optional<audit::PublicSuffixList> make_psl(const AuditOptions& o, int& status) {
    auto p = o.psl_file.empty() ? audit::PublicSuffixList::system() : audit::PublicSuffixList::load(o.psl_file);
    if (!p) {
        error(p.error());
        status = kExitError;
        return std::nullopt;
    }
    return *p;
}

void emit(const std::string& s) { std::cout << s << std::flush; }

void run_spf(const AuditOptions& o, int& status) {
    auto dns = make_resolver(o, status);
    if (!dns) return;
    audit::SpfQuery q;
    q.domain = o.domain;
    q.sender = o.sender;
    q.helo = o.helo.empty() ? o.domain : o.helo;
    bool have_ip = !o.ip.empty();
    if (have_ip) {
        auto ip = audit::IpAddress::parse(o.ip);
        if (!ip) {
            error("--ip: '" + o.ip + "' is not an IP address");
            status = kExitError;
            return;
        }
        q.ip = ip->unmapped();
    } else {
        q.ip = *audit::IpAddress::parse("0.0.0.0");
    }
    if (!o.sender.empty() && o.domain.empty()) q.domain.clear();
    auto rep = audit::check_spf(*dns, q);
    emit(o.json ? audit::spf_json(rep, have_ip) : audit::spf_text(rep, have_ip));
    if (rep.result == audit::SpfResult::temperror) {
        error("SPF evaluation hit a DNS failure (temperror): the result is not a verdict on the record");
        status = kExitError;
    } else if (rep.result == audit::SpfResult::permerror || rep.result == audit::SpfResult::none ||
               (have_ip && rep.result != audit::SpfResult::pass) || !rep.problems.empty()) {
        status = kExitFindings;
    } else {
        status = kExitOk;
    }
}

void run_dmarc(const AuditOptions& o, int& status) {
    auto dns = make_resolver(o, status);
    if (!dns) return;
    auto psl = make_psl(o, status);
    if (!psl) return;
    auto a = audit::audit_dmarc(*dns, *psl, o.domain);
    emit(o.json ? audit::dmarc_json(a) : audit::dmarc_text(a));
    if (a.dns_failed) {
        error("a DMARC lookup failed (timeout or server failure): the audit is incomplete");
        status = kExitError;
    } else {
        status = a.problems.empty() ? kExitOk : kExitFindings;
    }
}

void run_message(const AuditOptions& o, int& status) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
        error(o.file + ": cannot open");
        status = kExitError;
        return;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto psl = make_psl(o, status);
    if (!psl) return;
    std::unique_ptr<audit::Resolver> dns;
    if (!o.no_dns) {
        dns = make_resolver(o, status);
        if (!dns) return;
    }
    auto input = audit::read_message(ss.str());
    auto m = audit::audit_message(input, *psl, dns.get());
    emit(o.json ? audit::message_json(m) : audit::message_text(m));
    if (m.header_from.empty() && input.headers.empty() && input.mail_from.empty()) {
        error(o.file + ": no message headers or SMTP transcript found");
        status = kExitError;
    } else {
        status = m.findings || !m.problems.empty() ? kExitFindings : kExitOk;
    }
}

void run_dnsbl(const AuditOptions& o, int& status) {
    std::string lists_file = o.lists.empty() ? Classifier::default_rules_dir() + "/dnsbl.toml" : o.lists;
    if (o.lists.empty() && !std::filesystem::exists(lists_file)) lists_file = std::string(MXT_SOURCE_RULES_DIR) + "/dnsbl.toml";
    auto lists = audit::load_dnsbl_lists(lists_file);
    if (!lists) {
        error(lists.error());
        status = kExitError;
        return;
    }
    auto dns = make_resolver(o, status);
    if (!dns) return;
    auto a = audit::check_dnsbl(*dns, *lists, o.domain);
    emit(o.json ? audit::dnsbl_json(a) : audit::dnsbl_text(a));
    bool listed = false, incomplete = false;
    for (auto& r : a.results) {
        if (r.status == audit::DnsblStatus::listed) listed = true;
        if (r.status == audit::DnsblStatus::refused) {
            warning(r.list->name + " refused the query: use your own recursive resolver (--dns) or the list's keyed service");
            incomplete = true;
        }
        if (r.status == audit::DnsblStatus::not_checked && r.meaning.find("failed") != std::string::npos) incomplete = true;
    }
    if (a.results.empty()) {
        error("no list of the right kind for '" + o.domain + "'");
        status = kExitError;
    } else if (listed) {
        status = kExitFindings;
    } else if (incomplete) {
        error("some lists could not be checked (refused or DNS failure)");
        status = kExitError;
    } else {
        status = kExitOk;
    }
}

void run_reports(const AuditOptions& o, int& status) {
    auto r = audit::audit_reports(o.files);
    emit(o.json ? audit::reports_json(r) : audit::reports_text(r));
    for (auto& e : r.errors) error(e);
    if (!r.errors.empty()) status = kExitError;
    else status = r.failing > 0 ? kExitFindings : kExitOk;
}

void setup(CLI::App& root, int& exit_status) {
    auto opts = std::make_shared<AuditOptions>();
    auto* audit = root.add_subcommand("audit", "Audit SPF, DMARC, a rejected message, blocklists or DMARC reports");
    audit->require_subcommand(1);
    auto common = [opts](CLI::App* c, bool dns) {
        c->add_flag("--json", opts->json, "Print JSON (docs/json-contract.md)");
        if (dns) {
            c->add_option("--dns", opts->dns, "DNS server HOST:PORT (default: the system resolver)");
            c->add_option("--timeout", opts->timeout_ms, "Per-try DNS timeout in milliseconds")->capture_default_str();
            c->add_option("--retries", opts->retries, "DNS retries after the first try")->capture_default_str();
            c->add_option("--concurrency", opts->concurrency, "Most DNS queries in flight at once")->capture_default_str();
        }
    };
    auto* spf = audit->add_subcommand("spf", "Evaluate a domain's SPF record (RFC 7208) with diagnostics");
    spf->add_option("domain", opts->domain, "Domain whose SPF record to check")->required();
    spf->add_option("--ip", opts->ip, "Client IP to evaluate");
    spf->add_option("--sender", opts->sender, "MAIL FROM address (for macros)");
    spf->add_option("--helo", opts->helo, "HELO/EHLO name");
    common(spf, true);
    spf->callback([opts, &exit_status] { run_spf(*opts, exit_status); });

    auto* dmarc = audit->add_subcommand("dmarc", "Find and check a domain's DMARC policy (RFC 7489 and RFC 9989)");
    dmarc->add_option("domain", opts->domain, "The From: domain")->required();
    dmarc->add_option("--psl", opts->psl_file, "Public Suffix List file (default: the system's)");
    common(dmarc, true);
    dmarc->callback([opts, &exit_status] { run_dmarc(*opts, exit_status); });

    auto* msg = audit->add_subcommand("message", "Explain the authentication failure of a message, bounce or SMTP transcript");
    msg->add_option("file", opts->file, "The message, bounce or transcript")->required();
    msg->add_option("--psl", opts->psl_file, "Public Suffix List file (default: the system's)");
    msg->add_flag("--no-dns", opts->no_dns, "Do not look up the From: domain's DMARC policy");
    common(msg, true);
    msg->callback([opts, &exit_status] { run_message(*opts, exit_status); });

    auto* bl = audit->add_subcommand("dnsbl", "Check an IP or domain against the DNS blocklists of rules/dnsbl.toml");
    bl->add_option("subject", opts->domain, "IPv4/IPv6 address or domain")->required();
    bl->add_option("--lists", opts->lists, "Blocklist file (default: rules/dnsbl.toml)");
    common(bl, true);
    bl->callback([opts, &exit_status] { run_dnsbl(*opts, exit_status); });

    auto* rep = audit->add_subcommand("reports", "Summarise DMARC aggregate reports (XML, .gz, .zip, e-mail)");
    rep->add_option("files", opts->files, "Report files")->required();
    common(rep, false);
    rep->callback([opts, &exit_status] { run_reports(*opts, exit_status); });
}

}  // namespace

MXT_COMMAND("audit", setup);

}  // namespace mxt::cli
