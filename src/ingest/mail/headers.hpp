// A block of RFC 5322 header fields (section 2.2): the top of a message, the fields of a DSN
// group (RFC 3464 section 2.1), or the headers of a returned message quoted inline.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxt::mail {

struct Field {
    std::string name;
    std::string value;  // unfolded (RFC 5322 section 2.2.3), trimmed
};

struct HeaderBlock {
    std::vector<Field> fields;
    // The first field of that name (case-insensitive), or "" when absent.
    std::string_view get(std::string_view name) const;
    bool has(std::string_view name) const;
    std::vector<std::string_view> all(std::string_view name) const;
    bool empty() const { return fields.empty(); }
};

// Reads header fields from the start of `text` (LF line endings) up to the first empty line or
// the first line that is neither a field nor a continuation. `consumed` receives the offset just
// past the block. Encoded words (RFC 2047) are decoded when `decode` is set.
HeaderBlock parse_header_block(std::string_view text, std::size_t* consumed = nullptr, bool decode = false);

// Whether `line` starts like a header field: a name of printable characters then a colon.
bool is_field_line(std::string_view line);

// Decodes RFC 2047 encoded words in an unstructured value into UTF-8.
std::string decode_words(std::string_view value);

}  // namespace mxt::mail
