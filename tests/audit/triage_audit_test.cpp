// `triage --audit` end to end: the built binary triages a Postfix log whose rejections name a
// listed sending IP and a sender domain whose SPF record needs 11 lookups, against a real DNS
// server (unbound on loopback) serving those zones; the verdicts' evidence must name the root
// causes, in JSON, text and HTML. Also the batch checks of src/audit/triage_checks.* directly:
// sending IPs read from replies, several workers, DNS failures as "could not check".
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "audit/triage_checks.hpp"
#include "dns_server.hpp"
#include "run_binary.hpp"

namespace mxt::audit {
namespace {

using testing::run_mxtriage;

constexpr const char* kListedIp = "203.0.113.25";

// A Postfix log: `n` messages from `sender`, to Gmail recipients (every other one rejected for
// SPF with Gmail's wording, naming the sending IP) and to Yahoo recipients (every other one
// refused because the IP is on Spamhaus's list).
std::string make_log(const std::string& sender, int n) {
    std::string out;
    char buf[1200];
    for (int i = 0; i < n; ++i) {
        char qid[16];
        std::snprintf(qid, sizeof qid, "5B%08X", i + 1);
        int sec = i % 60, min = i / 60;
        std::snprintf(buf, sizeof buf,
                      "2026-03-04T09:%02d:%02d+0000 mx1 postfix/qmgr[811]: %s: from=<bounces@%s>, size=18001, "
                      "nrcpt=2 (queue active)\n",
                      min, sec, qid, sender.c_str());
        out += buf;
        bool reject = i % 2 == 0;
        if (reject)
            std::snprintf(buf, sizeof buf,
                          "2026-03-04T09:%02d:%02d+0000 mx1 postfix/smtp[2%04d]: %s: to=<user%d@gmail.com>, "
                          "relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=1.2, delays=0.05/0.01/0.6/0.54, "
                          "dsn=5.7.27, status=bounced (host gmail-smtp-in.l.google.com[142.250.102.27] said: "
                          "550-5.7.27 This mail has been blocked because the sender is unauthenticated. 550-5.7.27 "
                          "Gmail requires all senders to authenticate with either SPF or DKIM. 550-5.7.27 "
                          "Authentication results: 550-5.7.27 DKIM = did not pass 550-5.7.27 SPF [%s] with ip: [%s] "
                          "= did not pass 550 5.7.27 For instructions on setting up authentication, go to "
                          "https://support.google.com/mail/answer/81126#authentication - gsmtp (in reply to end of "
                          "DATA command))\n",
                          min, sec, i, qid, i, sender.c_str(), kListedIp);
        else
            std::snprintf(buf, sizeof buf,
                          "2026-03-04T09:%02d:%02d+0000 mx1 postfix/smtp[2%04d]: %s: to=<user%d@gmail.com>, "
                          "relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=1.2, delays=0.05/0.01/0.6/0.54, "
                          "dsn=2.0.0, status=sent (250 2.0.0 OK 1772528042 - gsmtp)\n",
                          min, sec, i, qid, i);
        out += buf;
        if (reject)
            std::snprintf(buf, sizeof buf,
                          "2026-03-04T09:%02d:%02d+0000 mx1 postfix/smtp[3%04d]: %s: to=<user%d@yahoo.com>, "
                          "relay=mta6.am0.yahoodns.net[67.195.204.72]:25, delay=0.9, delays=0.02/0/0.5/0.38, "
                          "dsn=5.7.1, status=bounced (host mta6.am0.yahoodns.net[67.195.204.72] said: 553 5.7.1 "
                          "[BL21] Connections will not be accepted from %s, because the ip is in Spamhaus's list; "
                          "see http://postmaster.yahoo.com/550-bl23.html (in reply to MAIL FROM command))\n",
                          min, sec, i, qid, i, kListedIp);
        else
            std::snprintf(buf, sizeof buf,
                          "2026-03-04T09:%02d:%02d+0000 mx1 postfix/smtp[3%04d]: %s: to=<user%d@yahoo.com>, "
                          "relay=mta6.am0.yahoodns.net[67.195.204.72]:25, delay=0.9, delays=0.02/0/0.5/0.38, "
                          "dsn=2.0.0, status=sent (250 ok dirdel)\n",
                          min, sec, i, qid, i);
        out += buf;
    }
    return out;
}

class TriageAudit : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        testing::ZoneData z;
        auto txt = [&](const std::string& name, const std::string& text) {
            z.records.push_back(name + " 300 IN TXT " + testing::txt_rdata({text}));
        };
        auto a = [&](const std::string& name, const std::string& ip) { z.records.push_back(name + " 300 IN A " + ip); };
        // 2 includes + 4 + 5 a: terms = 11 DNS-querying terms (RFC 7208 4.6.4 allows 10).
        txt("toomany.test", "v=spf1 include:inc1.toomany.test include:inc2.toomany.test -all");
        txt("inc1.toomany.test", "v=spf1 a:h1.toomany.test a:h2.toomany.test a:h3.toomany.test a:h4.toomany.test -all");
        txt("inc2.toomany.test",
            "v=spf1 a:h5.toomany.test a:h6.toomany.test a:h7.toomany.test a:h8.toomany.test a:h9.toomany.test -all");
        for (int i = 1; i <= 9; ++i) a("h" + std::to_string(i) + ".toomany.test", "198.51.100." + std::to_string(i));
        txt("_dmarc.toomany.test", "v=DMARC1; p=reject");
        // A valid record that does not list the sending IP, and no DMARC record.
        txt("narrow.test", "v=spf1 ip4:198.51.100.0/24 -all");
        // Spamhaus ZEN lists the sending IP (127.0.0.2: SBL); every other list answers NXDOMAIN.
        a("25.113.0.203.zen.spamhaus.org", "127.0.0.2");
        // The ESP's bounce domain and the From: domain of the returned messages (mbox test).
        txt("mail.esp-provider.net", "v=spf1 ip4:198.51.100.0/24 -all");
        txt("_dmarc.yourcompany.com", "v=DMARC1; p=reject");
        // A sender domain whose name server never answers.
        z.timeout.push_back("slow.test");
        auto s = testing::DnsServer::start(z);
        if (!s) {
            start_error_ = s.error();
            return;
        }
        server_ = std::make_unique<testing::DnsServer>(std::move(*s));
    }
    static void TearDownTestSuite() { server_.reset(); }
    void SetUp() override { ASSERT_TRUE(server_) << start_error_; }

    // Writes the log to a file unique to this process and test.
    std::string write_log(const std::string& sender, const std::string& tag) {
        auto path = std::filesystem::temp_directory_path() /
                    ("mxt-triage-audit-" + std::to_string(getpid()) + "-" + tag + ".log");
        std::ofstream(path) << make_log(sender, 60);
        files_.push_back(path.string());
        return path.string();
    }
    void TearDown() override {
        for (auto& f : files_) std::filesystem::remove(f);
    }

    static testing::RunResult triage(const std::string& log, std::vector<std::string> extra) {
        std::vector<std::string> args{"triage", "--format", "postfix", "--no-history", "--audit",
                                      "--dns", server_->address(), "--timeout", "300", "--retries", "0",
                                      "--psl", std::string(MXT_TEST_DATA) + "/testsuites/psl/public_suffix_list.dat"};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(log);
        return run_mxtriage(args);
    }

    static CheckContext context(const std::vector<DnsblList>* lists, const PublicSuffixList* psl, int workers) {
        return {.resolver = {.server = server_->address(), .timeout_ms = 300, .tries = 1},
                .psl = psl,
                .lists = lists,
                .workers = workers};
    }

    static inline std::unique_ptr<testing::DnsServer> server_;
    static inline std::string start_error_;
    std::vector<std::string> files_;
    simdjson::dom::parser parser_;
};

// The audit findings of the verdict of `kind`, as (check, subject, status, summary, fix).
struct Found {
    std::string check, subject, status, result, summary, fix;
};
std::vector<Found> findings(simdjson::dom::element doc, std::string_view kind) {
    std::vector<Found> out;
    for (auto v : doc["verdicts"].get_array()) {
        if (std::string_view(v["kind"]) != kind) continue;
        for (auto f : v["evidence"]["audit"].get_array()) {
            auto str = [&](const char* k) {
                std::string_view s;
                return f[k].get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
            };
            out.push_back({str("check"), str("subject"), str("status"), str("result"), str("summary"), str("fix")});
        }
    }
    return out;
}

TEST_F(TriageAudit, EvidenceNamesListedIpAndSpfLookupLimit) {
    auto log = write_log("toomany.test", "limit");
    auto r = triage(log, {"--json"});
    ASSERT_EQ(r.status, 1) << r.err;  // stop/hold: authentication and blocklist verdicts
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;

    auto auth = findings(doc.value(), "authentication_failure");
    ASSERT_FALSE(auth.empty()) << r.out;
    // The root cause comes first: SPF of the sender domain needs 11 lookups -> permerror.
    EXPECT_EQ(auth[0].check, "spf");
    EXPECT_EQ(auth[0].subject, "toomany.test");
    EXPECT_EQ(auth[0].status, "problem");
    EXPECT_EQ(auth[0].result, "permerror");
    EXPECT_NE(auth[0].summary.find("needs 11 DNS lookups"), std::string::npos) << auth[0].summary;
    EXPECT_NE(auth[0].fix.find("at most 10"), std::string::npos) << auth[0].fix;
    // The From: domain is not in a log: DMARC of the envelope domain, p=reject, reported as context.
    bool dmarc = false;
    for (auto& f : auth)
        if (f.check == "dmarc") {
            dmarc = true;
            EXPECT_EQ(f.subject, "toomany.test");
            EXPECT_EQ(f.result, "p=reject");
            EXPECT_EQ(f.status, "ok");
        }
    EXPECT_TRUE(dmarc) << r.out;

    auto bl = findings(doc.value(), "blocklisted");
    ASSERT_FALSE(bl.empty()) << r.out;
    EXPECT_EQ(bl[0].check, "dnsbl");
    EXPECT_EQ(bl[0].subject, kListedIp);
    EXPECT_EQ(bl[0].status, "problem");
    EXPECT_EQ(bl[0].result, "listed");
    EXPECT_NE(bl[0].summary.find("Spamhaus ZEN"), std::string::npos) << bl[0].summary;
    EXPECT_NE(bl[0].fix.find("spamhaus.org"), std::string::npos) << bl[0].fix;  // the delisting page
    // The sender domain was checked on the domain lists too, and is clean there.
    bool domain_checked = false;
    for (auto& f : bl)
        if (f.subject == "toomany.test") {
            domain_checked = true;
            EXPECT_EQ(f.status, "ok") << f.summary;
        }
    EXPECT_TRUE(domain_checked) << r.out;
}

TEST_F(TriageAudit, ReturnedHeadersGiveFromDomainAndDkimAlignment) {
    // 30 bounces whose base64-encoded originals are From: yourcompany.com, DKIM-signed only for
    // esp-provider.net: the alignment finding names the root cause of the 5.7.26.
    std::ifstream in(std::string(MXT_TEST_DATA) + "/audit/bounce-base64-original.eml", std::ios::binary);
    std::string bounce((std::istreambuf_iterator<char>(in)), {});
    ASSERT_FALSE(bounce.empty());
    auto path = std::filesystem::temp_directory_path() / ("mxt-triage-audit-" + std::to_string(getpid()) + ".mbox");
    files_.push_back(path.string());
    {
        std::ofstream mbox(path);
        for (int i = 0; i < 30; ++i) {
            std::string b = bounce;
            b.replace(b.find("someone@example.net"), 19, "user" + std::to_string(i) + "@example.net");
            mbox << "From MAILER-DAEMON Tue Mar  3 09:" << (i < 10 ? "0" : "") << i << ":00 2026\n" << b << "\n";
        }
    }
    std::vector<std::string> args{"triage", "--format", "mbox", "--no-history", "--json", "--audit",
                                  "--dns", server_->address(), "--timeout", "300", "--retries", "0",
                                  "--psl", std::string(MXT_TEST_DATA) + "/testsuites/psl/public_suffix_list.dat",
                                  path.string()};
    auto r = run_mxtriage(args);
    ASSERT_EQ(r.status, 1) << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    auto auth = findings(doc.value(), "authentication_failure");
    ASSERT_FALSE(auth.empty()) << r.out;
    EXPECT_EQ(auth[0].check, "alignment");
    EXPECT_EQ(auth[0].subject, "yourcompany.com");
    EXPECT_EQ(auth[0].status, "problem");
    EXPECT_NE(auth[0].summary.find("d=esp-provider.net"), std::string::npos) << auth[0].summary;
    EXPECT_NE(auth[0].fix.find("d=yourcompany.com"), std::string::npos) << auth[0].fix;
    bool dmarc = false, spf = false;
    for (auto& f : auth) {
        if (f.check == "dmarc" && f.subject == "yourcompany.com") dmarc = f.result == "p=reject";
        if (f.check == "spf" && f.subject == "mail.esp-provider.net") spf = f.status == "ok";
    }
    EXPECT_TRUE(dmarc) << r.out;
    EXPECT_TRUE(spf) << r.out;  // the ESP's bounce domain has a valid record
}

TEST_F(TriageAudit, TextAndHtmlReportsCarryTheFindings) {
    auto log = write_log("toomany.test", "text");
    auto html = std::filesystem::temp_directory_path() / ("mxt-triage-audit-" + std::to_string(getpid()) + ".html");
    files_.push_back(html.string());
    auto r = triage(log, {"--html", html.string()});
    ASSERT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.out.find("audit spf [problem]: SPF of toomany.test needs 11 DNS lookups"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("audit dnsbl [problem]: 203.0.113.25 is listed on Spamhaus ZEN"), std::string::npos) << r.out;
    std::ifstream in(html);
    std::string h((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(h.find("SPF of toomany.test needs 11 DNS lookups"), std::string::npos);
    EXPECT_NE(h.find("203.0.113.25 is listed on Spamhaus ZEN"), std::string::npos);
}

TEST_F(TriageAudit, UnauthorisedIpAndMissingDmarc) {
    auto log = write_log("narrow.test", "narrow");
    auto r = triage(log, {"--json"});
    ASSERT_EQ(r.status, 1) << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    auto auth = findings(doc.value(), "authentication_failure");
    bool ip_finding = false, dmarc_none = false, record_ok = false;
    for (auto& f : auth) {
        if (f.check == "spf" && f.subject == "narrow.test 203.0.113.25") {
            ip_finding = true;
            EXPECT_EQ(f.status, "problem");
            EXPECT_EQ(f.result, "fail");
            EXPECT_NE(f.summary.find("not authorised"), std::string::npos) << f.summary;
        }
        if (f.check == "spf" && f.subject == "narrow.test") record_ok = f.status == "ok";
        if (f.check == "dmarc") dmarc_none = f.status == "problem" && f.result == "none";
    }
    EXPECT_TRUE(ip_finding) << r.out;
    EXPECT_TRUE(record_ok) << r.out;
    EXPECT_TRUE(dmarc_none) << r.out;
}

TEST_F(TriageAudit, DnsFailureIsCouldNotCheckNeverNoRecord) {
    auto log = write_log("slow.test", "slow");
    auto r = triage(log, {"--json"});
    ASSERT_EQ(r.status, 1) << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    auto auth = findings(doc.value(), "authentication_failure");
    int spf = 0, dmarc = 0;
    for (auto& f : auth) {
        if (f.check == "spf") {
            ++spf;
            EXPECT_EQ(f.status, "could_not_check") << f.summary;
            EXPECT_NE(f.summary.find("timeout"), std::string::npos) << f.summary;
        }
        if (f.check == "dmarc") {
            ++dmarc;
            EXPECT_EQ(f.status, "could_not_check") << f.summary;
        }
        EXPECT_EQ(f.summary.find("no SPF record"), std::string::npos) << f.summary;
        EXPECT_EQ(f.summary.find("no DMARC record"), std::string::npos) << f.summary;
    }
    EXPECT_EQ(spf, 1) << r.out;
    EXPECT_EQ(dmarc, 1) << r.out;
}

TEST_F(TriageAudit, AuditMaxBoundsTheSubjects) {
    auto log = write_log("toomany.test", "max");
    auto r = triage(log, {"--json", "--audit-max", "1"});
    ASSERT_EQ(r.status, 1) << r.err;
    auto doc = parser_.parse(r.out);
    ASSERT_FALSE(doc.error()) << r.out;
    // One subject: the sender domain, which the first verdict (authentication) needs most; the
    // blocklist verdict's sending IP is named as not checked.
    std::set<std::string> checked;
    bool bounded = false;
    for (auto kind : {"authentication_failure", "blocklisted"})
        for (auto& f : findings(doc.value(), kind)) {
            if (f.check == "audit" && f.result == "bounded") {
                bounded = true;
                EXPECT_NE(f.summary.find(kListedIp), std::string::npos) << f.summary;
            } else if (!f.subject.empty()) {
                checked.insert(f.subject.substr(0, f.subject.find(' ')));
            }
        }
    EXPECT_TRUE(bounded) << r.out;
    EXPECT_EQ(checked, std::set<std::string>{"toomany.test"}) << r.out;
}

TEST_F(TriageAudit, WithoutAuditNoFindingsAndDnsNeedsAudit) {
    auto log = write_log("toomany.test", "plain");
    auto r = run_mxtriage({"triage", "--format", "postfix", "--no-history", "--json", log});
    ASSERT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.out.find("\"check\""), std::string::npos);
    EXPECT_NE(r.out.find("\"audit\":[]"), std::string::npos);
    auto bad = run_mxtriage({"triage", "--format", "postfix", "--no-history", "--dns", "127.0.0.1:1", log});
    EXPECT_EQ(bad.status, 2) << bad.err;
}

TEST_F(TriageAudit, ChecksRunConcurrentlyInJobOrder) {
    auto lists = load_dnsbl_lists(std::string(MXT_RULES_DIR) + "/dnsbl.toml");
    ASSERT_TRUE(lists) << lists.error();
    auto psl = PublicSuffixList::load(std::string(MXT_TEST_DATA) + "/testsuites/psl/public_suffix_list.dat");
    ASSERT_TRUE(psl) << psl.error();
    std::vector<CheckJob> jobs{
        {.kind = CheckKind::dnsbl, .subject = kListedIp},
        {.kind = CheckKind::spf, .subject = "toomany.test", .ips = {kListedIp}},
        {.kind = CheckKind::dmarc, .subject = "toomany.test"},
        {.kind = CheckKind::spf, .subject = "narrow.test", .ips = {"198.51.100.7", kListedIp}},
        {.kind = CheckKind::dnsbl, .subject = "192.0.2.1"},
    };
    auto r = run_checks(jobs, context(&*lists, &*psl, 3));
    ASSERT_TRUE(r) << r.error();
    ASSERT_EQ(r->size(), jobs.size());
    EXPECT_EQ((*r)[0].at(0).result, "listed");
    EXPECT_EQ((*r)[1].size(), 1u);  // a permerror record: no per-IP findings
    EXPECT_EQ((*r)[1].at(0).result, "permerror");
    EXPECT_EQ((*r)[2].at(0).result, "p=reject");
    ASSERT_EQ((*r)[3].size(), 3u);
    EXPECT_EQ((*r)[3][1].status, "ok");  // 198.51.100.7 is in the record's ip4 range
    EXPECT_EQ((*r)[3][2].status, "problem");
    EXPECT_EQ((*r)[4].at(0).result, "clean");
    auto bad = run_checks(jobs, {.resolver = {.server = "not a server"}, .workers = 2});
    EXPECT_FALSE(bad);
}

TEST(TriageChecks, IpsInReply) {
    EXPECT_EQ(ips_in_reply("553 5.7.1 [BL21] Connections will not be accepted from 203.0.113.25, because"),
              std::vector<std::string>{"203.0.113.25"});
    EXPECT_EQ(ips_in_reply("421-4.7.0 [192.0.2.7      15] Our system has detected ... 192.0.2.7."),
              std::vector<std::string>{"192.0.2.7"});
    EXPECT_EQ(ips_in_reply("client host [198.51.100.2] blocked using zen.spamhaus.org; 127.0.0.2; see "
                           "https://check.spamhaus.org/query/ip/198.51.100.2"),
              std::vector<std::string>{"198.51.100.2"});
    // Version-like runs, out-of-range octets and 0.0.0.0 are not addresses.
    EXPECT_TRUE(ips_in_reply("Postfix 3.7.10.1.2 at 1.2.3 and 300.1.1.1 and 0.0.0.0").empty());
}

TEST(TriageChecks, DomainOf) {
    EXPECT_EQ(domain_of("\"Shop\" <News@Shop.Example>"), "shop.example");
    EXPECT_EQ(domain_of("bounces+x=y@mail.shop.example"), "mail.shop.example");
    EXPECT_EQ(domain_of("esp.example."), "esp.example");
    EXPECT_EQ(domain_of(""), "");
    EXPECT_EQ(domain_of("MAILER-DAEMON"), "");
}

}  // namespace
}  // namespace mxt::audit
