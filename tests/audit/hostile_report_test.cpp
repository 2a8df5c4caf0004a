// Hostile DMARC aggregate reports: a gzip bomb and a zip bomb (peak memory measured), bombs
// nested in each other and side by side (one budget for the whole file), entity expansion in any
// encoding (UTF-16 hides "<!ENTITY" from a byte search), external entities; each refused with the
// file named, and the good report after them still read.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "audit/reports.hpp"
#include "../common/test_support.hpp"
#include "run_binary.hpp"

namespace mxt::audit {
namespace {

using test_support::reset_hwm;
using test_support::vm_hwm_kib;

// Deflates `n` bytes of `fill` after `head`, with a gzip wrapper (window 15+16) or raw (-15, for
// zip), fed in 1 MiB pieces so that the plain text never exists in memory.
std::string deflate_fill(const std::string& head, std::uint64_t n, char fill, int window, uLong* crc = nullptr) {
    z_stream z{};
    deflateInit2(&z, 1, Z_DEFLATED, window, 9, Z_DEFAULT_STRATEGY);
    std::string out, piece(1u << 20, fill), buf(1u << 16, '\0');
    uLong c = crc32(0, nullptr, 0);
    auto feed = [&](const std::string& in, std::size_t len, int flush) {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(len);
        c = crc32(c, reinterpret_cast<const Bytef*>(in.data()), static_cast<uInt>(len));
        do {
            z.next_out = reinterpret_cast<Bytef*>(buf.data());
            z.avail_out = static_cast<uInt>(buf.size());
            deflate(&z, flush);
            out.append(buf.data(), buf.size() - z.avail_out);
        } while (z.avail_out == 0);
    };
    feed(head, head.size(), Z_NO_FLUSH);
    for (std::uint64_t done = 0; done < n; done += piece.size())
        feed(piece, static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), n - done)), Z_NO_FLUSH);
    feed(std::string(), 0, Z_FINISH);
    deflateEnd(&z);
    if (crc) *crc = c;
    return out;
}

void le(std::string& s, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A one-entry zip (PKWARE APPNOTE 4.3: local header, data, central directory, end record).
std::string zip_one(const std::string& name, const std::string& head, std::uint64_t n, char fill) {
    uLong crc = 0;
    std::string data = deflate_fill(head, n, fill, -15, &crc);
    std::uint64_t size = head.size() + n;
    std::string z;
    le(z, 0x04034b50, 4), le(z, 20, 2), le(z, 0, 2), le(z, 8, 2), le(z, 0, 4);
    le(z, crc, 4), le(z, data.size(), 4), le(z, size, 4), le(z, name.size(), 2), le(z, 0, 2);
    z += name + data;
    std::size_t cd = z.size();
    le(z, 0x02014b50, 4), le(z, 20, 2), le(z, 20, 2), le(z, 0, 2), le(z, 8, 2), le(z, 0, 4);
    le(z, crc, 4), le(z, data.size(), 4), le(z, size, 4), le(z, name.size(), 2);
    le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 4), le(z, 0, 4);
    z += name;
    std::size_t cd_size = z.size() - cd;
    le(z, 0x06054b50, 4), le(z, 0, 2), le(z, 0, 2), le(z, 1, 2), le(z, 1, 2);
    le(z, cd_size, 4), le(z, cd, 4), le(z, 0, 2);
    return z;
}

const std::string kXmlHead = "<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>";

const std::string kGoodReport =
    "<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>good.example</org_name>"
    "<report_id>1</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range>"
    "</report_metadata><policy_published><domain>shop.example</domain><p>none</p></policy_published>"
    "<record><row><source_ip>192.0.2.1</source_ip><count>7</count><policy_evaluated><disposition>none"
    "</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>"
    "shop.example</header_from></identifiers></record></feedback>\n";

TEST(HostileReports, GzipAndZipBombsAreRefusedWithBoundedMemory) {
    constexpr std::uint64_t kSize = 256ull << 20;  // 256 MiB of one byte: about 1 MiB compressed
    struct Case {
        const char* name;
        std::string bytes;
        const char* word;
    };
    Case cases[] = {
        {"bomb.xml.gz", deflate_fill(kXmlHead, kSize, ' ', 15 + 16), "decompression bomb"},
        {"bomb.zip", zip_one("report.xml", kXmlHead, kSize, ' '), "zip bomb"},
    };
    for (auto& c : cases) {
        SCOPED_TRACE(c.name);
        ASSERT_LT(c.bytes.size(), 2u << 20);
        ASSERT_TRUE(reset_hwm());
        std::uint64_t before = vm_hwm_kib();
        auto r = extract_reports(c.bytes, c.name, ReportLimits{});
        std::uint64_t grown = vm_hwm_kib() - before;
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().rfind(std::string(c.name) + ": refused", 0), 0u) << r.error();
        EXPECT_NE(r.error().find(c.word), std::string::npos) << r.error();
        // At most the 32 MiB budget is ever held (a zip entry's ratio is judged on its declared
        // compressed size; gzip's as it inflates, so a gzip bomb stops after a MiB or two).
        EXPECT_LT(grown, 96u * 1024) << "peak RSS grew by " << grown << " KiB";
        std::printf("%s: peak RSS growth %llu KiB\n", c.name, static_cast<unsigned long long>(grown));
    }
}

// Layers inside layers and side by side share one budget: three gzip'd reports in a zip, each
// under the cap alone, together over it.
TEST(HostileReports, NestedLayersShareOneBudget) {
    ReportLimits lim;
    lim.max_decompressed = 8u << 20;
    lim.max_ratio = 1u << 20;  // ratio out of the way: the budget is what is tested
    std::string gz = deflate_fill(kXmlHead, 3u << 20, ' ', 15 + 16);
    auto one = extract_reports(gz, "one.xml.gz", lim);
    ASSERT_TRUE(one.has_value()) << one.error();
    // A zip holding three copies of the .gz (stored, no compression of its own needed here: the
    // inner layers are what inflate).
    std::string zip;
    std::vector<std::pair<std::size_t, uLong>> at;
    for (int i = 0; i < 3; ++i) {
        std::string name = "r" + std::to_string(i) + ".xml.gz";
        uLong crc = crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(gz.data()), static_cast<uInt>(gz.size()));
        at.push_back({zip.size(), crc});
        le(zip, 0x04034b50, 4), le(zip, 10, 2), le(zip, 0, 2), le(zip, 0, 2), le(zip, 0, 4);
        le(zip, crc, 4), le(zip, gz.size(), 4), le(zip, gz.size(), 4), le(zip, name.size(), 2), le(zip, 0, 2);
        zip += name + gz;
    }
    std::size_t cd = zip.size();
    for (int i = 0; i < 3; ++i) {
        std::string name = "r" + std::to_string(i) + ".xml.gz";
        le(zip, 0x02014b50, 4), le(zip, 10, 2), le(zip, 10, 2), le(zip, 0, 2), le(zip, 0, 2), le(zip, 0, 4);
        le(zip, at[i].second, 4), le(zip, gz.size(), 4), le(zip, gz.size(), 4), le(zip, name.size(), 2);
        le(zip, 0, 2), le(zip, 0, 2), le(zip, 0, 2), le(zip, 0, 2), le(zip, 0, 4), le(zip, at[i].first, 4);
        zip += name;
    }
    std::size_t cd_size = zip.size() - cd;
    le(zip, 0x06054b50, 4), le(zip, 0, 2), le(zip, 0, 2), le(zip, 3, 2), le(zip, 3, 2);
    le(zip, cd_size, 4), le(zip, cd, 4), le(zip, 0, 2);
    auto three = extract_reports(zip, "three.zip", lim);
    // Two fit in 8 MiB, the third does not: it is refused, the two are kept.
    ASSERT_TRUE(three.has_value()) << three.error();
    EXPECT_EQ(three->size(), 2u);
    std::size_t total = 0;
    for (const auto& x : *three) total += x.xml.size();
    EXPECT_LE(total, lim.max_decompressed);
}

TEST(HostileReports, EntityDeclarationsAreRefusedInAnyEncoding) {
    std::string laughs =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE feedback [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>\n"
        "<feedback><report_metadata><org_name>&e;</org_name></report_metadata>"
        "<record><row><source_ip>192.0.2.9</source_ip><count>1</count></row></record></feedback>\n";
    // UTF-16LE with no byte order mark: libxml2 detects it from "<\0?\0".
    std::string utf16;
    for (char ch : laughs) utf16 += std::string{ch, '\0'};
    ASSERT_EQ(utf16.find("<!ENTITY"), std::string::npos);
    auto r = parse_aggregate_report(utf16, "laughs16.xml");
    ASSERT_FALSE(r.has_value()) << "a UTF-16 entity bomb was read";
    EXPECT_NE(r.error().find("refused"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("entities"), std::string::npos) << r.error();
    EXPECT_EQ(r.error().rfind("laughs16.xml:", 0), 0u) << r.error();
    // External entities and parameter entities, in UTF-8 and UTF-16.
    for (std::string x : {std::string("<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                                      "<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>"),
                          std::string("<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY % p \"<!ENTITY q 'x'>\"> %p;]>"
                                      "<feedback/>")}) {
        std::string x16;
        for (char ch : x) x16 += std::string{ch, '\0'};
        for (const auto& doc : {x, x16}) {
            auto e = parse_aggregate_report(doc, "ent.xml");
            ASSERT_FALSE(e.has_value());
            EXPECT_NE(e.error().find("entit"), std::string::npos) << e.error();
            EXPECT_EQ(e.error().find("root:"), std::string::npos) << "file content leaked: " << e.error();
        }
    }
    // A report without entities, in UTF-16, is still read.
    std::string good16;
    std::string good = kGoodReport;
    good.replace(good.find("?>"), 0, " encoding=\"UTF-16\"");
    for (char ch : good) good16 += std::string{ch, '\0'};
    auto g = parse_aggregate_report(good16, "good16.xml");
    ASSERT_TRUE(g.has_value()) << g.error();
    EXPECT_EQ(g->records.size(), 1u);
}

// The binary: every hostile file named on stderr, the good report after them summed.
TEST(HostileReports, CliRefusesEachAndReadsTheRest) {
    std::string dir = "/tmp/mxt-hostile-reports-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& name, const std::string& bytes) {
        std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
        return dir + "/" + name;
    };
    std::string gz = write("bomb.xml.gz", deflate_fill(kXmlHead, 256ull << 20, ' ', 15 + 16));
    std::string zip = write("bomb.zip", zip_one("report.xml", kXmlHead, 256ull << 20, ' '));
    std::string laughs;
    for (char ch : std::string("<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE feedback [<!ENTITY a \"aa\">]>"
                               "<feedback><report_metadata><org_name>&a;</org_name></report_metadata></feedback>"))
        laughs += std::string{ch, '\0'};
    std::string ent = write("laughs16.xml", laughs);
    std::string good = write("good.xml", kGoodReport);
    auto r = testing::run_mxtriage({"audit", "reports", "--json", gz, zip, ent, good});
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("mxtriage: " + gz + ": refused"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mxtriage: " + zip + ": refused"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mxtriage: " + ent + ":1: refused"), std::string::npos) << r.err;
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    ASSERT_EQ(p.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
    EXPECT_EQ(doc["reports"].get_uint64().value_unsafe(), 1u) << r.out;
    EXPECT_EQ(doc["messages"].get_uint64().value_unsafe(), 7u) << r.out;
}

}  // namespace
}  // namespace mxt::audit
