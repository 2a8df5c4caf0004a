// Implementation of JsonWriter; see the header for why it exists.
#include "util/json_writer.hpp"

#include <cmath>
#include <cstdio>

namespace mxt {

namespace {
// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid (RFC 3629 section 4).
std::size_t utf8_len(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    std::size_t n = s.size() - i;
    auto cont = [&](std::size_t k) { return (b(i + k) & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) return (n >= 2 && cont(1)) ? 2 : 0;
    if (c == 0xE0) return (n >= 3 && b(i + 1) >= 0xA0 && b(i + 1) <= 0xBF && cont(2)) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
        return (n >= 3 && cont(1) && cont(2)) ? 3 : 0;
    if (c == 0xED) return (n >= 3 && b(i + 1) >= 0x80 && b(i + 1) <= 0x9F && cont(2)) ? 3 : 0;
    if (c == 0xF0)
        return (n >= 4 && b(i + 1) >= 0x90 && b(i + 1) <= 0xBF && cont(2) && cont(3)) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return (n >= 4 && cont(1) && cont(2) && cont(3)) ? 4 : 0;
    if (c == 0xF4)
        return (n >= 4 && b(i + 1) >= 0x80 && b(i + 1) <= 0x8F && cont(2) && cont(3)) ? 4 : 0;
    return 0;
}
}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t i = 0;
    while (i < s.size()) {
        // Runs of printable ASCII that need no escape are copied in one piece.
        std::size_t run = i;
        while (run < s.size()) {
            unsigned char r = static_cast<unsigned char>(s[run]);
            if (r < 0x20 || r >= 0x7f || r == '"' || r == '\\') break;
            ++run;
        }
        if (run > i) {
            out.append(s.data() + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        out += "\\u00";
                        out.push_back(kHex[c >> 4]);
                        out.push_back(kHex[c & 15]);
                    } else {
                        out.push_back(static_cast<char>(c));
                    }
            }
            ++i;
            continue;
        }
        std::size_t n = utf8_len(s, i);
        if (n == 0) {
            out += "\\ufffd";
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    out.push_back('"');
}

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) out_.push_back(',');
        first_.back() = false;
    }
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    out_.push_back('{');
    first_.push_back(true);
    return *this;
}
JsonWriter& JsonWriter::end_object() {
    out_.push_back('}');
    first_.pop_back();
    return *this;
}
JsonWriter& JsonWriter::begin_array() {
    separate();
    out_.push_back('[');
    first_.push_back(true);
    return *this;
}
JsonWriter& JsonWriter::end_array() {
    out_.push_back(']');
    first_.pop_back();
    return *this;
}
JsonWriter& JsonWriter::key(std::string_view k) {
    separate();
    append_json_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
}
JsonWriter& JsonWriter::value(std::string_view s) {
    separate();
    append_json_string(out_, s);
    return *this;
}
JsonWriter& JsonWriter::value(bool b) {
    separate();
    out_ += b ? "true" : "false";
    return *this;
}
JsonWriter& JsonWriter::value(std::int64_t n) {
    separate();
    out_ += std::to_string(n);
    return *this;
}
JsonWriter& JsonWriter::value(std::uint64_t n) {
    separate();
    out_ += std::to_string(n);
    return *this;
}
JsonWriter& JsonWriter::value(double d) {
    separate();
    if (!std::isfinite(d)) {
        out_ += "null";
        return *this;
    }
    char buf[32];
    int len = std::snprintf(buf, sizeof buf, "%.6g", d);
    out_.append(buf, static_cast<std::size_t>(len));
    return *this;
}
JsonWriter& JsonWriter::null() {
    separate();
    out_ += "null";
    return *this;
}
JsonWriter& JsonWriter::field_or_null(std::string_view k, std::string_view v) {
    key(k);
    return v.empty() ? null() : value(v);
}

}  // namespace mxt
