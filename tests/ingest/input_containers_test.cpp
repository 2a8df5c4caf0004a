// Containers and bad input: gzip (and a gzip bomb), binary files, invalid UTF-8, a 100 MB line,
// unreadable and missing files, mbox splitting with >From quoting, Maildir and directory walks.
// Every case must keep the counts reconciled and report problems with their place.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "../common/test_support.hpp"
#include "ingest/byte_source.hpp"
#include "ingest/expand.hpp"
#include "ingest/line_reader.hpp"
#include "log_test_util.hpp"

namespace mxt {
namespace {

namespace fs = std::filesystem;
using test::read_text;

const char* kLine =
    "Mar  3 09:14:09 mx1 postfix/smtp[20220]: 9E77C2A044: to=<dave@nxdomain.example>, relay=none, "
    "delay=0.1, delays=0.01/0/0.09/0, dsn=5.4.4, status=bounced (Host or domain name not found. "
    "Name service error for name=nxdomain.example type=AAAA: Host not found)\n";

using test_support::gzip;

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("mxt-ingest-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(counter++));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& rel, const std::string& bytes) const {
        fs::path p = path / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << bytes;
        return p.string();
    }
    static inline int counter = 0;
};

TEST(Input, GzipIsInflatedTransparently) {
    std::string plain = std::string(kLine) + kLine;
    auto c = read_text(gzip(plain));
    EXPECT_EQ(c.events.size(), 2u);
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 2u);
    // Concatenated gzip members (RFC 1952 2.2) are read in turn.
    auto two = read_text(gzip(kLine) + gzip(kLine));
    EXPECT_EQ(two.events.size(), 2u);
}

TEST(Input, GzipBombIsRefusedWithAClearError) {
    std::string run(32u << 20, 'x');  // 32 MiB of one byte compresses ~1000:1
    std::string bomb = gzip(std::string(kLine) + run, 9);
    ASSERT_LT(bomb.size(), 200u * 1024);
    auto c = read_text(bomb);
    EXPECT_TRUE(c.counts.reconciles());
    bool refused = false;
    for (const auto& [why, n] : c.counts.failed) refused = refused || why.find("gzip bomb") != std::string::npos;
    EXPECT_TRUE(refused);
    ASSERT_FALSE(c.problems.empty());
    EXPECT_NE(c.problems.back().str().find("test.log:"), std::string::npos);
    EXPECT_EQ(c.events.size(), 1u);  // what came before the refusal is kept
}

TEST(Input, CorruptGzipFails) {
    std::string gz = gzip(std::string(kLine) + kLine);
    gz.resize(gz.size() / 2);
    auto c = read_text(gz);
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.failed_total(), 1u);
    EXPECT_FALSE(c.problems.empty());
}

TEST(Input, BinaryFileIsRefusedAsOneUnit) {
    std::string bin = "\x7f" "ELF\x02\x01\x01";
    bin += std::string(100, '\0');
    auto c = read_text(bin);
    EXPECT_EQ(c.counts.read, 1u);
    EXPECT_EQ(c.counts.failed.at("binary file"), 1u);
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_TRUE(c.events.empty());
}

TEST(Input, InvalidUtf8AndNulLinesFailWithTheirLineNumbers) {
    std::string text = std::string(kLine) +
                       "Mar  3 09:14:10 mx1 postfix/smtp[1]: ABCDEF1234: to=<x\xff\xfe@a.example>, "
                       "status=bounced (x)\n" +
                       kLine;
    // A NUL after the head: a line, not the whole file, is binary.
    std::string tail = std::string(5000, 'a') + "\n" + std::string("bad\0line\n", 9) + kLine;
    auto c = read_text(text + tail, "postfix");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.failed.at("invalid UTF-8"), 1u);
    EXPECT_EQ(c.counts.failed.at("binary data"), 1u);
    EXPECT_EQ(c.events.size(), 3u);
    ASSERT_EQ(c.problems.size(), 2u);
    EXPECT_EQ(c.problems[0].str(), "test.log:2: invalid UTF-8");
    EXPECT_EQ(c.problems[1].line, 5u);
}

TEST(Input, HundredMegabyteLineIsReportedAndSkipped) {
    std::string text = kLine;
    text += std::string(100u << 20, 'x');
    text += '\n';
    text += kLine;
    auto c = read_text(text, "postfix");
    EXPECT_TRUE(c.counts.reconciles());
    EXPECT_EQ(c.counts.read, 3u);
    EXPECT_EQ(c.counts.failed.at("line too long"), 1u);
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_EQ(c.problems[0].line, 2u);
    ASSERT_EQ(c.events.size(), 2u);
    EXPECT_EQ(c.events[1].position, 3u);  // line numbers stay right after the long line
}

TEST(Input, LineReaderHandlesCrlfAndNoFinalNewline) {
    auto src = memory_source("a\r\nbb\n\nccc");
    LineReader r(*src, 16);
    auto l1 = r.next();
    EXPECT_EQ(l1.text, "a");
    EXPECT_EQ(r.next().text, "bb");
    EXPECT_EQ(r.next().text, "");
    auto l4 = r.next();
    EXPECT_EQ(l4.text, "ccc");
    EXPECT_EQ(l4.number, 4u);
    EXPECT_EQ(r.next().status, LineReader::Status::end);
}

TEST(Input, MissingAndUnreadableFilesAreCountedFailures) {
    test::Collected c;
    read_input({"/nonexistent/mxt/mail.log", ""}, InputOptions{}, c, c.counts);
    EXPECT_EQ(c.counts.read, 1u);
    EXPECT_EQ(c.counts.failed.at("cannot open: No such file or directory"), 1u);
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_EQ(c.problems[0].str(),
              "/nonexistent/mxt/mail.log: cannot open: No such file or directory");
    // A directory opened as a file cannot be read (EISDIR): a failed unit, not a crash.
    TempDir d;
    test::Collected c2;
    read_input({d.path.string(), ""}, InputOptions{}, c2, c2.counts);
    EXPECT_EQ(c2.counts.read, 1u);
    EXPECT_EQ(c2.counts.failed_total(), 1u);
    EXPECT_TRUE(c2.counts.reconciles());
}

TEST(Input, UnrecognisedFormatIsOneFailedUnit) {
    auto c = read_text("hello world\nthis is not a log\n");
    EXPECT_EQ(c.counts.read, 1u);
    EXPECT_EQ(c.counts.failed_total(), 1u);
    EXPECT_TRUE(c.counts.reconciles());
}

TEST(Input, EmptyInputHasNoUnits) {
    auto c = read_text("");
    EXPECT_EQ(c.counts.read, 0u);
    EXPECT_TRUE(c.problems.empty());
}

TEST(Input, MboxIsSplitOnFromLinesAndUnquoted) {
    std::string msg1 =
        "From MAILER-DAEMON Mon Mar  3 09:14:02 2025\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx1.shop.example>\n"
        "To: news@shop.example\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "\n"
        "body line\n"
        ">From the start of a body line\n"
        "\n";
    std::string msg2 =
        "From MAILER-DAEMON Mon Mar  3 09:15:02 2025\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx1.shop.example>\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "\n"
        "another\n";
    auto c = read_text(msg1 + msg2, "", "box.mbox");
    EXPECT_EQ(c.counts.read, 2u);
    EXPECT_TRUE(c.counts.reconciles());
    for (const auto& p : c.problems) {
        EXPECT_GE(p.message, 1u);
        EXPECT_LE(p.message, 2u);
    }
}

TEST(Input, MboxSeparatorWithoutBlankLineStartsANewMessage) {
    std::string box =
        "From MAILER-DAEMON  Thu Jul  2 12:05:05 2020\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx1.shop.example>\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "\n"
        "body\n"
        "From double-bounce@tr2.example.com  Thu Jul  2 12:05:05 2020\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx1.shop.example>\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "\n"
        "text\n"
        "From here on the body says something\n";
    auto c = read_text(box, "", "box.mbox");
    EXPECT_EQ(c.counts.read, 2u) << "a body line starting with 'From ' is not a separator";
    EXPECT_TRUE(c.counts.reconciles());
}

TEST(Input, ClassicMacLineEndsReadLikeUnixOnes) {
    std::string unix_log = std::string(kLine) + kLine;
    std::string mac_log = unix_log;
    for (auto& ch : mac_log)
        if (ch == '\n') ch = '\r';
    auto u = read_text(unix_log);
    auto m = read_text(mac_log);
    ASSERT_EQ(u.events.size(), 2u);
    ASSERT_EQ(m.events.size(), u.events.size());
    for (std::size_t i = 0; i < u.events.size(); ++i) {
        EXPECT_EQ(m.events[i].recipient, u.events[i].recipient);
        EXPECT_EQ(m.events[i].text, u.events[i].text);
        EXPECT_EQ(m.events[i].position, u.events[i].position);
    }
}

TEST(Input, LoneCrSourceHandlesPairsAcrossChunks) {
    // A CRLF split over two reads must give one line end, a lone CR one as well.
    struct Chunks : ByteSource {
        std::vector<std::string> parts{"a\r", "\nb\r", "c\r\r\n", "d"};
        std::size_t i = 0;
        std::expected<std::size_t, std::string> read(char* buf, std::size_t n) override {
            if (i == parts.size()) return 0;
            std::size_t k = std::min(n, parts[i].size());
            std::copy_n(parts[i].data(), k, buf);
            ++i;
            return k;
        }
    };
    auto src = lone_cr_to_lf(std::make_unique<Chunks>());
    std::string out;
    char buf[16];
    for (;;) {
        auto got = src->read(buf, sizeof buf);
        ASSERT_TRUE(got);
        if (*got == 0) break;
        out.append(buf, *got);
    }
    EXPECT_EQ(out, "a\nb\nc\n\nd");
}

TEST(Input, AStrayNulDoesNotMakeATextFileBinary) {
    std::string text = kLine;
    text.insert(20, 1, '\0');
    text += kLine;
    auto c = read_text(text);
    EXPECT_EQ(c.counts.failed.count("binary file"), 0u);
    EXPECT_EQ(c.counts.failed.at("binary data"), 1u) << "the line with the NUL fails alone";
    EXPECT_EQ(c.events.size(), 1u);
}

TEST(Input, DirectoriesAreWalkedSortedAndMaildirsReadAsMessages) {
    TempDir d;
    d.write("b/2.log", kLine);
    d.write("b/1.log", kLine);
    d.write("a.log", kLine);
    d.write(".hidden", kLine);
    d.write("box/cur/1700000001.M1.host:2,S", "From: x\n\nbody\n");
    d.write("box/new/1700000000.M1.host", "From: x\n\nbody\n");
    d.write("box/tmp/partial", "From: x\n");
    auto x = expand_paths({d.path.string()}, "", false);
    ASSERT_EQ(x.inputs.size(), 5u);
    std::string root = d.path.string();
    EXPECT_EQ(x.inputs[0].path, root + "/a.log");
    EXPECT_EQ(x.inputs[1].path, root + "/b/1.log");
    EXPECT_EQ(x.inputs[2].path, root + "/b/2.log");
    EXPECT_EQ(x.inputs[3].path, root + "/box/cur/1700000001.M1.host:2,S");
    EXPECT_EQ(x.inputs[3].forced_format, "message");
    EXPECT_EQ(x.inputs[4].path, root + "/box/new/1700000000.M1.host");
    EXPECT_TRUE(x.problems.empty());
}

}  // namespace
}  // namespace mxt
