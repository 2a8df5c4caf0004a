// The triage JSON: one valid object with the contract's names (docs/triage-json.md).
#include <gtest/gtest.h>

#include <simdjson.h>

#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "report_fixture.hpp"

using namespace mxt;

TEST(JsonReport, HasTheContractFields) {
    auto agg = test::fixture_aggregator();
    auto decision = triage::decide(agg, triage::TriageConfig{}, {});
    report::ReportInput in{agg, decision, {}};
    std::string json = report::triage_json(in);

    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
    simdjson::dom::array verdicts;
    ASSERT_EQ(doc["verdicts"].get(verdicts), simdjson::SUCCESS);
    bool reputation = false;
    for (auto v : verdicts) {
        std::string_view kind, provider;
        ASSERT_EQ(v["kind"].get(kind), simdjson::SUCCESS);
        simdjson::dom::array steps;
        ASSERT_EQ(v["steps"].get(steps), simdjson::SUCCESS);
        EXPECT_GT(steps.size(), 0u);
        ASSERT_EQ(v["evidence"]["summary"].error(), simdjson::SUCCESS);
        if (kind == "ip_reputation_incident") {
            ASSERT_EQ(v["provider"].get(provider), simdjson::SUCCESS);
            EXPECT_EQ(provider, "google");
            reputation = true;
        }
    }
    EXPECT_TRUE(reputation);
    std::string_view overall, google, yahoo;
    ASSERT_EQ(doc["gate"]["overall"].get(overall), simdjson::SUCCESS);
    EXPECT_EQ(overall, "stop");
    ASSERT_EQ(doc["gate"]["providers"]["google"].get(google), simdjson::SUCCESS);
    EXPECT_EQ(google, "stop");
    ASSERT_EQ(doc["gate"]["providers"]["yahoo"].get(yahoo), simdjson::SUCCESS);
    EXPECT_EQ(yahoo, "go");
    ASSERT_EQ(doc["gate"]["segments"].error(), simdjson::SUCCESS);
    std::int64_t attempts = 0;
    ASSERT_EQ(doc["totals"]["attempts"].get(attempts), simdjson::SUCCESS);
    EXPECT_EQ(attempts, agg.totals.attempts);
    simdjson::dom::array templates;
    ASSERT_EQ(doc["templates"].get(templates), simdjson::SUCCESS);
    ASSERT_GT(templates.size(), 0u);
    for (auto t : templates)
        for (const char* k : {"template", "count", "example", "category", "providers"})
            EXPECT_EQ(t[k].error(), simdjson::SUCCESS) << k;
    ASSERT_EQ(doc["providers"].error(), simdjson::SUCCESS);
    ASSERT_EQ(doc["categories"].error(), simdjson::SUCCESS);
}

TEST(TextReport, VerdictsAndGateComeFirst) {
    auto agg = test::fixture_aggregator();
    auto decision = triage::decide(agg, triage::TriageConfig{}, {});
    report::ReportInput in{agg, decision, {}};
    std::string text = report::triage_text(in, false);
    EXPECT_EQ(text.rfind("Send gate: STOP", 0), 0u) << text;
    auto verdicts = text.find("Verdicts"), providers = text.find("Providers"),
         templates = text.find("Templates"), steps = text.find("Next steps");
    ASSERT_NE(verdicts, std::string::npos);
    EXPECT_LT(verdicts, providers);
    EXPECT_LT(providers, templates);
    EXPECT_LT(templates, steps);
    EXPECT_EQ(text.find("\x1b["), std::string::npos);  // no colour when not asked
    EXPECT_NE(report::triage_text(in, true).find("\x1b[1;31mSTOP"), std::string::npos);
}
