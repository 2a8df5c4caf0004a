// End-to-end tests of every `mxtriage audit` command: the built binary against a real DNS server
// (unbound on loopback) serving test zones for SPF, DMARC and blocklists; report files from the
// DMARC report fixtures. The blocklist zones imitate the real lists' answers; no real list is
// ever queried.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "dns_server.hpp"
#include "run_binary.hpp"

namespace mxt::audit {
namespace {

using testing::run_mxtriage;

class AuditCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        testing::ZoneData z;
        auto txt = [&](const std::string& name, const std::string& text) {
            z.records.push_back(name + " 300 IN TXT " + testing::txt_rdata({text}));
        };
        auto a = [&](const std::string& name, const std::string& ip) { z.records.push_back(name + " 300 IN A " + ip); };
        // SPF
        txt("example.test", "v=spf1 include:_spf.esp.test ip4:192.0.2.0/28 -all");
        txt("_spf.esp.test", "v=spf1 ip4:198.51.100.0/24 a:mail.esp.test ~all");
        a("mail.esp.test", "203.0.113.77");
        txt("toomany.test", "v=spf1 include:inc1.toomany.test include:inc2.toomany.test -all");
        txt("inc1.toomany.test", "v=spf1 a:h1.toomany.test a:h2.toomany.test a:h3.toomany.test a:h4.toomany.test -all");
        txt("inc2.toomany.test", "v=spf1 a:h5.toomany.test a:h6.toomany.test a:h7.toomany.test a:h8.toomany.test a:h9.toomany.test -all");
        for (int i = 1; i <= 9; ++i) a("h" + std::to_string(i) + ".toomany.test", "203.0.113." + std::to_string(i));
        txt("voids.test", "v=spf1 a:nx1.voids.test a:nx2.voids.test a:nx3.voids.test -all");
        txt("loop.test", "v=spf1 include:loop2.test -all");
        txt("loop2.test", "v=spf1 include:loop.test -all");
        txt("syntax.test", "v=spf1 ip4:192.0.2.300 -all");
        txt("usesslow.test", "v=spf1 include:slow.test -all");
        z.timeout.push_back("slow.test");
        z.refused.push_back("refused.test");
        // DMARC
        a("yourcompany.com", "192.0.2.1");
        a("news.yourcompany.com", "192.0.2.2");
        txt("_dmarc.yourcompany.com",
            "v=DMARC1; p=reject; rua=mailto:dmarc@yourcompany.com,mailto:agg@reports.example; ruf=mailto:f@other.example");
        txt("yourcompany.com._report._dmarc.reports.example", "v=DMARC1");
        a("badtags.example", "192.0.2.3");
        txt("_dmarc.badtags.example", "v=DMARC1; p=rejectt; pct=150; foo=bar");
        a("shop.example", "192.0.2.4");
        txt("_dmarc.shop.example", "v=DMARC1; p=quarantine; sp=none; psd=n");
        // RFC 9989 public suffix domain: a psd=y record at the top, no record below it
        txt("_dmarc.psdtld", "v=DMARC1; p=reject; sp=quarantine; psd=y");
        a("mail.brand.psdtld", "192.0.2.5");
        // blocklists
        for (auto code : {"127.0.0.2", "127.0.0.4", "127.0.0.10"}) a("2.0.0.127.zen.spamhaus.org", code);
        a("10.2.0.192.zen.spamhaus.org", "127.255.255.254");
        a("10.2.0.192.b.barracudacentral.org", "127.0.0.2");
        a("10.2.0.192.bl.spamcop.net", "10.0.0.1");
        a("dbltest.com.dbl.spamhaus.org", "127.0.1.2");
        a("dbltest.com.multi.uribl.com", "127.0.0.1");
        a("dbltest.com.multi.surbl.org", "127.0.0.80");
        z.timeout.push_back("psbl.surriel.com");
        auto s = testing::DnsServer::start(z);
        if (!s) {
            start_error_ = s.error();
            return;
        }
        server_ = std::make_unique<testing::DnsServer>(std::move(*s));
    }
    static void TearDownTestSuite() { server_.reset(); }
    void SetUp() override { ASSERT_TRUE(server_) << start_error_; }

    static testing::RunResult audit(std::vector<std::string> args) {
        std::vector<std::string> all{"audit"};
        all.insert(all.end(), args.begin(), args.end());
        if (args[0] != "reports") {
            all.insert(all.end(), {"--dns", server_->address(), "--timeout", "800", "--retries", "0"});
        }
        return run_mxtriage(all);
    }
    static std::string psl() { return std::string(MXT_TEST_DATA) + "/testsuites/psl/public_suffix_list.dat"; }

    static inline std::unique_ptr<testing::DnsServer> server_;
    static inline std::string start_error_;
    simdjson::dom::parser parser_;
};

TEST_F(AuditCli, SpfPassThroughInclude) {
    auto r = audit({"spf", "example.test", "--ip", "198.51.100.9", "--json"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    EXPECT_EQ(std::string_view(doc["result"]), "pass");
    EXPECT_EQ(int64_t(doc["dns_lookups"]), 1);
    EXPECT_EQ(std::string_view(doc["decided_by"]), "example.test: include:_spf.esp.test > _spf.esp.test: ip4:198.51.100.0/24");
    EXPECT_EQ(std::string_view(doc["tree"]["children"].at(0)["via"]), "include:_spf.esp.test");
}

TEST_F(AuditCli, SpfFailNamesTheDefault) {
    auto r = audit({"spf", "example.test", "--ip", "203.0.113.200"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("SPF of example.test for 203.0.113.200: fail"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("decided by example.test: -all"), std::string::npos) << r.out;
}

TEST_F(AuditCli, SpfLookupLimitCountedPerBranch) {
    auto r = audit({"spf", "toomany.test", "--ip", "192.0.2.99", "--json"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    EXPECT_EQ(std::string_view(doc["result"]), "permerror");
    EXPECT_EQ(int64_t(doc["dns_lookups"]), 11);
    auto kids = doc["tree"]["children"].get_array();
    EXPECT_EQ(int64_t(kids.at(0)["dns_lookups"]), 4);
    EXPECT_NE(std::string_view(doc["decided_by"]).find("more than 10"), std::string_view::npos);
}

TEST_F(AuditCli, SpfVoidLookupsAndLoopAndSyntax) {
    auto v = audit({"spf", "voids.test", "--ip", "192.0.2.99", "--json"});
    auto doc = parser_.parse(v.out);
    ASSERT_FALSE(doc.error()) << v.out;
    EXPECT_EQ(std::string_view(doc["result"]), "permerror");
    EXPECT_EQ(int64_t(doc["void_lookups"]), 3);
    auto l = audit({"spf", "loop.test", "--ip", "192.0.2.99"});
    EXPECT_EQ(l.status, 1);
    EXPECT_NE(l.out.find("loop: loop.test -> loop2.test -> loop.test"), std::string::npos) << l.out;
    auto s = audit({"spf", "syntax.test"});
    EXPECT_EQ(s.status, 1);
    EXPECT_NE(s.out.find("syntax error"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("ip4:192.0.2.300"), std::string::npos) << s.out;
}

TEST_F(AuditCli, SpfDnsFailureIsNotNoRecord) {
    auto t = audit({"spf", "usesslow.test", "--ip", "192.0.2.99"});
    EXPECT_EQ(t.status, 2) << t.out;
    EXPECT_NE(t.out.find("temperror"), std::string::npos);
    EXPECT_NE(t.out.find("timeout"), std::string::npos) << t.out;
    EXPECT_EQ(t.out.find("no SPF record"), std::string::npos) << t.out;
    EXPECT_EQ(t.err.rfind("mxtriage: ", 0), 0u) << t.err;
    auto f = audit({"spf", "refused.test", "--ip", "192.0.2.99"});
    EXPECT_EQ(f.status, 2);
    EXPECT_NE(f.out.find("REFUSED"), std::string::npos) << f.out;
}

TEST_F(AuditCli, DmarcPolicyAndReportAuthorisation) {
    auto r = audit({"dmarc", "news.yourcompany.com", "--psl", psl(), "--json"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;  // ruf to other.example is not authorised
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    EXPECT_EQ(std::string_view(doc["rfc7489"]["org_domain"]), "yourcompany.com");
    EXPECT_EQ(std::string_view(doc["rfc7489"]["policy_domain"]), "yourcompany.com");
    EXPECT_EQ(std::string_view(doc["rfc7489"]["policy"]), "reject");
    EXPECT_EQ(std::string_view(doc["rfc9989"]["policy_domain"]), "yourcompany.com");
    EXPECT_EQ(std::string_view(doc["rfc9989"]["policy"]), "reject");
    bool auth_ok = false, unauth = false;
    for (auto rep : doc["rfc7489"]["reports"].get_array()) {
        std::string_view dom = rep["domain"];
        if (dom == "reports.example") auth_ok = bool(rep["authorised"]);
        if (dom == "other.example") unauth = !bool(rep["authorised"]);
    }
    EXPECT_TRUE(auth_ok);
    EXPECT_TRUE(unauth);
    EXPECT_NE(r.out.find("other.example does not authorise"), std::string::npos) << r.out;
}

TEST_F(AuditCli, DmarcTagValidationAndSubdomainPolicy) {
    auto r = audit({"dmarc", "badtags.example", "--psl", psl()});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("p=rejectt"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pct=150"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("'pct' is not defined by RFC 9989"), std::string::npos) << r.out;
    auto s = audit({"dmarc", "a.b.shop.example", "--psl", psl(), "--json"});
    auto doc = parser_.parse(s.out);
    ASSERT_FALSE(doc.error()) << s.out;
    EXPECT_EQ(std::string_view(doc["rfc7489"]["policy"]), "none");  // sp=none for subdomains
    EXPECT_EQ(std::string_view(doc["rfc9989"]["org_domain"]), "shop.example");
    EXPECT_EQ(doc["rfc9989"]["queried"].get_array().size(), 4u);  // a.b.shop.example up to example
    // Tree walk finds the PSD's record, whose org domain is the label below it; the PSL finds none.
    auto p = audit({"dmarc", "mail.brand.psdtld", "--psl", psl(), "--json"});
    auto pdoc = parser_.parse(p.out);
    ASSERT_FALSE(pdoc.error()) << p.out;
    EXPECT_EQ(std::string_view(pdoc["rfc9989"]["policy_domain"]), "psdtld");
    EXPECT_EQ(std::string_view(pdoc["rfc9989"]["org_domain"]), "brand.psdtld");
    EXPECT_EQ(std::string_view(pdoc["rfc9989"]["policy"]), "quarantine");
    EXPECT_TRUE(pdoc["rfc7489"]["record"].is_null());
    EXPECT_NE(p.out.find("disagree"), std::string::npos) << p.out;
    auto none = audit({"dmarc", "nodmarc.test", "--psl", psl()});
    EXPECT_EQ(none.status, 1);
    EXPECT_NE(none.out.find("no DMARC record"), std::string::npos);
    auto slow = audit({"dmarc", "slow.test", "--psl", psl()});
    EXPECT_EQ(slow.status, 2);
    EXPECT_EQ(slow.out.find("no DMARC record"), std::string::npos) << slow.out;
}

TEST_F(AuditCli, MessageGuideTranscriptRootCause) {
    auto r = audit({"message", std::string(MXT_TEST_DATA) + "/audit/seed-550-transcript.txt", "--psl", psl(), "--json"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    EXPECT_EQ(std::string_view(doc["header_from"]), "yourcompany.com");
    EXPECT_EQ(std::string_view(doc["spf"]["domain"]), "esp-provider.net");
    EXPECT_EQ(std::string_view(doc["spf"]["result"]), "pass");
    EXPECT_FALSE(bool(doc["spf"]["aligned"]));
    EXPECT_EQ(std::string_view(doc["dkim"].at(0)["d"]), "esp-provider.net");
    EXPECT_EQ(std::string_view(doc["dkim"].at(0)["result"]), "pass");
    EXPECT_FALSE(bool(doc["dkim"].at(0)["aligned"]));
    EXPECT_EQ(std::string_view(doc["dmarc"]["result"]), "fail");
    EXPECT_EQ(std::string_view(doc["dmarc"]["policy"]), "reject");
    std::string_view verdict = doc["verdict"], fix = doc["fix"];
    EXPECT_NE(verdict.find("DKIM passes for esp-provider.net, not for your From: domain yourcompany.com"),
              std::string_view::npos) << verdict;
    EXPECT_NE(verdict.find("DMARC alignment fails"), std::string_view::npos) << verdict;
    EXPECT_NE(fix.find("set up a DKIM key for your own domain at the ESP"), std::string_view::npos) << fix;
    EXPECT_NE(fix.find("d=yourcompany.com"), std::string_view::npos) << fix;
    EXPECT_NE(std::string_view(doc["reply"]).find("550-5.7.26"), std::string_view::npos);
}

TEST_F(AuditCli, MessageAlignedAndBounce) {
    auto ok = audit({"message", std::string(MXT_TEST_DATA) + "/audit/aligned-message.eml", "--psl", psl()});
    EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
    EXPECT_NE(ok.out.find("DMARC passes"), std::string::npos) << ok.out;
    auto b = audit({"message", std::string(MXT_TEST_DATA) + "/audit/bounce-no-dkim.eml", "--psl", psl(), "--json"});
    EXPECT_EQ(b.status, 1);
    auto doc = parser_.parse(b.out);
    ASSERT_FALSE(doc.error()) << b.out;
    EXPECT_EQ(std::string_view(doc["header_from"]), "shop.example");  // the original, not the bounce's From
    EXPECT_EQ(std::string_view(doc["spf"]["result"]), "fail");
    EXPECT_EQ(std::string_view(doc["dmarc"]["policy"]), "quarantine");
    EXPECT_NE(std::string_view(doc["verdict"]).find("no DKIM signature"), std::string_view::npos);
    auto missing = audit({"message", "/nonexistent/file.eml"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_EQ(missing.err.rfind("mxtriage: ", 0), 0u);
}

TEST_F(AuditCli, MessageBase64Original) {
    // The returned original is a base64 message/rfc822 part: its From:, DKIM d= and
    // Authentication-Results give the 5.7.26 root cause (DKIM for the ESP's domain only).
    auto r = audit({"message", std::string(MXT_TEST_DATA) + "/audit/bounce-base64-original.eml", "--psl", psl(), "--json"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    EXPECT_EQ(std::string_view(doc["header_from"]), "yourcompany.com");
    EXPECT_EQ(std::string_view(doc["dkim"].at(0)["d"]), "esp-provider.net");
    EXPECT_NE(std::string_view(doc["fix"]).find("d=yourcompany.com"), std::string_view::npos) << r.out;
}

TEST_F(AuditCli, DnsblIpListedRefusedHijackedAndTimeout) {
    auto r = audit({"dnsbl", "192.0.2.10", "--json"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    EXPECT_EQ(std::string_view(doc["subject"]), "192.0.2.10");
    int seen = 0;
    for (auto res : doc["results"].get_array()) {
        std::string_view zone = res["zone"];
        if (zone == "zen.spamhaus.org") {
            ++seen;
            EXPECT_FALSE(bool(res["listed"]));
            EXPECT_TRUE(bool(res["refused"]));
        } else if (zone == "b.barracudacentral.org") {
            ++seen;
            EXPECT_TRUE(bool(res["listed"]));
            EXPECT_EQ(std::string_view(res["delist_url"]), "https://www.barracudacentral.org/rbl/removal-request");
        } else if (zone == "bl.spamcop.net") {
            ++seen;
            EXPECT_FALSE(bool(res["listed"]));
            EXPECT_NE(std::string_view(res["meaning"]).find("outside 127.0.0.0/8"), std::string_view::npos);
        } else if (zone == "psbl.surriel.com") {
            ++seen;
            EXPECT_FALSE(bool(res["listed"]));
            EXPECT_FALSE(bool(res["checked"]));
        } else if (zone == "dbl.spamhaus.org") {
            ADD_FAILURE() << "an IP was sent to a domain list";
        }
    }
    EXPECT_EQ(seen, 4);
    EXPECT_NE(r.err.find("refused the query"), std::string::npos) << r.err;
}

TEST_F(AuditCli, DnsblCodesPerList) {
    auto r = audit({"dnsbl", "127.0.0.2"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("SBL"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("XBL"), std::string::npos);
    EXPECT_NE(r.out.find("PBL"), std::string::npos);
    EXPECT_NE(r.out.find("https://check.spamhaus.org/"), std::string::npos);
    auto d = audit({"dnsbl", "dbltest.com", "--json"});
    auto doc = parser_.parse(d.out);
    ASSERT_FALSE(doc.error()) << d.out;
    for (auto res : doc["results"].get_array()) {
        std::string_view zone = res["zone"];
        if (zone == "multi.uribl.com") {
            EXPECT_TRUE(bool(res["refused"]));
            EXPECT_FALSE(bool(res["listed"]));
        }
        if (zone == "multi.surbl.org") {
            EXPECT_TRUE(bool(res["listed"]));
            std::string_view m = res["meaning"];
            EXPECT_NE(m.find("MW"), std::string_view::npos) << m;
            EXPECT_NE(m.find("ABUSE"), std::string_view::npos) << m;
        }
        if (zone == "dbl.spamhaus.org") {
            EXPECT_TRUE(bool(res["listed"]));
        }
        if (zone == "zen.spamhaus.org") {
            ADD_FAILURE() << "a domain was sent to an IP list";
        }
    }
    auto clean = audit({"dnsbl", "example.org"});
    EXPECT_EQ(clean.status, 0) << clean.out << clean.err;
}

TEST_F(AuditCli, ReportsFromXmlGzipZipAndMail) {
    std::string base = std::string(MXT_TEST_DATA) + "/testsuites/dmarc-reports/";
    auto r = audit({"reports", base + "mail-dmarc/test_dmarc.xml", base + "mail-dmarc/test_dmarc.xml.gz",
                    base + "mail-dmarc/test_dmarc.xml.zip", "--json"});
    EXPECT_NE(r.status, 2) << r.out << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    EXPECT_EQ(uint64_t(doc["reports"]), 3u);
    EXPECT_GT(doc["sources"].get_array().size(), 0u);
    // A report mailed as an attachment, and a file that is no report: the run goes on.
    auto m = audit({"reports", base + "parsedmarc/aggregate/twilight.eml", base + "parsedmarc/empty.xml"});
    EXPECT_EQ(m.status, 2) << m.out << m.err;
    EXPECT_NE(m.out.find("1 report(s)"), std::string::npos) << m.out;
    EXPECT_NE(m.err.find("empty.xml: empty file"), std::string::npos) << m.err;
}

TEST_F(AuditCli, ReportsRefuseEntityExpansion) {
    std::string path = "/tmp/mxt-laughs-" + std::to_string(getpid()) + ".xml";
    {
        std::ofstream f(path);
        f << "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY a \"aaaaaaaaaa\">"
             "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
             "<feedback><report_metadata><org_name>&c;</org_name></report_metadata></feedback>\n";
    }
    auto r = audit({"reports", path});
    std::remove(path.c_str());
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("entit"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mxt::audit
