// End-to-end scenarios: realistic Postfix logs built from catalog replies
// (tests/data/scenarios/make_scenarios.py) run through the real readers, classifier and triage
// (the mxtriage binary). Each checks the verdicts and the gate overall, per provider and per
// segment, and the exit status (0 go, 1 hold/stop).
#include <gtest/gtest.h>

#include <simdjson.h>

#include <map>
#include <set>

#include "run_binary.hpp"

using namespace mxt::test;

namespace {

struct Result {
    int status = -1;
    std::string overall;
    std::map<std::string, std::string> providers, segments;
    std::set<std::string> verdicts;  // "kind/provider/segment"
    std::int64_t attempts = 0;
    std::string json;
};

Result triage(const std::string& log, std::vector<std::string> extra = {}) {
    Scratch s;
    std::vector<std::string> args = {"triage", "--format", "postfix", "--json", "--threads", "1"};
    if (std::find(extra.begin(), extra.end(), "--db") == extra.end()) args.push_back("--no-history");
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(scenario(log));
    ProcessResult r = mxtriage(args, s);
    Result out;
    out.status = r.status;
    out.json = r.out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(r.out).get(doc) != simdjson::SUCCESS) {
        ADD_FAILURE() << "not JSON: " << r.out << "\nstderr: " << r.err;
        return out;
    }
    std::string_view sv;
    if (doc["gate"]["overall"].get(sv) == simdjson::SUCCESS) out.overall = sv;
    // Named locals: range-for over a temporary simdjson_result's value() would dangle.
    simdjson::dom::object providers, segments;
    simdjson::dom::array verdicts;
    if (doc["gate"]["providers"].get(providers) != simdjson::SUCCESS ||
        doc["gate"]["segments"].get(segments) != simdjson::SUCCESS ||
        doc["verdicts"].get(verdicts) != simdjson::SUCCESS) {
        ADD_FAILURE() << "missing gate or verdicts: " << r.out;
        return out;
    }
    for (auto [k, v] : providers) out.providers[std::string(k)] = std::string(v.get_string().value());
    for (auto [k, v] : segments) out.segments[std::string(k)] = std::string(v.get_string().value());
    for (auto v : verdicts) {
        std::string key = std::string(v["kind"].get_string().value()) + "/";
        if (v["provider"].is_string()) key += std::string(v["provider"].get_string().value());
        key += "/";
        if (v["segment"].is_string()) key += std::string(v["segment"].get_string().value());
        out.verdicts.insert(key);
    }
    if (doc["totals"]["attempts"].get(out.attempts) != simdjson::SUCCESS) ADD_FAILURE() << "no totals.attempts";
    return out;
}

std::string others_all_go(const std::map<std::string, std::string>& m, const std::string& except) {
    for (const auto& [k, v] : m)
        if (k != except && v != "go") return k + " is " + v;
    return "";
}

}  // namespace

TEST(Scenario, NormalChurnIsGo) {
    Result r = triage("normal-churn.log");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.overall, "go");
    EXPECT_EQ(r.verdicts, (std::set<std::string>{"normal//"}));
    EXPECT_EQ(r.attempts, 700);
}

TEST(Scenario, IpReputationAtGmailPausesGmailOnly) {
    Result r = triage("ip-reputation-gmail.log");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.overall, "stop");
    EXPECT_TRUE(r.verdicts.contains("ip_reputation_incident/google/")) << r.json;
    EXPECT_EQ(r.verdicts.size(), 1u) << r.json;
    EXPECT_EQ(r.providers["google"], "stop");
    EXPECT_EQ(others_all_go(r.providers, "google"), "");
}

TEST(Scenario, AuthenticationFailureAtMicrosoft) {
    Result r = triage("auth-microsoft.log");
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(r.verdicts.contains("authentication_failure/microsoft/")) << r.json;
    EXPECT_EQ(r.verdicts.size(), 1u) << r.json;
    EXPECT_EQ(r.providers["microsoft"], "stop");
    EXPECT_EQ(others_all_go(r.providers, "microsoft"), "");
    EXPECT_NE(r.json.find("5.7.515"), std::string::npos);
}

TEST(Scenario, ListQualityHoldsTheImportSegmentOnly) {
    Result r = triage("list-quality-segment.log");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.overall, "hold");
    EXPECT_EQ(r.verdicts, (std::set<std::string>{"list_quality_incident//import-2026-02"})) << r.json;
    EXPECT_EQ(r.segments["import-2026-02"], "hold");
    EXPECT_EQ(r.segments["newsletter"], "go");
    EXPECT_EQ(others_all_go(r.providers, ""), "");
}

TEST(Scenario, ContentProblemAcrossProviders) {
    Result r = triage("content-multi-provider.log");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.overall, "hold");
    EXPECT_EQ(r.verdicts, (std::set<std::string>{"content_problem//"})) << r.json;
    EXPECT_EQ(r.providers["google"], "hold");
    EXPECT_EQ(r.providers["yahoo"], "hold");
    EXPECT_EQ(r.providers["microsoft"], "go");
}

TEST(Scenario, BlocklistingNamesTheListAndStops) {
    Result r = triage("blocklisted.log");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.overall, "stop");
    EXPECT_TRUE(r.verdicts.contains("blocklisted/yahoo/")) << r.json;
    EXPECT_EQ(r.providers["yahoo"], "stop");
    EXPECT_EQ(r.providers["google"], "go");
    EXPECT_EQ(r.providers["microsoft"], "go");
    EXPECT_NE(r.json.find("Spamhaus"), std::string::npos);
}

TEST(Scenario, ThrottlingAtMicrosoftKeepsSendingSlower) {
    Result r = triage("throttling-microsoft.log");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.overall, "go");
    EXPECT_EQ(r.verdicts, (std::set<std::string>{"rate_limited/microsoft/"})) << r.json;
}

TEST(Scenario, SmallSampleWithBouncesRaisesNoIncident) {
    Result r = triage("small-sample.log");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.overall, "go");
    EXPECT_EQ(r.verdicts, (std::set<std::string>{"normal//"})) << r.json;
    EXPECT_EQ(r.attempts, 30);
}

TEST(Scenario, SinceUntilAndCampaignFilter) {
    // The list-quality log is sent on 2026-03-05 from 09:00 UTC.
    Result none = triage("list-quality-segment.log", {"--since", "2026-03-06"});
    EXPECT_EQ(none.attempts, 0);
    EXPECT_EQ(none.overall, "go");
    Result other = triage("list-quality-segment.log", {"--campaign", "no-such-campaign"});
    EXPECT_EQ(other.attempts, 0);
    Result window = triage("list-quality-segment.log", {"--since", "2026-03-05T09:00", "--until", "2026-03-06"});
    EXPECT_EQ(window.attempts, 801);
}
