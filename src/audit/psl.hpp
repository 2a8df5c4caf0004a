// The Public Suffix List through Debian's libpsl: organisational domains for RFC 7489 3.2 and
// DMARC identifier alignment (RFC 7489 3.1, relaxed and strict).
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace mxt::audit {

class PublicSuffixList {
public:
    // The list libpsl finds on the system (Debian's publicsuffix package), else its built-in copy.
    static std::expected<PublicSuffixList, std::string> system();
    // A list in the publicsuffix.org text format, e.g. a pinned snapshot for reproducible tests.
    static std::expected<PublicSuffixList, std::string> load(const std::string& path);

    // The registrable domain (public suffix + one label), lower-case; empty when there is none
    // (the name is itself a public suffix, or is malformed).
    std::string registrable_domain(std::string_view domain) const;
    // RFC 7489 3.2: the organisational domain; falls back to the name itself for bare suffixes.
    std::string org_domain(std::string_view domain) const;
    bool is_public_suffix(std::string_view domain) const;

    struct Handle;
    std::shared_ptr<Handle> handle;
};

// RFC 7489 3.1: strict = identical (case-insensitive); relaxed = same organisational domain.
bool aligned(const PublicSuffixList& psl, std::string_view a, std::string_view b, bool strict);

std::string lower_domain(std::string_view d);

}  // namespace mxt::audit
