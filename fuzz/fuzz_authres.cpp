// Fuzz target: the Authentication-Results parser (src/audit/authres.cpp, RFC 8601 2.2 with
// comments anywhere, Appendix B.7). Checks besides memory safety: an error's offset lies within
// the input, method and result names come back lower-case (authres.hpp), and property lookups
// work on whatever was parsed.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audit/authres.hpp"
#include "fuzz_common.hpp"

namespace {

bool has_upper(std::string_view s) {
    for (char c : s)
        if (c >= 'A' && c <= 'Z') return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A header field of a few KB is already unusual; bound the work per input.
    if (size > 64 * 1024) return -1;
    std::string_view value(reinterpret_cast<const char*>(data), size);
    auto ar = mxt::audit::parse_authentication_results(value);
    if (!ar) {
        if (ar.error().offset > value.size()) mxt::fuzz::invariant_failed("error offset past the end");
        return 0;
    }
    for (const auto& r : ar->results) {
        if (has_upper(r.method) || has_upper(r.result)) mxt::fuzz::invariant_failed("method or result not lower-case");
        (void)r.property("smtp", "mailfrom");
        (void)r.property("header", "d");
        for (const auto& p : r.properties) (void)r.property(p.type, p.name);
    }
    return 0;
}
