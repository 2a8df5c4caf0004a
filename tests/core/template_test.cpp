// Templates group replies that differ only in addresses, IPs, ids and numbers, and keep what
// carries meaning: enhanced codes, provider tags, list names.
#include <gtest/gtest.h>

#include "reply/template.hpp"

using mxt::make_template;

TEST(Template, MasksVariableParts) {
    EXPECT_EQ(make_template("<bob@example.com>: Recipient address rejected: User unknown"),
              "<<email>>: Recipient address rejected: User unknown");
    EXPECT_EQ(make_template("Messages from 203.0.113.25 temporarily deferred"),
              "Messages from <ip> temporarily deferred");
    EXPECT_EQ(make_template("Client host [192.0.2.1] blocked"), "Client host [<ip>] blocked");
    EXPECT_EQ(make_template("try again in 25 minutes"), "try again in <n> minutes");
    EXPECT_EQ(make_template("from 2001:db8::1 refused"), "from <ip> refused");
}

TEST(Template, SameTemplateForDifferentIds) {
    auto a = make_template(
        "blocked. z15-20020aa7957f000000b006b91c22e985si9837215pfk.8 - gsmtp");
    auto b = make_template("blocked. 5a478bee46e88-2b70a1c4e8csi1234567eec.245 - gsmtp");
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, "blocked. <id> - gsmtp");
}

TEST(Template, KeepsCodesTagsAndListNames) {
    EXPECT_EQ(make_template("[TSS04] see 5.7.26 (S3150) RL000001"), "[TSS04] see 5.7.26 (S3150) RL000001");
    EXPECT_EQ(make_template("blocked using dnsbl-1.uceprotect.net"), "blocked using dnsbl-1.uceprotect.net");
    EXPECT_EQ(make_template("blocked using zen.spamhaus.org;"), "blocked using zen.spamhaus.org;");
}

TEST(Template, CollapsesWhitespace) {
    EXPECT_EQ(make_template("  a \t b\r\n c  "), "a b c");
    EXPECT_EQ(make_template(""), "");
}

TEST(Template, PlainWordsAndMaskedWordsTogether) {
    // Words without digits, '@' or two ':' are copied as they are; the others are masked word by
    // word, and the spacing between them is the same either way.
    EXPECT_EQ(make_template("User unknown: bob@example.com; try later  in 5 minutes from dead::beef now"),
              "User unknown: <email>; try later in <n> minutes from <ip> now");
    EXPECT_EQ(make_template("rejected: see https://example.com/help?id=abc12345&x=7 today"),
              "rejected: see https://example.com/help?id=<id>&x=<n> today");
    EXPECT_EQ(make_template("12 a b 34"), "<n> a b <n>");
    EXPECT_EQ(make_template("a\tb c\n\nd"), "a b c d");
    EXPECT_EQ(make_template("x"), "x");
    EXPECT_EQ(make_template("  7  "), "<n>");
}

TEST(Template, ReusedBufferIsCleared) {
    std::string out = "left over";
    mxt::make_template("from 192.0.2.1", out);
    EXPECT_EQ(out, "from <ip>");
    mxt::make_template("", out);
    EXPECT_EQ(out, "");
}
