// SPF building blocks without DNS: the macro examples of RFC 7208 7.4, and record syntax errors
// reported with their byte offset (RFC 7208 4.6, 12).
#include <gtest/gtest.h>

#include "audit/spf_macro.hpp"
#include "audit/spf_record.hpp"

namespace mxt::audit {
namespace {

MacroContext rfc_context(const char* ip) {
    MacroContext c;
    c.sender = "strong-bad@email.example.com";
    c.local_part = "strong-bad";
    c.sender_domain = "email.example.com";
    c.domain = "email.example.com";
    c.helo = "mx.example.org";
    c.ip = *IpAddress::parse(ip);
    return c;
}

TEST(SpfMacro, Rfc7208Section7_4Examples) {
    auto c = rfc_context("192.0.2.3");
    const std::pair<const char*, const char*> cases[] = {
        {"%{s}", "strong-bad@email.example.com"},
        {"%{o}", "email.example.com"},
        {"%{d}", "email.example.com"},
        {"%{d4}", "email.example.com"},
        {"%{d3}", "email.example.com"},
        {"%{d2}", "example.com"},
        {"%{d1}", "com"},
        {"%{dr}", "com.example.email"},
        {"%{d2r}", "example.email"},
        {"%{l}", "strong-bad"},
        {"%{l-}", "strong.bad"},
        {"%{lr}", "strong-bad"},
        {"%{lr-}", "bad.strong"},
        {"%{l1r-}", "strong"},
        {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
        {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
        {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
        {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
        {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
    };
    for (auto [in, want] : cases) {
        auto got = expand_macros(in, c, false);
        ASSERT_TRUE(got.has_value()) << in << ": " << got.error();
        EXPECT_EQ(*got, want) << in;
    }
    auto v6 = rfc_context("2001:db8::cb01");
    EXPECT_EQ(expand_macros("%{ir}.%{v}._spf.%{d2}", v6, false).value(),
              "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(SpfMacro, SyntaxErrorsAndExplanationOnlyLetters) {
    auto c = rfc_context("192.0.2.3");
    EXPECT_FALSE(expand_macros("%{x}", c, false).has_value());
    EXPECT_FALSE(expand_macros("%{d0}", c, false).has_value());  // transformer zero
    EXPECT_FALSE(expand_macros("100%", c, false).has_value());
    EXPECT_FALSE(expand_macros("%{c}", c, false).has_value());   // c, r, t: exp only
    EXPECT_EQ(expand_macros("%{c} %%%_%-", c, true).value(), "192.0.2.3 % %20");
    EXPECT_EQ(expand_macros("%{L}", c, true).value(), "strong-bad");
    c.local_part = "jack&jill";
    EXPECT_EQ(expand_macros("%{L}", c, true).value(), "jack%26jill");  // upper case: URL-escaped
}

TEST(SpfRecord, TermsAndErrorsWithOffsets) {
    auto r = parse_spf_record("v=spf1 ip4:192.0.2.0/24 a:mail.example.com/28//64 ~mx include:_spf.example.net "
                              "redirect=_spf.example.org exp=why.example.org foo=bar");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_EQ(r->mechanisms.size(), 4u);
    EXPECT_EQ(r->mechanisms[0].cidr4, 24);
    EXPECT_EQ(r->mechanisms[1].domain_spec, "mail.example.com");
    EXPECT_EQ(r->mechanisms[1].cidr4, 28);
    EXPECT_EQ(r->mechanisms[1].cidr6, 64);
    EXPECT_EQ(r->mechanisms[2].qualifier, '~');
    EXPECT_EQ(r->redirect.value(), "_spf.example.org");
    EXPECT_EQ(r->unknown_modifiers.size(), 1u);

    auto bad = parse_spf_record("v=spf1 -all ip4:192.0.2.300");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().offset, 12u);
    EXPECT_FALSE(parse_spf_record("v=spf1 a:example.123").has_value());         // numeric top label
    EXPECT_FALSE(parse_spf_record("v=spf1 redirect=a.example redirect=b.example").has_value());
    EXPECT_FALSE(parse_spf_record("v=spf1 all:foo").has_value());
    EXPECT_FALSE(parse_spf_record("v=spf1 a/33").has_value());
    EXPECT_FALSE(parse_spf_record("v=spf1 ip4:192.0.2.0/024").has_value());    // leading zero
    EXPECT_FALSE(parse_spf_record("v=spf1 include").has_value());
    EXPECT_FALSE(parse_spf_record("v=spf1 ?bogus:x.example").has_value());
    EXPECT_FALSE(is_spf_record("v=spf10 -all"));
    EXPECT_TRUE(is_spf_record("V=SPF1"));
}

}  // namespace
}  // namespace mxt::audit
