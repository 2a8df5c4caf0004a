// Fast non-cryptographic hashing of byte strings (xxHash's XXH3, inlined), for hash tables on the
// per-line path of the log readers and for the identity digest of an input. Not for anything an
// adversary could exploit: tables that hold attacker-chosen keys are bounded in size and probe
// length does not decide memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace mxt {

inline std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed = 0) {
    return XXH3_64bits_withSeed(s.data(), s.size(), seed);
}

// Folds `s` into a running digest, order-dependent, with a field separator: ("ab","c") and
// ("a","bc") give different digests.
inline void hash_combine(std::uint64_t& digest, std::string_view s) {
    digest = hash_bytes(s, digest ^ (s.size() * 0x9e3779b97f4a7c15ull));
}

// For unordered containers keyed by std::string that are looked up by std::string_view without
// building a string (heterogeneous lookup, with std::equal_to<>).
struct TransparentStringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return static_cast<std::size_t>(hash_bytes(s)); }
};

}  // namespace mxt
