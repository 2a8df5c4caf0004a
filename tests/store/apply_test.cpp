// Which rejections suppress their recipient: at once for unknown_user, mailbox_disabled and
// bad_domain; after repeated failures over days for mailbox_full; never for a 5.7.x reply.
#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/suppression.hpp"
#include "store/suppression_apply.hpp"
#include "store_test_util.hpp"

using namespace mxt;
using namespace mxt::store;
using mxt::test::rejection;

namespace {
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1767225600;  // 2026-01-01T00:00:00Z
}  // namespace

TEST(SuppressKind, AtOnceForAddressProblems) {
    EXPECT_EQ(suppress_kind(rejection("a@x.com", Category::unknown_user, "550", "5.1.1", "550 5.1.1 no such user")),
              SuppressKind::at_once);
    EXPECT_EQ(suppress_kind(rejection("a@x.com", Category::mailbox_disabled, "550", "5.2.1", "550 5.2.1 disabled")),
              SuppressKind::at_once);
    EXPECT_EQ(suppress_kind(rejection("a@x.com", Category::bad_domain, "550", "5.1.2", "host unknown")),
              SuppressKind::at_once);
    // A deferral of an unknown user (4xx) is not yet a verdict on the address.
    EXPECT_EQ(suppress_kind(rejection("a@x.com", Category::unknown_user, "450", "4.1.1", "try later", kT0,
                                      Outcome::deferred)),
              SuppressKind::never);
}

TEST(SuppressKind, NeverForSenderSideReplies) {
    // Even when a rule mislabels a 5.7.x reply as an address problem, the code wins.
    for (Category c : {Category::unknown_user, Category::mailbox_disabled, Category::bad_domain,
                       Category::mailbox_full, Category::ip_reputation, Category::authentication,
                       Category::blocklisted, Category::content, Category::complaint_rate}) {
        auto e = rejection("a@gmail.com", c, "550", "5.7.1",
                           "550 5.7.1 Our system has detected an unusual rate of unsolicited mail");
        EXPECT_EQ(suppress_kind(e), SuppressKind::never) << to_string(c);
    }
    auto at_mail_from = rejection("a@x.com", Category::unknown_user, "550", "5.1.1", "rejected");
    at_mail_from.stage = Stage::mail;
    EXPECT_EQ(suppress_kind(at_mail_from), SuppressKind::never);
}

TEST(SuppressionApplier, Never57xEvenInBulk) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("a.db"));
    ASSERT_TRUE(db);
    SuppressionApplier applier(*db, {});
    const char* texts[] = {
        "550 5.7.26 This message does not have authentication information or fails to pass "
        "authentication checks (SPF or DKIM). - gsmtp",
        "550 5.7.515 Access denied, sending domain example.com does not meet the required "
        "authentication level.",
        "550 5.7.606 Access denied, banned sending IP [203.0.113.25].",
        "550 5.7.1 Our system has detected an unusual rate of unsolicited mail originating from "
        "your IP address.",
    };
    const Category cats[] = {Category::authentication, Category::authentication,
                             Category::ip_reputation, Category::unknown_user};
    for (int i = 0; i < 400; ++i) {
        auto e = rejection("user" + std::to_string(i) + "@outlook.com", cats[i % 4], "550",
                           i % 4 == 0 ? "5.7.26" : i % 4 == 1 ? "5.7.515" : i % 4 == 2 ? "5.7.606" : "5.7.1",
                           texts[i % 4]);
        ASSERT_TRUE(applier.observe(e));
    }
    auto counts = applier.finish();
    ASSERT_TRUE(counts);
    EXPECT_EQ(counts->added, 0);
    EXPECT_EQ(counts->refused, 400);
    SuppressionList list(*db);
    EXPECT_EQ(*list.count(), 0);
}

TEST(SuppressionApplier, AddsAddressProblemsWithEvidence) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("a.db"));
    ASSERT_TRUE(db);
    {
        SuppressionApplier applier(*db, {});
        ASSERT_TRUE(applier.observe(rejection(
            "Gone.User@Gmail.com", Category::unknown_user, "550", "5.1.1",
            "550-5.1.1 The email account that you tried to reach does not exist. - gsmtp", kT0)));
        ASSERT_TRUE(applier.observe(rejection(
            "old@icloud.com", Category::mailbox_disabled, "550", "5.1.1",
            "550 5.1.1 <old@icloud.com>: inactive email address", kT0 + 60)));
        auto counts = applier.finish();
        ASSERT_TRUE(counts);
        EXPECT_EQ(counts->added, 2);
    }
    SuppressionList list(*db);
    auto e = list.check("gone.user@gmail.com");
    ASSERT_TRUE(e && *e);
    EXPECT_EQ((*e)->address, "Gone.User@gmail.com");
    EXPECT_EQ((*e)->reason, "unknown_user");
    EXPECT_EQ((*e)->first_seen, "2026-01-01T00:00:00Z");
    EXPECT_EQ((*e)->source, "test.log");
    EXPECT_NE((*e)->reply.find("does not exist"), std::string::npos);
    // The same events again: idempotent.
    SuppressionApplier again(*db, {});
    ASSERT_TRUE(again.observe(rejection("gone.user@gmail.com", Category::unknown_user, "550",
                                        "5.1.1", "550 5.1.1 does not exist", kT0)));
    auto counts = again.finish();
    ASSERT_TRUE(counts);
    EXPECT_EQ(counts->added, 0);
    EXPECT_EQ(counts->updated, 1);
    EXPECT_EQ(*list.count(), 2);
}

TEST(SuppressionApplier, MailboxFullOnlyAfterRepeatedFailuresOverDays) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("a.db"));
    ASSERT_TRUE(db);
    SuppressionPolicy policy{3, 3};
    auto full = [](std::int64_t t) {
        return rejection("full@yahoo.com", Category::mailbox_full, "452", "4.2.2",
                         "452 4.2.2 The email account that you tried to reach is over quota.", t,
                         Outcome::deferred);
    };
    SuppressionList list(*db);
    {
        // Three failures within one day: not enough spread.
        SuppressionApplier a(*db, policy);
        for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.observe(full(kT0 + i * 3600)));
        ASSERT_TRUE(a.finish());
        EXPECT_FALSE(list.check("full@yahoo.com")->has_value());
    }
    {
        // Re-reading the same failures counts nothing new.
        SuppressionApplier a(*db, policy);
        for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.observe(full(kT0 + i * 3600)));
        ASSERT_TRUE(a.finish());
        EXPECT_FALSE(list.check("full@yahoo.com")->has_value());
    }
    {
        // A failure three days later: now suppressed, with the span as first/last seen.
        SuppressionApplier a(*db, policy);
        ASSERT_TRUE(a.observe(full(kT0 + 3 * kDay)));
        auto c = a.finish();
        ASSERT_TRUE(c);
        EXPECT_EQ(c->added, 1);
        auto e = list.check("full@yahoo.com");
        ASSERT_TRUE(e && *e);
        EXPECT_EQ((*e)->reason, "mailbox_full");
        EXPECT_EQ((*e)->first_seen, "2026-01-01T00:00:00Z");
        EXPECT_EQ((*e)->last_seen, "2026-01-04T00:00:00Z");
    }
}
