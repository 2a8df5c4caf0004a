// Blocklist lookups: all lists are asked at once through the resolver's bounded batch, then each
// answer is read with that list's own code table (RFC 5782 2.1-2.3; docs in rules/dnsbl.toml).
#include "audit/dnsbl.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>

#include "audit/psl.hpp"

namespace mxt::audit {

std::string_view to_string(DnsblStatus s) {
    switch (s) {
        case DnsblStatus::listed: return "listed";
        case DnsblStatus::clean: return "not listed";
        case DnsblStatus::refused: return "query refused";
        case DnsblStatus::not_checked: return "not checked";
    }
    return "?";
}

std::expected<std::vector<DnsblList>, std::string> load_dnsbl_lists(const std::string& path) {
    std::vector<DnsblList> out;
    try {
        toml::table doc = toml::parse_file(path);
        auto* arr = doc["list"].as_array();
        if (!arr) return std::unexpected(path + ": no [[list]] tables");
        for (auto& node : *arr) {
            auto* t = node.as_table();
            if (!t) continue;
            auto line = t->source().begin.line;
            DnsblList l;
            l.name = (*t)["name"].value_or(std::string());
            l.zone = lower_domain((*t)["zone"].value_or(std::string()));
            l.kind = (*t)["kind"].value_or(std::string("ip"));
            l.delist_url = (*t)["delist_url"].value_or(std::string());
            l.bitmask = (*t)["bitmask"].value_or(false);
            l.ipv6 = (*t)["ipv6"].value_or(false);
            if (l.name.empty() || l.zone.empty())
                return std::unexpected(fmt::format("{}:{}: a [[list]] needs name and zone", path, line));
            if (l.kind != "ip" && l.kind != "domain")
                return std::unexpected(fmt::format("{}:{}: kind must be ip or domain", path, line));
            if (auto* m = (*t)["mentions"].as_array())
                for (auto& e : *m)
                    if (auto s = e.value<std::string>()) l.mentions.push_back(*s);
            if (auto* a = (*t)["answers"].as_table())
                for (auto& [k, v] : *a) l.answers[std::string(k.str())] = v.value_or(std::string());
            if (auto* r = (*t)["refused"].as_array())
                for (auto& e : *r)
                    if (auto s = e.value<std::string>()) l.refused.push_back(*s);
            out.push_back(std::move(l));
        }
    } catch (const toml::parse_error& e) {
        return std::unexpected(fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
    }
    return out;
}

namespace {

void interpret(const DnsblList& l, const DnsAnswer& a, DnsblResult& r) {
    if (a.failed()) {
        r.status = DnsblStatus::not_checked;
        r.meaning = fmt::format("lookup failed ({}): unknown, neither listed nor clean", to_string(a.status));
        return;
    }
    if (a.status != DnsStatus::ok) {
        r.status = DnsblStatus::clean;
        return;
    }
    std::vector<std::string> ignored;
    for (auto& ip : a.addresses) {
        // RFC 5782 2.1: only answers in 127.0.0.0/8 are listings; others are resolver rewrites.
        if (ip.v6 || ip.bytes[0] != 127) {
            ignored.push_back(ip.to_string());
            continue;
        }
        r.codes.push_back(ip.to_string());
    }
    std::vector<std::string> meanings;
    bool refused = false;
    for (auto& c : r.codes) {
        auto ip = IpAddress::parse(c);
        bool spamhaus_err = l.zone.ends_with("spamhaus.org") && ip->bytes[1] == 255 && ip->bytes[2] == 255;
        if (std::find(l.refused.begin(), l.refused.end(), c) != l.refused.end() || spamhaus_err) {
            refused = true;
            meanings.push_back(fmt::format("{}: the list refused the query (public/shared resolver, over the free "
                                           "limit, or a configuration error): a problem of the checker, not a listing",
                                           c));
            continue;
        }
        if (auto it = l.answers.find(c); it != l.answers.end()) {
            meanings.push_back(fmt::format("{}: {}", c, it->second));
        } else if (l.bitmask) {
            int last = ip->bytes[3];
            for (int bit = 2; bit <= 128; bit <<= 1) {
                if (!(last & bit)) continue;
                auto it2 = l.answers.find(fmt::format("127.0.0.{}", bit));
                meanings.push_back(fmt::format("{}: {}", c, it2 != l.answers.end() ? it2->second : fmt::format("bit {}", bit)));
            }
        } else {
            meanings.push_back(fmt::format("{}: listed (code not documented for this list)", c));
        }
    }
    bool any_listing = false;
    for (auto& c : r.codes)
        if (std::find(l.refused.begin(), l.refused.end(), c) == l.refused.end() &&
            !(l.zone.ends_with("spamhaus.org") && c.starts_with("127.255.255.")))
            any_listing = true;
    if (any_listing) r.status = DnsblStatus::listed;
    else if (refused) r.status = DnsblStatus::refused;
    else r.status = DnsblStatus::clean;
    if (!ignored.empty())
        meanings.push_back(fmt::format("ignored answers outside 127.0.0.0/8 ({}): the resolver rewrites answers, "
                                       "not a listing",
                                       fmt::join(ignored, ", ")));
    r.meaning = fmt::format("{}", fmt::join(meanings, "; "));
}

}  // namespace

DnsblAudit check_dnsbl(Resolver& dns, const std::vector<DnsblList>& lists, const std::string& subject) {
    DnsblAudit out;
    out.subject = subject;
    auto ip = IpAddress::parse(subject);
    out.is_ip = ip.has_value();
    std::vector<DnsQuestion> qs;
    std::vector<std::size_t> which;
    for (auto& l : lists) {
        DnsblResult r;
        r.list = &l;
        if (out.is_ip != (l.kind == "ip")) continue;  // never send IPs to domain lists (RFC 5782 2.3)
        if (out.is_ip) {
            IpAddress addr = ip->unmapped();
            if (addr.v6 && !l.ipv6) {
                r.meaning = "IPv4-only list: IPv6 address not covered";
                out.results.push_back(r);
                continue;
            }
            r.query = addr.reversed() + "." + l.zone;
        } else {
            r.query = lower_domain(subject) + "." + l.zone;
        }
        qs.push_back({r.query, DnsType::A});
        which.push_back(out.results.size());
        out.results.push_back(r);
    }
    auto answers = dns.query_all(qs);
    for (std::size_t i = 0; i < answers.size(); ++i) {
        auto& r = out.results[which[i]];
        interpret(*r.list, answers[i], r);
    }
    return out;
}

}  // namespace mxt::audit
