// Tests of the e-mail message reader: RFC 3464 / RFC 6533 reports, ARF complaints, auto-replies,
// returned-original fields, pasted bodies, line endings, and hostile input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/classify_event.hpp"
#include "ingest/mail/message_reader.hpp"

using namespace mxt;

namespace {

struct Collect : EventSink {
    std::vector<DeliveryEvent> events;
    std::vector<InputProblem> problems;
    void event(DeliveryEvent&& e) override { events.push_back(std::move(e)); }
    void problem(const InputProblem& p) override { problems.push_back(p); }
};

struct Read {
    UnitOutcome outcome;
    std::vector<DeliveryEvent> events;
};

Read read(const std::string& msg) {
    Collect sink;
    MessageOrigin origin;
    origin.source = "test.eml";
    Read r;
    r.outcome = read_message(msg, origin, sink);
    r.events = std::move(sink.events);
    return r;
}

std::string crlf(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\n') out += "\r\n";
        else out.push_back(c);
    }
    return out;
}

std::string cr(const std::string& s) {
    std::string out = s;
    for (char& c : out)
        if (c == '\n') c = '\r';
    return out;
}

const std::string kDsn =
    "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
    "To: sender@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"BOUNDARY\"\n"
    "\n"
    "--BOUNDARY\n"
    "Content-Type: text/plain\n"
    "\n"
    "I'm sorry to have to inform you that your message could not be delivered.\n"
    "\n"
    "--BOUNDARY\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "Arrival-Date: Thu, 29 Apr 2021 23:34:45 +0900\n"
    "\n"
    "Final-Recipient: rfc822; alice@example.net\n"
    "Original-Recipient: rfc822;alice@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx1.example.net\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <alice@example.net>: Recipient address\n"
    "    rejected: User unknown in local recipient table\n"
    "Last-Attempt-Date: Thu, 29 Apr 2021 23:34:46 +0900\n"
    "\n"
    "Final-Recipient: rfc822; bob@example.net\n"
    "Action: delayed\n"
    "Status: 4.2.2\n"
    "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
    "\n"
    "--BOUNDARY\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Return-Path: <bounces@example.com>\n"
    "From: News <news@example.com>\n"
    "To: alice@example.net\n"
    "Message-ID: <abc123@example.com>\n"
    "X-Campaign: spring-2021\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel1;\n"
    "\th=from:to; bh=xyz=; b=abc=\n"
    "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.com\n"
    "Subject: Hello\n"
    "\n"
    "Body\n"
    "--BOUNDARY--\n";

TEST(MailReader, Rfc3464PerRecipientFields) {
    auto r = read(kDsn);
    ASSERT_EQ(r.outcome.result, UnitResult::parsed) << r.outcome.why;
    ASSERT_EQ(r.events.size(), 2u);
    const auto& a = r.events[0];
    EXPECT_EQ(a.format, "rfc3464");
    EXPECT_EQ(a.recipient, "alice@example.net");
    EXPECT_EQ(a.status, "5.1.1");
    EXPECT_EQ(a.reply_code, "550");
    EXPECT_EQ(a.remote_host, "mx1.example.net");
    // Folded Diagnostic-Code lines are unfolded into one reply.
    EXPECT_EQ(a.text, "550 5.1.1 <alice@example.net>: Recipient address rejected: User unknown in local recipient table");
    EXPECT_EQ(a.outcome, Outcome::bounced);
    // Last-Attempt-Date, normalised like log stamps (ISO 8601 with its zone, epoch seconds).
    EXPECT_EQ(a.time, "2021-04-29T23:34:46+09:00");
    EXPECT_EQ(a.unix_time, 1619706886);
    const auto& b = r.events[1];
    EXPECT_EQ(b.recipient, "bob@example.net");
    EXPECT_EQ(b.status, "4.2.2");
    EXPECT_EQ(b.outcome, Outcome::deferred);
    EXPECT_EQ(b.reason_hint, "expired");
    EXPECT_FALSE(b.reason_hint_final);
    // No Last-Attempt-Date and no Date: field: the original's Arrival-Date.
    EXPECT_EQ(b.time, "2021-04-29T23:34:45+09:00");
}

// What a real Postfix's notices carry (seen in tests/scripts/postfix_e2e.test.sh): the queue id
// in X-Postfix-Queue-ID, the remote MTA named only by its address, the notice's own Date:.
TEST(MailReader, PostfixReportFieldsQueueIdRemoteAddressAndDate) {
    std::string msg = kDsn;
    msg.replace(msg.find("Reporting-MTA: dns; mx.example.org\n"), 35,
                "Reporting-MTA: dns; mx.example.org\nX-Postfix-Queue-ID: 4QxT2h0kq7z9vDr\n");
    msg.replace(msg.find("Remote-MTA: dns; mx1.example.net"), 32, "Remote-MTA: dns; [192.0.2.7]");
    msg.replace(msg.find("Subject: Undelivered"), 0, "Date: Sat, 28 Nov 2026 04:10:39 +0000 (UTC)\n");
    auto r = read(msg);
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].queue_id, "4QxT2h0kq7z9vDr");
    EXPECT_EQ(r.events[0].remote_ip, "192.0.2.7");
    EXPECT_EQ(r.events[1].remote_ip, "");  // bob's group names no remote MTA
    // bob has no Last-Attempt-Date: the notice's Date:, its comment ignored.
    EXPECT_EQ(r.events[1].time, "2026-11-28T04:10:39Z");
    EXPECT_EQ(r.events[1].unix_time, 1795839039);
}

TEST(MailReader, KeepsTheReturnedOriginalsFields) {
    auto r = read(kDsn);
    ASSERT_FALSE(r.events.empty());
    const auto& e = r.events[0];
    EXPECT_EQ(e.header_from, "News <news@example.com>");
    EXPECT_EQ(e.return_path, "bounces@example.com");
    EXPECT_EQ(e.message_id, "abc123@example.com");  // without angle brackets, as from logs
    EXPECT_EQ(e.campaign, "spring-2021");
    ASSERT_EQ(e.dkim.size(), 1u);
    EXPECT_EQ(e.dkim[0].d, "example.com");
    EXPECT_EQ(e.dkim[0].s, "sel1");
    ASSERT_EQ(e.authentication_results.size(), 1u);
    EXPECT_NE(e.authentication_results[0].find("spf=pass"), std::string::npos);
}

TEST(MailReader, CampaignHeaderIsConfigurable) {
    std::string msg = kDsn;
    msg.replace(msg.find("X-Campaign: spring-2021"), 23, "X-Mailing-Id: m-77");
    Collect sink;
    MessageOrigin origin;
    origin.campaign_header = "X-Mailing-Id";
    read_message(msg, origin, sink);
    ASSERT_FALSE(sink.events.empty());
    EXPECT_EQ(sink.events[0].campaign, "m-77");
}

std::string fields(const std::vector<DeliveryEvent>& ev) {
    std::string out;
    for (const auto& e : ev)
        out += e.recipient + "|" + e.status + "|" + e.reply_code + "|" + e.text + "|" + e.remote_host + "|" +
               e.header_from + "|" + e.message_id + "|" + e.campaign + "\n";
    return out;
}

TEST(MailReader, LineEndingsDoNotMatter) {
    auto lf = read(kDsn);
    auto dos = read(crlf(kDsn));
    auto mac = read(cr(kDsn));
    ASSERT_EQ(lf.events.size(), 2u);
    EXPECT_EQ(fields(lf.events), fields(dos.events));
    EXPECT_EQ(fields(lf.events), fields(mac.events));
}

TEST(MailReader, GlobalDeliveryStatusWithUtf8Address) {
    std::string msg =
        "From: postmaster@example.org\n"
        "Subject: Delivery Status Notification\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=global-delivery-status; boundary=\"b\"\n"
        "\n"
        "--b\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Delivery failed.\n"
        "--b\n"
        "Content-Type: message/global-delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.example.org\n"
        "\n"
        "Final-Recipient: utf-8; \xE7\x94\xA8\xE6\x88\xB7@example.org\n"
        "Action: failed\n"
        "Status: 5.2.2\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"
        "--b--\n";
    auto r = read(msg);
    ASSERT_EQ(r.events.size(), 1u) << r.outcome.why;
    EXPECT_EQ(r.events[0].recipient, "\xE7\x94\xA8\xE6\x88\xB7@example.org");
    EXPECT_EQ(r.events[0].status, "5.2.2");
    EXPECT_EQ(r.events[0].reply_code, "552");
}

TEST(MailReader, ArfIsAComplaintNotABounce) {
    std::string msg =
        "From: feedback@fbl.example.net\n"
        "To: abuse@example.com\n"
        "Subject: FW: complaint\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=\"x\"\n"
        "\n"
        "--x\n"
        "Content-Type: text/plain\n"
        "\n"
        "This is an email abuse report.\n"
        "--x\n"
        "Content-Type: message/feedback-report\n"
        "\n"
        "Feedback-Type: abuse\n"
        "User-Agent: SomeGenerator/1.0\n"
        "Version: 1\n"
        "Original-Rcpt-To: carol@example.net\n"
        "Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\n"
        "--x\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "From: news@example.com\n"
        "To: carol@example.net\n"
        "Subject: Offer\n"
        "\n"
        "Hi\n"
        "--x--\n";
    auto r = read(msg);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].format, "arf");
    EXPECT_EQ(r.events[0].recipient, "carol@example.net");
    EXPECT_EQ(r.events[0].outcome, Outcome::complaint);
    EXPECT_EQ(r.events[0].feedback_type, "abuse");
    EXPECT_EQ(r.events[0].reason_hint, "feedback");
    EXPECT_TRUE(r.events[0].reason_hint_final);
}

TEST(MailReader, AutoReplyIsVacation) {
    std::string msg =
        "From: Dave <dave@example.net>\n"
        "To: news@example.com\n"
        "Subject: Automatic reply: Offer\n"
        "Auto-Submitted: auto-replied\n"
        "\n"
        "I am out of the office until Monday.\n";
    auto r = read(msg);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].recipient, "dave@example.net");
    EXPECT_EQ(r.events[0].outcome, Outcome::auto_reply);
    EXPECT_EQ(r.events[0].reason_hint, "vacation");
}

TEST(MailReader, EximTextBounce) {
    std::string msg =
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
        "To: sender@example.com\n"
        "Subject: Mail delivery failed: returning message to sender\n"
        "X-Failed-Recipients: erin@example.net\n"
        "\n"
        "This message was created automatically by mail delivery software.\n"
        "\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n"
        "\n"
        "  erin@example.net\n"
        "    SMTP error from remote mail server after RCPT TO:<erin@example.net>:\n"
        "    host mx.example.net [192.0.2.1]: 550 5.1.1 <erin@example.net>: User unknown\n"
        "\n"
        "------ This is a copy of the message, including all the headers. ------\n"
        "\n"
        "From: sender@example.com\n"
        "To: erin@example.net\n"
        "Message-ID: <m1@example.com>\n"
        "\n"
        "Hi\n";
    auto r = read(msg);
    ASSERT_EQ(r.events.size(), 1u) << r.outcome.why;
    EXPECT_EQ(r.events[0].recipient, "erin@example.net");
    EXPECT_EQ(r.events[0].status, "5.1.1");
    EXPECT_EQ(r.events[0].reply_code, "550");
    EXPECT_EQ(r.events[0].stage, Stage::rcpt);
    EXPECT_EQ(r.events[0].message_id, "m1@example.com");
}

TEST(MailReader, BarePastedBodyIsRead) {
    std::string body =
        "<frank@example.net>: host mx.example.net[192.0.2.5] said: 550 5.2.2\n"
        "    <frank@example.net>: mailbox full (in reply to RCPT TO command)\n";
    EXPECT_TRUE(looks_like_message(body));
    auto r = read(body);
    ASSERT_EQ(r.events.size(), 1u) << r.outcome.why;
    EXPECT_EQ(r.events[0].recipient, "frank@example.net");
    EXPECT_EQ(r.events[0].status, "5.2.2");
    EXPECT_EQ(r.events[0].reply_code, "550");
}

TEST(MailReader, OrdinaryMailIsSkipped) {
    std::string msg =
        "From: a@example.com\nTo: b@example.net\nSubject: lunch?\n\nAre you free at noon?\n";
    auto r = read(msg);
    EXPECT_EQ(r.outcome.result, UnitResult::skipped);
    EXPECT_EQ(r.outcome.why, "not a bounce");
    EXPECT_TRUE(r.events.empty());
}

TEST(MailReader, LooksLikeMessage) {
    EXPECT_TRUE(looks_like_message("Return-Path: <>\nReceived: from x\n"));
    EXPECT_TRUE(looks_like_message("From MAILER-DAEMON Thu Apr 29 23:34:45 2021\nFrom: x\n"));
    EXPECT_FALSE(looks_like_message("Nov 27 10:00:00 host postfix/smtp[1]: 123: to=<a@b.c>"));
    EXPECT_FALSE(looks_like_message(std::string("\x00\x01\x02\x03", 4)));
}

// Bad input: each case ends as an outcome with a reason, never a crash.
TEST(MailReader, TruncatedMimeDoesNotCrash) {
    std::string msg = kDsn.substr(0, kDsn.find("Diagnostic-Code") + 20);
    auto r = read(msg);
    EXPECT_NE(r.outcome.result, UnitResult::failed) << r.outcome.why;
    ASSERT_FALSE(r.events.empty());
    EXPECT_EQ(r.events[0].recipient, "alice@example.net");
}

TEST(MailReader, MissingBoundaryIsReadAsText) {
    std::string msg =
        "From: MAILER-DAEMON@mx.example.org\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed\n"
        "\n"
        "<gina@example.net>: host mx.example.net said: 550 5.1.1 User unknown\n";
    auto r = read(msg);
    ASSERT_EQ(r.events.size(), 1u) << r.outcome.why;
    EXPECT_EQ(r.events[0].recipient, "gina@example.net");
}

TEST(MailReader, InvalidUtf8IsRepaired) {
    std::string msg =
        "From: MAILER-DAEMON@mx.example.org\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "\n"
        "<hank@example.net>: host mx.example.net said: 550 5.1.1 bad \xFF\xFE bytes \xC3\n";
    auto r = read(msg);
    ASSERT_EQ(r.events.size(), 1u) << r.outcome.why;
    const auto& t = r.events[0].text;
    EXPECT_EQ(t.find('\xFF'), std::string::npos);
    EXPECT_NE(t.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(MailReader, DeepNestingIsBounded) {
    std::string msg = "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered\nMIME-Version: 1.0\n";
    const int depth = 5000;
    msg += "Content-Type: multipart/mixed; boundary=\"b0\"\n\n";
    for (int i = 1; i < depth; ++i)
        msg += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n";
    msg += "--b" + std::to_string(depth - 1) + "\nContent-Type: text/plain\n\n<x@example.net>: 550 5.1.1 unknown\n";
    auto r = read(msg);
    EXPECT_EQ(r.outcome.result, UnitResult::failed);
    EXPECT_EQ(r.outcome.why, "MIME nesting too deep");
    EXPECT_TRUE(r.events.empty());
}

TEST(MailReader, BinaryJunkFails) {
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) % 256));
    auto r = read(junk);
    EXPECT_EQ(r.outcome.result, UnitResult::failed);
    EXPECT_FALSE(r.outcome.why.empty());
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(read("").outcome.result, UnitResult::skipped);
}

// classify_event: the reader's hints and the rules combined.
std::shared_ptr<const Classifier> classifier() {
    static auto cl = Classifier::load({}, MXT_RULES_DIR);
    EXPECT_TRUE(cl.has_value());
    return cl ? *cl : nullptr;
}

TEST(ClassifyEvent, FinalHintDecides) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    DeliveryEvent e;
    e.text = "Feedback-Type: abuse";
    e.reason_hint = "feedback";
    e.reason_hint_final = true;
    classify_event(s, e);
    EXPECT_EQ(e.diagnosis.reason, "feedback");
    EXPECT_EQ(e.diagnosis.category, Category::complaint);
}

TEST(ClassifyEvent, RuleBeatsSoftHintAndFillsCodes) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    DeliveryEvent e;
    e.text = "452 4.2.2 <bob@example.net>: mailbox full";
    e.reason_hint = "expired";
    classify_event(s, e);
    EXPECT_EQ(e.status, "4.2.2");
    EXPECT_EQ(e.reply_code, "452");
    EXPECT_EQ(e.diagnosis.reason, "mailboxfull");
}

TEST(ClassifyEvent, SoftHintWhenNothingMatches) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    DeliveryEvent e;
    e.text = "zzqx";
    e.reason_hint = "expired";
    classify_event(s, e);
    EXPECT_EQ(e.diagnosis.reason, "expired");
}

TEST(ClassifyEvent, UnknownUserAfterDataIsFiltered) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    DeliveryEvent e;
    e.text = "550 Unknown user kijitora@example.jp";
    e.stage = Stage::data;
    classify_event(s, e);
    EXPECT_EQ(e.diagnosis.reason, "filtered");
    DeliveryEvent f;
    f.text = "550 5.1.1 Unknown user kijitora@example.jp";
    f.stage = Stage::rcpt;
    classify_event(s, f);
    EXPECT_EQ(f.diagnosis.reason, "userunknown");
}


// A DSN for one recipient with the given extra header lines and Diagnostic-Code.
std::string dsn_with(const std::string& headers, const std::string& diag, const std::string& status = "5.0.0",
                     const std::string& human = "The message could not be delivered.\n") {
    return "From: MAILER-DAEMON@mx.example.org\n"
           "To: sender@example.com\n"
           "Subject: Delivery Status Notification\n" +
           headers +
           "MIME-Version: 1.0\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
           "\n"
           "--B\n"
           "Content-Type: text/plain\n"
           "\n" +
           human +
           "\n"
           "--B\n"
           "Content-Type: message/delivery-status\n"
           "\n"
           "Reporting-MTA: dns; mx.example.org\n"
           "\n"
           "Final-Recipient: rfc822; alice@example.net\n"
           "Action: failed\n"
           "Status: " +
           status + "\n" + (diag.empty() ? std::string() : "Diagnostic-Code: " + diag + "\n") +
           "\n"
           "--B--\n";
}

TEST(MailReader, ContentFilterGatewaysReportAfterData) {
    // SurfControl relays after taking the data: its "no such user" is the next hop's filter.
    auto r = read(dsn_with("X-Mailer: SurfControl E-mail Filter\n", "smtp; 550 alice@example.net... No such user"));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].stage, Stage::data);
    auto plain = read(dsn_with("", "smtp; 550 alice@example.net... No such user"));
    ASSERT_EQ(plain.events.size(), 1u);
    EXPECT_EQ(plain.events[0].stage, Stage::unknown);
}

TEST(MailReader, AmazonSesWrapperIsUnwrapped) {
    auto r = read(dsn_with("", "smtp; 5.1.0 - Unknown address error 550-'5.7.1 <x@example.com>... Access denied' (delivery attempts: 0)"));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].text, "550 5.7.1 <x@example.com>... Access denied");
    EXPECT_EQ(r.events[0].status, "5.7.1");
    // Without an enhanced code in the quoted reply, SES's own code stands.
    auto q = read(dsn_with("", "smtp; 5.3.0 - Other mail system problem 550-'Unknown user x@example.jp' (delivery attempts: 0)"));
    ASSERT_EQ(q.events.size(), 1u);
    EXPECT_EQ(q.events[0].text, "550 Unknown user x@example.jp");
    EXPECT_EQ(q.events[0].status, "5.3.0");
}

TEST(MailReader, XUnixQuotaIsLeftToTheRules) {
    auto r = read(dsn_with("", "x-unix; /var/mail/alice: Disk quota exceeded", "4.3.0"));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_FALSE(r.events[0].reason_hint_final);
    auto p = read(dsn_with("", "x-unix; procmail: program exited with status 75", "5.3.0"));
    ASSERT_EQ(p.events.size(), 1u);
    EXPECT_EQ(p.events[0].reason_hint, "mailererror");
    EXPECT_TRUE(p.events[0].reason_hint_final);
}

TEST(MailReader, HumanSentenceWhenNoDiagnosticCode) {
    auto r = read(dsn_with("", "", "5.0.0",
                           "** Address not found **\n\nYour message wasn't delivered to alice@example.net because the "
                           "address couldn't be found.\n"));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_NE(r.events[0].text.find("couldn't be found"), std::string::npos);
}

TEST(ClassifyEvent, UnknownAddressAnsweredToMailFromIsTheSenders) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    DeliveryEvent e;
    e.text = "553 5.1.0 Unknown address sender@example.com";
    e.stage = Stage::mail;
    classify_event(s, e);
    EXPECT_EQ(e.diagnosis.reason, "rejected");
    EXPECT_NE(e.diagnosis.action, Action::suppress);
}

TEST(ClassifyEvent, DnsFailureKeepsItsNameAfterRetries) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    DeliveryEvent e;
    e.text = "Deferred: Name server: example.jp.: host name lookup failure";
    e.status = "4.4.7";
    e.reason_hint = "expired";
    classify_event(s, e);
    EXPECT_EQ(e.diagnosis.reason, "networkerror");
}

TEST(MailReader, PowerMtaBounceCategoryOutweighsAMailboxStatusCode) {
    // PowerMTA classed the reply as a bad mailbox: the 5.2.1 beside "User Unknown" stays an
    // unknown user. Without that category, a 5.2.x "User Unknown" at an unnamed command reads as
    // the recipient's filter (Sisimai's filtered).
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    auto r = read(dsn_with("", "smtp; 550 5.2.1 <alice@example.net>... User Unknown\nX-PowerMTA-BounceCategory: bad-mailbox",
                           "5.2.1"));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].format, "powermta");
    EXPECT_EQ(r.events[0].reason_hint, "userunknown");
    classify_event(s, r.events[0]);
    EXPECT_EQ(r.events[0].diagnosis.reason, "userunknown");
    auto plain = read(dsn_with("", "smtp; 550 5.2.1 <alice@example.net>... User Unknown", "5.2.1"));
    ASSERT_EQ(plain.events.size(), 1u);
    EXPECT_EQ(plain.events[0].format, "rfc3464");
    classify_event(s, plain.events[0]);
    EXPECT_EQ(plain.events[0].diagnosis.reason, "filtered");
    EXPECT_NE(plain.events[0].diagnosis.action, Action::suppress);
}

std::string postfix_notice(const std::string& paragraph) {
    return "This is the mail system at host mx.example.org.\n\n"
           "I'm sorry to have to inform you that your message could not\n"
           "be delivered to one or more recipients. It's attached below.\n\n"
           "If you do so, please include this problem report. You can\n"
           "delete your own text from the attached returned message.\n\n"
           "                   The mail system\n\n" +
           paragraph;
}

TEST(MailReader, PostfixNoticeNamesTheCommand) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    // The report's Diagnostic-Code has no command; the notice's paragraph does (and the
    // preamble's "attached returned message" does not end the notice).
    auto r = read(dsn_with("", "smtp; 550 5.2.1 <alice@example.net>... User Unknown", "5.2.1",
                           postfix_notice("<alice@example.net>: host mx.example.net[192.0.2.1] said: 550 5.2.1\n"
                                          "    <alice@example.net>... User Unknown (in reply to RCPT TO command)\n")));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].format, "postfix");
    EXPECT_EQ(r.events[0].stage, Stage::rcpt);
    classify_event(s, r.events[0]);
    EXPECT_EQ(r.events[0].diagnosis.reason, "userunknown");
    // A Postfix notice that names no command: not the RCPT TO dialog (Sisimai: filtered).
    auto u = read(dsn_with("", "smtp; 550 <alice@example.net>: User unknown", "5.0.0",
                           postfix_notice("<alice@example.net>: host mx.example.net[192.0.2.1] said: 550\n"
                                          "    <alice@example.net>: User unknown\n")));
    ASSERT_EQ(u.events.size(), 1u);
    EXPECT_EQ(u.events[0].stage, Stage::unknown);
    classify_event(s, u.events[0]);
    EXPECT_EQ(u.events[0].diagnosis.reason, "filtered");
    // The same reply in a report by another MTA stays an unknown user.
    auto o = read(dsn_with("", "smtp; 550 <alice@example.net>: User unknown", "5.0.0"));
    ASSERT_EQ(o.events.size(), 1u);
    classify_event(s, o.events[0]);
    EXPECT_EQ(o.events[0].diagnosis.reason, "userunknown");
}

// Postfix writes a server's refusal of the connection as "host X[ip] refused to talk to me:
// <greeting>" (smtp_proto.c); the Diagnostic-Code carries only the reply. Seen on the notices a
// real Postfix 3.7 returned in tests/scripts/postfix_e2e.test.sh.
TEST(MailReader, PostfixGreetingRefusalIsTheConnectStage) {
    const std::string diag = "smtp; 421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred";
    auto r = read(dsn_with("", diag, "4.7.0",
                           postfix_notice("<alice@example.net>: host mx.example.net[192.0.2.1] "
                                          "refused to talk to me: 421\n"
                                          "    4.7.0 [TSS04] Messages from 192.0.2.25 temporarily "
                                          "deferred\n")));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].format, "postfix");
    EXPECT_EQ(r.events[0].stage, Stage::connect);
    EXPECT_EQ(r.events[0].outcome, Outcome::expired);  // a failure notice for a 4xx: retries gave up
    // A reply to a command keeps the command's stage.
    auto c = read(dsn_with("", diag, "4.7.0",
                           postfix_notice("<alice@example.net>: host mx.example.net[192.0.2.1] said: "
                                          "421 4.7.0\n"
                                          "    [TSS04] Messages from 192.0.2.25 temporarily deferred "
                                          "(in reply to\n"
                                          "    MAIL FROM command)\n")));
    ASSERT_EQ(c.events.size(), 1u);
    EXPECT_EQ(c.events[0].stage, Stage::mail);
}

TEST(MailReader, QmailAndYahooNameTheRcptStage) {
    auto q = read(dsn_with("", "smtp; 192.0.2.1 does not like recipient. Remote host said: 550 5.2.1 <alice@example.net>... "
                               "User Unknown Giving up on 192.0.2.1.", "5.2.1"));
    ASSERT_EQ(q.events.size(), 1u);
    EXPECT_EQ(q.events[0].stage, Stage::rcpt);
    auto y = read(dsn_with("", "smtp; Remote host said: 550 5.2.1 <alice@example.net>... User Unknown [RCPT_TO]", "5.2.1"));
    ASSERT_EQ(y.events.size(), 1u);
    EXPECT_EQ(y.events[0].stage, Stage::rcpt);
}

TEST(MailReader, WordsInFrontOfTheAddressAreTheReply) {
    auto r = read("From: MAILER-DAEMON@example.com\nTo: <sender@example.org>\nSubject: Returned mail: x\n\n"
                  "User's mailbox is full: <alice@example.net>\nUnable to deliver mail.\n");
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].recipient, "alice@example.net");
    EXPECT_NE(r.events[0].text.find("mailbox is full"), std::string::npos) << r.events[0].text;
}

TEST(ClassifyEvent, KddiEmptyAddressUserUnknownIsTheRecipientsFilter) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    DeliveryEvent e;
    e.text = "550 : User unknown";
    e.status = "5.0.0";
    classify_event(s, e);
    EXPECT_EQ(e.diagnosis.reason, "filtered");
    EXPECT_NE(e.diagnosis.action, Action::suppress);
    DeliveryEvent n;
    n.text = "550 <alice@au.example>: User unknown";
    n.stage = Stage::rcpt;
    classify_event(s, n);
    EXPECT_EQ(n.diagnosis.reason, "userunknown");
}

TEST(ClassifyEvent, AccessDeniedByStage) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    // Answered to MAIL FROM: the sender was refused (Sisimai's rejected).
    DeliveryEvent m;
    m.text = "550 5.7.1 Access denied";
    m.stage = Stage::mail;
    classify_event(s, m);
    EXPECT_EQ(m.diagnosis.reason, "rejected");
    // Postfix's recipient access map answered to RCPT TO: userunknown by convention, never a
    // suppression for a 5.7.x code.
    DeliveryEvent r;
    r.text = "554 5.7.1 <alice@example.net>: Recipient address rejected: Access denied";
    r.stage = Stage::rcpt;
    classify_event(s, r);
    EXPECT_EQ(r.diagnosis.reason, "userunknown");
    EXPECT_NE(r.diagnosis.action, Action::suppress);
    EXPECT_NE(r.diagnosis.action, Action::suppress_after_retries);
    // With no stage, the plain 5.7.1 refusal stays a security refusal.
    DeliveryEvent p;
    p.text = "550 5.7.1 Access denied";
    classify_event(s, p);
    EXPECT_EQ(p.diagnosis.reason, "securityerror");
}

TEST(MailReader, V5SendmailSessionReplyStandsForItsRecipient) {
    // Sendmail's own line says only "Remote protocol error": the remote's reply to MAIL FROM in
    // the session above is the cause, and its command the stage.
    auto r = read("From: Mail Delivery Subsystem <MAILER-DAEMON@example.com>\nTo: sender@example.co.jp\n"
                  "Subject: Returned mail: User unknown\n\n"
                  "   ----- Transcript of session follows -----\n"
                  "While talking to mailin1.example.org:\n"
                  ">>> MAIL From:<sender@example.co.jp>\n"
                  "<<< 501 <sender@example.co.jp>... no access from mail server [192.0.2.55] which is an open relay.\n"
                  "554 <alice@example.org>... Remote protocol error\n"
                  "While talking to smtp.example.edu:\n"
                  ">>> RCPT To:<bob@example.edu>\n"
                  "<<< 550 <bob@example.edu>... User unknown\n"
                  "550 <bob@example.edu>... User unknown\n\n"
                  "   ----- Unsent message follows -----\nSubject: x\n\nx\n");
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].recipient, "alice@example.org");
    EXPECT_NE(r.events[0].text.find("open relay"), std::string::npos) << r.events[0].text;
    EXPECT_EQ(r.events[0].stage, Stage::mail);
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    classify_event(s, r.events[0]);
    EXPECT_EQ(r.events[0].diagnosis.reason, "blocked");
    EXPECT_EQ(r.events[1].recipient, "bob@example.edu");
    EXPECT_EQ(r.events[1].text, "User unknown");
}

TEST(ClassifyEvent, BareRefusalAtTheGreetingIsBlocked) {
    auto cl = classifier();
    ASSERT_TRUE(cl);
    ClassifierSession s(cl);
    DeliveryEvent g;
    g.text = "421 Service not available, closing transmission channel";
    g.stage = Stage::connect;
    classify_event(s, g);
    EXPECT_EQ(g.diagnosis.reason, "blocked");
    EXPECT_EQ(g.diagnosis.action, Action::retry);  // the triage of a 421 stands
    DeliveryEvent h;
    h.text = "550 Rejected";
    h.status = "5.0.0";
    h.stage = Stage::helo;
    classify_event(s, h);
    EXPECT_EQ(h.diagnosis.reason, "blocked");
    // The same bare code after RCPT TO says nothing about the client.
    DeliveryEvent r;
    r.text = "550 Rejected";
    r.status = "5.0.0";
    r.stage = Stage::rcpt;
    classify_event(s, r);
    EXPECT_NE(r.diagnosis.reason, "blocked");
}

}  // namespace
