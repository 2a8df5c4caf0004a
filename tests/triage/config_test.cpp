// rules/triage.toml loads, and a bad file stops with file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "triage/config.hpp"

using namespace mxt::triage;

namespace {
std::string write_temp(const std::string& name, const std::string& body) {
    auto p = std::filesystem::temp_directory_path() / name;
    std::ofstream(p) << body;
    return p.string();
}
}  // namespace

TEST(Config, ShippedFileLoads) {
    auto c = load_triage_config(std::string(MXT_RULES_DIR) + "/triage.toml");
    ASSERT_TRUE(c) << c.error();
    EXPECT_DOUBLE_EQ(c->unknown_user_rate, 0.02);
    EXPECT_DOUBLE_EQ(c->rise_min_rate, 0.05);
    EXPECT_DOUBLE_EQ(c->rise_baseline_max, 0.005);
    EXPECT_EQ(c->gate_for("ip_reputation_incident"), Gate::stop);
    EXPECT_EQ(c->gate_for("list_quality_incident"), Gate::hold);
    EXPECT_EQ(c->suppression.mailbox_full_failures, 3);
}

TEST(Config, OutOfRangeValueNamesTheLine) {
    auto p = write_temp("mxt-triage-bad1.toml", "[sample]\nmin_attempts = 50\nconfidence = 3\n");
    auto c = load_triage_config(p);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().substr(0, p.size() + 3), p + ":3:") << c.error();
}

TEST(Config, UnknownKeyAndSyntaxErrorNameTheLine) {
    auto p = write_temp("mxt-triage-bad2.toml", "[list_quality]\n\nunknown_user_rat = 0.02\n");
    auto c = load_triage_config(p);
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().find(":3: unknown key"), std::string::npos) << c.error();

    auto q = write_temp("mxt-triage-bad3.toml", "[gate]\nnormal = \"go\"\nblocklisted = maybe\n");
    auto d = load_triage_config(q);
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().find(q + ":3"), std::string::npos) << d.error();

    auto r = write_temp("mxt-triage-bad4.toml", "[gate]\nblocklisted = \"later\"\n");
    auto e = load_triage_config(r);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().find(":2: blocklisted"), std::string::npos) << e.error();
}

TEST(Config, MissingFileIsAnError) {
    auto c = load_triage_config("/nonexistent/triage.toml");
    ASSERT_FALSE(c);
}
