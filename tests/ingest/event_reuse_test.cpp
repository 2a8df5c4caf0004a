// Events and diagnoses that readers reuse from line to line (EventSink::reuse): clearing one must
// leave nothing of the previous event behind, and a reused event must classify exactly like a
// fresh one.
#include <gtest/gtest.h>

#include "ingest/classify_event.hpp"
#include "ingest/event.hpp"
#include "rules/classifier.hpp"

namespace mxt {
namespace {

DeliveryEvent filled() {
    DeliveryEvent e;
    e.source = "/var/log/mail.log";
    e.position = 42;
    e.format = "postfix";
    e.time = "2026-11-20T10:00:00";
    e.unix_time = 1'795'000'000;
    e.sender = "bounces+spring-sale.import-2026-11@esp.example";
    e.recipient = "erin@yahoo.com";
    e.remote_host = "mta6.am0.yahoodns.net";
    e.remote_ip = "67.195.204.72";
    e.stage = Stage::rcpt;
    e.reply_code = "421";
    e.status = "4.7.0";
    e.text = "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred";
    e.outcome = Outcome::deferred;
    e.campaign = "spring-sale";
    e.segment = "import-2026-11";
    e.message_id = "abc@esp.example";
    e.queue_id = "2A09990000";
    e.header_from = "news@esp.example";
    e.return_path = "bounces@esp.example";
    e.dkim.push_back({"esp.example", "s1"});
    e.authentication_results.push_back("mx.example; spf=pass");
    e.feedback_type = "abuse";
    e.reason_hint = "expired";
    e.reason_hint_final = true;
    Diagnosis& d = e.diagnosis;
    d.category = Category::rate_limited;
    d.reason = "blocked";
    d.action = Action::retry;
    d.hard_bounce = true;
    d.permanent = true;
    d.provider = "yahoo";
    d.provider_detail = "aol";
    d.rule = "yahoo.tss04";
    d.blocklist = {"Spamhaus ZEN", "zen.spamhaus.org", "https://check.spamhaus.org/"};
    d.template_text = "421 4.7.0 [TSS04] Messages from <ip> temporarily deferred";
    d.explanation = "x";
    d.fix = "y";
    d.url = "https://senders.yahooinc.com/";
    d.listed_ip = "192.0.2.1";
    d.block_id = "AS(1234)";
    return e;
}

TEST(EventReuse, ClearLeavesADefaultEvent) {
    DeliveryEvent e = filled();
    ASSERT_NE(e, DeliveryEvent{});
    e.clear();
    EXPECT_EQ(e, DeliveryEvent{});
}

TEST(EventReuse, ResetLeavesADefaultDiagnosis) {
    Diagnosis d = filled().diagnosis;
    ASSERT_NE(d, Diagnosis{});
    d.reset();
    EXPECT_EQ(d, Diagnosis{});
}

TEST(EventReuse, AReusedEventClassifiesLikeAFreshOne) {
    auto loaded = Classifier::load({}, MXT_RULES_DIR);
    ASSERT_TRUE(loaded);
    ClassifierSession session(*loaded);
    // Three events in a row through one reused object: a blocklist refusal, a delivery (final
    // hint), and an unknown user, each compared with the same event classified fresh.
    std::vector<DeliveryEvent> inputs(3);
    inputs[0].recipient = "a@outlook.com";
    inputs[0].text = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org";
    inputs[0].outcome = Outcome::bounced;
    inputs[1].recipient = "b@gmail.com";
    inputs[1].text = "250 2.0.0 OK";
    inputs[1].outcome = Outcome::delivered;
    inputs[1].reason_hint = "delivered";
    inputs[1].reason_hint_final = true;
    inputs[2].recipient = "c@gmail.com";
    inputs[2].text = "550-5.1.1 The email account that you tried to reach does not exist.";
    inputs[2].outcome = Outcome::bounced;
    inputs[2].stage = Stage::rcpt;

    DeliveryEvent reused = filled();
    for (const auto& in : inputs) {
        DeliveryEvent fresh = in;
        classify_event(session, fresh);
        reused.clear();
        reused.recipient = in.recipient;
        reused.text = in.text;
        reused.outcome = in.outcome;
        reused.stage = in.stage;
        reused.reason_hint = in.reason_hint;
        reused.reason_hint_final = in.reason_hint_final;
        classify_event(session, reused);
        EXPECT_EQ(reused, fresh) << in.text;
        EXPECT_NE(fresh.diagnosis.rule, "") << in.text;
    }
}

}  // namespace
}  // namespace mxt
