// A small streaming JSON writer for output. Hand-written because simdjson only parses and the
// output side needs just objects, arrays, strings and numbers, written fast into one buffer.
// Strings that are not valid UTF-8 are repaired (each bad byte becomes U+FFFD) so that every
// line we print is valid JSON whatever the input held.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mxt {

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(bool b);
    JsonWriter& value(std::int64_t n);
    JsonWriter& value(std::uint64_t n);
    JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
    JsonWriter& value(double d);
    JsonWriter& null();
    // key + value in one call
    template <typename T>
    JsonWriter& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }
    // key + value, or key + null when the string is empty
    JsonWriter& field_or_null(std::string_view k, std::string_view v);

private:
    void separate();
    std::string& out_;
    std::vector<bool> first_;  // per open container: no element written yet
    bool after_key_ = false;
};

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

}  // namespace mxt
