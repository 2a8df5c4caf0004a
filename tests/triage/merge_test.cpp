// Aggregator::merge, which lets each input be counted by the thread that reads it: counting inputs
// separately and merging must give exactly what counting them one after the other gives. The
// template cap is the documented exception (it applies per input, then to the merged table): past
// it, the counts are still all there and the result is deterministic.
#include <gtest/gtest.h>

#include <random>

#include "triage/aggregate.hpp"

namespace mxt::triage {
namespace {

std::vector<DeliveryEvent> random_events(std::uint32_t seed, const std::string& source, int n) {
    static const char* kProviders[] = {"gmail", "microsoft", "yahoo", "other", "apple"};
    static const char* kCampaigns[] = {"", "spring-sale", "newsletter"};
    static const char* kSegments[] = {"", "import-2026-11", "engaged"};
    static const Outcome kOutcomes[] = {Outcome::delivered, Outcome::deferred, Outcome::bounced,
                                        Outcome::expired, Outcome::complaint, Outcome::auto_reply};
    std::mt19937 rng(seed);
    auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<std::uint32_t>(k)); };
    std::vector<DeliveryEvent> out;
    for (int i = 0; i < n; ++i) {
        DeliveryEvent e;
        e.source = source;
        e.recipient = "u" + std::to_string(pick(1000)) + "@example.com";
        e.queue_id = "Q" + std::to_string(i);
        e.outcome = kOutcomes[pick(6)];
        e.campaign = kCampaigns[pick(3)];
        e.segment = kSegments[pick(3)];
        e.unix_time = pick(10) == 0 ? 0 : 1'767'258'000 + pick(7 * 86400);
        e.time = std::to_string(e.unix_time);
        e.reply_code = pick(2) ? "550" : "421";
        e.text = e.reply_code + " reply number " + std::to_string(pick(12));
        e.diagnosis.provider = kProviders[pick(5)];
        e.diagnosis.category = static_cast<Category>(pick(static_cast<int>(Category::unclassified) + 1));
        e.diagnosis.template_text = pick(4) == 0 ? "" : e.reply_code + " template " + std::to_string(pick(9));
        if (pick(8) == 0) e.diagnosis.blocklist = {pick(2) ? "Spamhaus ZEN" : "", "zen.spamhaus.org", ""};
        out.push_back(std::move(e));
    }
    return out;
}

void expect_same(const Aggregator& merged, const Aggregator& serial, bool templates_too) {
    EXPECT_EQ(merged.totals, serial.totals);
    EXPECT_EQ(merged.providers, serial.providers);
    EXPECT_EQ(merged.segments, serial.segments);
    EXPECT_EQ(merged.campaigns, serial.campaigns);
    if (templates_too) {
        EXPECT_EQ(merged.templates, serial.templates);
    }
    auto total = [](const Aggregator& a) {
        std::int64_t n = 0;
        for (const auto& [k, t] : a.templates) n += t.count;
        return n;
    };
    EXPECT_EQ(total(merged), total(serial));
    EXPECT_EQ(merged.blocklists, serial.blocklists);
    EXPECT_EQ(merged.hours, serial.hours);
    EXPECT_EQ(merged.first_unix, serial.first_unix);
    EXPECT_EQ(merged.last_unix, serial.last_unix);
    EXPECT_EQ(merged.outside_window, serial.outside_window);
    auto a = merged.input_records(), b = serial.input_records();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].source, b[i].source);
        EXPECT_EQ(a[i].digest, b[i].digest);
        EXPECT_EQ(a[i].events, b[i].events);
        EXPECT_EQ(a[i].first_unix, b[i].first_unix);
        EXPECT_EQ(a[i].last_unix, b[i].last_unix);
        EXPECT_EQ(a[i].stats, b[i].stats);
    }
}

class MergeTest : public ::testing::TestWithParam<std::tuple<std::uint32_t, std::size_t>> {};

TEST_P(MergeTest, MergingInputsEqualsCountingThemInOrder) {
    auto [seed, cap] = GetParam();
    Filter filter;
    if (seed % 2 == 1) filter.campaign = "spring-sale";
    if (seed % 3 == 1) filter.since = 1'767'258'000 + 86400;
    auto first = random_events(seed, "a.log", 700);
    auto second = random_events(seed + 1000, "b.log", 900);
    auto third = random_events(seed + 2000, "c.log", 300);

    Aggregator serial(filter, cap);
    for (const auto* input : {&first, &second, &third})
        for (const auto& e : *input) serial.add(e);

    auto merge_all = [&] {
        Aggregator merged(filter, cap);
        for (const auto* input : {&first, &second, &third}) {
            Aggregator part = merged.empty_like();
            for (const auto& e : *input) part.add(e);
            merged.merge(std::move(part));
        }
        return merged;
    };
    Aggregator merged = merge_all();
    // Under the cap everything is equal, templates included; past it, all but the template table.
    const bool under_cap = serial.templates.size() <= cap;
    expect_same(merged, serial, under_cap);
    EXPECT_LE(merged.templates.size(), cap + 1);
    if (cap < 20) {
        EXPECT_FALSE(under_cap);  // the cap was reached: "(other templates)" is exercised
        EXPECT_TRUE(merged.templates.count("(other templates)"));
    } else {
        EXPECT_TRUE(under_cap);
    }
    // Deterministic: the same inputs merge to the same table.
    EXPECT_EQ(merge_all().templates, merged.templates);

    // Adding more events after a merge keeps counting in the same places.
    auto more = random_events(seed + 3000, "c.log", 200);
    for (const auto& e : more) {
        serial.add(e);
        merged.add(e);
    }
    expect_same(merged, serial, under_cap && serial.templates.size() <= cap);
}

INSTANTIATE_TEST_SUITE_P(SeedsAndCaps, MergeTest,
                         ::testing::Combine(::testing::Values(1u, 2u, 3u, 4u, 5u, 6u),
                                            ::testing::Values(std::size_t{5}, std::size_t{13}, std::size_t{500})));

TEST(Merge, AnInputReadTwiceKeepsOneDeterministicRecord) {
    auto events = random_events(7, "same.log", 100);
    auto build = [&] {
        Aggregator main;
        for (int k = 0; k < 2; ++k) {
            Aggregator part = main.empty_like();
            for (const auto& e : events) part.add(e);
            main.merge(std::move(part));
        }
        return main.input_records();
    };
    auto a = build(), b = build();
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].events, 200);
    EXPECT_EQ(a[0].digest, b[0].digest);
}

}  // namespace
}  // namespace mxt::triage
