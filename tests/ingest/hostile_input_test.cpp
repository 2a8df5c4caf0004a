// Hostile input against the readers (issue: hardening): a gzip bomb, a 1 GiB line, MIME nested
// 10,000 deep, NUL bytes and invalid UTF-8 in every field of a log line and of a bounce, a log
// truncated mid-line and a bounce truncated mid-MIME. Each must give a clear error with its place,
// keep memory bounded (peak RSS measured, not assumed), and leave the rest of the input read and
// counted: read == parsed + skipped + failed. The user-visible cases also run the built binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "ingest/byte_source.hpp"
#include "ingest/event_json.hpp"
#include "ingest/mail/mime.hpp"
#include "../common/test_support.hpp"
#include "log_test_util.hpp"

namespace mxt {
namespace {

namespace fs = std::filesystem;
using test::read_text;

const std::string kLine =
    "Mar  3 09:14:09 mx1 postfix/smtp[20220]: 9E77C2A044: to=<dave@nxdomain.example>, relay=none, "
    "delay=0.1, delays=0.01/0/0.09/0, dsn=5.4.4, status=bounced (Host or domain name not found. "
    "Name service error for name=nxdomain.example type=AAAA: Host not found)\n";

std::string gzip(const std::string& data) { return test_support::gzip(data, 9); }

// A gzip bomb that claims `gib` GiB: one member of 1 MiB of 'x' (about 1 KiB compressed) repeated.
// Members are concatenated (RFC 1952 section 2.2), so it costs nothing to build. 'x', not NUL, so
// that the refusal comes from the ratio check, not from the binary-file check.
std::string gzip_bomb(const std::string& head, unsigned gib) {
    std::string member = gzip(std::string(1u << 20, 'x'));
    std::string bomb = gzip(head);
    bomb.reserve(bomb.size() + member.size() * 1024 * gib);
    for (unsigned i = 0; i < 1024 * gib; ++i) bomb += member;
    return bomb;
}

using test_support::reset_hwm;
using test_support::vm_hwm_kib;

// A source that makes up its bytes as they are read: `before`, then `n` bytes of `fill`, then
// `after`. A 1 GiB line never exists in memory or on disk.
class Generated final : public ByteSource {
public:
    Generated(std::string before, std::uint64_t n, char fill, std::string after)
        : before_(std::move(before)), n_(n), fill_(fill), after_(std::move(after)) {}
    std::expected<std::size_t, std::string> read(char* buf, std::size_t n) override {
        std::size_t k = 0;
        while (k < n) {
            if (pos_ < before_.size()) {
                std::size_t c = std::min(n - k, before_.size() - pos_);
                std::memcpy(buf + k, before_.data() + pos_, c);
                k += c, pos_ += c;
            } else if (pos_ < before_.size() + n_) {
                std::size_t c = static_cast<std::size_t>(std::min<std::uint64_t>(n - k, before_.size() + n_ - pos_));
                std::memset(buf + k, fill_, c);
                k += c, pos_ += c;
            } else {
                std::uint64_t at = pos_ - before_.size() - n_;
                if (at >= after_.size()) break;
                std::size_t c = std::min<std::size_t>(n - k, after_.size() - at);
                std::memcpy(buf + k, after_.data() + at, c);
                k += c, pos_ += c;
            }
        }
        position_ += k;
        return k;
    }

private:
    std::string before_;
    std::uint64_t n_;
    char fill_;
    std::string after_;
    std::uint64_t pos_ = 0;
};

bool failed_with(const InputCounts& c, std::string_view what) {
    for (const auto& [why, n] : c.failed)
        if (why.find(what) != std::string::npos) return true;
    return false;
}

// Every event must become one line of valid JSON whatever bytes its fields held.
void expect_events_are_valid_json(const std::vector<DeliveryEvent>& events) {
    simdjson::dom::parser parser;
    for (const auto& e : events) {
        std::string line = event_json_line(e);
        simdjson::dom::element doc;
        EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
        EXPECT_TRUE(simdjson::validate_utf8(line.data(), line.size())) << line;
    }
}

// --- a real bounce, the unit the MIME cases damage ---

const std::string kBounce =
    "From: MAILER-DAEMON@mx1.shop.example (Mail Delivery System)\n"
    "To: bounces@shop.example\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Date: Mon,  3 Mar 2025 09:14:09 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\n"
    "\n"
    "--B1\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "I'm sorry to have to inform you that your message could not be delivered.\n"
    "\n"
    "--B1\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx1.shop.example\n"
    "Arrival-Date: Mon,  3 Mar 2025 09:14:02 +0000\n"
    "\n"
    "Final-Recipient: rfc822; frank@mail.example\n"
    "Original-Recipient: rfc822; frank@mail.example\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.mail.example\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <frank@mail.example>: Recipient address rejected: User unknown\n"
    "Last-Attempt-Date: Mon,  3 Mar 2025 09:14:09 +0000\n"
    "\n"
    "--B1\n"
    "Content-Type: text/rfc822-headers\n"
    "\n"
    "From: News <news@shop.example>\n"
    "Return-Path: <bounces+spring-sale.import-2026-11@shop.example>\n"
    "Message-ID: <abc123@shop.example>\n"
    "X-Campaign: spring-sale\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=sel1; h=from; bh=x; b=y\n"
    "Authentication-Results: mx.mail.example; spf=pass smtp.mailfrom=shop.example\n"
    "Subject: Spring sale\n"
    "\n"
    "--B1--\n";

TEST(HostileMail, TheReferenceBounceIsRead) {
    auto c = read_text(kBounce, "", "bounce.eml");
    ASSERT_EQ(c.events.size(), 1u) << (c.problems.empty() ? "" : c.problems[0].str());
    EXPECT_EQ(c.events[0].recipient, "frank@mail.example");
    EXPECT_EQ(c.events[0].status, "5.1.1");
    EXPECT_EQ(c.events[0].campaign, "spring-sale");
}

std::string nested_multipart(int depth, bool spaced) {
    std::string ct = spaced ? "Content-Type: multipart (comment) / mixed; boundary=\"b"
                            : "Content-Type: multipart/mixed; boundary=\"b";
    std::string m = "From: MAILER-DAEMON@mx.example\nTo: a@b.example\nSubject: Undelivered Mail\nMIME-Version: 1.0\n";
    m += ct + "0\"\n\n";
    for (int i = 1; i < depth; ++i) m += "--b" + std::to_string(i - 1) + "\n" + ct + std::to_string(i) + "\"\n\n";
    m += "--b" + std::to_string(depth - 1) + "\nContent-Type: text/plain\n\n550 5.1.1 <x@y.example>: user unknown\n";
    for (int i = depth - 1; i >= 0; --i) m += "--b" + std::to_string(i) + "--\n";
    return m;
}

std::string nested_rfc822(int depth) {
    std::string m = "From: MAILER-DAEMON@mx.example\nTo: a@b.example\nSubject: Undelivered Mail\nMIME-Version: 1.0\n";
    for (int i = 0; i < depth; ++i) m += "Content-Type: message/rfc822\n\nFrom: x" + std::to_string(i) + "@y.example\nSubject: s\n";
    m += "Content-Type: text/plain\n\n550 5.1.1 <x@y.example>: user unknown\n";
    return m;
}

// 5 MiB of header lines in front of a message.
std::string padded(const std::string& msg) {
    std::string pad;
    for (int i = 0; i < 65536; ++i) pad += "X-Pad: " + std::string(72, 'p') + "\n";
    return pad + msg;
}

// One mbox: the hostile message first, then the reference bounce, which must still be read.
std::string mbox_of(const std::string& first) {
    return "From MAILER-DAEMON Mon Mar  3 09:14:02 2025\n" + first + "\n" +
           "From MAILER-DAEMON Mon Mar  3 09:15:02 2025\n" + kBounce;
}

TEST(HostileMail, MimeNestedTenThousandDeepIsRefusedAndTheNextMessageRead) {
    const std::pair<const char*, std::string> cases[] = {
        {"multipart", nested_multipart(10000, false)},
        {"multipart with comments", nested_multipart(10000, true)},
        {"message/rfc822", nested_rfc822(10000)},
        // Padding in front must not hide the nesting from the count.
        {"padded", padded(nested_multipart(10000, false))},
    };
    for (const auto& [name, msg] : cases) {
        SCOPED_TRACE(name);
        auto c = read_text(mbox_of(msg), "", "box.mbox");
        EXPECT_TRUE(c.counts.reconciles());
        EXPECT_EQ(c.counts.read, 2u);
        EXPECT_EQ(c.counts.failed["MIME nesting too deep"], 1u);
        ASSERT_EQ(c.problems.size(), 1u);
        EXPECT_EQ(c.problems[0].str(), "box.mbox: message 1: MIME nesting too deep");
        ASSERT_EQ(c.events.size(), 1u);
        EXPECT_EQ(c.events[0].recipient, "frank@mail.example");
        EXPECT_EQ(c.events[0].position, 2u);
    }
    // Nesting within the limit is still read.
    auto ok = mail::parse_mail(nested_multipart(20, false));
    ASSERT_TRUE(ok.has_value()) << ok.error();
    EXPECT_NE(ok->body.find("user unknown"), std::string::npos);
}

// Each field of the bounce in turn gets a NUL byte or invalid UTF-8 (inserted after the anchor);
// then all the free-text fields at once, which must not lose the recipient.
TEST(HostileMail, NulAndInvalidUtf8InEveryFieldOfABounce) {
    const std::string texts[] = {
        "Subject: Undeliv", "I'm sor", "Remote-MTA: dns; mx.ma", "User unkn", "From: News <ne",
        "Message-ID: <abc", "X-Campaign: spr", "d=shop.ex", "spf=pa", "Subject: Spring s",
        "Last-Attempt-Date: Mon, ", "Return-Path: <bounces+spr",
    };
    const std::string structure[] = {
        "Final-Recipient: rfc822; fra", "Action: fai", "Status: 5.1", "Reporting-MTA: dns; mx1",
        "report-type=delivery-st", "From: MAILER-DAE", "To: bounces@sh", "Content-Type: message/delivery-st",
        "Diagnostic-Code: smtp; 55", "boundary=\"B", "Original-Recipient: rfc822; fr",
    };
    auto damage = [](std::string text, const std::string& anchor, const std::string& bad) {
        std::size_t at = text.find(anchor);
        EXPECT_NE(at, std::string::npos) << anchor;
        if (at != std::string::npos) text.insert(at + anchor.size(), bad);
        return text;
    };
    for (std::string bad : {std::string("\0", 1), std::string("\xff\xfe\xc3"), std::string("\xed\xa0\x80")}) {
        std::vector<std::string> anchors(std::begin(texts), std::end(texts));
        anchors.insert(anchors.end(), std::begin(structure), std::end(structure));
        for (const auto& a : anchors) {
            SCOPED_TRACE(a);
            auto c = read_text(damage(kBounce, a, bad), "", "bounce.eml");
            EXPECT_TRUE(c.counts.reconciles());
            EXPECT_EQ(c.counts.read, 1u);
            EXPECT_LE(c.events.size(), 1u);
            expect_events_are_valid_json(c.events);
        }
        std::string all = kBounce;
        for (const auto& a : texts) all = damage(all, a, bad);
        auto c = read_text(all, "", "bounce.eml");
        EXPECT_TRUE(c.counts.reconciles());
        EXPECT_EQ(c.counts.read, 1u);
        expect_events_are_valid_json(c.events);
        if (bad[0] != '\0') {
            // Invalid UTF-8 in every text field does not lose the bounce.
            ASSERT_EQ(c.events.size(), 1u);
            EXPECT_EQ(c.events[0].recipient, "frank@mail.example");
            EXPECT_EQ(c.events[0].status, "5.1.1");
        } else {
            // A dozen NULs in two kilobytes: refused as binary, with a reason and a place.
            EXPECT_EQ(c.counts.failed_total(), 1u);
            ASSERT_EQ(c.problems.size(), 1u);
            EXPECT_EQ(c.problems[0].source, "bounce.eml");
        }
    }
}

TEST(HostileMail, BounceTruncatedAnywhereIsCountedNeverLost) {
    std::size_t after_diag = kBounce.find("Last-Attempt-Date");
    for (std::size_t cut = 1; cut < kBounce.size(); cut += 23) {
        SCOPED_TRACE(cut);
        auto c = read_text(kBounce.substr(0, cut), "", "bounce.eml");
        EXPECT_TRUE(c.counts.reconciles());
        EXPECT_EQ(c.counts.read, 1u);
        expect_events_are_valid_json(c.events);
        if (cut > after_diag) {
            // Cut after the recipient's fields (mid-MIME, closing boundary missing): still read.
            ASSERT_EQ(c.events.size(), 1u);
            EXPECT_EQ(c.events[0].recipient, "frank@mail.example");
            EXPECT_EQ(c.events[0].status, "5.1.1");
        }
    }
    // Cut in the middle of a base64 part too.
    std::string b64 = kBounce;
    b64.replace(b64.find("Content-Type: text/rfc822-headers\n"), 34,
                "Content-Type: text/rfc822-headers\nContent-Transfer-Encoding: base64\n");
    std::size_t body = b64.find("From: News");
    b64 = b64.substr(0, body) + "RnJvbTogTmV3cyA8bmV3c0BzaG9wLmV4YW1wbGU+ClN1Ympl";
    auto c = read_text(b64, "", "bounce.eml");
    EXPECT_TRUE(c.counts.reconciles());
    ASSERT_EQ(c.events.size(), 1u);
    expect_events_are_valid_json(c.events);
}

// --- logs ---

TEST(HostileLog, OneGibLineIsSkippedWithBoundedMemoryAndTheNextLinesRead) {
    constexpr std::uint64_t kGiB = 1ull << 30;
    ASSERT_TRUE(reset_hwm());
    std::uint64_t before = vm_hwm_kib();
    auto src = std::make_unique<Generated>(kLine + "Mar  3 09:14:10 mx1 postfix/smtp[1]: ", kGiB, 'x',
                                           "\n" + kLine + kLine);
    test::Collected c;
    read_source("huge.log", std::move(src), "postfix", 2025, InputOptions{}, c, c.counts);
    std::uint64_t grown = vm_hwm_kib() - before;
    RecordProperty("peak_rss_growth_kib", std::to_string(grown));
    EXPECT_LT(grown, 64u * 1024) << "peak RSS grew by " << grown << " KiB reading a 1 GiB line";
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 4u);
    EXPECT_EQ(c.counts.failed.at("line too long"), 1u);
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_EQ(c.problems[0].str(), "huge.log:2: line too long");
    ASSERT_EQ(c.events.size(), 3u);
    EXPECT_EQ(c.events[1].position, 3u);
    EXPECT_EQ(c.events[2].position, 4u);
}

TEST(HostileLog, GzipBombIsRefusedWithBoundedMemory) {
    std::string bomb = gzip_bomb(kLine, 4);  // 4 GiB claimed, about 4 MiB on disk
    ASSERT_LT(bomb.size(), 8u << 20);
    ASSERT_TRUE(reset_hwm());
    std::uint64_t before = vm_hwm_kib();
    test::Collected c;
    read_source("bomb.log.gz", memory_source(bomb), "", 2025, InputOptions{}, c, c.counts);
    std::uint64_t grown = vm_hwm_kib() - before;
    EXPECT_LT(grown, 64u * 1024) << "peak RSS grew by " << grown << " KiB";
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_TRUE(failed_with(c.counts, "gzip bomb"));
    ASSERT_FALSE(c.problems.empty());
    EXPECT_EQ(c.problems.back().str().rfind("bomb.log.gz:", 0), 0u) << c.problems.back().str();
    EXPECT_EQ(c.events.size(), 1u);  // the line before the bomb is kept
}

// The fields of the three Postfix lines that make one delivery, each damaged in turn.
TEST(HostileLog, NulAndInvalidUtf8InEveryFieldOfALogLine) {
    const std::string lines[] = {
        "Mar  3 09:14:02 mx1 postfix/cleanup[20210]: 9E77C2A044: message-id=<m1@shop.example>\n",
        "Mar  3 09:14:02 mx1 postfix/qmgr[20211]: 9E77C2A044: from=<bounces+spring-sale@shop.example>, size=2048, nrcpt=1 (queue active)\n",
        kLine,
    };
    std::string good = lines[0] + lines[1] + lines[2];
    auto clean = read_text(good, "postfix");
    ASSERT_EQ(clean.events.size(), 1u);
    for (std::string bad : {std::string("\0", 1), std::string("\xc0\xaf"), std::string("\xff")}) {
        for (std::size_t l = 0; l < 3; ++l) {
            // Every field boundary of the line: after each space, '=', '<', '[' or ':'.
            for (std::size_t at = 1; at + 1 < lines[l].size(); ++at) {
                char p = lines[l][at - 1];
                if (p != ' ' && p != '=' && p != '<' && p != '[' && p != ':' && p != '(') continue;
                std::string damaged = lines[l];
                damaged.insert(at, bad);
                std::string text;
                for (std::size_t k = 0; k < 3; ++k) text += k == l ? damaged : lines[k];
                text += kLine;  // the input goes on after the damaged line
                auto c = read_text(text, "postfix");
                SCOPED_TRACE(damaged);
                EXPECT_TRUE(c.counts.reconciles());
                EXPECT_EQ(c.counts.failed_total(), 1u);
                ASSERT_EQ(c.problems.size(), 1u);
                EXPECT_EQ(c.problems[0].line, l + 1);
                EXPECT_EQ(c.problems[0].why, bad[0] == '\0' ? "binary data" : "invalid UTF-8");
                ASSERT_FALSE(c.events.empty());
                EXPECT_EQ(c.events.back().position, 4u);
                expect_events_are_valid_json(c.events);
            }
        }
    }
}

// JSON events can carry escaped NULs and control characters that are valid JSON in, and must be
// valid JSON out.
TEST(HostileLog, EscapedNulsInJsonEventsStayValidJson) {
    std::string text;
    for (const char* field : {"email", "reply", "campaign", "segment", "remote_host", "sender", "time"}) {
        std::string rec = R"({"event":"bounce","email":"a@b.example","reply":"550 5.1.1 no such user",)"
                          R"("campaign":"c","segment":"s","remote_host":"mx.b.example","sender":"x@y.example",)"
                          R"("time":"2025-03-03T09:14:02Z"})";
        std::string key = std::string("\"") + field + "\":\"";
        std::size_t at = rec.find(key);
        rec.insert(at + key.size(), R"(\u0000\u001f\"\\\ud800)");
        text += rec + "\n";
    }
    auto c = read_text(text, "json");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 7u);
    expect_events_are_valid_json(c.events);
}

TEST(HostileLog, TruncatedMidLineIsCountedWithItsLineNumber) {
    std::string full = std::string(
        "Mar  3 09:14:02 mx1 postfix/qmgr[20211]: 9E77C2A044: from=<news@shop.example>, size=2048, nrcpt=1 (queue active)\n") +
        kLine + kLine;
    for (std::size_t cut = full.size() - kLine.size() + 1; cut < full.size(); cut += 17) {
        SCOPED_TRACE(cut);
        auto c = read_text(full.substr(0, cut), "postfix");
        EXPECT_TRUE(c.counts.reconciles());
        EXPECT_EQ(c.counts.read, 3u);  // the cut line is a unit too
        EXPECT_GE(c.events.size(), 1u);
        EXPECT_EQ(c.events[0].sender, "news@shop.example");
        for (const auto& p : c.problems) EXPECT_EQ(p.line, 3u) << p.str();
        expect_events_are_valid_json(c.events);
    }
    // A gzip log cut short: the lines before are kept and the error gives the offset.
    std::string gz = gzip(full);
    auto c = read_text(gz.substr(0, gz.size() - 12), "");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_TRUE(failed_with(c.counts, "gzip: truncated stream"));
    ASSERT_EQ(c.problems.size(), 1u);
    // zlib hands out the last block only once it is whole: the cut costs the last lines, and the
    // first line, inflated before the cut, is read rather than lost with the file.
    EXPECT_GE(c.problems[0].line, 2u) << c.problems[0].str();
    EXPECT_GE(c.counts.parsed, 1u);
}

// --- the binary ---

struct Proc {
    int status = -1;
    std::string out, err;
    long max_rss_kib = 0;
};

std::string slurp(const std::string& p) { return test::slurp(p); }

// Runs MXT_BINARY with `args`; stdin is fed by `feed` (a writer on a pipe) when given.
Proc run(const std::vector<std::string>& args, const std::function<void(int)>& feed = {}) {
    std::string tag = ::testing::TempDir() + "mxt-hostile-" + std::to_string(::getpid()) + "-";
    static int calls = 0;
    tag += std::to_string(++calls);
    std::string out = tag + ".out", err = tag + ".err";
    int in_pipe[2];
    if (::pipe(in_pipe) != 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::close(in_pipe[0]);
        ::close(in_pipe[1]);
        int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(o, 1);
        ::dup2(e, 2);
        std::vector<std::string> all{MXT_BINARY};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(MXT_BINARY, argv.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    // A child that dies early must fail the test, not kill it with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    if (feed) feed(in_pipe[1]);
    ::close(in_pipe[1]);
    Proc r;
    int st = 0;
    struct rusage ru{};
    ::wait4(pid, &st, 0, &ru);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.max_rss_kib = ru.ru_maxrss;
    r.out = slurp(out);
    r.err = slurp(err);
    std::remove(out.c_str());
    std::remove(err.c_str());
    return r;
}

// Parses the JSON Lines output: every line valid JSON; returns the summary's counts.
struct Summary {
    std::uint64_t read = 0, parsed = 0, skipped = 0, failed = 0, events = 0, event_lines = 0;
    std::string failed_keys;
};
Summary check_json_lines(const std::string& out) {
    Summary s;
    simdjson::dom::parser parser;
    std::size_t start = 0;
    while (start < out.size()) {
        std::size_t nl = out.find('\n', start);
        if (nl == std::string::npos) nl = out.size();
        std::string line = out.substr(start, nl - start);
        start = nl + 1;
        simdjson::dom::element doc;
        if (parser.parse(line).get(doc) != simdjson::SUCCESS) {
            ADD_FAILURE() << "not JSON: " << line.substr(0, 200);
            continue;
        }
        std::string_view type;
        if (doc["type"].get(type) != simdjson::SUCCESS) continue;
        if (type == "event") ++s.event_lines;
        if (type != "summary") continue;
        s.read = doc["read"].get_uint64().value_unsafe();
        s.parsed = doc["parsed"].get_uint64().value_unsafe();
        s.events = doc["events"].get_uint64().value_unsafe();
        simdjson::dom::object skipped = doc["skipped"].get_object().value_unsafe();
        simdjson::dom::object failed = doc["failed"].get_object().value_unsafe();
        for (auto [k, v] : skipped) s.skipped += v.get_uint64().value_unsafe();
        for (auto [k, v] : failed) {
            s.failed += v.get_uint64().value_unsafe();
            s.failed_keys += std::string(k) + ";";
        }
    }
    return s;
}

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("mxt-hostile-" + std::to_string(::getpid()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& bytes) const {
        std::ofstream(path / name, std::ios::binary) << bytes;
        return (path / name).string();
    }
};

// One run over every kind of hostile file, then a good log: each problem is reported with its
// file and place, the output stays valid JSON, the summary reconciles and the good log is read.
TEST(HostileCli, EveryHostileFileIsReportedAndTheRestIsRead) {
    TempDir d;
    std::string bomb = d.write("bomb.log.gz", gzip_bomb(kLine, 4));
    std::string nested = d.write("nested.eml", nested_multipart(10000, false));
    std::string bad_bytes = d.write("bad-bytes.log", kLine + "Mar  3 09:14:10 mx1 postfix/smtp[1]: ABCDEF1234: to=<x\xff@a.example>, status=bounced (x)\n" +
                                                         "Mar  3 09:14:10 mx1 postfix/smtp[1]: AB" + '\0' + "CDEF1234: to=<x@a.example>\n" + kLine);
    std::string cut = d.write("cut.log", kLine + kLine.substr(0, 90));
    std::string bounce_cut = d.write("cut.eml", kBounce.substr(0, kBounce.find("Last-Attempt-Date") + 20));
    std::string good = test::data_path("logs/postfix-basic.log");
    auto r = run({"diagnose", "--json", "--threads", "1", bomb, nested, bad_bytes, cut, bounce_cut, good});
    EXPECT_TRUE(r.status == 0 || r.status == 2) << r.status << r.err;  // never a crash
    EXPECT_NE(r.err.find("mxtriage: " + bomb + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("gzip bomb"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mxtriage: " + nested + ": message 1: MIME nesting too deep"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mxtriage: " + bad_bytes + ":2: invalid UTF-8"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mxtriage: " + bad_bytes + ":3: binary data"), std::string::npos) << r.err;
    auto s = check_json_lines(r.out);
    EXPECT_EQ(s.read, s.parsed + s.skipped + s.failed) << r.out.substr(r.out.rfind("{\"type\":\"summary"));
    EXPECT_EQ(s.events, s.event_lines);
    EXPECT_NE(s.failed_keys.find("gzip bomb"), std::string::npos) << s.failed_keys;
    EXPECT_NE(r.out.find("\"recipient\":\"alice@gmail.com\""), std::string::npos) << "the good log after them is read";
    EXPECT_NE(r.out.find("\"recipient\":\"frank@mail.example\""), std::string::npos) << "the truncated bounce is read";
    std::printf("diagnose over the hostile files: peak RSS %ld KiB\n", r.max_rss_kib);
}

// A 1 GiB line through a pipe into `diagnose -`: the program never holds it (its peak RSS stays
// far below the line's size) and reads the lines after it.
TEST(HostileCli, OneGibLineOnStdin) {
    constexpr std::uint64_t kGiB = 1ull << 30;
    auto feed = [&](int fd) {
        auto put = [&](const char* p, std::size_t n) {
            while (n > 0) {
                ssize_t w = ::write(fd, p, n);
                if (w <= 0) return false;
                p += w, n -= static_cast<std::size_t>(w);
            }
            return true;
        };
        std::string chunk(1u << 20, 'x');
        if (!put(kLine.data(), kLine.size())) return;
        for (std::uint64_t sent = 0; sent < kGiB; sent += chunk.size())
            if (!put(chunk.data(), chunk.size())) return;
        std::string tail = "\n" + kLine + kLine;
        put(tail.data(), tail.size());
    };
    auto r = run({"diagnose", "--json", "--format", "postfix", "-"}, feed);
    EXPECT_TRUE(r.status == 0 || r.status == 2) << r.status << r.err;
    EXPECT_NE(r.err.find("mxtriage: -:2: line too long"), std::string::npos) << r.err;
    auto s = check_json_lines(r.out);
    EXPECT_EQ(s.read, 4u);
    EXPECT_EQ(s.read, s.parsed + s.skipped + s.failed);
    EXPECT_EQ(s.event_lines, 3u);
    // Whatever the sanitizer's own overhead, a program that held the line would need over 1 GiB.
    EXPECT_LT(r.max_rss_kib, 768L * 1024) << "peak RSS " << r.max_rss_kib << " KiB";
    std::printf("diagnose of a 1 GiB line: peak RSS %ld KiB\n", r.max_rss_kib);
}

}  // namespace
}  // namespace mxt
