// RFC 5322 header block reader (see headers.hpp).
#include "ingest/mail/headers.hpp"

#include <gmime/gmime.h>

#include <mutex>

#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

std::string_view HeaderBlock::get(std::string_view name) const {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return f.value;
    return {};
}

bool HeaderBlock::has(std::string_view name) const {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return true;
    return false;
}

std::vector<std::string_view> HeaderBlock::all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& f : fields)
        if (iequals(f.name, name)) out.push_back(f.value);
    return out;
}

bool is_field_line(std::string_view line) {
    // RFC 5322 section 3.6.8: field-name = 1*ftext (printable US-ASCII except colon).
    std::size_t i = 0;
    while (i < line.size() && line[i] > 32 && line[i] < 127 && line[i] != ':') ++i;
    return i > 0 && i < line.size() && line[i] == ':';
}

std::string decode_words(std::string_view value) {
    if (value.find("=?") == std::string_view::npos) return std::string(value);
    // GMime's decoder needs its charset tables: set up once, since a message read without a
    // MIME parse (mime_fast.hpp) may be the first to get here.
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
    std::string in(value);
    char* d = g_mime_utils_header_decode_text(nullptr, in.c_str());
    if (!d) return in;
    std::string out(d);
    g_free(d);
    return out;
}

HeaderBlock parse_header_block(std::string_view text, std::size_t* consumed, bool decode) {
    HeaderBlock hb;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
        if (trim(line).empty()) {
            pos = next;
            break;
        }
        if ((line[0] == ' ' || line[0] == '\t') && !hb.fields.empty()) {
            // Folded continuation (RFC 5322 section 2.2.3): unfold by dropping the line break.
            auto& v = hb.fields.back().value;
            auto t = trim(line);
            if (!v.empty()) v.push_back(' ');
            v.append(t);
            pos = next;
            continue;
        }
        if (!is_field_line(line)) break;
        auto colon = line.find(':');
        hb.fields.push_back({std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
        pos = next;
    }
    if (decode)
        for (auto& f : hb.fields)
            if (f.value.find("=?") != std::string::npos) f.value = decode_words(f.value);
    if (consumed) *consumed = pos;
    return hb;
}

}  // namespace mxt::mail
