// The `audit reports` summary: every record of every readable report added up per source IP,
// failing mail first, with what the failure pattern means for the sender.
#include "audit/reports.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace mxt::audit {
namespace {

void add_unique(std::vector<std::string>& v, std::string s) {
    if (s.empty() || std::find(v.begin(), v.end(), s) != v.end() || v.size() >= 8) return;
    v.push_back(std::move(s));
}

std::string meaning(const SourceSummary& s, bool any_dkim_pass, bool any_spf_pass) {
    if (s.dmarc_fail == 0) return "passes DMARC";
    if (any_dkim_pass && s.dkim_fail > 0)
        return "DKIM passes, but for a domain not aligned with the From: domain: have this service sign with "
               "your own domain";
    if (any_spf_pass && s.spf_fail > 0 && !any_dkim_pass)
        return "SPF passes for a Return-Path domain not aligned with the From: domain, and no aligned DKIM: "
               "set up DKIM for your domain at this service";
    return "neither SPF nor DKIM passes: an unauthorised source (spoofing, or a service of yours to add to SPF "
           "and DKIM), or mail forwarded by a third party";
}

}  // namespace

ReportsAudit audit_reports(const std::vector<std::string>& files, const ReportLimits& limits) {
    ReportsAudit out;
    struct Acc {
        SourceSummary s;
        bool dkim_pass = false, spf_pass = false;
    };
    std::map<std::string, Acc> by_ip;
    for (const auto& file : files) {
        std::error_code ec;
        auto size = std::filesystem::file_size(file, ec);
        std::ifstream in(file, std::ios::binary);
        if (ec || !in) {
            out.errors.push_back(file + ": cannot open" + (ec ? ": " + ec.message() : std::string()));
            continue;
        }
        if (size > limits.max_input) {
            out.errors.push_back(fmt::format("{}: larger than {} bytes, refused", file, limits.max_input));
            continue;
        }
        std::string bytes(size, '\0');
        in.read(bytes.data(), static_cast<std::streamsize>(size));
        bytes.resize(static_cast<std::size_t>(in.gcount()));
        auto xmls = extract_reports(bytes, file, limits);
        if (!xmls) {
            out.errors.push_back(xmls.error());
            continue;
        }
        for (auto& x : *xmls) {
            auto rep = parse_aggregate_report(x.xml, x.source);
            if (!rep) {
                out.errors.push_back(rep.error());
                continue;
            }
            for (auto& r : rep->records) {
                auto& a = by_ip[r.source_ip];
                a.s.ip = r.source_ip;
                a.s.messages += r.count;
                bool dk = r.dkim == "pass", sp = r.spf == "pass";
                if (!dk) a.s.dkim_fail += r.count;
                if (!sp) a.s.spf_fail += r.count;
                if (!dk && !sp) a.s.dmarc_fail += r.count;
                out.messages += r.count;
                if (!dk && !sp) out.failing += r.count;
                add_unique(a.s.header_from, r.header_from);
                for (auto& d : r.dkim_auth) {
                    add_unique(a.s.dkim_domains, d.domain + "=" + d.result);
                    if (d.result == "pass") a.dkim_pass = true;
                }
                for (auto& s : r.spf_auth) {
                    add_unique(a.s.spf_domains, s.domain + "=" + s.result);
                    if (s.result == "pass") a.spf_pass = true;
                }
            }
            out.reports.push_back(std::move(*rep));
        }
    }
    for (auto& [ip, a] : by_ip) {
        a.s.meaning = meaning(a.s, a.dkim_pass, a.spf_pass);
        out.sources.push_back(a.s);
    }
    std::stable_sort(out.sources.begin(), out.sources.end(), [](const SourceSummary& x, const SourceSummary& y) {
        if (x.dmarc_fail != y.dmarc_fail) return x.dmarc_fail > y.dmarc_fail;
        return x.messages > y.messages;
    });
    return out;
}

}  // namespace mxt::audit
