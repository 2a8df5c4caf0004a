// Postfix reader: delivery lines of every service, flattened multi-line replies, stages, remote
// hosts, the queue-id join (sender, Message-ID), deferred-then-expired, syslog envelopes, counts.
#include <gtest/gtest.h>

#include "ingest/log_reader.hpp"
#include "ingest/queue_table.hpp"
#include "ingest/syslog.hpp"
#include "log_test_util.hpp"

namespace mxt {
namespace {

using test::read_fixture;
using test::read_text;

TEST(Postfix, DetectsAndReadsTheBasicFixture) {
    auto c = read_fixture("logs/postfix-basic.log");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 17u);
    EXPECT_EQ(c.counts.failed_total(), 0u);
    ASSERT_EQ(c.events.size(), 8u);
    EXPECT_EQ(c.counts.skipped.at("not a postfix line"), 1u);
    EXPECT_EQ(c.counts.skipped.at("not a delivery line"), 5u);

    const auto* alice = c.find("alice@gmail.com");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->format, "postfix");
    EXPECT_EQ(alice->position, 5u);
    EXPECT_EQ(alice->outcome, Outcome::bounced);
    EXPECT_EQ(alice->status, "5.7.26");
    EXPECT_EQ(alice->reply_code, "550");
    EXPECT_EQ(alice->stage, Stage::end_of_data);
    EXPECT_EQ(alice->remote_host, "gmail-smtp-in.l.google.com");
    EXPECT_EQ(alice->remote_ip, "142.250.102.27");
    EXPECT_EQ(alice->queue_id, "4QxT2h0kq7z9vDr");
    // The flattened multi-line reply is kept whole, without "host ... said:" and "(in reply to".
    EXPECT_TRUE(alice->text.starts_with("550-5.7.26 This message does not have authentication"));
    EXPECT_TRUE(alice->text.ends_with("- gsmtp"));
    EXPECT_NE(alice->text.find("550 5.7.26 information."), std::string::npos);
    // Joined by queue id: sender from qmgr, Message-ID from cleanup.
    EXPECT_EQ(alice->sender, "bounces+spring-sale.import-2026-11@esp.example");
    EXPECT_EQ(alice->message_id, "spring-1@shop.example");
    // RFC 3164 has no year: it comes from the file's modification time.
    EXPECT_TRUE(alice->time.ends_with("-03-03T09:14:02")) << alice->time;

    const auto* bob = c.find("bob@yahoo.com");
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(bob->outcome, Outcome::deferred);
    EXPECT_EQ(bob->stage, Stage::mail);
    EXPECT_EQ(bob->reply_code, "421");
    EXPECT_TRUE(bob->text.starts_with("421 4.7.0 [TSS04] Messages from 203.0.113.25"));
    EXPECT_TRUE(bob->sender.empty());  // no qmgr line for it in this log

    const auto* carol = c.find("carol@example.org");
    ASSERT_NE(carol, nullptr);
    EXPECT_EQ(carol->stage, Stage::connect);
    EXPECT_EQ(carol->remote_host, "mx.example.org");
    EXPECT_EQ(carol->remote_ip, "198.51.100.7");
    EXPECT_EQ(carol->status, "4.4.1");
    EXPECT_EQ(carol->reply_code, "");
    EXPECT_EQ(carol->text, "connect to mx.example.org[198.51.100.7]:25: Connection timed out");

    const auto* dave = c.find("dave@nxdomain.example");
    ASSERT_NE(dave, nullptr);
    EXPECT_EQ(dave->outcome, Outcome::bounced);
    EXPECT_TRUE(dave->remote_host.empty());

    const auto* erin = c.find("erin@hotmail.com");
    ASSERT_NE(erin, nullptr);
    EXPECT_NE(erin->text.find("(S3150)"), std::string::npos);
    EXPECT_EQ(erin->remote_host, "hotmail-com.olc.protection.outlook.com");

    const auto* patsy = c.find("patsy_gibson@gigreview.com.au");
    ASSERT_NE(patsy, nullptr);
    EXPECT_EQ(patsy->text, "unknown user: \"patsy_gibson@gigreview.com.au\"");

    const auto* frank = c.find("frank@gmail.com");
    ASSERT_NE(frank, nullptr);
    EXPECT_EQ(frank->outcome, Outcome::delivered);
    EXPECT_EQ(frank->reply_code, "250");

    // "delivery temporarily suspended: host X said: ..." -> the remote reply and its host.
    const auto* grace = c.find("grace@outlook.com");
    ASSERT_NE(grace, nullptr);
    EXPECT_EQ(grace->outcome, Outcome::deferred);
    EXPECT_TRUE(grace->text.starts_with("451 4.7.650 The mail server"));
    EXPECT_EQ(grace->remote_host, "outlook-com.olc.protection.outlook.com");
    EXPECT_EQ(grace->stage, Stage::mail);
}

TEST(Postfix, DeferredThenExpiredYieldsExpiredEventWithLastReply) {
    auto c = read_fixture("logs/postfix-expire.log");
    EXPECT_TRUE(c.counts.reconciles());
    ASSERT_EQ(c.events.size(), 4u);  // deferred, sent, deferred again, expired
    const auto& expired = c.events.back();
    EXPECT_EQ(expired.outcome, Outcome::expired);
    EXPECT_EQ(expired.recipient, "ivan@yahoo.com");
    EXPECT_EQ(expired.position, 7u);
    EXPECT_EQ(expired.sender, "news@shop.example");
    EXPECT_EQ(expired.message_id, "news-42@shop.example");
    EXPECT_EQ(expired.status, "4.7.0");
    EXPECT_EQ(expired.stage, Stage::mail);
    EXPECT_EQ(expired.remote_host, "mta7.am0.yahoodns.net");
    EXPECT_NE(expired.text.find("[TS01]"), std::string::npos);  // the last deferral, not the first
    // judy was delivered: she must not expire.
    for (const auto& e : c.events) {
        if (e.recipient == "judy@example.com") {
            EXPECT_EQ(e.outcome, Outcome::delivered);
        }
    }
}

TEST(Postfix, Rfc5424IsoAndPrefixedServiceNames) {
    auto c = read_fixture("logs/postfix-syslog-forms.log", "postfix");
    EXPECT_TRUE(c.counts.reconciles());
    ASSERT_EQ(c.events.size(), 4u);
    EXPECT_EQ(c.events[0].recipient, "kim@gmail.com");
    EXPECT_EQ(c.events[0].time, "2025-03-03T09:14:02.123456+00:00");
    EXPECT_EQ(c.events[0].stage, Stage::rcpt);
    EXPECT_EQ(c.events[0].unix_time, 1740993242);
    EXPECT_EQ(c.events[1].recipient, "leo@icloud.com");
    EXPECT_EQ(c.events[1].time, "2025-03-03T09:14:03+00:00");
    EXPECT_EQ(c.events[2].unix_time, 1740993244 - 3600);
    EXPECT_EQ(c.events[2].outcome, Outcome::deferred);
    EXPECT_EQ(c.events[3].text, "user unknown or over quota");
}

TEST(Postfix, DetectionNeedsAPostfixLine) {
    EXPECT_TRUE(detect_postfix(
        "Mar  3 09:14:01 mx1 postfix/smtpd[20100]: connect from a[203.0.113.10]\n"));
    EXPECT_FALSE(detect_postfix("Mar  3 09:14:01 mx1 dovecot: imap-login: Login\n"));
    EXPECT_FALSE(detect_postfix("2025-03-03 09:20:11 1twXyZ-00000000AbC-1DeF ** a@b.c: x\n"));
}

TEST(Postfix, MalformedDeliveryLinesFailWithWhy) {
    auto c = read_text(
        "Mar  3 09:14:01 mx1 postfix/smtp[1]: ABCDE12345: to=<a@b.example>, relay=none\n"
        "Mar  3 09:14:01 mx1 postfix/smtp[1]: ABCDE12345: to=<a@b.example>, status=weird (x)\n"
        "Mar  3 09:14:01 mx1 postfix/smtp[1]: ABCDE12345: to=<a@b.example>, status=undeliverable (x)\n"
        "Mar  3 09:14:01 mx1 postfix/smtp[1]: ABCDE12345: to=<a@b.example>, status=bounced (x (in reply to command))\n",
        "postfix");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.failed.at("postfix delivery line without status="), 1u);
    EXPECT_EQ(c.counts.failed.at("unknown postfix status"), 1u);
    EXPECT_EQ(c.counts.skipped.at("address verification result"), 1u);
    ASSERT_EQ(c.problems.size(), 2u);
    EXPECT_EQ(c.problems[0].line, 1u);
    EXPECT_EQ(c.problems[0].str(), "test.log:1: postfix delivery line without status=");
    ASSERT_EQ(c.events.size(), 1u);  // a truncated "(in reply to" is kept as text
    EXPECT_EQ(c.events[0].stage, Stage::unknown);
}

TEST(Postfix, TheMailSystemsOwnNoticesAreNotCampaignDeliveries) {
    // A bounce notice (from=<>) delivered locally, another deferred and then expired, and the
    // campaign message they are about: only the campaign message's recipient is an event.
    auto c = read_text(
        "Mar  3 09:14:01 mx1 postfix/qmgr[9]: AAAAA11111: from=<bounces+spring@esp.example>, size=10, nrcpt=1 (queue active)\n"
        "Mar  3 09:14:02 mx1 postfix/smtp[1]: AAAAA11111: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, dsn=5.1.1, status=bounced (host mx.b.example[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command))\n"
        "Mar  3 09:14:02 mx1 postfix/qmgr[9]: BBBBB22222: from=<>, size=20, nrcpt=1 (queue active)\n"
        "Mar  3 09:14:02 mx1 postfix/local[2]: BBBBB22222: to=<bounces+spring@esp.example>, relay=local, dsn=2.0.0, status=sent (delivered to maildir)\n"
        "Mar  3 09:14:03 mx1 postfix/qmgr[9]: CCCCC33333: from=<>, size=20, nrcpt=1 (queue active)\n"
        "Mar  3 09:14:04 mx1 postfix/smtp[1]: CCCCC33333: to=<x@gone.example>, relay=none, dsn=4.4.1, status=deferred (connect to gone.example[192.0.2.9]:25: Connection refused)\n"
        "Mar  4 09:14:04 mx1 postfix/qmgr[9]: CCCCC33333: from=<>, status=expired, returned to sender\n",
        "postfix");
    EXPECT_TRUE(c.counts.reconciles());
    ASSERT_EQ(c.events.size(), 1u);
    EXPECT_EQ(c.events[0].recipient, "a@b.example");
    EXPECT_EQ(c.counts.skipped.at("the mail system's own notice (null sender)"), 3u);
}

TEST(Postfix, TheBounceDaemonNamesItsNotice) {
    // bounce(8) names the notice it queued; the notice's delivery is skipped as a notice even
    // before (or without) qmgr's from=<> line.
    auto c = read_text(
        "Mar  3 09:14:01 mx1 postfix/cleanup[5]: DDDDD44444: message-id=<notice-1@mx1.example>\n"
        "Mar  3 09:14:01 mx1 postfix/bounce[6]: AAAAA11111: sender non-delivery notification: DDDDD44444\n"
        "Mar  3 09:14:02 mx1 postfix/local[2]: DDDDD44444: to=<bounces+spring@esp.example>, relay=local, dsn=2.0.0, status=sent (delivered to maildir)\n",
        "postfix");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_TRUE(c.events.empty());
    EXPECT_EQ(c.counts.skipped.at("the mail system's own notice (null sender)"), 1u);
    EXPECT_EQ(c.counts.skipped.at("not a delivery line"), 1u);  // the bounce line itself
}

TEST(Postfix, QueueTableIsBounded) {
    struct Info {
        std::string s;
        std::size_t bytes() const { return s.size(); }
    };
    QueueTable<Info> t(3, 1u << 20);
    for (int i = 0; i < 10; ++i) t.upsert("Q" + std::to_string(i)).s = "x";
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.find("Q0"), nullptr);
    EXPECT_NE(t.find("Q9"), nullptr);
    QueueTable<Info> small(100, 2000);
    for (int i = 0; i < 10; ++i) {
        std::string id = "Q" + std::to_string(i);
        small.upsert(id).s.assign(500, 'x');
        small.charge(id);
    }
    EXPECT_LE(small.bytes(), 2000u);
    EXPECT_GT(small.evictions(), 0u);
}

TEST(Postfix, JoinSurvivesManyInterleavedMessages) {
    // 3000 messages interleaved: each qmgr from= line is followed later by its to= line.
    std::string log;
    for (int i = 0; i < 3000; ++i) {
        char qid[16];
        std::snprintf(qid, sizeof qid, "%010X", i + 0x100000);
        log += std::string("Mar  3 09:00:00 mx postfix/qmgr[1]: ") + qid + ": from=<s" +
               std::to_string(i) + "@shop.example>, size=1, nrcpt=1 (queue active)\n";
    }
    for (int i = 0; i < 3000; ++i) {
        char qid[16];
        std::snprintf(qid, sizeof qid, "%010X", i + 0x100000);
        log += std::string("Mar  3 09:00:01 mx postfix/smtp[2]: ") + qid + ": to=<r" +
               std::to_string(i) + "@example.com>, relay=mx.example.com[192.0.2.1]:25, dsn=2.0.0, "
               "status=sent (250 ok)\n";
    }
    auto c = read_text(log, "postfix");
    ASSERT_EQ(c.events.size(), 3000u);
    EXPECT_EQ(c.events[1234].sender, "s1234@shop.example");
    EXPECT_EQ(c.counts.parsed, 6000u);
}

TEST(Syslog, TimestampsNormalise) {
    std::string iso;
    std::int64_t unix = 0;
    ASSERT_TRUE(normalise_time("Mar  3 09:14:02", 2025, iso, unix));
    EXPECT_EQ(iso, "2025-03-03T09:14:02");
    EXPECT_EQ(unix, 1740993242);
    ASSERT_TRUE(normalise_time("2025-03-03 09:40:01+0000", 0, iso, unix));
    EXPECT_EQ(iso, "2025-03-03T09:40:01+00:00");
    EXPECT_EQ(unix, 1740994801);
    ASSERT_TRUE(normalise_time("1741000000", 0, iso, unix));
    EXPECT_EQ(iso, "2025-03-03T11:06:40Z");
    EXPECT_FALSE(normalise_time("yesterday", 2025, iso, unix));
    // RFC 5322 3.3 (Date: headers, DSN Arrival-Date), and the obsolete forms of 4.3.
    ASSERT_TRUE(normalise_time("Fri, 13 Nov 2020 09:47:59 +0900 (JST)", 0, iso, unix));
    EXPECT_EQ(iso, "2020-11-13T09:47:59+09:00");
    EXPECT_EQ(unix, 1605228479);
    ASSERT_TRUE(normalise_time("13 nov 20 09:47 EST", 0, iso, unix));
    EXPECT_EQ(iso, "2020-11-13T09:47:00-05:00");
    EXPECT_EQ(unix, 1605278820);
    ASSERT_TRUE(normalise_time("Thu, 29 Apr 2009 00:00:00 -0000 (EST)", 0, iso, unix));
    EXPECT_EQ(iso, "2009-04-29T00:00:00");  // -0000: no zone known
    EXPECT_EQ(unix, 1240963200);
    EXPECT_FALSE(normalise_time("Fri, 31 Foo 2020 09:47:59 +0900", 0, iso, unix));
    EXPECT_FALSE(normalise_time("Fri, 13 Nov 2020 25:47:59 +0900", 0, iso, unix));
}

}  // namespace
}  // namespace mxt
