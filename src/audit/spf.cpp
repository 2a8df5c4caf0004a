// check_host() (RFC 7208 4) over the audit's resolver, recording a diagnostic tree as it goes.
// Hand-written rather than libspf2: libspf2 follows RFC 4408 and reports only a result string, not
// the per-branch lookup counts and deciding terms the audit exists to show.
#include "audit/spf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "audit/spf_macro.hpp"
#include "audit/spf_record.hpp"

namespace mxt::audit {

std::string_view to_string(SpfResult r) {
    switch (r) {
        case SpfResult::none: return "none";
        case SpfResult::neutral: return "neutral";
        case SpfResult::pass: return "pass";
        case SpfResult::fail: return "fail";
        case SpfResult::softfail: return "softfail";
        case SpfResult::temperror: return "temperror";
        case SpfResult::permerror: return "permerror";
    }
    return "?";
}

namespace {

std::string lower(std::string_view s) {
    std::string o(s);
    for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

std::string strip_dot(std::string s) {
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

// RFC 7208 4.3: a usable domain has labels of 1..63 octets, at least two of them.
bool valid_domain(std::string_view d) {
    std::string s = strip_dot(std::string(d));
    if (s.empty() || s.size() > 253) return false;
    std::size_t labels = 0, start = 0;
    while (true) {
        auto dot = s.find('.', start);
        std::size_t len = (dot == std::string::npos ? s.size() : dot) - start;
        if (len == 0 || len > 63) return false;
        ++labels;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return labels >= 2;
}

SpfResult qualifier_result(char q) {
    switch (q) {
        case '-': return SpfResult::fail;
        case '~': return SpfResult::softfail;
        case '?': return SpfResult::neutral;
        default: return SpfResult::pass;
    }
}


class Evaluator {
public:
    Evaluator(Resolver& r, const SpfQuery& q, const SpfLimits& l) : dns_(r), q_(q), limits_(l) {
        ctx_.ip = q.ip;
        ctx_.helo = q.helo;
        if (!q.receiver.empty()) ctx_.receiver = q.receiver;
        std::string sender = q.sender.empty() ? "postmaster@" + q.helo : q.sender;
        auto at = sender.rfind('@');
        if (at == std::string::npos) {
            ctx_.local_part = "postmaster";
            ctx_.sender_domain = sender;
            sender = "postmaster@" + sender;
        } else {
            ctx_.local_part = sender.substr(0, at);
            ctx_.sender_domain = sender.substr(at + 1);
            if (ctx_.local_part.empty()) {
                ctx_.local_part = "postmaster";
                sender = "postmaster" + sender;
            }
        }
        ctx_.sender = sender;
        ctx_.validated_name = [this] { return validated_name(); };
    }

    SpfReport run() {
        SpfReport rep;
        rep.ip = q_.ip;
        std::string domain = q_.domain.empty() ? ctx_.sender_domain : q_.domain;
        rep.domain = domain;
        rep.tree.domain = domain;
        if (!valid_domain(domain)) {
            rep.result = SpfResult::none;
            rep.problems.push_back(fmt::format("'{}' is not a valid domain name (RFC 7208 4.3)", domain));
            rep.decided_by = "invalid domain";
            rep.tree.result = SpfResult::none;
            return rep;
        }
        rep.result = check_host(domain, rep.tree);
        // RFC 7208 4.6.4: passing a processing limit is a PermError for the whole check.
        if (!limit_.empty()) {
            rep.result = SpfResult::permerror;
            rep.decided_by = limit_;
            rep.tree.result = SpfResult::permerror;
            if (std::find(problems_.begin(), problems_.end(), limit_) == problems_.end())
                problems_.insert(problems_.begin(), limit_);
        }
        rep.dns_lookups = lookups_;
        rep.void_lookups = voids_;
        if (rep.decided_by.empty()) rep.decided_by = decided_by_;
        rep.explanation = explanation_;
        rep.problems = problems_;
        return rep;
    }

private:
    Resolver& dns_;
    const SpfQuery& q_;
    SpfLimits limits_;
    MacroContext ctx_;
    int lookups_ = 0;
    int voids_ = 0;
    std::vector<std::string> path_;
    std::vector<std::string> problems_;
    std::string decided_by_;
    std::string explanation_;
    std::optional<std::string> validated_;
    std::string limit_;  // set when a processing limit was passed

    // False once the limit is passed.
    bool count_lookup(const std::string& term, SpfNode& node) {
        ++lookups_;
        ++node.lookups;
        if (lookups_ > limits_.max_lookups && limit_.empty())
            limit_ = fmt::format("more than {} DNS-querying terms (RFC 7208 4.6.4): the limit was passed at "
                                       "'{}' in {}",
                                       limits_.max_lookups, term, node.domain);
        return limit_.empty();
    }

    bool count_void(const DnsAnswer& a, const std::string& term, const std::string& name, SpfNode& node) {
        if (!a.is_void()) return true;
        ++voids_;
        ++node.void_lookups;
        node.problems.push_back(fmt::format("'{}': {} has {} (void lookup {})", term, name,
                                            a.status == DnsStatus::nxdomain ? "no such domain" : "no record",
                                            voids_));
        if (voids_ > limits_.max_void && limit_.empty())
            limit_ = fmt::format("more than {} void DNS lookups (RFC 7208 4.6.4): the limit was passed at "
                                       "'{}' in {}",
                                       limits_.max_void, term, node.domain);
        return limit_.empty();
    }

    DnsType addr_type() const { return ctx_.ip.v6 ? DnsType::AAAA : DnsType::A; }

    // The %{p} macro: a validated reverse name of the client (RFC 7208 7.3 / 5.5).
    std::string validated_name() {
        if (validated_) return *validated_;
        std::string result = "unknown";
        auto ptr = dns_.query(ctx_.ip.ptr_name(), DnsType::PTR);
        std::string fallback;
        if (ptr.status == DnsStatus::ok) {
            int n = 0;
            for (auto& name : ptr.names) {
                if (++n > limits_.max_ptr) break;
                auto a = dns_.query(name, addr_type());
                if (a.status != DnsStatus::ok) continue;
                if (std::find(a.addresses.begin(), a.addresses.end(), ctx_.ip) == a.addresses.end()) continue;
                std::string s = strip_dot(name);
                // Prefer the name within the current domain, as RFC 7208 7.3 suggests.
                if (lower(s) == lower(ctx_.domain) || lower(s).ends_with("." + lower(ctx_.domain))) {
                    result = s;
                    fallback.clear();
                    break;
                }
                if (fallback.empty()) fallback = s;
            }
            if (result == "unknown" && !fallback.empty()) result = fallback;
        }
        validated_ = result;
        return result;
    }

    // Expands a term's domain-spec in the current domain; empty spec = current domain.
    std::expected<std::string, std::string> target(const std::string& spec, const std::string& domain) {
        if (spec.empty()) return domain;
        ctx_.domain = domain;
        auto e = expand_macros(spec, ctx_, false);
        if (!e) return e;
        return truncate_domain(strip_dot(*e));
    }

    // RFC 7208 4.4, 4.5: fetch and select the one SPF record.
    SpfResult fetch_record(const std::string& domain, SpfNode& node, std::string& text) {
        auto a = dns_.query(domain, DnsType::TXT);
        if (a.failed()) {
            node.problems.push_back(fmt::format("TXT lookup of {} failed: {}{} (a DNS failure, not a missing record)",
                                                domain, to_string(a.status), a.detail.empty() ? "" : ": " + a.detail));
            node.decided_by = fmt::format("DNS failure ({}) on {}", to_string(a.status), domain);
            return SpfResult::temperror;
        }
        const std::string* first = nullptr;
        std::size_t records = 0;
        for (auto& t : a.txt)
            if (is_spf_record(t) && records++ == 0) first = &t;
        if (records == 0) {
            node.problems.push_back(fmt::format("{} publishes no SPF record", domain));
            node.decided_by = "no SPF record";
            return SpfResult::none;
        }
        if (records > 1) {
            node.problems.push_back(fmt::format("{} publishes {} SPF records; exactly one is allowed (RFC 7208 4.5)",
                                                domain, records));
            node.decided_by = "multiple SPF records";
            return SpfResult::permerror;
        }
        text = *first;
        return SpfResult::pass;
    }

    SpfResult check_host(const std::string& domain, SpfNode& node) {
        node.domain = domain;
        std::string key = lower(strip_dot(domain));
        if (std::find(path_.begin(), path_.end(), key) != path_.end()) {
            std::string chain;
            for (auto& p : path_) chain += p + " -> ";
            node.problems.push_back(fmt::format("loop: {}{}", chain, key));
            problems_.push_back(fmt::format("include/redirect loop: {}{}", chain, key));
            node.decided_by = "loop";
            return node.result = SpfResult::permerror;
        }
        std::string text;
        SpfResult r = fetch_record(domain, node, text);
        if (r != SpfResult::pass) {
            for (auto& p : node.problems) problems_.push_back(p);
            if (decided_by_.empty()) decided_by_ = fmt::format("{}: {}", domain, node.decided_by);
            return node.result = r;
        }
        node.record = text;
        auto rec = parse_spf_record(text);
        if (!rec) {
            std::string msg = fmt::format("syntax error in the SPF record of {} at offset {}: {}", domain,
                                          rec.error().offset, rec.error().message);
            node.problems.push_back(msg);
            problems_.push_back(msg);
            node.decided_by = "syntax error";
            if (decided_by_.empty()) decided_by_ = fmt::format("{}: syntax error", domain);
            return node.result = SpfResult::permerror;
        }
        path_.push_back(key);
        r = evaluate(domain, *rec, node);
        path_.pop_back();
        node.result = r;
        for (auto& p : node.problems)
            if (std::find(problems_.begin(), problems_.end(), p) == problems_.end()) problems_.push_back(p);
        return r;
    }

    SpfResult evaluate(const std::string& domain, const SpfRecord& rec, SpfNode& node) {
        for (const auto& t : rec.mechanisms) {
            auto m = Match::permerror;
            if (!t.queries_dns() || count_lookup(t.text, node)) m = match(domain, t, node);
            if (m == Match::temperror || m == Match::permerror) {
                node.decided_by = t.text;
                if (decided_by_.empty()) decided_by_ = fmt::format("{}: {}", domain, t.text);
                return m == Match::temperror ? SpfResult::temperror : SpfResult::permerror;
            }
            if (m == Match::yes) {
                node.decided_by = t.text;
                // For an include, name the term inside the included record that matched too.
                if (t.mechanism == Mechanism::include && !decided_by_.empty())
                    decided_by_ = fmt::format("{}: {} > {}", domain, t.text, decided_by_);
                else
                    decided_by_ = fmt::format("{}: {}", domain, t.text);
                SpfResult r = qualifier_result(t.qualifier);
                if (r == SpfResult::fail) explain(domain, rec);
                return r;
            }
        }
        // RFC 7208 6.1: redirect applies when nothing matched; an "all" anywhere makes it moot.
        if (rec.redirect && !rec.has_all) {
            std::string term = "redirect=" + *rec.redirect;
            if (!count_lookup(term, node)) {
                node.decided_by = term;
                return SpfResult::permerror;
            }
            auto tgt = target(*rec.redirect, domain);
            if (!tgt) {
                node.problems.push_back(fmt::format("'{}': {}", term, tgt.error()));
                node.decided_by = term;
                return SpfResult::permerror;
            }
            SpfNode child;
            child.via = term;
            SpfResult r = SpfResult::none;
            if (valid_domain(*tgt)) {
                r = check_host(*tgt, child);
            } else {
                child.domain = *tgt;
                child.problems.push_back(fmt::format("'{}' is not a valid domain name", *tgt));
            }
            node.lookups += child.lookups;
            node.void_lookups += child.void_lookups;
            node.children.push_back(std::move(child));
            node.decided_by = term;
            if (r == SpfResult::none) {
                std::string msg = fmt::format("{} points to {}, which has no SPF record (RFC 7208 6.1: permerror)",
                                              term, *tgt);
                node.problems.push_back(msg);
                decided_by_ = fmt::format("{}: {}", domain, term);
                return SpfResult::permerror;
            }
            return r;
        }
        node.decided_by = "no match (default neutral)";
        decided_by_ = fmt::format("{}: no mechanism matched (default neutral)", domain);
        return SpfResult::neutral;
    }

    void explain(const std::string& domain, const SpfRecord& rec) {
        explanation_.clear();
        if (!rec.exp) return;
        auto tgt = target(*rec.exp, domain);
        if (!tgt || !valid_domain(*tgt)) return;
        // RFC 7208 6.2: any error, or not exactly one TXT record, means no explanation.
        auto a = dns_.query(*tgt, DnsType::TXT);
        if (a.status != DnsStatus::ok || a.txt.size() != 1) return;
        ctx_.domain = domain;
        auto e = expand_macros(a.txt.front(), ctx_, true);
        if (e) explanation_ = *e;
    }

    enum class Match { no, yes, temperror, permerror };

    bool addresses_match(const std::vector<IpAddress>& addrs, const SpfTerm& t) const {
        for (auto& ip : addrs)
            if (ctx_.ip.in_network(ip, ctx_.ip.v6 ? t.cidr6 : t.cidr4)) return true;
        return false;
    }

    Match match(const std::string& domain, const SpfTerm& t, SpfNode& node) {
        switch (t.mechanism) {
            case Mechanism::all: return Match::yes;
            case Mechanism::ip4:
            case Mechanism::ip6:
                return ctx_.ip.in_network(t.network, t.mechanism == Mechanism::ip4 ? t.cidr4 : t.cidr6) ? Match::yes
                                                                                                   : Match::no;
            default: break;
        }
        auto tgt = target(t.domain_spec, domain);
        if (!tgt) {
            node.problems.push_back(fmt::format("'{}': {}", t.text, tgt.error()));
            return Match::permerror;
        }
        const std::string& name = *tgt;
        switch (t.mechanism) {
            case Mechanism::include: {
                SpfNode child;
                child.via = t.text;
                SpfResult r = SpfResult::none;
                if (valid_domain(name)) {
                    r = check_host(name, child);
                } else {
                    child.domain = name;
                    child.problems.push_back(fmt::format("'{}' is not a valid domain name", name));
                }
                node.lookups += child.lookups;
                node.void_lookups += child.void_lookups;
                node.children.push_back(std::move(child));
                switch (r) {
                    case SpfResult::pass: return Match::yes;
                    case SpfResult::fail:
                    case SpfResult::softfail:
                    case SpfResult::neutral: return Match::no;
                    case SpfResult::temperror: return Match::temperror;
                    case SpfResult::permerror: return Match::permerror;
                    case SpfResult::none:
                        node.problems.push_back(fmt::format(
                            "'{}' includes {}, which has no SPF record (RFC 7208 5.2: permerror)", t.text, name));
                        return Match::permerror;
                }
                return Match::permerror;
            }
            case Mechanism::a: {
                if (!valid_domain(name)) return Match::no;
                auto a = dns_.query(name, addr_type());
                if (a.failed()) return dns_failure(t, name, a, node);
                if (!count_void(a, t.text, name, node)) return Match::permerror;
                return addresses_match(a.addresses, t) ? Match::yes : Match::no;
            }
            case Mechanism::mx: {
                if (!valid_domain(name)) return Match::no;
                auto mx = dns_.query(name, DnsType::MX);
                if (mx.failed()) return dns_failure(t, name, mx, node);
                if (!count_void(mx, t.text, name, node)) return Match::permerror;
                if (static_cast<int>(mx.mx.size()) > limits_.max_mx) {
                    node.problems.push_back(fmt::format("'{}': {} has {} MX records; more than {} is a permerror "
                                                        "(RFC 7208 4.6.4)",
                                                        t.text, name, mx.mx.size(), limits_.max_mx));
                    return Match::permerror;
                }
                auto hosts = mx.mx;
                std::stable_sort(hosts.begin(), hosts.end(),
                                 [](const MxRecord& x, const MxRecord& y) { return x.preference < y.preference; });
                for (auto& h : hosts) {
                    if (h.host.empty() || h.host == ".") continue;
                    auto a = dns_.query(h.host, addr_type());
                    if (a.failed()) return dns_failure(t, h.host, a, node);
                    if (addresses_match(a.addresses, t)) return Match::yes;
                }
                return Match::no;
            }
            case Mechanism::ptr: {
                node.problems.push_back(fmt::format("'{}': the ptr mechanism should not be used (RFC 7208 5.5)", t.text));
                auto ptr = dns_.query(ctx_.ip.ptr_name(), DnsType::PTR);
                // RFC 7208 5.5: a DNS error on the PTR lookup means no match.
                if (ptr.failed()) return Match::no;
                if (!count_void(ptr, t.text, ctx_.ip.ptr_name(), node)) return Match::permerror;
                int n = 0;
                std::string want = lower(strip_dot(name));
                for (auto& pn : ptr.names) {
                    if (++n > limits_.max_ptr) break;
                    auto a = dns_.query(pn, addr_type());
                    if (a.status != DnsStatus::ok) continue;
                    if (std::find(a.addresses.begin(), a.addresses.end(), ctx_.ip) == a.addresses.end()) continue;
                    std::string got = lower(strip_dot(pn));
                    if (got == want || got.ends_with("." + want)) return Match::yes;
                }
                return Match::no;
            }
            case Mechanism::exists: {
                if (!valid_domain(name)) return Match::no;
                // RFC 7208 5.7: always an A query, whatever the client's address family.
                auto a = dns_.query(name, DnsType::A);
                if (a.failed()) return dns_failure(t, name, a, node);
                if (!count_void(a, t.text, name, node)) return Match::permerror;
                return a.addresses.empty() ? Match::no : Match::yes;
            }
            default: return Match::no;
        }
    }

    Match dns_failure(const SpfTerm& t, const std::string& name, const DnsAnswer& a, SpfNode& node) {
        node.problems.push_back(fmt::format("'{}': lookup of {} failed: {} (a DNS failure, not a missing record)",
                                            t.text, name, to_string(a.status)));
        return Match::temperror;
    }
};

}  // namespace

SpfReport check_spf(Resolver& resolver, const SpfQuery& query, const SpfLimits& limits) {
    Evaluator ev(resolver, query, limits);
    return ev.run();
}

}  // namespace mxt::audit
