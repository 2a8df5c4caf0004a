// Authentication-Results header fields (RFC 8601 2.2): authserv-id, version, and per method the
// result, reason and properties. Comments (CFWS) may appear between any two tokens (RFC 8601
// Appendix B.7), so the parser skips them everywhere.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxt::audit {

struct AuthResProperty {
    std::string type, name, value;  // e.g. smtp . mailfrom = example.net
};

struct AuthResResult {
    std::string method;              // lower-case
    std::optional<int> version;
    std::string result;              // lower-case
    std::optional<std::string> reason;
    std::vector<AuthResProperty> properties;
    // The value of the first property "type.name", or empty.
    std::string property(std::string_view type, std::string_view name) const;
};

struct AuthResults {
    std::string authserv_id;
    std::optional<int> version;
    std::vector<AuthResResult> results;  // empty for "none"
    std::vector<std::string> warnings;   // resinfo parts skipped as unreadable, with offsets
};

struct AuthResError {
    std::size_t offset = 0;
    std::string message;
};

// Parses the field value (after "Authentication-Results:"), folded or not.
std::expected<AuthResults, AuthResError> parse_authentication_results(std::string_view value);

}  // namespace mxt::audit
