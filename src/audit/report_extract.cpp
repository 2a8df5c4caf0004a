// Getting report XML out of what receivers send (RFC 7489 7.2.1.1: gzip or zip, usually mailed
// as an attachment). Decompression goes through zlib and libzip with a cap on output size and
// on the compression ratio, so a zip or gzip bomb is refused with a clear error; MIME messages go
// through GMime. The size cap is one budget for the whole file: what an outer layer inflated is
// taken off what the layers inside it may inflate, so nesting (zip in gzip in a message) cannot
// multiply it.
#include <gmime/gmime.h>
#include <zip.h>
#include <zlib.h>

#include <fmt/format.h>

#include <cstring>
#include <mutex>

#include "audit/reports.hpp"

namespace mxt::audit {
namespace {

bool starts_with_bytes(std::string_view b, std::string_view magic) { return b.substr(0, magic.size()) == magic; }

bool looks_like_xml(std::string_view b) {
    if (starts_with_bytes(b, "\xEF\xBB\xBF")) b.remove_prefix(3);
    while (!b.empty() && std::isspace(static_cast<unsigned char>(b.front()))) b.remove_prefix(1);
    return !b.empty() && b.front() == '<';
}

std::expected<std::string, std::string> gunzip(std::string_view in, const ReportLimits& lim) {
    z_stream zs{};
    // 15 + 32: zlib or gzip header, detected automatically.
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return std::unexpected(std::string("zlib init failed"));
    std::string out;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    char buf[65536];
    int rc = Z_OK;
    std::size_t cap = std::min(lim.max_decompressed, std::max<std::size_t>(in.size() * lim.max_ratio, 1u << 20));
    while (true) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
        // The ratio is also checked as the data comes (past the first MiB): a bomb is stopped
        // after a MiB or two, not only when the size cap is reached.
        if (out.size() > cap || (out.size() > (1u << 20) && out.size() > zs.total_in * lim.max_ratio)) {
            inflateEnd(&zs);
            return std::unexpected(fmt::format("refused: gzip data expands past {} bytes (ratio over {}:1 or size "
                                               "limit): a decompression bomb?",
                                               cap, lim.max_ratio));
        }
        if (rc == Z_STREAM_END) {
            // Concatenated gzip members (RFC 1952 2.2) continue the stream; other trailing bytes
            // (some reporters append a CRLF) are ignored.
            if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b && inflateReset(&zs) == Z_OK)
                continue;
            break;
        }
        if (rc != Z_OK) {
            inflateEnd(&zs);
            return std::unexpected(fmt::format("gzip data corrupt at input byte {}: {}", zs.total_in,
                                               zs.msg ? zs.msg : "inflate error"));
        }
        if (zs.avail_in == 0 && zs.avail_out != 0) {
            inflateEnd(&zs);
            return std::unexpected(std::string("gzip data truncated"));
        }
    }
    inflateEnd(&zs);
    return out;
}

std::expected<std::vector<std::pair<std::string, std::string>>, std::string> unzip(std::string_view in,
                                                                                   const ReportLimits& lim) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(in.data(), in.size(), 0, &err);
    if (!src) return std::unexpected(std::string("zip: ") + zip_error_strerror(&err));
    zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &err);
    if (!z) {
        std::string m = zip_error_strerror(&err);
        zip_source_free(src);
        zip_error_fini(&err);
        return std::unexpected("zip: " + m);
    }
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t total = 0;
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0) continue;
        std::string name = st.name ? st.name : fmt::format("entry{}", i);
        if (!name.empty() && name.back() == '/') continue;
        zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
        if (!f) continue;
        std::string data;
        char buf[65536];
        zip_int64_t got;
        std::size_t comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : in.size();
        std::size_t cap = std::min(lim.max_decompressed, std::max<std::size_t>(comp * lim.max_ratio, 1u << 20));
        bool bomb = false;
        // One allocation up to the cap: growing by doubling would hold up to twice the cap (and
        // the freed halves) before a bomb is refused.
        std::size_t declared = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
        data.reserve(std::min(cap, declared) + sizeof buf);
        // The declared size is not trusted: the cap applies to what really comes out.
        while ((got = zip_fread(f, buf, sizeof buf)) > 0) {
            data.append(buf, static_cast<std::size_t>(got));
            if (data.size() > cap || total + data.size() > lim.max_decompressed) {
                bomb = true;
                break;
            }
        }
        zip_fclose(f);
        if (bomb) {
            zip_close(z);
            return std::unexpected(fmt::format("refused: zip entry '{}' expands past {} bytes (ratio over {}:1 or "
                                               "size limit): a zip bomb?",
                                               name, cap, lim.max_ratio));
        }
        total += data.size();
        out.emplace_back(name, std::move(data));
    }
    zip_discard(z);
    return out;
}

void gmime_once() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

// Collects the leaf parts of a MIME message that may hold a report.
struct Collect {
    std::vector<std::pair<std::string, std::string>> parts;
};

void collect_part(GMimeObject* parent, GMimeObject* part, gpointer data) {
    (void)parent;
    auto* c = static_cast<Collect*>(data);
    if (!GMIME_IS_PART(part)) return;
    GMimePart* p = GMIME_PART(part);
    GMimeContentType* ct = g_mime_object_get_content_type(part);
    const char* type = ct ? g_mime_content_type_get_media_type(ct) : "";
    const char* sub = ct ? g_mime_content_type_get_media_subtype(ct) : "";
    const char* fname = g_mime_part_get_filename(p);
    std::string label = fmt::format("{}/{}{}", type ? type : "", sub ? sub : "", fname ? std::string(" ") + fname : "");
    GMimeDataWrapper* w = g_mime_part_get_content(p);
    if (!w) return;
    GMimeStream* mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, mem);  // decodes base64 / quoted-printable
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    c->parts.emplace_back(label, std::string(reinterpret_cast<const char*>(arr->data), arr->len));
    g_object_unref(mem);
}

std::expected<std::vector<std::pair<std::string, std::string>>, std::string> mime_parts(std::string_view in) {
    gmime_once();
    GMimeStream* s = g_mime_stream_mem_new_with_buffer(in.data(), in.size());
    GMimeParser* parser = g_mime_parser_new_with_stream(s);
    GMimeMessage* msg = g_mime_parser_construct_message(parser, nullptr);
    g_object_unref(parser);
    g_object_unref(s);
    if (!msg) return std::unexpected(std::string("not a MIME message"));
    Collect c;
    g_mime_message_foreach(msg, collect_part, &c);
    if (GMimeObject* body = g_mime_message_get_mime_part(msg); body && GMIME_IS_PART(body))
        if (c.parts.empty()) collect_part(nullptr, body, &c);
    g_object_unref(msg);
    return c.parts;
}

// Takes what a layer produced off the budget of the layers after it.
void take_budget(ReportLimits& lim, const std::vector<ExtractedXml>& got) {
    for (const auto& x : got) lim.max_decompressed -= std::min(lim.max_decompressed, x.xml.size());
}

}  // namespace

std::expected<std::vector<ExtractedXml>, std::string> extract_reports(std::string_view b, const std::string& source,
                                                                      const ReportLimits& lim, int depth) {
    if (depth > lim.max_depth) return std::unexpected(source + ": nested too deeply");
    std::vector<ExtractedXml> out;
    if (b.empty()) return std::unexpected(source + ": empty file");
    if (starts_with_bytes(b, "\x1f\x8b")) {
        auto x = gunzip(b, lim);
        if (!x) return std::unexpected(source + ": " + x.error());
        ReportLimits inner = lim;
        inner.max_decompressed = lim.max_decompressed - std::min(lim.max_decompressed, x->size());
        return extract_reports(*x, source + " (gunzipped)", inner, depth + 1);
    }
    if (starts_with_bytes(b, "PK\x03\x04")) {
        auto entries = unzip(b, lim);
        if (!entries) return std::unexpected(source + ": " + entries.error());
        std::string first_error;
        std::size_t total = 0;
        for (const auto& e : *entries) total += e.second.size();
        ReportLimits inner = lim;
        inner.max_decompressed = lim.max_decompressed - std::min(lim.max_decompressed, total);
        for (auto& [name, data] : *entries) {
            auto x = extract_reports(data, source + ":" + name, inner, depth + 1);
            if (x) {
                take_budget(inner, *x);  // siblings share what is left
                out.insert(out.end(), x->begin(), x->end());
            } else if (first_error.empty()) {
                first_error = x.error();
            }
        }
        if (out.empty()) return std::unexpected(first_error.empty() ? source + ": no report in the zip archive" : first_error);
        return out;
    }
    if (looks_like_xml(b)) {
        out.push_back({source, std::string(b)});
        return out;
    }
    auto parts = mime_parts(b);
    if (!parts) return std::unexpected(source + ": neither XML, gzip, zip nor a MIME message");
    std::string first_error;
    ReportLimits inner = lim;
    for (auto& [label, data] : *parts) {
        if (data.empty()) continue;
        bool candidate = starts_with_bytes(data, "\x1f\x8b") || starts_with_bytes(data, "PK\x03\x04") ||
                         (looks_like_xml(data) && data.find("feedback") != std::string::npos);
        if (!candidate) continue;
        auto x = extract_reports(data, source + " [" + label + "]", inner, depth + 1);
        if (x) {
            take_budget(inner, *x);
            out.insert(out.end(), x->begin(), x->end());
        } else if (first_error.empty()) {
            first_error = x.error();
        }
    }
    if (out.empty() && !first_error.empty()) return std::unexpected(first_error);
    if (out.empty()) return std::unexpected(source + ": the message carries no DMARC aggregate report");
    return out;
}

}  // namespace mxt::audit
