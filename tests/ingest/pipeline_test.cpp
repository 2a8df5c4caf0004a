// The ingest pipeline end to end: classification per event, campaign keys, deterministic order
// whatever the thread count, counts that reconcile; and `mxtriage diagnose` run as a program
// (JSON Lines schema, summary line, stdin, exit statuses, problems on stderr).
#include <gtest/gtest.h>
#include <unistd.h>
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <filesystem>
#include <mutex>

#include "ingest/campaign.hpp"
#include "ingest/event_json.hpp"
#include "ingest/pipeline.hpp"
#include "log_test_util.hpp"

namespace mxt {
namespace {

struct Collect : EventConsumer {
    std::vector<DeliveryEvent> events;
    std::vector<InputProblem> problems;
    void on_event(const DeliveryEvent& e) override { events.push_back(e); }
    void on_problem(const InputProblem& p) override { problems.push_back(p); }
};

std::shared_ptr<const Classifier> classifier() {
    static auto c = [] {
        auto loaded = Classifier::load({}, MXT_RULES_DIR);
        if (!loaded) {
            for (const auto& e : loaded.error()) ADD_FAILURE() << e.str();
            return std::shared_ptr<const Classifier>();
        }
        return *loaded;
    }();
    return c;
}

const DeliveryEvent* find(const std::vector<DeliveryEvent>& v, std::string_view rcpt) {
    for (const auto& e : v)
        if (e.recipient == rcpt) return &e;
    return nullptr;
}

TEST(Pipeline, ClassifiesAndKeysCampaigns) {
    Collect out;
    IngestOptions o;
    o.threads = 1;
    auto counts = ingest_paths({test::data_path("logs/postfix-basic.log")}, o, classifier(), out);
    EXPECT_TRUE(counts.reconciles());
    EXPECT_EQ(counts.events, out.events.size());
    const auto* alice = find(out.events, "alice@gmail.com");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->campaign, "spring-sale");
    EXPECT_EQ(alice->segment, "import-2026-11");
    EXPECT_EQ(alice->diagnosis.category, Category::authentication);
    EXPECT_EQ(alice->diagnosis.provider, "google");
    const auto* frank = find(out.events, "frank@gmail.com");
    ASSERT_NE(frank, nullptr);
    EXPECT_EQ(frank->diagnosis.category, Category::delivered);
}

TEST(Pipeline, CampaignPatternIsConfigurable) {
    auto x = CampaignExtractor::make(R"(^(?P<campaign>[a-z]+)@shop\.example$)");
    ASSERT_TRUE(x.has_value());
    DeliveryEvent e;
    e.sender = "news@shop.example";
    x->apply(e);
    EXPECT_EQ(e.campaign, "news");
    EXPECT_EQ(e.segment, "");
    EXPECT_FALSE(CampaignExtractor::make("(unclosed").has_value());
    EXPECT_FALSE(CampaignExtractor::make("no-groups@").has_value());
    // The default: VERP "bounces+campaign.segment@", not recipient VERP "bounces+a=b.c@".
    auto d = CampaignExtractor::make("");
    DeliveryEvent v;
    v.sender = "bounces+alice=gmail.com@esp.example";
    d->apply(v);
    EXPECT_EQ(v.campaign, "");
    DeliveryEvent w;
    w.sender = "bounces+winter@esp.example";
    d->apply(w);
    EXPECT_EQ(w.campaign, "winter");
    EXPECT_EQ(w.segment, "");
}

TEST(Pipeline, OrderIsDeterministicWhateverTheThreadCount) {
    auto run = [](unsigned threads) {
        Collect out;
        IngestOptions o;
        o.threads = threads;
        auto counts = ingest_paths({test::data_path("logs"), "/nonexistent/x.log"}, o, nullptr, out);
        EXPECT_TRUE(counts.reconciles());
        std::vector<std::string> seq;
        for (const auto& e : out.events)
            seq.push_back(e.source + ":" + std::to_string(e.position) + ":" + e.recipient);
        for (const auto& p : out.problems) seq.push_back("problem " + p.str());
        return std::make_pair(seq, counts.read);
    };
    auto one = run(1);
    auto four = run(4);
    EXPECT_GT(one.first.size(), 10u);
    EXPECT_EQ(one, four);
}

TEST(Pipeline, OneInputOnTwoThreadsClassifiesLikeOne) {
    // One input and two threads (one of them idle: inputs are what threads share out): thousands
    // of events with bad lines between them come out in the same order, with the same
    // diagnoses, problems and counts as on one thread.
    std::string path = ::testing::TempDir() + "mxt-handoff-" + std::to_string(::getpid()) + ".log";
    {
        std::string log;
        for (int i = 0; i < 3000; ++i) {
            char qid[16];
            std::snprintf(qid, sizeof qid, "%010X", i + 0x200000);
            log += std::string("Mar  3 09:00:01 mx postfix/smtp[2]: ") + qid + ": to=<r" +
                   std::to_string(i) + "@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.1]:25, " +
                   (i % 3 == 0 ? "dsn=5.1.1, status=bounced (host gmail-smtp-in.l.google.com[192.0.2.1] "
                                 "said: 550 5.1.1 The email account that you tried to reach does not "
                                 "exist. (in reply to RCPT TO command))\n"
                               : "dsn=2.0.0, status=sent (250 2.0.0 OK)\n");
            if (i % 700 == 0) log += "Mar  3 09:00:01 mx postfix/smtp[2]: " + std::string(qid) + ": to=<x>\n";
        }
        std::FILE* f = std::fopen(path.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::fwrite(log.data(), 1, log.size(), f);
        std::fclose(f);
    }
    auto run = [&](unsigned threads) {
        Collect out;
        IngestOptions o;
        o.threads = threads;
        auto counts = ingest_paths({path}, o, classifier(), out);
        EXPECT_TRUE(counts.reconciles());
        EXPECT_EQ(counts.events, out.events.size());
        std::vector<std::string> seq;
        for (const auto& e : out.events)
            seq.push_back(std::to_string(e.position) + ":" + e.recipient + ":" + e.diagnosis.rule + ":" +
                          std::string(to_string(e.diagnosis.category)));
        for (const auto& p : out.problems) seq.push_back("problem " + p.str());
        return std::make_tuple(seq, counts.read, counts.parsed, counts.failed_total());
    };
    auto one = run(1);
    auto two = run(2);
    std::remove(path.c_str());
    EXPECT_EQ(std::get<0>(one).size(), 3000u + 5u);  // 3000 events, 5 problems
    EXPECT_EQ(std::get<3>(one), 5u);
    EXPECT_EQ(one, two);
}

// --- the binary ---

struct Run {
    int status = -1;
    std::string out, err;
};

Run run_binary(const std::string& args, const std::string& stdin_text = "") {
    // Names unique to this process and call: ctest runs test processes in parallel.
    static int calls = 0;
    std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++calls);
    std::string in = ::testing::TempDir() + "mxt-stdin-" + tag + ".txt";
    std::string err = ::testing::TempDir() + "mxt-stderr-" + tag + ".txt";
    {
        std::FILE* f = std::fopen(in.c_str(), "wb");
        std::fwrite(stdin_text.data(), 1, stdin_text.size(), f);
        std::fclose(f);
    }
    std::string cmd = std::string(MXT_BINARY) + " " + args + " <" + in + " 2>" + err;
    Run r;
    std::FILE* p = ::popen(cmd.c_str(), "r");
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.err = test::slurp(err);
    std::remove(in.c_str());
    std::remove(err.c_str());
    return r;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> v;
    std::size_t start = 0;
    while (start < s.size()) {
        std::size_t nl = s.find('\n', start);
        if (nl == std::string::npos) nl = s.size();
        v.push_back(s.substr(start, nl - start));
        start = nl + 1;
    }
    return v;
}

TEST(DiagnoseCli, JsonLinesWithSummary) {
    auto r = run_binary("diagnose --json --threads 2 " + test::data_path("logs/postfix-basic.log") +
                        " " + test::data_path("logs/postfix-expire.log"));
    EXPECT_EQ(r.status, 0) << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 8u + 4u + 1u);
    simdjson::dom::parser parser;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        simdjson::dom::element obj;
        ASSERT_EQ(parser.parse(lines[i]).get(obj), simdjson::SUCCESS) << lines[i];
        EXPECT_EQ(std::string_view(obj["type"]), "event");
        for (const char* k : {"source", "position", "time", "sender", "recipient", "remote_host",
                              "remote_ip", "stage", "reply_code", "status", "text", "outcome",
                              "campaign", "segment", "message_id", "header_from", "return_path",
                              "dkim", "authentication_results", "category", "reason", "action",
                              "hard_bounce", "permanent", "provider", "provider_detail", "rule",
                              "blocklist", "template", "explanation", "fix"})
            EXPECT_EQ(obj[k].error(), simdjson::SUCCESS) << "missing " << k << " in " << lines[i];
    }
    simdjson::dom::element sum;
    ASSERT_EQ(parser.parse(lines.back()).get(sum), simdjson::SUCCESS);
    EXPECT_EQ(std::string_view(sum["type"]), "summary");
    std::uint64_t read = sum["read"], parsed = sum["parsed"], events = sum["events"];
    EXPECT_EQ(read, 17u + 9u);
    EXPECT_EQ(events, 12u);
    std::uint64_t skipped = 0;
    for (auto [k, v] : simdjson::dom::object(sum["skipped"])) skipped += std::uint64_t(v);
    EXPECT_EQ(read, parsed + skipped);
}

TEST(DiagnoseCli, SeveralInputsPrintInInputOrderWhateverTheThreadCount) {
    // Each input is read and formatted by its own thread; the head prints as it reads, the others
    // hold their output (and wait past 8 MiB of it). Two logs that big, the bounce corpus and a
    // line that fails: the output, and the problems on stderr, must not depend on the threads.
    std::string log = test::slurp(test::data_path("logs/postfix-basic.log"));
    std::string big;
    while (big.size() < (4u << 20)) big += log;  // about 10 MB of JSON Lines each
    std::string dir = ::testing::TempDir() + "mxt-order-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    for (const char* name : {"a.log", "b.log"}) {
        std::ofstream f(dir + "/" + name, std::ios::binary);
        f << big << "Mar  6 08:00:01 mx1 postfix/smtp[1]: ABCDE12345: to=<bad\xff@x.example>, status=sent (ok)\n";
    }
    std::string args = dir + "/a.log " + dir + "/b.log " + test::data_path("corpus/sisimai/bsd") + " " +
                       test::data_path("logs/postfix-expire.log");
    auto one = run_binary("diagnose --json --threads 1 " + args);
    auto two = run_binary("diagnose --json --threads 2 " + args);
    auto table_one = run_binary("diagnose --threads 1 " + args);
    auto table_two = run_binary("diagnose --threads 2 " + args);
    std::filesystem::remove_all(dir);
    EXPECT_EQ(one.status, 0);
    EXPECT_GT(one.out.size(), 16u << 20);
    EXPECT_TRUE(one.out == two.out) << "JSON Lines differ between one and two threads";
    EXPECT_EQ(one.err, two.err);
    EXPECT_NE(one.err.find("a.log"), std::string::npos) << one.err;
    EXPECT_LT(one.err.find("a.log"), one.err.find("b.log")) << one.err;
    EXPECT_TRUE(table_one.out == table_two.out) << "tables differ between one and two threads";
}

TEST(DiagnoseCli, ReadsStdinAndReportsProblemsOnStderr) {
    std::string log = test::slurp(test::data_path("logs/postfix-expire.log"));
    log += "Mar  6 08:00:01 mx1 postfix/smtp[1]: ABCDE12345: to=<bad\xff@x.example>, status=sent (ok)\n";
    auto r = run_binary("diagnose --json -", log);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.err.find("mxtriage: -:10: invalid UTF-8"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("\"outcome\":\"expired\""), std::string::npos);
}

TEST(DiagnoseCli, TableOutputAndExitStatuses) {
    auto table = run_binary("diagnose " + test::data_path("logs/postfix-basic.log"));
    EXPECT_EQ(table.status, 0);
    EXPECT_NE(table.out.find("alice@gmail.com"), std::string::npos);
    EXPECT_EQ(table.out.find("\x1b["), std::string::npos);  // no colour when not a terminal

    auto missing = run_binary("diagnose /nonexistent/mail.log");
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("mxtriage: /nonexistent/mail.log: cannot open"), std::string::npos);

    auto bad_format = run_binary("diagnose --format nosuch x");
    EXPECT_EQ(bad_format.status, 2);

    auto bad_pattern = run_binary("diagnose --campaign-pattern '(' x");
    EXPECT_EQ(bad_pattern.status, 2);
    EXPECT_NE(bad_pattern.err.find("campaign pattern"), std::string::npos);

    std::string rules = ::testing::TempDir() + "mxt-bad-rules.toml";
    {
        std::FILE* f = std::fopen(rules.c_str(), "wb");
        std::fputs("[[rule]]\nid = 'x'\n", f);
        std::fclose(f);
    }
    auto bad_rules = run_binary("diagnose --rules " + rules + " " +
                                test::data_path("logs/postfix-basic.log"));
    EXPECT_EQ(bad_rules.status, 2);
    EXPECT_NE(bad_rules.err.find("mxtriage: " + rules + ":"), std::string::npos) << bad_rules.err;
}

TEST(EventJson, OneLinePerEventWithNullsForUnknowns) {
    DeliveryEvent e;
    e.source = "a.log";
    e.position = 3;
    e.recipient = "x@y.example";
    e.text = "550 5.1.1 no \"such\" user";
    std::string line = event_json_line(e);
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_NE(line.find("\"stage\":null"), std::string::npos);
    EXPECT_NE(line.find("\"text\":\"550 5.1.1 no \\\"such\\\" user\""), std::string::npos);
    EXPECT_NE(line.find("\"blocklist\":null"), std::string::npos);
}

}  // namespace
}  // namespace mxt
