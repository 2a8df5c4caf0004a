// parse_mail's two readers that do without GMime (the shortcut for single plain-text messages and
// our own MIME reader, mime_fast.hpp) must read every message exactly as the full GMime parse
// does: checked field by field over the whole labelled corpus and over hand-made edge cases
// (boundaries, nesting, transfer encodings, charsets, encoded words, odd header blocks), each of
// which also states whether our reader must be sure of it or must hand it to GMime.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "ingest/mail/mime.hpp"
#include "ingest/mail/mime_fast.hpp"
#include "ingest/mail/text_util.hpp"

namespace {

using namespace mxt::mail;

void expect_same_block(const HeaderBlock& a, const HeaderBlock& b, const std::string& what) {
    ASSERT_EQ(a.fields.size(), b.fields.size()) << what;
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
        EXPECT_EQ(a.fields[i].name, b.fields[i].name) << what;
        EXPECT_EQ(a.fields[i].value, b.fields[i].value) << what;
    }
}

void expect_same(std::string_view lf, const std::string& what) {
    auto fast = parse_mail(lf);
    auto full = parse_mail_with_gmime(lf);
    ASSERT_EQ(fast.has_value(), full.has_value()) << what;
    if (!fast) {
        EXPECT_EQ(fast.error(), full.error()) << what;
        return;
    }
    expect_same_block(fast->headers, full->headers, what + " (headers)");
    expect_same_block(fast->original, full->original, what + " (original)");
    EXPECT_EQ(fast->body, full->body) << what;
    EXPECT_EQ(fast->original_body, full->original_body) << what;
    EXPECT_EQ(fast->has_original, full->has_original) << what;
    EXPECT_EQ(fast->bare, full->bare) << what;
    ASSERT_EQ(fast->parts.size(), full->parts.size()) << what;
    for (std::size_t i = 0; i < fast->parts.size(); ++i) {
        EXPECT_EQ(fast->parts[i].type, full->parts[i].type) << what;
        EXPECT_EQ(fast->parts[i].text, full->parts[i].text) << what;
    }
}

// As the message reader prepares a message: LF endings, no mbox "From " line.
std::string prepared(std::string bytes) {
    std::string lf = normalize_eol(bytes);
    if (lf.starts_with("From ")) {
        auto nl = lf.find('\n');
        lf = nl == std::string::npos ? std::string() : lf.substr(nl + 1);
    }
    return lf;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(MailReaderFastPath, CorpusReadsLikeGMime) {
    namespace fs = std::filesystem;
    std::size_t files = 0;
    for (const auto& ent :
         fs::recursive_directory_iterator(fs::path(MXT_TEST_DATA) / "corpus" / "sisimai")) {
        if (!ent.is_regular_file() || ent.path().extension() != ".eml") continue;
        std::ifstream in(ent.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        expect_same(prepared(ss.str()), ent.path().string());
        ++files;
    }
    EXPECT_GT(files, 500u);
}

TEST(MailReaderFastPath, EdgeCasesReadLikeGMime) {
    const std::string head =
        "From: MAILER-DAEMON@example.net\nTo: a@example.org\nSubject: failure notice\n";
    const std::string body =
        "Hi. This is the qmail-send program.\n\n<x@example.com>:\n550 5.1.1 no mailbox\n";
    const std::string cases[] = {
        head + "\n" + body,
        head + "Content-Type: text/plain\n\n" + body,
        head + "Content-Type: TEXT/Plain; charset=\"US-ASCII\"; format=flowed\n\n" + body,
        head + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" +
            body + "caf\xc3\xa9\n",
        head + "Content-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9 " + body,
        head + "Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B$3$s\x1b(B\n" + body,
        head +
            "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n550 user=\n "
            "unknown=3D\n" +
            body,
        head +
            "Content-Type: text/plain\nContent-Transfer-Encoding: "
            "base64\n\nNTUwIDUuMS4xIHVzZXIgdW5rbm93bgo=\n",
        head + "Content-Type: text/html\n\n<p>550 5.1.1 <b>unknown</b></p>\n",
        head + "Content-Type: text/plain (comment); charset=us-ascii\n\n" + body,
        head + "Content-Type: text/plain; charset*=us-ascii''x\n\n" + body,
        head + "Content-Type: text/plain\nContent-Type: text/html\n\n" + body,
        head + "Content-Type: text/plain;\n charset=us-ascii\n\n" + body,
        head + " \n" + body,
        head + "not a field line\n" + body,
        head + "\n",
        head + "\n\n\n" + body + "\n\n",
        head + "Content-Type: text/plain; charset=\"utf-8\n\n" + body,
    };
    for (const auto& c : cases) expect_same(c, c.substr(head.size(), 80));
}

}  // namespace

namespace {

// Our MIME reader alone against GMime on every corpus message it reads, and how many it reads:
// the multipart bounces must not drift back to GMime unnoticed.
TEST(MailFastReader, CorpusReadsLikeGMimeFieldByField) {
    namespace fs = std::filesystem;
    std::size_t files = 0, fast = 0;
    for (const auto& ent :
         fs::recursive_directory_iterator(fs::path(MXT_TEST_DATA) / "corpus" / "sisimai")) {
        if (!ent.is_regular_file() || ent.path().extension() != ".eml") continue;
        ++files;
        std::string lf = prepared(read_file(ent.path()));
        Mail m;
        if (!parse_mail_fast_only(lf, m)) continue;
        ++fast;
        expect_same(lf, ent.path().string());
    }
    EXPECT_GT(files, 500u);
    // 530 of 559 today; the rest use charsets iconv refuses, comments in header fields, or
    // returned messages that do not start with a header block.
    EXPECT_GE(fast, 500u);
}

struct Case {
    const char* name;
    std::string text;
    bool fast;  // whether our reader must be sure of it (false: it must hand it to GMime)
};

std::string report(const std::string& boundary_param, const std::string& body) {
    return "From: MAILER-DAEMON@example.net\nTo: sender@example.org\nSubject: Undelivered Mail\n"
           "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n"
           "\tboundary=" +
           boundary_param + "\n\n" + body;
}

const std::string kText =
    "Content-Type: text/plain; charset=us-ascii\n\nI'm sorry to have to inform you.\n";
const std::string kStatus =
    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
    "Final-Recipient: rfc822; user@example.com\nAction: failed\nStatus: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n";
const std::string kOriginal =
    "Content-Type: message/rfc822\n\nFrom: sender@example.org\nTo: user@example.com\n"
    "Subject: =?UTF-8?B?Y2Fmw6k=?= hello\nMessage-ID: <1@example.org>\n\nHello.\n";

std::vector<Case> edge_cases() {
    const std::string b = "\"b1\"";
    std::vector<Case> c = {
        {"plain report",
         report(b, "--b1\n" + kText + "--b1\n" + kStatus + "--b1\n" + kOriginal + "--b1--\n"),
         true},
        {"preamble and epilogue",
         report(b, "This is a MIME-encapsulated message.\n\n--b1\n" + kText + "--b1\n" + kStatus +
                       "--b1--\nepilogue text\n--b1\nnot a part\n"),
         true},
        {"missing final boundary", report(b, "--b1\n" + kStatus + "--b1\n" + kText), true},
        {"delivery-status cut by the end", report(b, "--b1\n" + kText + "--b1\n" + kStatus), true},
        {"delivery-status fields cut by the end",
         report(b, "--b1\n" + kText + "--b1\nContent-Type: message/delivery-status\n\nA: 1\n"),
         false},
        {"truncated inside the original",
         report(b, "--b1\n" + kText + "--b1\n" + kStatus + "--b1\n" + kOriginal.substr(0, 70)),
         false},
        {"boundary unquoted with '='",
         report("----=_Part_1_2.3", "------=_Part_1_2.3\n" + kText + "------=_Part_1_2.3\n" +
                                        kStatus + "------=_Part_1_2.3--\n"),
         true},
        {"boundary in quotes with parentheses and spaces",
         report("\"Boundary_(ID_x y+z)\"", "--Boundary_(ID_x y+z)\n" + kText +
                                               "--Boundary_(ID_x y+z)\n" + kStatus +
                                               "--Boundary_(ID_x y+z)--\n"),
         true},
        {"boundary lines with trailing white space",
         report(b, "--b1  \n" + kText + "--b1\t\n" + kStatus + "--b1-- \n"), true},
        {"a line that only starts like the boundary",
         report(b, "--b1\n" + kText + "--b1x\n--b1 x\n" + "--b1\n" + kStatus + "--b1--\n"), true},
        {"nested multiparts",
         report(b, "--b1\nContent-Type: multipart/alternative; boundary=b2\n\n--b2\n" + kText +
                       "--b2\nContent-Type: text/html\n\n<p>550 <b>unknown</b> &amp; "
                       "gone</p>\n--b2--\n--b1\n" +
                       kStatus + "--b1--\n"),
         true},
        {"nested multipart closed by the outer boundary",
         report(b, "--b1\nContent-Type: multipart/mixed; boundary=b2\n\n--b2\n" + kText + "--b1\n" +
                       kStatus + "--b1--\n"),
         true},
        {"a part with no header fields",
         report(b, "--b1\n\nNo header here.\n--b1\n" + kStatus + "--b1--\n"), true},
        {"an empty part at the end", report(b, "--b1\n" + kText + "--b1\n\n--b1--\n"), true},
        {"base64 with line breaks and stray characters",
         report(b,
                "--b1\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nNTUw\nIDUu "
                "MS4x\n!IHVzZXIgdW5r\nbm93bgo=\n--b1\n" +
                    kStatus + "--b1--\n"),
         true},
        {"base64 cut short",
         report(b, "--b1\nContent-Transfer-Encoding: BASE64\n\nNTUwIDUuMS4xIHVzZ\n--b1--\n"), true},
        {"base64 with padding in the middle",
         report(b, "--b1\nContent-Transfer-Encoding: base64\n\nNTU=\nwIDU\n--b1--\n"), false},
        {"quoted-printable soft breaks and odd escapes",
         report(b,
                "--b1\nContent-Type: text/plain\nContent-Transfer-Encoding: "
                "quoted-printable\n\n550 user=\n unknown=3D=3d =ZZ =\n end=20\nlast=\n--b1--\n"),
         true},
        {"quoted-printable ending in '='",
         report(b, "--b1\nContent-Transfer-Encoding: quoted-printable\n\n550 bad=\n--b1--\n"),
         true},
        {"8-bit ISO-8859-1 text",
         report(
             b,
             "--b1\nContent-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9 550 unknown\n--b1--\n"),
         true},
        {"ISO-2022-JP text",
         report(b,
                "--b1\nContent-Type: text/plain; charset=\"ISO-2022-JP\"\n\n\x1b$B$3$s$K$A$O\x1b(B "
                "550\n--b1\n" +
                    kStatus + "--b1--\n"),
         true},
        {"UTF-7 text",
         report(b,
                "--b1\nContent-Type: text/plain; charset=unicode-1-1-utf-7\n\nDelivery "
                "+AOk-chou+AOk- 550\n--b1--\n"),
         true},
        {"8-bit text in an unknown charset",
         report(b, "--b1\nContent-Type: text/plain; charset=x-unknown\n\ncaf\xe9\n--b1--\n"),
         false},
        {"8-bit UTF-8 text",
         report(b, "--b1\nContent-Type: text/plain; charset=utf-8\n\ncaf\xc3\xa9 \xff\n--b1--\n"),
         true},
        {"text/rfc822-headers",
         report(b, "--b1\n" + kStatus +
                       "--b1\nContent-Type: text/rfc822-headers\n\nFrom: a@example.org\nSubject: "
                       "=?ISO-8859-1?Q?caf=E9?=\n--b1--\n"),
         true},
        {"original with a base64 body",
         report(b, "--b1\n" + kStatus +
                       "--b1\nContent-Type: message/rfc822\n\nFrom: a@example.org\nSubject: "
                       "x\nContent-Type: text/plain\n"
                       "Content-Transfer-Encoding: base64\n\naGVsbG8K\n--b1--\n"),
         true},
        {"original that is itself multipart",
         report(b, "--b1\n" + kStatus +
                       "--b1\nContent-Type: message/rfc822\n\nFrom: a@example.org\nSubject: x\n"
                       "Content-Type: multipart/alternative; "
                       "boundary=in\n\n--in\n\nhello\n--in--\n--b1--\n"),
         true},
        {"returned message that is not a header block",
         report(b,
                "--b1\n" + kStatus + "--b1\nContent-Type: message/rfc822\n\nREDACTED\n\n--b1--\n"),
         true},
        {"returned message with a broken fold",
         report(b, "--b1\n" + kStatus +
                       "--b1\nContent-Type: message/rfc822\n\nReceived: from x\nby y with ESMTP\n"
                       " id 1\nSubject: Nyaan\nTo: <u@example.com>\n\nbody\n--b1--\n"),
         true},
        {"returned message with a stray line after its Content-Type",
         report(b, "--b1\n" + kStatus +
                       "--b1\nContent-Type: message/rfc822\n\nSubject: x\nContent-Type: "
                       "text/plain\nstray\n\nbody\n--b1--\n"),
         false},
        {"empty message/rfc822 part",
         report(b, "--b1\n" + kStatus + "--b1\nContent-Type: message/rfc822\n\n--b1--\n"), true},
        {"delivery-status ending in an empty line", report(b, "--b1\n" + kStatus + "\n--b1--\n"),
         true},
        {"delivery-status ending in two empty lines",
         report(b, "--b1\n" + kStatus + "\n\n--b1--\n"), true},
        {"delivery-status with no per-message fields",
         report(b,
                "--b1\nContent-Type: message/delivery-status\n\n\nFinal-Recipient: rfc822; "
                "u@example.com\n--b1--\n"),
         true},
        {"empty delivery-status",
         report(b, "--b1\nContent-Type: message/delivery-status\n\n\n--b1--\n"), true},
        {"delivery-status of blank lines",
         report(b, "--b1\nContent-Type: message/delivery-status\n\n\n\n\n--b1--\n"), true},
        {"delivery-status fields running into the boundary",
         report(b,
                "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n--b1--\n"),
         false},
        {"report forwarded inside message/rfc822",
         report(b, "--b1\n" + kText +
                       "--b1\nContent-Type: message/rfc822\n\nFrom: "
                       "MAILER-DAEMON@example.com\nSubject: failure\n"
                       "Content-Type: multipart/report; boundary=in\n\n--in\n" +
                       kText + "--in\n" + kStatus + "--in--\n--b1--\n"),
         true},
        {"html only",
         report(b,
                "--b1\nContent-Type: text/html; charset=utf-8\n\n<div>550 "
                "&lt;u@example.com&gt;</div><br>gone\n--b1--\n"),
         true},
        {"boundary never found", report(b, "no boundary at all\n550 5.1.1 user unknown\n"), true},
        {"RFC 2231 boundary", report("b1;\n\tboundary*0=\"b1\"", "--b1\n" + kText + "--b1--\n"),
         false},
        {"comment in Content-Type",
         report(b, "--b1\nContent-Type: text/plain (notice); charset=us-ascii\n\nx\n--b1--\n"),
         false},
        {"encoded word in a parameter",
         report(b, "--b1\nContent-Type: text/plain; name=\"=?UTF-8?Q?a?=\"\n\nx\n--b1--\n"), false},
        {"multipart/digest",
         report(b,
                "--b1\nContent-Type: multipart/digest; boundary=d\n\n--d\n\nFrom: "
                "a@b\n\nx\n--d--\n--b1--\n"),
         false},
        {"part header block not closed",
         report(b, "--b1\nContent-Type: text/plain\nnot a field\n--b1--\n"), false},
        {"part header block cut by the end", report(b, "--b1\nContent-Type: text/plain\n"), false},
        {"repeated Content-Type in a part",
         report(b, "--b1\nContent-Type: text/plain\nContent-Type: text/html\n\nx\n--b1--\n"),
         false},
        {"same boundary nested",
         report(b,
                "--b1\nContent-Type: multipart/mixed; boundary=b1\n\n--b1\n\nx\n--b1--\n--b1--\n"),
         false},
        {"base64 message/feedback-report",
         report(b,
                "--b1\nContent-Type: message/feedback-report\nContent-Transfer-Encoding: base64\n\n"
                "RmVlZGJhY2stVHlwZTogYWJ1c2UNClZlcnNpb246IDENCg==\n--b1--\n"),
         false},
        {"uuencode",
         report(b, "--b1\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n--b1--\n"), false},
        {"single part base64",
         "From: a@example.net\nSubject: failure\nContent-Type: "
         "text/plain\nContent-Transfer-Encoding: base64\n\nNTUwIDUuMS4xIHVzZXIgdW5rbm93bgo=\n",
         true},
        {"single part quoted-printable ISO-8859-1",
         "From: a@example.net\nSubject: failure\nContent-Type: text/plain; "
         "charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9 550=\n "
         "unknown\n",
         true},
        {"top-level message/rfc822",
         "From: a@example.net\nSubject: fwd\nContent-Type: message/rfc822\n\nFrom: "
         "b@example.org\nSubject: orig\n\nbody\n",
         true},
    };
    // CRLF and bare CR line endings: the reader sees them after the message reader's
    // normalisation, as every message is read.
    std::string crlf, cr;
    for (char ch : c[0].text) {
        if (ch == '\n')
            crlf += "\r\n", cr += '\r';
        else
            crlf += ch, cr += ch;
    }
    c.push_back({"CRLF line endings", crlf, true});
    c.push_back({"bare CR line endings", cr, true});
    return c;
}

TEST(MailFastReader, EdgeCasesReadLikeGMime) {
    for (const auto& c : edge_cases()) {
        std::string lf = prepared(c.text);
        Mail m;
        EXPECT_EQ(parse_mail_fast_only(lf, m), c.fast) << c.name;
        expect_same(lf, c.name);
    }
}

// The cases our reader reads really go through it inside parse_mail: the view it builds is the
// one parse_mail returns.
TEST(MailFastReader, ParseMailUsesTheFastReader) {
    std::string lf = prepared(edge_cases()[0].text);
    Mail m;
    ASSERT_TRUE(parse_mail_fast_only(lf, m));
    auto full = parse_mail(lf);
    ASSERT_TRUE(full.has_value());
    EXPECT_EQ(full->body, m.body);
    ASSERT_EQ(full->parts.size(), 3u);
    EXPECT_EQ(full->parts[1].type, "message/delivery-status");
    EXPECT_NE(full->parts[1].text.find("Status: 5.1.1"), std::string::npos);
    EXPECT_TRUE(full->has_original);
    EXPECT_EQ(full->original.get("Subject"), "caf\xc3\xa9 hello");  // RFC 2047 word decoded
}

// Limits (docs/limits.md): nesting past kFastMaxDepth and more than kFastMaxParts entities are
// handed to GMime, which gives the same answer as before (here: refused as too deep, and read).
TEST(MailFastReader, DeepNestingAndManyPartsAreLeftToGMime) {
    std::string deep =
        "From: a@example.net\nSubject: x\nContent-Type: multipart/mixed; boundary=b0\n\n";
    for (int i = 0; i < 40; ++i)
        deep += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=b" +
                std::to_string(i + 1) + "\n\n";
    deep += "--b40\n\nx\n";
    Mail m;
    EXPECT_FALSE(parse_mail_fast_only(deep, m));
    auto r = parse_mail(deep);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), "MIME nesting too deep");
    expect_same(deep, "40 deep");

    std::string many =
        "From: a@example.net\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n";
    for (std::size_t i = 0; i < kFastMaxParts + 10; ++i)
        many += "--b\n\n550 part " + std::to_string(i) + "\n";
    many += "--b--\n";
    EXPECT_FALSE(parse_mail_fast_only(many, m));
    auto r2 = parse_mail(many);
    ASSERT_TRUE(r2.has_value());
    EXPECT_EQ(r2->parts.size(), kFastMaxParts + 10);
    expect_same(many, "many parts");
}

}  // namespace
