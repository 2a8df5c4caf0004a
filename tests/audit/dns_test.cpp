// The resolver against a real unbound: answers by type, NXDOMAIN vs no record vs timeout vs
// REFUSED kept apart, the cache, and a bounded batch that returns answers in question order.
#include <gtest/gtest.h>

#include "audit/dns.hpp"
#include "dns_server.hpp"

namespace mxt::audit {
namespace {

class Dns : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        testing::ZoneData z;
        z.records = {"one.test A 192.0.2.1",
                     "one.test A 192.0.2.2",
                     "one.test AAAA 2001:db8::1",
                     "one.test MX 10 mx.one.test",
                     "one.test TXT " + testing::txt_rdata({std::string(300, 'x')}),
                     "alias.test CNAME one.test",
                     "1.2.0.192.in-addr.arpa PTR one.test"};
        for (int i = 0; i < 40; ++i) z.records.push_back("n" + std::to_string(i) + ".batch.test A 127.0.0." + std::to_string(i + 1));
        z.timeout = {"slow.test"};
        z.refused = {"refused.test"};
        auto s = testing::DnsServer::start(z);
        if (s) server_ = std::make_unique<testing::DnsServer>(std::move(*s));
        else error_ = s.error();
    }
    static void TearDownTestSuite() { server_.reset(); }
    void SetUp() override { ASSERT_TRUE(server_) << error_; }
    std::unique_ptr<Resolver> resolver(int max_in_flight = 16, bool cache = true) {
        auto r = Resolver::create({.server = server_->address(), .timeout_ms = 800, .tries = 1,
                                   .max_in_flight = max_in_flight, .cache = cache});
        EXPECT_TRUE(r.has_value());
        return std::move(*r);
    }
    static inline std::unique_ptr<testing::DnsServer> server_;
    static inline std::string error_;
};

TEST_F(Dns, RecordsByType) {
    auto r = resolver();
    auto a = r->query("one.test", DnsType::A);
    EXPECT_EQ(a.status, DnsStatus::ok);
    EXPECT_EQ(a.addresses.size(), 2u);
    EXPECT_EQ(r->query("one.test", DnsType::AAAA).addresses.at(0).to_string(), "2001:db8::1");
    auto mx = r->query("one.test", DnsType::MX);
    ASSERT_EQ(mx.mx.size(), 1u);
    EXPECT_EQ(mx.mx[0].preference, 10);
    EXPECT_EQ(mx.mx[0].host, "mx.one.test");
    auto txt = r->query("one.test", DnsType::TXT);
    ASSERT_EQ(txt.txt.size(), 1u);
    EXPECT_EQ(txt.txt[0], std::string(300, 'x'));  // two character-strings joined (RFC 7208 3.3)
    EXPECT_EQ(r->query("1.2.0.192.in-addr.arpa", DnsType::PTR).names.at(0), "one.test");
    EXPECT_EQ(r->query("alias.test", DnsType::A).addresses.size(), 2u);
}

TEST_F(Dns, FailuresAreNotNegativeAnswers) {
    auto r = resolver();
    EXPECT_EQ(r->query("missing.test", DnsType::A).status, DnsStatus::nxdomain);
    EXPECT_EQ(r->query("one.test", DnsType::PTR).status, DnsStatus::nodata);
    auto t = r->query("x.slow.test", DnsType::TXT);
    EXPECT_EQ(t.status, DnsStatus::timeout);
    EXPECT_TRUE(t.failed());
    EXPECT_FALSE(t.is_void());
    auto f = r->query("x.refused.test", DnsType::TXT);
    EXPECT_EQ(f.status, DnsStatus::refused);
    EXPECT_TRUE(f.failed());
}

TEST_F(Dns, CacheAndBoundedBatch) {
    auto r = resolver(4);
    r->query("one.test", DnsType::A);
    std::size_t before = r->sent();
    r->query("ONE.test.", DnsType::A);
    EXPECT_EQ(r->sent(), before);  // served from the cache
    std::vector<DnsQuestion> qs;
    for (int i = 0; i < 40; ++i) qs.push_back({"n" + std::to_string(i) + ".batch.test", DnsType::A});
    auto answers = r->query_all(qs);
    ASSERT_EQ(answers.size(), 40u);
    for (int i = 0; i < 40; ++i) {
        ASSERT_EQ(answers[i].addresses.size(), 1u) << i;
        EXPECT_EQ(answers[i].addresses[0].bytes[3], i + 1) << "answers must keep question order";
    }
    // Timeouts are not cached: each try goes to the network again.
    before = r->sent();
    r->query("y.slow.test", DnsType::A);
    r->query("y.slow.test", DnsType::A);
    EXPECT_EQ(r->sent(), before + 2);
}

TEST(DnsParse, ShortAndMalformedAnswersAreErrors) {
    unsigned char buf[5] = {0, 1, 2, 3, 4};
    EXPECT_EQ(parse_dns_response(buf, 5, DnsType::A).status, DnsStatus::error);
    // header claiming one answer that is not there
    unsigned char hdr[12] = {0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0};
    EXPECT_EQ(parse_dns_response(hdr, 12, DnsType::A).status, DnsStatus::error);
}

}  // namespace
}  // namespace mxt::audit
