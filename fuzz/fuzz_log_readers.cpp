// Fuzz target: the MTA log readers (src/ingest/log_*.cpp, events_generic.cpp) through the one
// format table (formats.cpp) and the same input path `diagnose` uses (input.cpp: gzip, binary and
// UTF-8 checks, line splitting). The first byte picks the reader among the table's log formats;
// a value past them lets detection choose (which also reaches the mbox and message paths). The
// events are then classified, and the counts must reconcile (sink.hpp: read = parsed + skipped +
// failed).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "ingest/input.hpp"
#include "ingest/log_reader.hpp"

namespace {

const std::vector<std::string>& log_format_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& f : mxt::formats())
            if (f.kind == mxt::InputKind::log && f.make != nullptr) n.emplace_back(f.name);
        return n;
    }();
    return names;
}

}  // namespace

// The shipped rules are compiled before the first input, so that their load time (seconds) is
// not charged to an input as a timeout.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    (void)mxt::fuzz::shipped_classifier();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto& names = log_format_names();
    std::size_t pick = data[0];
    std::string forced = pick < names.size() ? names[pick] : std::string();
    std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

    mxt::fuzz::CollectingSink sink;
    mxt::InputCounts counts;
    mxt::InputOptions options;
    // Smaller than the defaults so that a long input costs the fuzzer milliseconds, not seconds;
    // the code paths (line too long, message too large) are the same.
    options.limits.max_line = 64 * 1024;
    options.limits.max_message = 1u << 20;
    options.limits.gzip.ratio_grace = 1u << 20;
    options.limits.gzip.max_total = 16u << 20;
    mxt::read_source("fuzz.log", mxt::memory_source(std::move(bytes)), forced, 2026, options, sink, counts);
    if (!counts.reconciles()) mxt::fuzz::invariant_failed("input counts do not reconcile");
    mxt::fuzz::classify_all(sink.events);
    return 0;
}
