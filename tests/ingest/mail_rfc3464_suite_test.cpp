// The examples of RFC 3464 section 10 (tests/data/testsuites/dsn-rfc3464, with expected.json):
// every recipient block read with its final recipient, action, status, diagnostic text and
// remote MTA, including the folded Diagnostic-Code of 10.2 and the non-RFC 822 address of 10.3.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "ingest/mail/dsn_fields.hpp"

namespace {

std::string slurp_lf(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    std::string out;
    for (char c : s.str())
        if (c != '\r') out.push_back(c);
    return out;
}

std::string collapse(std::string_view s) {
    std::string out;
    for (char c : s) {
        bool space = c == ' ' || c == '\t' || c == '\n';
        if (space && (out.empty() || out.back() == ' ')) continue;
        out.push_back(space ? ' ' : c);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace

TEST(Rfc3464Suite, SectionTenExamples) {
    const std::string dir = std::string(MXT_TEST_DATA) + "/testsuites/dsn-rfc3464/";
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.load(dir + "expected.json").get(doc), simdjson::SUCCESS);
    int recipients = 0;
    for (simdjson::dom::element c : doc["cases"].get_array()) {
        std::string file(std::string_view(c["file"].get_string()));
        SCOPED_TRACE(file);
        auto report = mxt::mail::parse_dsn_fields(slurp_lf(dir + file));
        auto expected = c["recipients"].get_array();
        ASSERT_EQ(report.recipients.size(), expected.size());
        std::size_t i = 0;
        for (simdjson::dom::element want : expected) {
            auto got = mxt::mail::recipient_from_dsn(report.message, report.recipients[i++]);
            EXPECT_EQ(got.recipient, std::string_view(want["final_recipient"].get_string()));
            EXPECT_EQ(got.action, std::string_view(want["action"].get_string()));
            EXPECT_EQ(got.status, std::string_view(want["status"].get_string()));
            simdjson::dom::array diag;
            if (want["diagnostic_code"].get(diag) == simdjson::SUCCESS) {
                std::string text(std::string_view(diag.at(1).get_string()));
                EXPECT_NE(collapse(got.text).find(collapse(text)), std::string::npos)
                    << "diagnostic '" << got.text << "' should hold '" << text << "'";
            }
            simdjson::dom::array mta;
            if (want["remote_mta"].get(mta) == simdjson::SUCCESS) {
                EXPECT_EQ(got.remote_host, std::string_view(mta.at(1).get_string()));
            }
            ++recipients;
        }
    }
    EXPECT_EQ(recipients, 6);
}
