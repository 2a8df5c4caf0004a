// The triage command line around the engine: history in SQLite (an input counted once), the
// suppression list through --apply (never for 5.7.x), two processes writing one database,
// bad configuration, the HTML file.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <fstream>
#include <thread>

#include "run_binary.hpp"

using namespace mxt::test;

TEST(TriageCli, SameLogTwiceIsRecordedOnce) {
    Scratch s;
    std::string db = s.file("h.db");
    ProcessResult first = mxtriage({"triage", "--format", "postfix", "--json", "--db", db, scenario("normal-churn.log")}, s, "a");
    ASSERT_EQ(first.status, 0) << first.err;
    EXPECT_NE(first.out.find("\"inputs_recorded\":1"), std::string::npos) << first.out;
    ProcessResult again = mxtriage({"triage", "--format", "postfix", "--json", "--db", db, scenario("normal-churn.log")}, s, "b");
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.out.find("\"inputs_recorded\":0"), std::string::npos) << again.out;
    EXPECT_NE(again.out.find("\"inputs_known\":1"), std::string::npos) << again.out;
    ProcessResult hist = mxtriage({"history", "--db", db, "--json"}, s, "c");
    ASSERT_EQ(hist.status, 0) << hist.err;
    EXPECT_NE(hist.out.find("\"campaign\":\"march-news\""), std::string::npos) << hist.out;
    EXPECT_NE(hist.out.find("\"attempts\":700,"), std::string::npos) << hist.out;  // not 1400
    EXPECT_NE(hist.out.find("\"inputs\":1"), std::string::npos) << hist.out;
}

TEST(TriageCli, SeveralInputsGiveTheSameReportWhateverTheThreadCount) {
    // Each input is counted by the thread that reads it and merged in input order; with --apply
    // events come in order through one thread instead. All three must report the same.
    Scratch s;
    std::vector<std::string> inputs;
    for (const char* f : {"normal-churn.log", "ip-reputation-gmail.log", "list-quality-segment.log",
                          "throttling-microsoft.log", "blocklisted.log"})
        inputs.push_back(scenario(f));
    auto run = [&](std::vector<std::string> extra, const char* tag) {
        std::vector<std::string> args = {"triage", "--format", "postfix", "--json", "--no-history"};
        args.insert(args.end(), extra.begin(), extra.end());
        args.insert(args.end(), inputs.begin(), inputs.end());
        return mxtriage(args, s, tag);
    };
    ProcessResult one = run({"--threads", "1"}, "one");
    ProcessResult two = run({"--threads", "2"}, "two");
    ASSERT_EQ(one.status, 1) << one.err;  // these scenarios hold incidents: not a GO
    EXPECT_EQ(two.status, one.status);
    EXPECT_EQ(two.out, one.out);
    EXPECT_NE(one.out.find("\"verdicts\":[{"), std::string::npos) << one.out;
    // --apply keeps the ordered path (it writes suppressions in input order); the report is the
    // same apart from the suppression counts it adds.
    ProcessResult applied = run({"--threads", "2", "--apply", "--db", s.file("a.db")}, "apply");
    ASSERT_EQ(applied.status, one.status) << applied.err;
    simdjson::dom::parser p1, p2;
    simdjson::dom::element a, b;
    ASSERT_EQ(p1.parse(one.out).get(a), simdjson::SUCCESS);
    ASSERT_EQ(p2.parse(applied.out).get(b), simdjson::SUCCESS);
    for (const char* key : {"totals", "providers", "templates", "verdicts", "gate"})
        EXPECT_EQ(simdjson::to_string(a[key]), simdjson::to_string(b[key])) << key;
}

TEST(TriageCli, LaterCampaignIsComparedWithHistory) {
    Scratch s;
    std::string db = s.file("h.db");
    ASSERT_EQ(mxtriage({"triage", "--format", "postfix", "--db", db, scenario("normal-churn.log")}, s, "a").status, 0);
    ProcessResult r = mxtriage({"triage", "--format", "postfix", "--json", "--db", db, scenario("ip-reputation-gmail.log")}, s, "b");
    ASSERT_EQ(r.status, 1) << r.err;
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    ASSERT_EQ(p.parse(r.out).get(doc), simdjson::SUCCESS);
    std::int64_t campaigns = 0;
    ASSERT_EQ(doc["history"]["baseline_campaigns"].get(campaigns), simdjson::SUCCESS);
    EXPECT_EQ(campaigns, 1);
    double baseline = -1;
    auto v = doc["verdicts"].at(0);
    ASSERT_EQ(v["evidence"]["baseline_rate"].get(baseline), simdjson::SUCCESS) << r.out;
    EXPECT_LT(baseline, 0.02);
}

TEST(TriageCli, ApplySuppressesUnknownUsersButNever57x) {
    Scratch s;
    std::string db = s.file("s.db");
    ProcessResult lq = mxtriage({"triage", "--format", "postfix", "--apply", "--no-history", "--json", "--db", db,
                       scenario("list-quality-segment.log")}, s, "a");
    ASSERT_EQ(lq.status, 1) << lq.err;
    ProcessResult auth = mxtriage({"triage", "--format", "postfix", "--apply", "--no-history", "--db", db,
                         scenario("auth-microsoft.log")}, s, "b");
    ASSERT_EQ(auth.status, 1) << auth.err;
    ProcessResult rep = mxtriage({"triage", "--format", "postfix", "--apply", "--no-history", "--db", db,
                        scenario("ip-reputation-gmail.log")}, s, "c");
    ASSERT_EQ(rep.status, 1) << rep.err;
    ProcessResult csv = mxtriage({"suppress", "export", "--db", db}, s, "d");
    ASSERT_EQ(csv.status, 0) << csv.err;
    // Every entry is an address problem; no reply with a 5.7.x code made it in.
    std::istringstream lines(csv.out);
    std::string line;
    int entries = 0;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
        if (line.empty() || line == "\r") continue;
        ++entries;
        EXPECT_EQ(line.find("5.7."), std::string::npos) << line;
        EXPECT_TRUE(line.find(",unknown_user,") != std::string::npos ||
                    line.find(",mailbox_disabled,") != std::string::npos ||
                    line.find(",bad_domain,") != std::string::npos) << line;
    }
    EXPECT_GE(entries, 25);
    // A 5.7.515 recipient from the authentication scenario is not suppressed.
    std::string auth_log = read_all(scenario("auth-microsoft.log"));
    auto at = auth_log.find("dsn=5.7.515");
    ASSERT_NE(at, std::string::npos);
    auto to = auth_log.rfind("to=<", at);
    std::string rcpt = auth_log.substr(to + 4, auth_log.find('>', to) - to - 4);
    ProcessResult check = mxtriage({"suppress", "check", "--db", db, rcpt}, s, "e");
    EXPECT_EQ(check.status, 0) << check.out;
    EXPECT_NE(check.out.find("not suppressed"), std::string::npos);
    // An unknown user is, compared case-insensitively.
    std::string lq_log = read_all(scenario("list-quality-segment.log"));
    auto u = lq_log.find("dsn=5.1.1, status=bounced");
    ASSERT_NE(u, std::string::npos);
    auto ut = lq_log.rfind("to=<", u);
    std::string unknown = lq_log.substr(ut + 4, lq_log.find('>', ut) - ut - 4);
    for (char& c : unknown) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ProcessResult hit = mxtriage({"suppress", "check", "--db", db, unknown}, s, "f");
    EXPECT_EQ(hit.status, 1) << hit.out << hit.err;
    EXPECT_NE(hit.out.find("unknown_user"), std::string::npos) << hit.out;
}

TEST(TriageCli, TwoProcessesApplyingAtOnce) {
    Scratch s;
    // Reference: each log alone in its own database.
    auto count = [&](const std::string& db, const std::string& tag) {
        ProcessResult l = mxtriage({"suppress", "list", "--db", db}, s, tag);
        EXPECT_EQ(l.status, 0) << l.err;
        return std::count(l.out.begin(), l.out.end(), '\n');
    };
    std::vector<std::string> logs = {"list-quality-segment.log", "normal-churn.log", "blocklisted.log",
                                     "content-multi-provider.log"};
    long expected = 0;
    for (std::size_t i = 0; i < logs.size(); ++i) {
        std::string db = s.file("ref" + std::to_string(i) + ".db");
        mxtriage({"triage", "--format", "postfix", "--apply", "--db", db, scenario(logs[i])}, s, "r" + std::to_string(i));
        expected += count(db, "rc" + std::to_string(i));
    }
    // Both at once into one database: two writers, half the logs each.
    std::string shared = s.file("shared.db");
    ProcessResult a, b;
    std::thread ta([&] {
        a = mxtriage({"triage", "--format", "postfix", "--apply", "--db", shared, scenario(logs[0]), scenario(logs[1])}, s, "wa");
    });
    std::thread tb([&] {
        b = mxtriage({"triage", "--format", "postfix", "--apply", "--db", shared, scenario(logs[2]), scenario(logs[3])}, s, "wb");
    });
    ta.join();
    tb.join();
    EXPECT_NE(a.status, 2) << a.err;
    EXPECT_NE(b.status, 2) << b.err;
    EXPECT_EQ(count(shared, "shared"), expected);
    ProcessResult hist = mxtriage({"history", "--db", shared, "--json"}, s, "h");
    EXPECT_EQ(std::count(hist.out.begin(), hist.out.end(), '\n'), 4) << hist.out;
}

TEST(TriageCli, BadConfigStopsWithFileAndLine) {
    Scratch s;
    std::string cfg = s.file("triage.toml");
    std::ofstream(cfg) << "[sample]\nmin_attempts = 50\nmin_rejections = -4\n";
    ProcessResult r = mxtriage({"triage", "--no-history", "--config", cfg, scenario("small-sample.log")}, s);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find(cfg + ":3:"), std::string::npos) << r.err;
}

TEST(TriageCli, HtmlFileIsWritten) {
    Scratch s;
    std::string html = s.file("r.html");
    ProcessResult r = mxtriage({"triage", "--format", "postfix", "--no-history", "--html", html, scenario("auth-microsoft.log")}, s);
    EXPECT_EQ(r.status, 1) << r.err;
    std::string page = read_all(html);
    EXPECT_NE(page.find("<svg"), std::string::npos);
    EXPECT_NE(page.find("authentication_failure"), std::string::npos);
    // Terminal output: gate first.
    EXPECT_EQ(r.out.rfind("Send gate: STOP", 0), 0u) << r.out;
}

// `diagnose --apply` follows the same suppression rules as `triage --apply`.
TEST(DiagnoseCli, ApplySuppressesUnknownUsersButNever57x) {
    Scratch s;
    std::string db = s.file("d.db");
    ProcessResult run = mxtriage({"diagnose", "--format", "postfix", "--apply", "--json", "--db", db,
                                  scenario("auth-microsoft.log"), scenario("list-quality-segment.log")}, s, "a");
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.err.find("suppression list:"), std::string::npos) << run.err;
    ProcessResult csv = mxtriage({"suppress", "export", "--db", db}, s, "b");
    ASSERT_EQ(csv.status, 0) << csv.err;
    std::istringstream lines(csv.out);
    std::string line;
    int entries = 0;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
        if (line.empty() || line == "\r") continue;
        ++entries;
        EXPECT_EQ(line.find("5.7."), std::string::npos) << line;
    }
    EXPECT_GE(entries, 10);
    std::string auth_log = read_all(scenario("auth-microsoft.log"));
    auto at = auth_log.find("dsn=5.7.515");
    ASSERT_NE(at, std::string::npos);
    auto to = auth_log.rfind("to=<", at);
    std::string rcpt = auth_log.substr(to + 4, auth_log.find('>', to) - to - 4);
    ProcessResult check = mxtriage({"suppress", "check", "--db", db, rcpt}, s, "c");
    EXPECT_EQ(check.status, 0) << "a 5.7.515 recipient must not be suppressed: " << check.out;
}
