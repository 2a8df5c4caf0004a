// The MIME shortcut for single plain-text messages (parse_mail without GMime) must read every
// message exactly as the full GMime parse does: checked over the whole labelled corpus and over
// hand-made edge cases (charsets, transfer encodings, odd header blocks) that must fall back.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ingest/mail/mime.hpp"
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

TEST(MailReaderFastPath, CorpusReadsLikeGMime) {
    namespace fs = std::filesystem;
    std::size_t files = 0;
    for (const auto& ent : fs::recursive_directory_iterator(fs::path(MXT_TEST_DATA) / "corpus" / "sisimai")) {
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
    const std::string head = "From: MAILER-DAEMON@example.net\nTo: a@example.org\nSubject: failure notice\n";
    const std::string body = "Hi. This is the qmail-send program.\n\n<x@example.com>:\n550 5.1.1 no mailbox\n";
    const std::string cases[] = {
        head + "\n" + body,
        head + "Content-Type: text/plain\n\n" + body,
        head + "Content-Type: TEXT/Plain; charset=\"US-ASCII\"; format=flowed\n\n" + body,
        head + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body + "caf\xc3\xa9\n",
        head + "Content-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9 " + body,
        head + "Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B$3$s\x1b(B\n" + body,
        head + "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n550 user=\n unknown=3D\n" + body,
        head + "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nNTUwIDUuMS4xIHVzZXIgdW5rbm93bgo=\n",
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
