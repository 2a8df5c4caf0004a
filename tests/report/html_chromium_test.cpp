// The HTML report opened in a real headless Chromium: it must render, with the charts drawn as
// SVG bars, and log no console error. A screenshot is kept in <build>/artifacts/.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/html_report.hpp"
#include "report_fixture.hpp"

namespace fs = std::filesystem;
using namespace mxt;

namespace {

std::string chromium_path() {
    for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
        if (fs::exists(p)) return p;
    return "";
}

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
    return n;
}

}  // namespace

TEST(HtmlReport, RendersInHeadlessChromium) {
    std::string chromium = chromium_path();
    if (chromium.empty())
        GTEST_SKIP() << "chromium is not installed (Debian package `chromium`; "
                        "scripts/install-deps --test installs it)";

    auto agg = test::fixture_aggregator();
    auto decision = triage::decide(agg, triage::TriageConfig{}, {});
    report::ReportInput in{agg, decision, {}};
    in.facts.campaign = "spring-sale";
    std::string html = report::triage_html(in);

    fs::path artifacts = fs::path(MXT_BINARY).parent_path() / "artifacts";
    fs::create_directories(artifacts);
    fs::path page = artifacts / "triage-report.html";
    std::ofstream(page, std::ios::binary) << html;
    fs::path shot = artifacts / "triage-report.png";
    fs::remove(shot);

    std::string tmpl = (fs::temp_directory_path() / "mxt-chromium-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    fs::path profile = tmpl;
    std::string common = "timeout 120 " + chromium +
                         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                         " --disable-background-networking --disable-component-update --disable-sync"
                         " --disable-dev-shm-usage --user-data-dir=" + profile.string();
    fs::path dom = profile / "dom.html", log = profile / "stderr.log";
    std::string dump = common + " --enable-logging=stderr --v=0 --dump-dom file://" + page.string() +
                       " >" + dom.string() + " 2>" + log.string();
    ASSERT_EQ(std::system(dump.c_str()), 0) << slurp(log);
    std::string screenshot = common + " --hide-scrollbars --window-size=1280,2400 --screenshot=" +
                             shot.string() + " file://" + page.string() + " >/dev/null 2>>" + log.string();
    ASSERT_EQ(std::system(screenshot.c_str()), 0) << slurp(log);

    std::string rendered = slurp(dom);
    std::string stderr_log = slurp(log);
    fs::remove_all(profile);

    // The DOM as Chromium built it: three charts, bars in each, the template table, the gate.
    EXPECT_GE(count(rendered, "<svg"), 3u);
    EXPECT_GE(count(rendered, "class=\"bar\""), 4u);  // provider and category bars
    EXPECT_GE(count(rendered, "class=\"bar bounced\""), 6u);  // one per hour
    EXPECT_NE(rendered.find("id=\"templates\""), std::string::npos);
    EXPECT_NE(rendered.find("ip_reputation_incident"), std::string::npos);
    EXPECT_NE(rendered.find("class=\"gate stop\""), std::string::npos);
    // Reply text is escaped, never markup.
    EXPECT_EQ(rendered.find("<script>alert(1)</script>"), std::string::npos);
    EXPECT_NE(rendered.find("&lt;script&gt;"), std::string::npos);
    // No console message from the page (errors from scripts or failed resource loads).
    for (const char* bad : {"CONSOLE", "Uncaught", "Failed to load resource"})
        EXPECT_EQ(stderr_log.find(bad), std::string::npos) << bad << " in:\n" << stderr_log;
    ASSERT_TRUE(fs::exists(shot));
    EXPECT_GT(fs::file_size(shot), 10000u);
}
