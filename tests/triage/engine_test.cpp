// The triage engine driven with hand-built events: verdicts, gates, small samples, history.
#include <gtest/gtest.h>

#include "event_builder.hpp"
#include "triage/config.hpp"
#include "triage/verdict.hpp"
#include "triage/wilson.hpp"

using namespace mxt;
using namespace mxt::triage;
using namespace mxt::test;

namespace {
const Verdict* find(const Decision& d, const std::string& kind, const std::string& provider = "",
                    const std::string& segment = "") {
    for (const auto& v : d.verdicts)
        if (v.kind == kind && v.provider == provider && v.segment == segment) return &v;
    return nullptr;
}

// A healthy mixed send: 3000 attempts at four providers, 0.5 % unknown users.
void healthy(Aggregator& a, std::string segment = "") {
    add_events(a, delivered("google", "gmail.com", segment), 1200);
    add_events(a, delivered("microsoft", "outlook.com", segment), 900, 2000);
    add_events(a, delivered("yahoo", "yahoo.com", segment), 500, 4000);
    add_events(a, delivered("other", "example.org", segment), 385, 6000);
    add_events(a, bounced("google", "gmail.com", Category::unknown_user, "550", "5.1.1",
                          kGmailUnknown, segment), 15, 8000);
}
}  // namespace

TEST(Wilson, Bounds) {
    EXPECT_EQ(wilson_lower(0, 0, 1.96), 0.0);
    EXPECT_NEAR(wilson_lower(2, 20, 1.96), 0.0279, 0.001);
    EXPECT_NEAR(wilson_lower(200, 2000, 1.96), 0.0876, 0.001);
    EXPECT_NEAR(wilson_upper(0, 100, 1.96), 0.037, 0.001);
    TriageConfig c;
    EXPECT_NEAR(c.z(), 1.645, 0.001);  // one-sided 95 %
}

TEST(Engine, NormalChurnIsGo) {
    Aggregator a;
    healthy(a);
    auto d = decide(a, TriageConfig{}, {});
    ASSERT_EQ(d.verdicts.size(), 1u);
    EXPECT_EQ(d.verdicts[0].kind, "normal");
    EXPECT_EQ(d.gate.overall, Gate::go);
    EXPECT_EQ(a.totals.attempts, 3000);
    EXPECT_EQ(a.totals.recipients(), 3000);
}

TEST(Engine, IpReputationAtOneProviderStopsThatProviderOnly) {
    Aggregator a;
    healthy(a);
    add_events(a, bounced("google", "gmail.com", Category::ip_reputation, "550", "5.7.1",
                          kGmailReputation), 400, 10000);
    auto d = decide(a, TriageConfig{}, {});
    const Verdict* v = find(d, "ip_reputation_incident", "google");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->evidence.count, 400);
    EXPECT_EQ(v->evidence.denominator, 1615);
    EXPECT_DOUBLE_EQ(v->evidence.share, 1.0);
    ASSERT_FALSE(v->evidence.templates.empty());
    EXPECT_EQ(v->evidence.templates[0].second, 400);
    EXPECT_FALSE(v->steps.empty());
    EXPECT_EQ(d.gate.providers["google"], Gate::stop);
    EXPECT_EQ(d.gate.providers["microsoft"], Gate::go);
    EXPECT_EQ(d.gate.providers["yahoo"], Gate::go);
    EXPECT_EQ(d.gate.overall, Gate::stop);
    EXPECT_EQ(find(d, "normal"), nullptr);
}

TEST(Engine, AuthenticationAtMicrosoft) {
    Aggregator a;
    healthy(a);
    add_events(a, bounced("microsoft", "hotmail.com", Category::authentication, "550", "5.7.515",
                          kMicrosoft515), 700, 10000);
    auto d = decide(a, TriageConfig{}, {});
    ASSERT_NE(find(d, "authentication_failure", "microsoft"), nullptr);
    EXPECT_EQ(d.gate.providers["microsoft"], Gate::stop);
    EXPECT_EQ(d.gate.providers["google"], Gate::go);
}

TEST(Engine, SmallSampleRaisesNothing) {
    Aggregator a;
    add_events(a, delivered("google", "gmail.com"), 14);
    add_events(a, bounced("google", "gmail.com", Category::unknown_user, "550", "5.1.1",
                          kGmailUnknown), 3, 100);
    add_events(a, bounced("google", "gmail.com", Category::ip_reputation, "550", "5.7.1",
                          kGmailReputation), 3, 200);
    auto d = decide(a, TriageConfig{}, {});
    ASSERT_EQ(d.verdicts.size(), 1u);
    EXPECT_EQ(d.verdicts[0].kind, "normal");
    EXPECT_EQ(d.gate.overall, Gate::go);
}

TEST(Engine, ListQualityHoldsOneSegment) {
    Aggregator a;
    healthy(a, "newsletter");
    add_events(a, delivered("google", "gmail.com", "import-2026-01"), 460, 20000);
    add_events(a, bounced("other", "old-company.example", Category::unknown_user, "550", "5.1.1",
                          "550 5.1.1 <x@old-company.example>: Recipient address rejected: User unknown",
                          "import-2026-01"), 40, 21000);
    auto d = decide(a, TriageConfig{}, {});
    const Verdict* v = find(d, "list_quality_incident", "", "import-2026-01");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->evidence.denominator, 500);
    EXPECT_EQ(v->evidence.denominator_name, "recipients");
    EXPECT_EQ(find(d, "list_quality_incident", "", "newsletter"), nullptr);
    EXPECT_EQ(d.gate.segments["import-2026-01"], Gate::hold);
    EXPECT_EQ(d.gate.segments["newsletter"], Gate::go);
    for (const auto& [p, g] : d.gate.providers) EXPECT_EQ(g, Gate::go) << p;
    EXPECT_EQ(d.gate.overall, Gate::hold);
}

TEST(Engine, ListQualityNeedsTheBoundAboveTwoPercent) {
    // 2.4 % observed on 500 recipients: the lower bound is under 2 %, no incident.
    Aggregator a;
    add_events(a, delivered("google", "gmail.com"), 488);
    add_events(a, bounced("google", "gmail.com", Category::unknown_user, "550", "5.1.1",
                          kGmailUnknown), 12, 1000);
    auto d = decide(a, TriageConfig{}, {});
    EXPECT_EQ(find(d, "list_quality_incident"), nullptr);
}

TEST(Engine, ContentAcrossProviders) {
    Aggregator a;
    healthy(a);
    add_events(a, bounced("google", "gmail.com", Category::content, "421", "4.7.0",
                          "421-4.7.0 This message is suspicious due to the nature of the content or "
                          "the links within. - gsmtp"), 90, 10000);
    add_events(a, bounced("apple", "icloud.com", Category::content, "550", "5.7.1",
                          "550 5.7.1 message content rejected due to spam"), 60, 11000);
    add_events(a, bounced("yahoo", "yahoo.com", Category::content, "554", "5.7.9",
                          "554 5.7.9 Message not accepted for policy reasons."), 70, 12000);
    auto d = decide(a, TriageConfig{}, {});
    const Verdict* v = find(d, "content_problem", "");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->evidence.providers.size(), 3u);
    EXPECT_EQ(d.gate.overall, Gate::hold);
    EXPECT_EQ(d.gate.providers["google"], Gate::hold);
}

TEST(Engine, BlocklistNamesTheList) {
    Aggregator a;
    healthy(a);
    for (int i = 0; i < 120; ++i) {
        DeliveryEvent e;
        e.recipient = "b" + std::to_string(i) + "@yahoo.com";
        e.outcome = Outcome::bounced;
        e.reply_code = "553";
        e.status = "5.7.1";
        e.text = "553 5.7.1 [BL21] Connections will not be accepted from 203.0.113.25, because the ip is in Spamhaus's list";
        e.diagnosis.category = Category::blocklisted;
        e.diagnosis.provider = "yahoo";
        e.diagnosis.blocklist = {"Spamhaus ZEN", "zen.spamhaus.org", "https://check.spamhaus.org/"};
        e.diagnosis.template_text = e.text;
        a.add(e);
    }
    auto d = decide(a, TriageConfig{}, {});
    const Verdict* v = find(d, "blocklisted", "yahoo");
    ASSERT_NE(v, nullptr);
    ASSERT_EQ(v->evidence.blocklists.size(), 1u);
    EXPECT_EQ(v->evidence.blocklists[0], "Spamhaus ZEN");
    EXPECT_EQ(d.gate.providers["yahoo"], Gate::stop);
}

TEST(Engine, ThrottlingIsGoWithSteps) {
    Aggregator a;
    healthy(a);
    add_events(a, bounced("microsoft", "outlook.com", Category::rate_limited, "451", "4.7.650",
                          "451 4.7.650 The mail server [203.0.113.25] has been temporarily rate "
                          "limited due to IP reputation. (S775)"), 300, 10000);
    auto d = decide(a, TriageConfig{}, {});
    const Verdict* v = find(d, "rate_limited", "microsoft");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(a.totals.deferred, 300);
    EXPECT_EQ(d.gate.providers["microsoft"], Gate::go);
    EXPECT_EQ(d.gate.overall, Gate::go);
}

TEST(Engine, RiseAgainstCleanHistoryHolds) {
    Aggregator a;
    add_events(a, delivered("other", "example.org"), 900);
    add_events(a, bounced("other", "example.org", Category::unclassified, "550", "5.0.0",
                          "550 Rejected by policy engine ref 77"), 100, 5000);
    store::Baseline b;
    b.overall.delivered = 9980;
    b.overall.bounced = 20;
    b.overall.permanent = 20;
    b.overall.attempts = 10000;
    b.campaigns = 3;
    auto d = decide(a, TriageConfig{}, b);
    ASSERT_EQ(d.verdicts.size(), 1u);
    EXPECT_EQ(d.verdicts[0].kind, "normal");
    EXPECT_NEAR(d.verdicts[0].evidence.baseline_rate, 0.002, 1e-9);
    EXPECT_EQ(d.gate.overall, Gate::hold);
    // Without history, 10 % unexplained is still far above churn: held too.
    auto no_history = decide(a, TriageConfig{}, {});
    EXPECT_EQ(no_history.gate.overall, Gate::hold);
    // A sender whose earlier campaigns bounced as much gets no hold: nothing rose.
    store::Baseline dirty = b;
    dirty.overall.delivered = 9000;
    dirty.overall.bounced = dirty.overall.permanent = 1000;
    auto usual = decide(a, TriageConfig{}, dirty);
    EXPECT_EQ(usual.gate.overall, Gate::go);
    EXPECT_EQ(usual.verdicts[0].kind, "normal");
}

TEST(Aggregator, FilterAndInputDigests) {
    Filter f;
    f.campaign = "spring-sale";
    f.since = 1767258000 + 10;
    Aggregator a(f);
    Batch b = delivered("google", "gmail.com");
    add_events(a, b, 20);
    Batch other = b;
    other.campaign = "autumn";
    add_events(a, other, 5, 100);
    EXPECT_EQ(a.totals.attempts, 10);
    EXPECT_EQ(a.outside_window, 15);
    // History sees everything of each input.
    auto records = a.input_records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].events, 25);
    // The same events under another path have the same digest.
    Aggregator copy;
    Batch moved = b;
    moved.source = "/elsewhere/copy.log";
    add_events(copy, moved, 20);
    Batch moved_other = other;
    moved_other.source = "/elsewhere/copy.log";
    add_events(copy, moved_other, 5, 100);
    EXPECT_EQ(copy.input_records()[0].digest, records[0].digest);
}

TEST(Aggregator, TemplatesAreCapped) {
    Aggregator a({}, 10);
    for (int i = 0; i < 50; ++i) {
        Batch b = bounced("other", "example.org", Category::unclassified, "550", "5.0.0",
                          "550 distinct reply " + std::to_string(i));
        add_events(a, b, 1, i);
    }
    EXPECT_LE(a.templates.size(), 11u);
    EXPECT_EQ(a.templates["(other templates)"].count, 40);
}
