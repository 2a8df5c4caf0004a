// History: an input is recorded once whatever its path; the baseline leaves out the current
// campaign and inputs.
#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/history.hpp"
#include "store_test_util.hpp"

using namespace mxt::store;

namespace {
InputRecord input(std::string digest, std::string campaign, std::int64_t attempts,
                  std::int64_t permanent) {
    InputRecord in;
    in.digest = std::move(digest);
    in.source = "log";
    in.events = attempts;
    StatCounts& c = in.stats[{campaign, "google"}];
    c.attempts = attempts;
    c.delivered = attempts - permanent;
    c.bounced = permanent;
    c.permanent = permanent;
    c.first_unix = 1767225600;
    c.last_unix = 1767229200;
    return in;
}
}  // namespace

TEST(History, SameInputTwiceCountsOnce) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("h.db"));
    ASSERT_TRUE(db);
    auto r1 = record_inputs(*db, {input("d1", "spring", 1000, 3)});
    ASSERT_TRUE(r1);
    EXPECT_EQ(r1->recorded, 1);
    auto r2 = record_inputs(*db, {input("d1", "spring", 1000, 3)});
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->known, 1);
    EXPECT_EQ(r2->recorded, 0);
    auto h = list_history(*db);
    ASSERT_TRUE(h);
    ASSERT_EQ(h->size(), 1u);
    EXPECT_EQ((*h)[0].counts.attempts, 1000);
    EXPECT_EQ((*h)[0].inputs, 1);
}

TEST(History, BaselineExcludesCurrentCampaignAndInputs) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("h.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(record_inputs(*db, {input("d1", "spring", 1000, 3), input("d2", "summer", 2000, 4),
                                    input("d3", "autumn", 500, 50)}));
    auto b = load_baseline(*db, {"autumn"}, {"d2"});
    ASSERT_TRUE(b);
    EXPECT_EQ(b->campaigns, 1);
    EXPECT_EQ(b->overall.attempts, 1000);
    EXPECT_EQ(b->providers["google"].permanent, 3);
}
