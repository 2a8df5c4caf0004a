// The reply grammar: codes, continuation lines (real and flattened), wrappers, stages, tags, and
// inputs that are malformed, empty, huge or not UTF-8.
#include <gtest/gtest.h>

#include "reply/reply.hpp"

using mxt::parse_reply;
using mxt::Stage;

TEST(Reply, SingleLine) {
    auto r = parse_reply("550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown");
    EXPECT_EQ(r.basic_code, 550);
    EXPECT_EQ(r.status.str(), "5.1.1");
    EXPECT_EQ(r.text, "<bob@example.com>: Recipient address rejected: User unknown");
    EXPECT_EQ(r.reply_code(), "550");
}

TEST(Reply, MultiLineWithCrlf) {
    auto r = parse_reply(
        "550-5.7.26 This message does not have authentication information or fails to\r\n"
        "550-5.7.26 pass authentication checks. To best protect our users from spam, the\r\n"
        "550 5.7.26 message has been blocked. - gsmtp\r\n");
    EXPECT_EQ(r.basic_code, 550);
    EXPECT_EQ(r.status.str(), "5.7.26");
    EXPECT_EQ(r.text,
              "This message does not have authentication information or fails to pass "
              "authentication checks. To best protect our users from spam, the message has been "
              "blocked. - gsmtp");
}

TEST(Reply, MultiLineFlattenedByPostfix) {
    auto r = parse_reply(
        "host gmail-smtp-in.l.google.com[142.250.102.27] said: 550-5.7.26 This message does not "
        "have authentication information or fails to 550-5.7.26 pass authentication checks (SPF or "
        "DKIM). 550 5.7.26 information. 5a478bee46e88-2b70a1c4e8csi1234567eec.245 - gsmtp (in reply "
        "to end of DATA command)");
    EXPECT_EQ(r.basic_code, 550);
    EXPECT_EQ(r.status.str(), "5.7.26");
    EXPECT_EQ(r.stage, Stage::end_of_data);
    EXPECT_EQ(r.text.find("550"), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("fails to pass authentication checks"), std::string::npos) << r.text;
    EXPECT_TRUE(r.text.ends_with("- gsmtp")) << r.text;
}

TEST(Reply, Exims_literal_newlines) {
    auto r = parse_reply(
        "554-gmx.net (mxgmx104) Nemesis ESMTP Service not available\\n554-No SMTP service\\n554-IP "
        "address is block listed.\\n554 For explanation visit https://postmaster.gmx.net/en/case");
    EXPECT_EQ(r.basic_code, 554);
    EXPECT_FALSE(r.status.present());
    EXPECT_EQ(r.text,
              "gmx.net (mxgmx104) Nemesis ESMTP Service not available No SMTP service IP address is "
              "block listed. For explanation visit https://postmaster.gmx.net/en/case");
}

TEST(Reply, SameNumberInTextIsNotAContinuation) {
    auto r = parse_reply("550 5.7.1 you sent 550 messages today, limit exceeded");
    EXPECT_EQ(r.text, "you sent 550 messages today, limit exceeded");
}

TEST(Reply, DsnDiagnosticPrefix) {
    auto r = parse_reply("smtp; 552 5.2.2 Mailbox full");
    EXPECT_EQ(r.basic_code, 552);
    EXPECT_EQ(r.status.str(), "5.2.2");
    EXPECT_EQ(r.text, "Mailbox full");
}

TEST(Reply, QmailHashCode) {
    auto r = parse_reply("550 #5.1.0 Address rejected.");
    EXPECT_EQ(r.status.str(), "5.1.0");
    EXPECT_EQ(r.text, "Address rejected.");
}

TEST(Reply, MismatchedClassIsNotTrusted) {
    auto r = parse_reply("550 4.7.1 Try again later");
    EXPECT_EQ(r.basic_code, 550);
    EXPECT_FALSE(r.status.present());
    EXPECT_EQ(r.untrusted_status.str(), "4.7.1");
}

TEST(Reply, MalformedEnhancedCodesAreText) {
    for (const char* raw : {"550 5.1 User unknown", "550 5.1.1234 User unknown", "550 6.1.1 User unknown",
                            "550 5.1.1.4 User unknown", "550 5..1 User unknown"}) {
        auto r = parse_reply(raw);
        EXPECT_EQ(r.basic_code, 550) << raw;
        EXPECT_FALSE(r.status.present()) << raw;
        EXPECT_NE(r.text.find("User unknown"), std::string::npos) << raw;
    }
}

TEST(Reply, NoCodeAtAll) {
    auto r = parse_reply("User unknown in virtual mailbox table");
    EXPECT_EQ(r.basic_code, 0);
    EXPECT_FALSE(r.status.present());
    EXPECT_EQ(r.text, "User unknown in virtual mailbox table");
    EXPECT_EQ(r.reply_code(), "");
}

TEST(Reply, EnhancedCodeWithoutBasicCode) {
    auto r = parse_reply("5.1.1 unknown user");
    EXPECT_EQ(r.basic_code, 0);
    EXPECT_EQ(r.status.str(), "5.1.1");
}

TEST(Reply, Empty) {
    auto r = parse_reply("");
    EXPECT_EQ(r.basic_code, 0);
    EXPECT_TRUE(r.text.empty());
    auto r2 = parse_reply("   \r\n  ");
    EXPECT_TRUE(r2.text.empty());
}

TEST(Reply, HugeReplyIsCut) {
    std::string raw = "550 5.7.1 ";
    raw.append(100 * 1024, 'x');
    auto r = parse_reply(raw);
    EXPECT_EQ(r.basic_code, 550);
    EXPECT_LE(r.text.size(), mxt::kMaxReplyBytes);
    EXPECT_GT(r.text.size(), 60000u);
}

TEST(Reply, BytesThatAreNotUtf8) {
    std::string raw = "550 5.1.1 Benutzer \xfc\xfe\xff unbekannt";
    auto r = parse_reply(raw);
    EXPECT_EQ(r.status.str(), "5.1.1");
    EXPECT_NE(r.text.find("unbekannt"), std::string::npos);
}

TEST(Reply, NulBytes) {
    std::string raw("550 5.1.1 a\0b", 13);
    auto r = parse_reply(raw);
    EXPECT_EQ(r.basic_code, 550);
    EXPECT_EQ(r.text.size(), 3u);
}

TEST(Reply, ProviderTags) {
    auto r = parse_reply(
        "421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to user complaints");
    ASSERT_EQ(r.tags.size(), 1u);
    EXPECT_EQ(r.tags[0], "TSS04");
    auto m = parse_reply(
        "550 5.7.1 Unfortunately, messages from [203.0.113.25] weren't sent. Please contact your "
        "Internet service provider since part of their network is on our block list (S3150).");
    ASSERT_EQ(m.tags.size(), 1u);
    EXPECT_EQ(m.tags[0], "S3150");
    auto a = parse_reply("451 4.7.500 Server busy. Please try again later from [192.0.2.2]. (AS761)");
    // Microsoft writes its throttling references as "(AS761)" as well as "AS(1234)".
    ASSERT_EQ(a.tags.size(), 1u);
    EXPECT_EQ(a.tags[0], "AS761");
    auto cbl = parse_reply("550 5.7.1 Client host [192.0.2.1] blocked using Customer Block List AS(1234)");
    ASSERT_EQ(cbl.tags.size(), 1u);
    EXPECT_EQ(cbl.tags[0], "AS(1234)");
    auto c = parse_reply("554 5.7.1 RL000001 and BL000010 and [HM08] and OFR004_405");
    ASSERT_EQ(c.tags.size(), 4u);
    EXPECT_EQ(c.tags[0], "RL000001");
    EXPECT_EQ(c.tags[1], "BL000010");
    EXPECT_EQ(c.tags[2], "HM08");
    EXPECT_EQ(c.tags[3], "OFR004_405");
}

TEST(Reply, Stages) {
    EXPECT_EQ(parse_reply("550 no (in reply to RCPT TO command)").stage, Stage::rcpt);
    EXPECT_EQ(parse_reply("421 busy (in reply to MAIL FROM command)").stage, Stage::mail);
    EXPECT_EQ(parse_reply("550 x (in reply to end of DATA command)").stage, Stage::end_of_data);
    EXPECT_EQ(parse_reply("host mx[192.0.2.1] refused to talk to me: 554 go away").stage, Stage::connect);
    auto exim = parse_reply(
        "SMTP error from remote mail server after RCPT TO:<alice@gmail.com>: 550 5.1.1 no such user");
    EXPECT_EQ(exim.stage, Stage::rcpt);
    EXPECT_EQ(exim.basic_code, 550);
    EXPECT_EQ(exim.text, "no such user");
    EXPECT_EQ(parse_reply("550 5.1.1 no").stage, Stage::unknown);
}

TEST(EnhancedCode, StrictGrammar) {
    EXPECT_EQ(mxt::parse_enhanced_code("5.7.26").str(), "5.7.26");
    EXPECT_EQ(mxt::parse_enhanced_code("2.0.0").str(), "2.0.0");
    EXPECT_FALSE(mxt::parse_enhanced_code("3.1.1").present());
    EXPECT_FALSE(mxt::parse_enhanced_code("5.7").present());
    EXPECT_FALSE(mxt::parse_enhanced_code("5.7.1000").present());
    EXPECT_FALSE(mxt::parse_enhanced_code("5.7.1 x").present());
    EXPECT_FALSE(mxt::parse_enhanced_code("").present());
}

TEST(Reply, ParsingIntoAReusedReplyLeavesNothingBehind) {
    mxt::Reply r;
    parse_reply("host mx.example[192.0.2.1] said: 550 5.7.1 [TS02] blocked (in reply to RCPT TO command)", r);
    EXPECT_EQ(r.basic_code, 550);
    EXPECT_EQ(r.stage, Stage::rcpt);
    EXPECT_EQ(r.tags, std::vector<std::string>{"TS02"});
    parse_reply("mailbox full", r);
    EXPECT_EQ(r.basic_code, 0);
    EXPECT_FALSE(r.status.present());
    EXPECT_FALSE(r.untrusted_status.present());
    EXPECT_EQ(r.stage, Stage::unknown);
    EXPECT_TRUE(r.tags.empty());
    EXPECT_EQ(r.text, "mailbox full");
    parse_reply("250 2.1.5 ok", r);
    parse_reply("", r);
    EXPECT_EQ(r.basic_code, 0);
    EXPECT_EQ(r.text, "");
}

TEST(Reply, WrappersFoundWhereverTheyAre) {
    // The last "(in reply to" names the stage; an earlier one is part of the text.
    auto r = parse_reply(
        "host mx.example[192.0.2.1] said: 550 5.1.1 no: such user (in reply to MAIL FROM command) "
        "(in reply to RCPT TO command)");
    EXPECT_EQ(r.stage, Stage::rcpt);
    EXPECT_EQ(r.text, "no: such user (in reply to MAIL FROM command)");
    // Colons before " said:" do not hide it.
    r = parse_reply("host mx.example[192.0.2.1]:25 a:b said: 554 5.7.1 denied");
    EXPECT_EQ(r.basic_code, 554);
    EXPECT_EQ(r.text, "denied");
    r = parse_reply("connect to mx.example[192.0.2.1]:25: host mx.example refused to talk to me: 421 busy");
    EXPECT_EQ(r.basic_code, 421);
    EXPECT_EQ(r.stage, Stage::connect);
    EXPECT_EQ(r.text, "busy");
    // "said:" without "host " before it is text.
    r = parse_reply("550 the server said: no");
    EXPECT_EQ(r.text, "the server said: no");
}

TEST(Reply, SpacingInsideALine) {
    // Single spaces between words are copied with them; runs of white space collapse, and a space
    // before the reply's own code still starts a flattened continuation.
    auto r = parse_reply("550-5.1.1 a b  c\t\td  e 550-5.1.1 f g 550 5.1.1 h");
    EXPECT_EQ(r.text, "a b c d e f g h");
    r = parse_reply("550 5.1.1 a 5 b 55 c 551 d");
    EXPECT_EQ(r.text, "a 5 b 55 c 551 d");
}
