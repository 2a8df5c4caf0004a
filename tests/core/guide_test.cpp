// The cases of the deliverability guide the project started from (shared docs, seed-550-guide.txt)
// and of triage-spec sections 3 and 6, each as a named test: its reply table, the Gmail transcript,
// the 5.7.1 readings, Microsoft's 5.7.515 / 5.7.606 / Customer Block List, 5.2.1 and 5.1.1.
// Replies the guide gives only as a code are classified as that code; the others carry the
// providers' wording.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "rules/classifier.hpp"

using namespace mxt;

namespace {

class Guide : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto c = Classifier::load({}, MXT_RULES_DIR);
        if (!c) {
            for (const auto& e : c.error()) ADD_FAILURE() << e.str();
            return;
        }
        classifier_ = *c;
    }
    static void TearDownTestSuite() { classifier_.reset(); }

    Diagnosis classify(std::string_view reply, std::string_view recipient = {}, Stage stage = Stage::unknown) {
        EXPECT_TRUE(classifier_) << "rules did not load";
        if (!classifier_) return {};
        ClassifierSession s(classifier_);
        ReplyContext ctx;
        ctx.recipient = recipient;
        ctx.stage = stage;
        return s.classify(reply, ctx);
    }

    static bool suppressing(const Diagnosis& d) {
        return d.action == Action::suppress || d.action == Action::suppress_after_retries;
    }

    static inline std::shared_ptr<const Classifier> classifier_;
};

#define EXPECT_DIAG(d, cat, act)                                                            \
    do {                                                                                    \
        EXPECT_EQ(to_string((d).category), to_string(cat)) << "rule '" << (d).rule << "'"; \
        EXPECT_EQ(to_string((d).action), to_string(act)) << "rule '" << (d).rule << "'";   \
    } while (0)

// --- The guide's reply table ------------------------------------------------------------------

// "550 5.7.1 | Gmail | SPF/DKIM fail or DMARC reject": Gmail's 5.7.1 for unauthenticated mail.
TEST_F(Guide, Table_Gmail_5_7_1_Authentication) {
    auto d = classify("550-5.7.1 Unauthenticated email is not accepted from this domain. a1si1 - gsmtp", "bob@gmail.com");
    EXPECT_DIAG(d, Category::authentication, Action::fix_authentication);
    EXPECT_EQ(d.provider, "google");
}

// "550 5.7.26 | Gmail | p=reject domain, DMARC fail".
TEST_F(Guide, Table_Gmail_5_7_26_Dmarc) {
    auto d = classify(
        "550-5.7.26 Unauthenticated email from yourcompany.com is not accepted due to domain's DMARC policy. "
        "Please contact the administrator of yourcompany.com domain if this was a legitimate mail. - gsmtp",
        "bob@gmail.com");
    EXPECT_DIAG(d, Category::authentication, Action::fix_authentication);
    EXPECT_TRUE(d.permanent);
}

// "550 5.7.28 | Gmail | Spam rate exceeded 0.10%": pause, clean, reduce volume.
TEST_F(Guide, Table_Gmail_5_7_28_SpamRate) {
    auto d = classify(
        "550-5.7.28 There is an unusual rate of unsolicited mail originating from your IP address. To protect our "
        "users from spam, mail sent from your IP address has been blocked. - gsmtp",
        "bob@gmail.com");
    EXPECT_DIAG(d, Category::complaint_rate, Action::pause_provider);
}

// "550 5.7.350 | Microsoft | Domain not authorised to send" (given as a code only).
TEST_F(Guide, Table_Microsoft_5_7_350) {
    auto d = classify("550 5.7.350", "bob@outlook.com");
    EXPECT_DIAG(d, Category::authentication, Action::fix_authentication);
    EXPECT_EQ(d.provider, "microsoft");
}

// "550 5.7.520 | Microsoft | IP blocked - not permitted": delist through Microsoft's portal.
TEST_F(Guide, Table_Microsoft_5_7_520) {
    auto d = classify("550 5.7.520", "bob@hotmail.com");
    EXPECT_DIAG(d, Category::ip_reputation, Action::delist);
}

// "550 5.7.708 | Microsoft | Rate limit": the guide's reading is a rate limit, Microsoft's own is
// traffic refused from an IP of poor reputation; the diagnosis must say both and throttle.
TEST_F(Guide, Table_Microsoft_5_7_708_BothReadings) {
    for (auto reply : {"550 5.7.708 Access denied, traffic not accepted from this IP", "550 5.7.708"}) {
        auto d = classify(reply, "bob@outlook.com");
        EXPECT_TRUE(d.category == Category::ip_reputation || d.category == Category::rate_limited)
            << reply << ": " << to_string(d.category);
        EXPECT_EQ(d.action, Action::throttle) << reply;
        EXPECT_NE(d.explanation.find("reputation"), std::string::npos) << reply << ": " << d.explanation;
        EXPECT_NE(d.explanation.find("rate limit"), std::string::npos) << reply << ": " << d.explanation;
        EXPECT_FALSE(suppressing(d));
    }
}

// "TS02 | Yahoo | Complaint rate too high": reduce volume, suppress complainers.
TEST_F(Guide, Table_Yahoo_TS02) {
    auto d = classify(
        "421 4.7.0 [TS02] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user "
        "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        "bob@yahoo.com");
    EXPECT_DIAG(d, Category::complaint_rate, Action::pause_provider);
    EXPECT_EQ(d.provider, "yahoo");
}

// "554 5.7.1 | Generic | Blacklisted IP or domain": check Spamhaus / Barracuda, delist.
TEST_F(Guide, Table_Generic_554_5_7_1_Blacklisted) {
    for (auto reply : {"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
                       "554 5.7.1 Your IP address 192.0.2.1 is blacklisted",
                       "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation; "
                       "http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.1"}) {
        auto d = classify(reply, "bob@example.com");
        EXPECT_DIAG(d, Category::blocklisted, Action::delist);
    }
}

// --- The Gmail transcript: DKIM passes for the ESP's domain, not the From: domain ----------------

TEST_F(Guide, Transcript_Gmail_5_7_26_AfterData) {
    auto d = classify(
        "550-5.7.26 This message does not have authentication information or fails to pass authentication "
        "checks. To best protect our users from spam, the message has been blocked. "
        "z15-20020aa7957f000000b006b91c22e985si9837215pfk.8 - gsmtp",
        "user@gmail.com", Stage::end_of_data);
    EXPECT_DIAG(d, Category::authentication, Action::fix_authentication);
    EXPECT_EQ(d.provider, "google");
    EXPECT_EQ(d.reason, "authfailure");
    EXPECT_FALSE(d.hard_bounce);
}

// --- The 5.7.1 readings: the text decides ------------------------------------------------------

TEST_F(Guide, Text_5_7_1_GmailUnsolicitedRate_IsReputation) {
    auto d = classify(
        "550-5.7.1 Our system has detected an unusual rate of unsolicited mail originating from your IP address. "
        "To protect our users from spam, mail sent from your IP address has been blocked. - gsmtp",
        "bob@gmail.com");
    EXPECT_DIAG(d, Category::ip_reputation, Action::pause_provider);
}

TEST_F(Guide, Text_5_7_1_HighProbabilityOfSpam_IsContent) {
    auto d = classify("550 5.7.1 High Probability of Spam", "bob@example.com");
    EXPECT_DIAG(d, Category::content, Action::review_content);
}

TEST_F(Guide, Text_5_7_1_BlockedUsingList_IsBlocklisted) {
    auto d = classify("550 5.7.1 Client host [192.0.2.1] blocked using bl.spamcop.net", "bob@example.com");
    EXPECT_DIAG(d, Category::blocklisted, Action::delist);
    EXPECT_TRUE(d.blocklist.present());
}

TEST_F(Guide, Text_5_7_26_NoAuthenticationInformation) {
    auto d = classify("550 5.7.26 This message does not have authentication information", "bob@gmail.com");
    EXPECT_DIAG(d, Category::authentication, Action::fix_authentication);
}

TEST_F(Guide, Text_5_7_1_RelayingDenied) {
    auto d = classify("550 5.7.1 Relaying denied", "bob@corp.example");
    EXPECT_EQ(d.category, Category::relay_denied) << d.rule;
    EXPECT_FALSE(suppressing(d));
}

TEST_F(Guide, Text_5_7_1_CodeAlone_IsNotDecided) {
    // "never classify 5.7.1 by code alone": no reputation, blocklist or suppression from a bare code.
    auto d = classify("550 5.7.1", "bob@example.com");
    EXPECT_EQ(d.action, Action::investigate) << d.rule;
}

TEST_F(Guide, GreetingRefusal_5xx_IsTheClientRefused) {
    // RFC 5321 section 3.1: a 554 answered to the connection is "no SMTP service here" for this
    // client. The MTA's wrapper ("refused to talk to me") becomes the connect stage.
    auto d = classify("host mx.example.com[192.0.2.1] refused to talk to me: 554 mx.example.com ESMTP not accepting messages",
                      "bob@example.com");
    EXPECT_EQ(d.rule, "generic.refused_to_talk");
    EXPECT_DIAG(d, Category::ip_reputation, Action::investigate);
    EXPECT_EQ(d.reason, "blocked");
    // The same by the stage a reader reports, without the wrapper.
    EXPECT_EQ(classify("554 mx.example.com ESMTP not accepting messages", "bob@example.com", Stage::connect).rule,
              "generic.refused_to_talk");
    // Words that say more win (a text rule), and a 4xx greeting is retried, not judged.
    EXPECT_NE(classify("host mx.example.com[192.0.2.1] refused to talk to me: 554 Missing reverse DNS", "bob@example.com").rule,
              "generic.refused_to_talk");
    EXPECT_NE(classify("host mx.example.com[192.0.2.1] refused to talk to me: 421 Service not available", "bob@example.com").rule,
              "generic.refused_to_talk");
    // At any other stage the code alone decides nothing.
    EXPECT_EQ(classify("554 mx.example.com ESMTP not accepting messages", "bob@example.com", Stage::rcpt).rule,
              "basic.550_553_554");
}

// --- Microsoft 2025 codes ----------------------------------------------------------------------

TEST_F(Guide, Microsoft_5_7_515_AuthenticationLevel) {
    auto d = classify("550 5.7.515 Access denied, sending domain example.com does not meet the required authentication level.",
                      "bob@outlook.com");
    EXPECT_DIAG(d, Category::authentication, Action::fix_authentication);
    EXPECT_EQ(d.provider, "microsoft");
    // The "Access denied, ..." wording names Microsoft without saying which service; the recipient
    // domain says Outlook.com. Either no detail or that one, never Microsoft 365.
    EXPECT_NE(d.provider_detail, "microsoft365");
}

TEST_F(Guide, Microsoft_5_7_606_BannedSendingIp) {
    auto d = classify("550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list "
                      "please visit https://sender.office.com/ and follow the directions.",
                      "bob@outlook.com");
    EXPECT_DIAG(d, Category::ip_reputation, Action::delist);
    EXPECT_NE(d.fix.find("sender.office.com"), std::string::npos) << d.fix;
    // The code alone (any of 5.7.606-649) reads the same.
    auto bare = classify("550 5.7.633", "bob@outlook.com");
    EXPECT_DIAG(bare, Category::ip_reputation, Action::delist);
}

TEST_F(Guide, Microsoft_CustomerBlockList_AS) {
    auto d = classify("550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Customer Block List AS(1234)",
                      "bob@outlook.com");
    EXPECT_DIAG(d, Category::blocklisted, Action::delist);
    EXPECT_EQ(d.provider, "microsoft");
    EXPECT_EQ(d.block_id, "AS(1234)");
}

// --- Addresses: suppress at once ----------------------------------------------------------------

TEST_F(Guide, Mailbox_5_2_1_Disabled) {
    for (auto reply : {"550-5.2.1 The email account that you tried to reach is disabled. - gsmtp",
                       "550 5.2.1 Mailbox disabled, not accepting messages", "550 5.2.1"}) {
        auto d = classify(reply, "bob@gmail.com");
        EXPECT_DIAG(d, Category::mailbox_disabled, Action::suppress);
        EXPECT_TRUE(d.permanent) << reply;
    }
}

TEST_F(Guide, Mailbox_5_1_1_UserUnknown) {
    for (auto reply : {"550-5.1.1 The email account that you tried to reach does not exist. - gsmtp",
                       "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in local recipient table",
                       "550 5.1.1"}) {
        auto d = classify(reply, "bob@gmail.com");
        EXPECT_DIAG(d, Category::unknown_user, Action::suppress);
        EXPECT_TRUE(d.hard_bounce) << reply;
        EXPECT_EQ(d.reason, "userunknown") << reply;
    }
}

// --- Triage-spec section 6: never suppress for 5.7.x, or before the recipient was named -------

TEST_F(Guide, Never_Suppress_5_7_x) {
    for (auto reply : {"550 5.7.1 Recipient address rejected: User unknown", "550 5.7.1 The mailbox is disabled",
                       "550 5.7.26 Unauthenticated email", "554 5.7.1 Mailbox full", "550 5.7.17"}) {
        auto d = classify(reply, "bob@example.com");
        EXPECT_FALSE(suppressing(d)) << reply << " -> " << to_string(d.action) << " (" << d.rule << ")";
    }
}

TEST_F(Guide, Never_Suppress_Before_Rcpt) {
    for (Stage st : {Stage::connect, Stage::helo, Stage::mail}) {
        auto d = classify("550 5.1.1 User unknown", "bob@example.com", st);
        EXPECT_FALSE(suppressing(d)) << to_string(st);
    }
}

// 4xx is retried, 5xx is not retried unchanged: a permanent verdict for 5xx defaults.
TEST_F(Guide, Permanence_By_Class) {
    EXPECT_TRUE(classify("550 5.1.1 User unknown").permanent);
    EXPECT_FALSE(classify("450 4.2.0 Greylisted, please retry in 5 minutes").permanent);
    EXPECT_EQ(classify("450 4.2.0 Greylisted, please retry in 5 minutes").action, Action::retry);
}

}  // namespace
