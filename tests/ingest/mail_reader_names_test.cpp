// The plain-text notices of MTAs that send no RFC 3464 report are read by a reader named after
// the MTA (its own detection, the shared text scanner): each corpus sample below must be claimed
// by the reader of the MTA that wrote it, with its recipient and reply read.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/mail/message_reader.hpp"

namespace mxt {
namespace {

struct Collect : EventSink {
    std::vector<DeliveryEvent> events;
    void event(DeliveryEvent&& e) override { events.push_back(std::move(e)); }
    void problem(const InputProblem&) override {}
};

std::vector<DeliveryEvent> read_corpus(const std::string& name) {
    std::ifstream f(std::string(MXT_TEST_DATA) + "/corpus/sisimai/bsd/" + name, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    EXPECT_FALSE(s.str().empty()) << name;
    Collect sink;
    MessageOrigin origin;
    origin.source = name;
    read_message(s.str(), origin, sink);
    return sink.events;
}

struct Case {
    const char* file;
    const char* format;
    const char* recipient;
    const char* text_part;  // a piece of the reply the reader must have found
};

class MtaReaderTest : public ::testing::TestWithParam<Case> {};

TEST_P(MtaReaderTest, TheMtasOwnReaderClaimsItsNotice) {
    const Case& c = GetParam();
    auto events = read_corpus(c.file);
    ASSERT_FALSE(events.empty()) << c.file;
    EXPECT_EQ(events[0].format, c.format) << c.file;
    EXPECT_EQ(events[0].recipient, c.recipient) << c.file;
    EXPECT_NE(events[0].text.find(c.text_part), std::string::npos) << events[0].text;
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, MtaReaderTest,
    ::testing::Values(Case{"lhost-exim-01.eml", "exim", "kijitora@example.ed.jp", "Please use the smtp server"},
                      Case{"lhost-qmail-01.eml", "qmail", "kijitora@example.ne.jp", "most progress was RCPT TO"},
                      Case{"lhost-opensmtpd-01.eml", "opensmtpd", "apdugoaidugoaidugoaeiudggadi@gmail.com", "550 5.1.1"},
                      Case{"lhost-exchange2003-01.eml", "exchange", "kijitora@example.jp", "not recognized"},
                      Case{"lhost-domino-01.eml", "domino", "kijitora@example.jp", "not listed in Domino Directory"},
                      Case{"lhost-yahoo-01.eml", "yahoo", "kijitora@example.org", "User Unknown"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.format); });

}  // namespace
}  // namespace mxt
