// Fuzz target: the SPF record parser (src/audit/spf_record.cpp, RFC 7208 4.6 and 12) and the
// macro expander it hands domain-specs to (spf_macro.cpp, RFC 7208 7). No DNS: a parsed record's
// domain-specs are expanded against a fixed context. Checks besides memory safety: a term's text
// is the record's bytes at its offset, prefix lengths are in range, and a string that passes the
// syntax check expands without error (expand_macros fails "only for bad syntax").
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "audit/spf_macro.hpp"
#include "audit/spf_record.hpp"
#include "fuzz_common.hpp"

namespace {

const mxt::audit::MacroContext& context() {
    static const mxt::audit::MacroContext ctx = [] {
        mxt::audit::MacroContext c;
        c.sender = "strong-bad@email.example.com";
        c.local_part = "strong-bad";
        c.sender_domain = "email.example.com";
        c.domain = "email.example.com";
        c.helo = "mx.example.org";
        c.ip = *mxt::audit::IpAddress::parse("192.0.2.3");
        c.validated_name = [] { return std::string("mx.example.org"); };
        return c;
    }();
    return ctx;
}

void expand_domain_spec(std::string_view spec) {
    if (spec.empty()) return;
    if (!mxt::audit::check_domain_spec(spec)) mxt::fuzz::invariant_failed("parsed domain-spec fails its check");
    auto out = mxt::audit::expand_macros(spec, context(), false);
    if (!out) mxt::fuzz::invariant_failed("a checked domain-spec does not expand");
    std::string t = mxt::audit::truncate_domain(*out);
    if (t.size() > 253) mxt::fuzz::invariant_failed("truncated domain longer than 253 octets");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A TXT record is at most 64 KB in practice far less; bound the work per input.
    if (size > 16 * 1024) return -1;
    std::string_view txt(reinterpret_cast<const char*>(data), size);
    (void)mxt::audit::is_spf_record(txt);
    auto rec = mxt::audit::parse_spf_record(txt);
    if (rec) {
        for (const auto& t : rec->mechanisms) {
            if (t.offset >= txt.size() || txt.substr(t.offset, t.text.size()) != t.text)
                mxt::fuzz::invariant_failed("term text is not the record's bytes at its offset");
            if (t.cidr4 < 0 || t.cidr4 > 32 || t.cidr6 < 0 || t.cidr6 > 128)
                mxt::fuzz::invariant_failed("prefix length out of range");
            (void)mxt::audit::to_string(t.mechanism);
            (void)t.queries_dns();
            expand_domain_spec(t.domain_spec);
        }
        if (rec->redirect) expand_domain_spec(*rec->redirect);
        if (rec->exp) expand_domain_spec(*rec->exp);
    } else if (rec.error().offset > txt.size()) {
        mxt::fuzz::invariant_failed("syntax error offset past the end");
    }
    // The same bytes as an explanation string (the TXT record exp= points to, RFC 7208 6.2).
    if (mxt::audit::check_macro_string(txt, true)) {
        if (!mxt::audit::expand_macros(txt, context(), true))
            mxt::fuzz::invariant_failed("a checked explanation string does not expand");
    }
    return 0;
}
