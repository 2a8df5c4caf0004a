// Fuzz target: the DMARC aggregate report reader (src/audit/report_extract.cpp and
// report_parse.cpp, RFC 7489 7.2 and appendix C, RFC 9990): the bytes as a file would arrive
// (XML, gzip, zip or an e-mail carrying any of them), extracted with bounded decompression and
// then parsed. The limits are smaller than the defaults so that each input costs milliseconds;
// the code paths (too large, bomb ratio, nesting depth) are the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audit/reports.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mxt::audit::ReportLimits limits;
    limits.max_input = 1u << 20;
    limits.max_decompressed = 4u << 20;
    limits.max_ratio = 1000;
    limits.max_depth = 4;
    if (size > limits.max_input) return -1;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto docs = mxt::audit::extract_reports(bytes, "fuzz.xml", limits);
    if (!docs) {
        if (docs.error().empty()) mxt::fuzz::invariant_failed("extraction failed without a reason");
        return 0;
    }
    for (const auto& d : *docs) {
        if (d.xml.size() > limits.max_decompressed) mxt::fuzz::invariant_failed("document larger than the limit");
        auto report = mxt::audit::parse_aggregate_report(d.xml, d.source);
        if (!report) {
            if (report.error().empty()) mxt::fuzz::invariant_failed("parse failed without a reason");
            continue;
        }
        for (const auto& r : report->records) (void)r.source_ip.size();
    }
    return 0;
}
