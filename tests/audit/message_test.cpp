// audit message on bounces whose returned original is base64- or quoted-printable-encoded (a
// message/rfc822 part encoded against RFC 2046 5.2.1, a text/rfc822-headers part encoded by
// right): the original's From:, DKIM-Signature and Authentication-Results must be read, not the
// bounce's own header. No DNS (the DMARC policy comes from Authentication-Results).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "audit/message.hpp"
#include "audit/psl.hpp"

namespace mxt::audit {
namespace {

std::string slurp(const std::string& name) {
    std::ifstream in(std::string(MXT_TEST_DATA) + "/audit/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string field(const MessageInput& in, std::string_view name) {
    for (auto& h : in.headers)
        if (h.name == name) return h.value;
    return {};
}

PublicSuffixList psl() {
    auto p = PublicSuffixList::load(std::string(MXT_TEST_DATA) + "/testsuites/psl/public_suffix_list.dat");
    EXPECT_TRUE(p) << p.error();
    return *p;
}

TEST(AuditMessage, Base64MessageRfc822OriginalIsRead) {
    auto in = read_message(slurp("bounce-base64-original.eml"));
    EXPECT_TRUE(in.problems.empty());
    EXPECT_EQ(field(in, "From"), "Your Company <news@yourcompany.com>");
    EXPECT_NE(field(in, "DKIM-Signature").find("d=esp-provider.net"), std::string::npos);
    EXPECT_NE(field(in, "Authentication-Results").find("dmarc=fail"), std::string::npos);
    // Decoded fields carry the line of the first encoded line of their part.
    std::string text = slurp("bounce-base64-original.eml");
    auto cte = text.find("Content-Transfer-Encoding: base64");
    auto body = text.find("\n\n", cte) + 2;
    auto line = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(body), '\n')) + 1;
    for (auto& h : in.headers) EXPECT_EQ(h.line, line) << h.name;

    auto m = audit_message(in, psl(), nullptr);
    EXPECT_EQ(m.header_from, "yourcompany.com");
    EXPECT_EQ(m.return_path, "mail.esp-provider.net");
    ASSERT_EQ(m.dkim.size(), 1u);
    EXPECT_EQ(m.dkim[0].d, "esp-provider.net");
    EXPECT_EQ(m.dkim[0].result, "pass");
    EXPECT_FALSE(m.dkim[0].aligned);
    EXPECT_TRUE(m.findings);
    EXPECT_NE(m.verdict.find("esp-provider.net"), std::string::npos) << m.verdict;
    EXPECT_NE(m.fix.find("d=yourcompany.com"), std::string::npos) << m.fix;
}

TEST(AuditMessage, Base64RfcHeadersPartIsRead) {
    auto in = read_message(slurp("bounce-base64-headers.eml"));
    EXPECT_EQ(field(in, "From"), "Your Company <news@yourcompany.com>");
    auto m = audit_message(in, psl(), nullptr);
    EXPECT_EQ(m.header_from, "yourcompany.com");  // not the bounce's mx.example.net
    ASSERT_EQ(m.dkim.size(), 1u);
    EXPECT_EQ(m.dkim[0].d, "esp-provider.net");
}

TEST(AuditMessage, QuotedPrintableOriginalAndUndecodable) {
    std::string qp =
        "From: MAILER-DAEMON@mx.example.net\nContent-Type: multipart/report; boundary=\"q\"\n\n--q\n"
        "Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\n"
        "From: Shop <orders@shop=2Eexample>\nDKIM-Signature: v=3D1; d=3Dshop.example; s=3Dk1; b=3Dx=\n"
        "yz\nAuthentication-Results: mx.example.net; dkim=3Dpass header.d=3Dshop.example\n\nbody\n--q--\n";
    auto in = read_message(qp);
    EXPECT_EQ(field(in, "From"), "Shop <orders@shop.example>");
    EXPECT_NE(field(in, "DKIM-Signature").find("b=xyz"), std::string::npos);  // soft line break joined
    auto m = audit_message(in, psl(), nullptr);
    EXPECT_EQ(m.header_from, "shop.example");
    ASSERT_EQ(m.dkim.size(), 1u);
    EXPECT_TRUE(m.dkim[0].aligned);

    // A plain (7bit) original is read as before; a part that is not an original is left alone.
    std::string plain =
        "From: MAILER-DAEMON@mx.example.net\nContent-Type: multipart/report; boundary=\"q\"\n\n--q\n"
        "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nRnJvbTogZXZpbEBleGFtcGxlLmNvbQ==\n--q\n"
        "Content-Type: message/rfc822\n\nFrom: a@b.example\nReturn-Path: <x@b.example>\n\n--q--\n";
    auto p = read_message(plain);
    EXPECT_EQ(field(p, "From"), "a@b.example");
}

}  // namespace
}  // namespace mxt::audit
