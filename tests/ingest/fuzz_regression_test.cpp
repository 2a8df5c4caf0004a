// Regression tests for inputs that the fuzz targets (fuzz/, docs/fuzzing.md) found; the inputs
// themselves are replayed from fuzz/corpus/ by the fuzz.* tests, these check the behaviour.
#include <gtest/gtest.h>

#include <string>

#include "ingest/classify_event.hpp"
#include "reply/reply.hpp"
#include "rules/classifier.hpp"

using namespace mxt;

namespace {

std::shared_ptr<const Classifier> rules() {
    static auto cl = Classifier::load({}, MXT_RULES_DIR);
    return cl ? *cl : nullptr;
}

}  // namespace

// fuzz/corpus/log_readers/crash-0489a3cc...: a PowerMTA record reports dsnStatus 5.7.1 while its
// diagnostic text quotes another server's "550-5.1.1 ... does not exist", which the reply parser
// reads as the reply. Triage-spec section 6: a 5.7.x rejection never suppresses the recipient.
TEST(FuzzRegression, ReportedStatus57NeverSuppresses) {
    auto cl = rules();
    ASSERT_NE(cl, nullptr);
    ClassifierSession session(cl);
    DeliveryEvent e;
    e.format = "pmta";
    e.recipient = "leo@gmail.com";
    e.status = "5.7.1";
    e.reply_code = "550";
    e.outcome = Outcome::bounced;
    e.reason_hint = "policyviolation";
    e.text = "550 5.7.1 Messages from [203.0.113.25] weren't sent, status=bounced (host "
             "gmail-smtp-in.l.google.com[142.250.102.27] said: 550-5.1.1 The email account that you tried "
             "to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address "
             "for typos or 550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser "
             "a1si123456pfx.12 - gsmtp (in reply to RCPT TO command))";
    // The premise: the text alone reads as an unknown user with a 5.1.1 code.
    ASSERT_EQ(parse_reply(e.text).status.str(), "5.1.1");
    classify_event(session, e);
    EXPECT_NE(e.diagnosis.action, Action::suppress);
    EXPECT_NE(e.diagnosis.action, Action::suppress_after_retries);
}
