// The rule loader and the precedence of the compiled table, on small rule sets written by the
// tests themselves: errors name file and line; first match wins in tier order; user files first;
// no 5.7.x reply is ever suppressed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rules/classifier.hpp"

namespace fs = std::filesystem;
using namespace mxt;

namespace {

class RulesDir : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("mxt-rules-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        write("providers.toml", R"(
[[provider]]
id = "google"
detail = "gmail"
text = ['\bgsmtp\b']
hosts = ["google.com"]
domains = ["gmail.com"]

[[provider]]
id = "yahoo"
domains = ["yahoo.*"]
)");
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text) {
        fs::path p = dir_ / name;
        std::ofstream(p) << text;
        return p.string();
    }

    auto load(const std::vector<std::string>& user = {}) { return Classifier::load(user, dir_.string()); }

    fs::path dir_;
};

constexpr const char* kTiers = R"(
[[rule]]
id = "basic.550"
code = ["550"]
category = "unclassified"
reason = "onhold"
action = "investigate"
explanation = "e"
fix = "f"

[[rule]]
id = "status.511"
status = ["5.1.1"]
category = "unknown_user"
reason = "userunknown"
action = "suppress"
explanation = "e"
fix = "f"

[[rule]]
id = "generic.spam"
text = ['spam']
category = "content"
reason = "spamdetected"
action = "review_content"
explanation = "e"
fix = "f"

[[rule]]
id = "google.spam"
provider = "google"
text = ['spam']
category = "ip_reputation"
reason = "badreputation"
action = "pause_provider"
explanation = "e"
fix = "f"
)";

}  // namespace

TEST_F(RulesDir, PrecedenceIsProviderTextThenTextThenStatusThenCode) {
    write("10-tiers.toml", kTiers);
    auto c = load();
    ASSERT_TRUE(c) << c.error().front().str();
    ClassifierSession s(*c);
    EXPECT_EQ(s.classify("550 5.1.1 spam detected - gsmtp", {}).rule, "google.spam");
    EXPECT_EQ(s.classify("550 5.1.1 spam detected", {}).rule, "generic.spam");
    EXPECT_EQ(s.classify("550 5.1.1 no such user", {}).rule, "status.511");
    EXPECT_EQ(s.classify("550 no such user", {}).rule, "basic.550");
    // Provider from the recipient domain when the text has no trailer.
    EXPECT_EQ(s.classify("550 5.1.1 spam detected", {.recipient = "a@gmail.com"}).rule, "google.spam");
    EXPECT_EQ(s.classify("550 5.1.1 spam detected", {.remote_host = "alt1.gmail-smtp-in.l.google.com"}).rule,
              "google.spam");
    auto d = s.classify("451 try later", {});
    EXPECT_EQ(d.rule, "");
    EXPECT_EQ(d.category, Category::transient);
}

TEST_F(RulesDir, ProviderDomainsWithWildcardSuffix) {
    write("10-tiers.toml", kTiers);
    auto c = load();
    ASSERT_TRUE(c);
    ClassifierSession s(*c);
    EXPECT_EQ(s.classify("550 x", {.recipient = "bob@yahoo.co.uk"}).provider, "yahoo");
    EXPECT_EQ(s.classify("550 x", {.recipient = "bob@notyahoo.com"}).provider, "other");
    EXPECT_EQ(s.classify("550 x", {.remote_host = "evilgoogle.com"}).provider, "other");
}

TEST_F(RulesDir, UserFilesComeFirstWithinATier) {
    write("10-tiers.toml", kTiers);
    std::string user = write("mine.toml", R"(
[[rule]]
id = "mine.spam"
text = ['spam']
category = "content"
reason = "filtered"
action = "investigate"
explanation = "mine"
fix = "mine"
)");
    auto c = load({user});
    ASSERT_TRUE(c);
    ClassifierSession s(*c);
    EXPECT_EQ(s.classify("550 spam", {}).rule, "mine.spam");
}

TEST_F(RulesDir, StatusHintIsUsedWhenTheReplyHasNoCode) {
    write("10-tiers.toml", kTiers);
    auto c = load();
    ASSERT_TRUE(c);
    ClassifierSession s(*c);
    ReplyContext ctx;
    ctx.status_hint = parse_enhanced_code("5.1.1");
    EXPECT_EQ(s.classify("mailbox unavailable", ctx).rule, "status.511");
    // A hint whose class contradicts the basic code is ignored.
    EXPECT_EQ(s.classify("450 mailbox unavailable", ctx).rule, "");
}

TEST_F(RulesDir, NeverSuppressFor57x) {
    write("10-x.toml", R"(
[[rule]]
id = "bad.idea"
text = ['user unknown']
category = "unknown_user"
reason = "userunknown"
action = "suppress"
explanation = "e"
fix = "f"
)");
    auto c = load();
    ASSERT_TRUE(c);
    ClassifierSession s(*c);
    EXPECT_EQ(s.classify("550 5.1.1 user unknown", {}).action, Action::suppress);
    auto d = s.classify("550 5.7.1 user unknown", {});
    EXPECT_EQ(d.rule, "bad.idea");
    EXPECT_EQ(d.action, Action::investigate);
    // Nor for a rejection before RCPT TO.
    EXPECT_EQ(s.classify("550 user unknown (in reply to MAIL FROM command)", {}).action, Action::investigate);
}

TEST_F(RulesDir, CacheGivesTheSameAnswer) {
    write("10-tiers.toml", kTiers);
    auto c = load();
    ASSERT_TRUE(c);
    ClassifierSession s(*c);
    auto a = s.classify("550 5.1.1 spam from 192.0.2.1 - gsmtp", {});
    auto b = s.classify("550 5.1.1 spam from 198.51.100.7 - gsmtp", {});
    EXPECT_EQ(s.cache_hits(), 1u);
    EXPECT_EQ(a.rule, b.rule);
    EXPECT_EQ(a.template_text, b.template_text);
    // A different recipient provider is a different key.
    auto y = s.classify("550 5.1.1 spam from 192.0.2.1", {.recipient = "x@yahoo.com"});
    EXPECT_EQ(y.provider, "yahoo");
}

TEST_F(RulesDir, BadTomlNamesFileAndLine) {
    std::string f = write("10-bad.toml", "[[rule]]\nid = \"x\"\ncategory = \n");
    auto c = load();
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().front().file, f);
    EXPECT_EQ(c.error().front().line, 3);
}

TEST_F(RulesDir, BadRegexNamesFileAndLine) {
    std::string f = write("10-bad.toml", R"([[rule]]
id = "x"
text = ['fine',
        '(unclosed']
category = "content"
reason = "spamdetected"
action = "review_content"
explanation = "e"
fix = "f"
)");
    auto c = load();
    ASSERT_FALSE(c);
    ASSERT_EQ(c.error().size(), 1u);
    EXPECT_EQ(c.error()[0].file, f);
    EXPECT_EQ(c.error()[0].line, 4);
    EXPECT_NE(c.error()[0].message.find("(unclosed"), std::string::npos);
}

TEST_F(RulesDir, UnknownCategoryReasonActionAndKeys) {
    std::string f = write("10-bad.toml", R"([[rule]]
id = "x"
text = 'x'
category = "spam"
reason = "spammy"
action = "delete"
explanation = "e"
fix = "f"
colour = "red"
)");
    auto c = load();
    ASSERT_FALSE(c);
    std::vector<int> lines;
    for (const auto& e : c.error()) {
        EXPECT_EQ(e.file, f);
        lines.push_back(e.line);
    }
    EXPECT_EQ(lines, (std::vector<int>{9, 4, 5, 6})) << c.error().front().str();
}

TEST_F(RulesDir, MissingFieldsAndSuppressOutsideItsCategories) {
    write("10-bad.toml", R"([[rule]]
id = "a"
text = 'x'
category = "content"
reason = "spamdetected"
action = "suppress"
explanation = "e"
fix = "f"

[[rule]]
id = "b"
category = "content"
)");
    auto c = load();
    ASSERT_FALSE(c);
    std::string all;
    for (const auto& e : c.error()) all += e.str() + "\n";
    EXPECT_NE(all.find(":1: rule 'a': action 'suppress' is only for"), std::string::npos) << all;
    EXPECT_NE(all.find(":10: missing required key 'reason'"), std::string::npos) << all;
    EXPECT_NE(all.find(":10: missing required key 'action'"), std::string::npos) << all;
}

TEST_F(RulesDir, DuplicateIdsAndUnknownProvider) {
    write("10-a.toml", R"([[rule]]
id = "dup"
status = "5.1.1"
category = "unknown_user"
reason = "userunknown"
action = "suppress"
explanation = "e"
fix = "f"
)");
    write("11-b.toml", R"([[rule]]
id = "dup"
provider = "hotmale"
status = "5.1.1"
category = "unknown_user"
reason = "userunknown"
action = "suppress"
explanation = "e"
fix = "f"
)");
    auto c = load();
    ASSERT_FALSE(c);
    std::string all;
    for (const auto& e : c.error()) all += e.str() + "\n";
    EXPECT_NE(all.find("11-b.toml:1: duplicate rule id 'dup'"), std::string::npos) << all;
    EXPECT_NE(all.find("unknown provider 'hotmale'"), std::string::npos) << all;
}

TEST_F(RulesDir, MissingDirectoryIsAConfigurationError) {
    auto c = Classifier::load({}, (dir_ / "nope").string());
    ASSERT_FALSE(c);
}
