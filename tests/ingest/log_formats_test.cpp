// Every other MTA log format and the generic event formats: detection, fields, one event per
// recipient, and counts that reconcile (with reasons for what was skipped or failed).
#include <gtest/gtest.h>

#include "ingest/csv.hpp"
#include "ingest/log_reader.hpp"
#include "log_test_util.hpp"

namespace mxt {
namespace {

using test::read_fixture;
using test::read_text;

std::string detected(const std::string& rel) {
    std::string head = test::slurp(test::data_path(rel)).substr(0, 4096);
    const Format* f = detect_format(head);
    return f ? std::string(f->name) : "none";
}

TEST(Formats, EachFixtureIsDetectedAsItsFormat) {
    EXPECT_EQ(detected("logs/postfix-basic.log"), "postfix");
    EXPECT_EQ(detected("logs/postfix-syslog-forms.log"), "postfix");
    EXPECT_EQ(detected("logs/exim-mainlog"), "exim");
    EXPECT_EQ(detected("logs/sendmail-maillog"), "sendmail");
    EXPECT_EQ(detected("logs/pmta-acct.csv"), "pmta");
    EXPECT_EQ(detected("logs/kumomta.jsonl"), "kumomta");
    EXPECT_EQ(detected("logs/haraka.log"), "haraka");
    EXPECT_EQ(detected("logs/exchange-msgtrk.log"), "exchange");
    EXPECT_EQ(detected("logs/events.jsonl"), "json");
    EXPECT_EQ(detected("logs/events.csv"), "csv");
    EXPECT_NE(find_format("postfix"), nullptr);
    EXPECT_EQ(find_format("nosuch"), nullptr);
}

TEST(Exim, FailuresDeferralsDeliveriesAndTheArrivalJoin) {
    auto c = read_fixture("logs/exim-mainlog");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 11u);
    ASSERT_EQ(c.events.size(), 7u);
    const auto* alice = c.find("alice@gmail.com");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->outcome, Outcome::bounced);
    EXPECT_EQ(alice->stage, Stage::rcpt);
    EXPECT_EQ(alice->remote_host, "gmail-smtp-in.l.google.com");
    EXPECT_EQ(alice->remote_ip, "142.250.102.27");
    EXPECT_EQ(alice->reply_code, "550");
    EXPECT_EQ(alice->status, "5.1.1");
    // The literal "\n" between reply lines is flattened to a space.
    EXPECT_NE(alice->text.find("Please try 550-5.1.1 double-checking"), std::string::npos);
    EXPECT_EQ(alice->text.find("\\n"), std::string::npos);
    EXPECT_EQ(alice->sender, "bounces+spring-sale.import-2026-11@esp.example");
    EXPECT_EQ(alice->message_id, "spring-7@shop.example");
    EXPECT_EQ(alice->time, "2025-03-03T09:20:11");

    const auto* bob = c.find("bob@outlook.com");
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(bob->outcome, Outcome::deferred);
    EXPECT_EQ(bob->stage, Stage::rcpt);
    EXPECT_EQ(bob->remote_host, "outlook-com.olc.protection.outlook.com");
    EXPECT_TRUE(bob->text.starts_with("451 4.7.500 Server busy."));

    const auto* carol = c.find("carol@gmx.de");
    ASSERT_NE(carol, nullptr);
    EXPECT_EQ(carol->stage, Stage::connect);
    EXPECT_EQ(carol->reply_code, "554");

    // Older form: "after MAIL FROM:<x> SIZE=n: host h [ip]: 421 ..."
    const auto* dan = c.find("dan@yahoo.com");
    ASSERT_NE(dan, nullptr);
    EXPECT_EQ(dan->stage, Stage::mail);
    EXPECT_EQ(dan->remote_host, "mta7.am0.yahoodns.net");
    EXPECT_EQ(dan->remote_ip, "63.250.192.46");
    EXPECT_TRUE(dan->text.starts_with("421 4.7.1 [TS03]"));

    const auto* erin = c.find("erin@nowhere.example");
    ASSERT_NE(erin, nullptr);
    EXPECT_EQ(erin->text, "Unrouteable address");
    const auto* userx = c.find("userx@x.y");
    ASSERT_NE(userx, nullptr);
    EXPECT_EQ(userx->outcome, Outcome::expired);
    const auto* frank = c.find("frank@example.com");
    ASSERT_NE(frank, nullptr);
    EXPECT_EQ(frank->outcome, Outcome::delivered);
    EXPECT_EQ(frank->text, "250 2.0.0 Ok: queued as 4ZZ9");
}

TEST(Sendmail, RemoteReplyLineBeforeToLineBecomesTheText) {
    auto c = read_fixture("logs/sendmail-maillog");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 8u);
    ASSERT_EQ(c.events.size(), 5u);
    const auto* alice = c.find("alice@gmail.com");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->outcome, Outcome::bounced);
    EXPECT_EQ(alice->status, "5.1.1");
    EXPECT_EQ(alice->reply_code, "550");
    EXPECT_TRUE(alice->text.starts_with("550-5.1.1 The email account"));
    EXPECT_EQ(alice->remote_host, "alt1.gmail-smtp-in.l.google.com");
    EXPECT_EQ(alice->remote_ip, "142.250.153.27");
    EXPECT_EQ(alice->sender, "bounces+spring-sale.vip@esp.example");
    EXPECT_EQ(alice->message_id, "spring-9@shop.example");
    const auto* bob = c.find("bob@yahoo.com");
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(bob->outcome, Outcome::deferred);
    EXPECT_TRUE(bob->text.starts_with("421 4.7.0 [TSS04]"));
    // One to= line, two recipients.
    ASSERT_NE(c.find("carol@example.net"), nullptr);
    ASSERT_NE(c.find("dave@example.net"), nullptr);
    EXPECT_EQ(c.find("dave@example.net")->outcome, Outcome::delivered);
    EXPECT_EQ(c.find("customer@example.com")->text, "Deferred");
}

TEST(Pmta, HeaderDrivenCsvWithQuotedNewline) {
    auto c = read_fixture("logs/pmta-acct.csv");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 6u);  // header, 4 records (one spans two lines), one 'r' record
    EXPECT_EQ(c.counts.skipped.at("CSV header line"), 1u);
    EXPECT_EQ(c.counts.skipped.at("not a delivery record"), 1u);
    ASSERT_EQ(c.events.size(), 4u);
    const auto* alice = c.find("alice@gmail.com");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->outcome, Outcome::bounced);
    EXPECT_EQ(alice->status, "5.1.1");
    EXPECT_EQ(alice->reply_code, "550");
    EXPECT_TRUE(alice->text.starts_with("550-5.1.1 The email account"));
    EXPECT_EQ(alice->remote_host, "gmail-smtp-in.l.google.com");
    EXPECT_EQ(alice->remote_ip, "142.250.102.27");
    EXPECT_EQ(alice->campaign, "spring-sale");
    EXPECT_EQ(alice->sender, "bounces@mail.shop.example");
    EXPECT_EQ(alice->reason_hint, "userunknown");
    EXPECT_EQ(alice->time, "2025-03-03T09:40:02+00:00");
    const auto* erin = c.find("erin@hotmail.com");
    ASSERT_NE(erin, nullptr);
    EXPECT_EQ(erin->position, 5u);
    EXPECT_NE(erin->text.find("\nhttp://mail.live.com"), std::string::npos);
    EXPECT_EQ(c.find("bob@yahoo.com")->outcome, Outcome::deferred);
    EXPECT_EQ(c.find("carol@example.org")->outcome, Outcome::delivered);
}

TEST(Pmta, UnterminatedQuoteAtEndIsAFailedUnit) {
    auto c = read_text("type,timeLogged,orig,rcpt,dsnDiag\nb,1,a@b.c,d@e.f,\"smtp;550 oops\n", "pmta");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.failed.at("unterminated quoted CSV field at end of input"), 1u);
}

TEST(KumoMta, RecordsArraysAndBadJson) {
    auto c = read_fixture("logs/kumomta.jsonl");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 5u);
    EXPECT_EQ(c.counts.failed.at("invalid JSON"), 1u);
    EXPECT_EQ(c.counts.skipped.at("not a delivery record"), 1u);
    ASSERT_EQ(c.events.size(), 4u);
    const auto& alice = c.events[0];
    EXPECT_EQ(alice.recipient, "alice@gmail.com");
    EXPECT_EQ(alice.outcome, Outcome::bounced);
    EXPECT_EQ(alice.reply_code, "550");
    EXPECT_EQ(alice.status, "5.7.26");
    EXPECT_TRUE(alice.text.starts_with("550 5.7.26 This message does not have"));
    EXPECT_EQ(alice.stage, Stage::end_of_data);
    EXPECT_EQ(alice.remote_host, "gmail-smtp-in.l.google.com");
    EXPECT_EQ(alice.campaign, "spring-sale");
    EXPECT_EQ(alice.time, "2025-03-03T11:06:40.123456Z");
    const auto& bob = c.events[1];
    EXPECT_EQ(bob.outcome, Outcome::deferred);
    EXPECT_EQ(bob.stage, Stage::mail);
    EXPECT_EQ(bob.time, "2025-03-03T11:06:45Z");  // from the unix timestamp
    EXPECT_EQ(c.events[2].recipient, "carol@example.org");
    EXPECT_EQ(c.events[3].recipient, "dave@example.org");
    EXPECT_EQ(c.events[3].campaign, "autumn");  // from the queue name
}

TEST(Haraka, DeliveredDeferredBounced) {
    auto c = read_fixture("logs/haraka.log");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 5u);
    ASSERT_EQ(c.events.size(), 4u);
    EXPECT_EQ(c.events[0].outcome, Outcome::delivered);
    EXPECT_EQ(c.events[0].remote_host, "gmail-smtp-in.l.google.com");
    EXPECT_EQ(c.events[1].outcome, Outcome::deferred);
    EXPECT_TRUE(c.events[1].text.starts_with("421 4.7.0 [TSS04]"));
    EXPECT_EQ(c.events[1].status, "4.7.0");
    EXPECT_EQ(c.events[2].outcome, Outcome::bounced);
    EXPECT_EQ(c.events[2].reply_code, "550");
    EXPECT_EQ(c.events[3].text, "No Such Domain: nxdomain.example");
    EXPECT_TRUE(c.events[3].recipient.empty());  // never invented
}

TEST(Exchange, FailDeferSendWithSeveralRecipients) {
    auto c = read_fixture("logs/exchange-msgtrk.log");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 9u);
    EXPECT_EQ(c.counts.skipped.at("comment line"), 4u);
    EXPECT_EQ(c.counts.skipped.at("not a delivery result"), 1u);
    ASSERT_EQ(c.events.size(), 4u);
    const auto* dave = c.find("dave@example.net");
    ASSERT_NE(dave, nullptr);
    EXPECT_EQ(dave->outcome, Outcome::bounced);
    EXPECT_EQ(dave->status, "5.1.1");
    EXPECT_EQ(dave->reply_code, "550");
    EXPECT_EQ(dave->sender, "news@shop.example");
    EXPECT_EQ(dave->message_id, "abc@shop.example");
    const auto* eve = c.find("eve@outlook.com");
    ASSERT_NE(eve, nullptr);
    EXPECT_EQ(eve->outcome, Outcome::deferred);
    EXPECT_EQ(eve->remote_host, "outlook-com.olc.protection.outlook.com");
    EXPECT_NE(eve->text.find("(AS761)"), std::string::npos);
    EXPECT_EQ(eve->text.find(';'), std::string::npos);
    EXPECT_EQ(c.find("frank@example.org")->outcome, Outcome::delivered);
}

TEST(GenericEvents, JsonLinesWithAliases) {
    auto c = read_fixture("logs/events.jsonl");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 6u);
    EXPECT_EQ(c.counts.skipped.at("not a delivery event"), 1u);
    EXPECT_EQ(c.counts.skipped.at("not a JSON object"), 1u);
    ASSERT_EQ(c.events.size(), 4u);
    const auto* alice = c.find("alice@gmail.com");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->outcome, Outcome::bounced);
    EXPECT_EQ(alice->reply_code, "550");
    EXPECT_EQ(alice->campaign, "spring-sale");
    EXPECT_EQ(alice->segment, "import-2026-11");
    EXPECT_EQ(alice->remote_host, "gmail-smtp-in.l.google.com");
    const auto* carol = c.find("carol@yahoo.com");
    ASSERT_NE(carol, nullptr);
    EXPECT_EQ(carol->reply_code, "421");  // a number in JSON
    EXPECT_EQ(carol->status, "4.7.0");
    EXPECT_EQ(carol->stage, Stage::mail);
    EXPECT_EQ(carol->outcome, Outcome::deferred);
    EXPECT_EQ(c.find("dave@example.org")->outcome, Outcome::delivered);
    EXPECT_EQ(c.find("erin@hotmail.com")->segment, "vip");
}

TEST(GenericEvents, CsvWithHeaderAndQuotes) {
    auto c = read_fixture("logs/events.csv");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 4u);
    ASSERT_EQ(c.events.size(), 2u);
    EXPECT_EQ(c.events[0].status, "5.1.1");
    EXPECT_EQ(c.events[0].time, "2025-03-03T11:06:40Z");
    EXPECT_NE(c.events[1].text.find("see \"error-codes\""), std::string::npos);
    EXPECT_EQ(c.events[1].segment, "vip");
}

TEST(Csv, SplitsRfc4180Records) {
    std::vector<std::string> f;
    ASSERT_TRUE(split_csv(R"(a,"b,c","d ""q"" e",,f)", f));
    ASSERT_EQ(f.size(), 5u);
    EXPECT_EQ(f[1], "b,c");
    EXPECT_EQ(f[2], "d \"q\" e");
    EXPECT_EQ(f[3], "");
    EXPECT_FALSE(split_csv(R"(a,"open)", f));
    CsvRecord r;
    EXPECT_EQ(r.feed(R"(x,"line one)", f), CsvRecord::State::pending);
    EXPECT_EQ(r.feed(R"(line two",y)", f), CsvRecord::State::complete);
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[1], "line one\nline two");
}

}  // namespace
}  // namespace mxt
