// SPF evaluation, check_host() of RFC 7208 section 4, with the diagnostics a sender needs: the
// include/redirect tree, DNS-querying terms per branch and in total (limit 10, RFC 7208 4.6.4),
// void lookups (limit 2), loops, syntax errors and which term decided the result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/dns.hpp"
#include "audit/ip.hpp"

namespace mxt::audit {

enum class SpfResult { none, neutral, pass, fail, softfail, temperror, permerror };
std::string_view to_string(SpfResult r);

struct SpfQuery {
    std::string domain;     // empty: taken from the sender (or HELO for a null sender)
    IpAddress ip;
    std::string sender;     // MAIL FROM; empty = null sender
    std::string helo;
    std::string receiver;   // for the %{r} macro
};

// One evaluated record: the top-level domain or an include/redirect target.
struct SpfNode {
    std::string domain;
    std::string via;            // "include:x" / "redirect=x"; empty at the root
    std::string record;         // the SPF record text, when found
    SpfResult result = SpfResult::none;
    int lookups = 0;            // DNS-querying terms of this branch, its own and its children's
    int void_lookups = 0;
    std::string decided_by;     // the term that decided this node's result
    std::vector<std::string> problems;
    std::vector<SpfNode> children;
};

struct SpfReport {
    std::string domain;
    IpAddress ip;
    SpfResult result = SpfResult::none;
    int dns_lookups = 0;        // in total, RFC 7208 4.6.4
    int void_lookups = 0;
    std::string decided_by;     // "domain: term", or a default such as "no match (neutral)"
    std::string explanation;    // exp= text for a fail (RFC 7208 6.2), when published
    SpfNode tree;
    std::vector<std::string> problems;  // every problem found, in plain words
};

struct SpfLimits {
    int max_lookups = 10;
    int max_void = 2;
    int max_mx = 10;
    int max_ptr = 10;
};

SpfReport check_spf(Resolver& resolver, const SpfQuery& query, const SpfLimits& limits = {});

}  // namespace mxt::audit
