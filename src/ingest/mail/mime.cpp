// MIME view of a message (see mime.hpp): no parse for a single plain-text body, our own reader
// (mime_fast.cpp) for the multiparts it is sure of, GMime for everything else.
#include "ingest/mail/mime.hpp"

#include <gmime/gmime.h>

#include <cstring>
#include <mutex>

#include "ingest/mail/mime_fast.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

const Part* Mail::find_part(std::string_view type) const {
    for (const auto& p : parts)
        if (p.type == type) return &p;
    return nullptr;
}

namespace {

void init_gmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

std::string object_type(GMimeObject* obj) {
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    if (!ct) return "text/plain";
    const char* t = g_mime_content_type_get_media_type(ct);
    const char* s = g_mime_content_type_get_media_subtype(ct);
    return lower(std::string(t ? t : "text") + "/" + (s ? s : "plain"));
}

std::string stream_text(GMimeStream* mem) {
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    std::string out(reinterpret_cast<const char*>(arr->data), arr->len);
    return normalize_eol(out);
}

// The decoded content of a leaf: transfer encoding undone, converted to UTF-8 for text parts.
std::string part_text(GMimePart* part) {
    if (GMIME_IS_TEXT_PART(part)) {
        const char* cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
        bool ascii = !cs || g_ascii_strcasecmp(cs, "us-ascii") == 0 || g_ascii_strcasecmp(cs, "utf-8") == 0;
        if (!ascii) {
            char* t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
            if (t) {
                std::string out = normalize_eol(t);
                g_free(t);
                return out;
            }
        }
    }
    GMimeDataWrapper* w = g_mime_part_get_content(part);
    if (!w) return "";
    GMimeStream* mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, mem);
    std::string out = stream_text(mem);
    g_object_unref(mem);
    return out;
}

struct Walker {
    Mail& mail;
    detail::MailBuilder& out;
    bool too_deep = false;

    void original_from_message(GMimeMessage* m) {
        if (mail.has_original) return;
        char* h = g_mime_object_get_headers(GMIME_OBJECT(m), nullptr);
        if (h) {
            std::string hs = normalize_eol(h);
            g_free(h);
            mail.original = parse_header_block(hs, nullptr, true);
            mail.has_original = !mail.original.empty();
        }
        GMimeObject* body = g_mime_message_get_mime_part(m);
        if (body && GMIME_IS_PART(body)) {
            mail.original_body = part_text(GMIME_PART(body));
            if (mail.original_body.size() > 16384) mail.original_body.resize(16384);
        }
    }

    void walk(GMimeObject* obj, int depth) {
        if (depth > kMaxMimeDepth) {
            too_deep = true;
            return;
        }
        if (GMIME_IS_MULTIPART(obj)) {
            GMimeMultipart* mp = GMIME_MULTIPART(obj);
            int n = g_mime_multipart_get_count(mp);
            for (int i = 0; i < n; ++i) walk(g_mime_multipart_get_part(mp, i), depth + 1);
            return;
        }
        if (GMIME_IS_MESSAGE_PART(obj)) {
            GMimeMessage* m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
            std::string type = object_type(obj);
            if (m && type != "message/rfc822" && type != "message/global" && type != "message/news") {
                // GMime parses every message/* leaf as an embedded message; delivery-status and
                // feedback-report parts are field groups, so take their text back whole.
                char* t = g_mime_object_to_string(GMIME_OBJECT(m), nullptr);
                std::string text = t ? normalize_eol(t) : std::string();
                g_free(t);
                if (type == "message/rfc822-headers" && !mail.has_original) {
                    mail.original = parse_header_block(text, nullptr, true);
                    mail.has_original = !mail.original.empty();
                }
                mail.parts.push_back({std::move(type), std::move(text)});
                return;
            }
            if (m) {
                GMimeObject* inner = g_mime_message_get_mime_part(m);
                if (inner && object_type(inner) == "multipart/report" && !mail.find_part("message/delivery-status")) {
                    // A delivery report forwarded as an attachment: read the report itself.
                    walk(inner, depth + 1);
                    return;
                }
                // A returned original (RFC 3462 section 2, third part).
                original_from_message(m);
                mail.parts.push_back({type, ""});
            }
            return;
        }
        if (!GMIME_IS_PART(obj)) return;
        out.leaf(object_type(obj), part_text(GMIME_PART(obj)));
    }
};

// Counts container declarations (multiparts and embedded messages): thousands of them mean hostile
// nesting, refused before GMime's recursive parser sees it. "multipart" is counted without its
// slash because RFC 2045 section 5.1 allows comments and spaces around it ("multipart (x) / mixed").
std::size_t count_containers(std::string_view s) {
    // One pass over the candidates (each 'm' or 'M'), each compared with the three words: the same
    // count as three case-insensitive searches, since each word holds one 'm', its first letter,
    // so two occurrences never overlap.
    std::size_t n = 0;
    const char* base = s.data();
    const std::size_t size = s.size();
    for (char first : {'m', 'M'}) {
        std::size_t at = 0;
        while (at < size) {
            const void* hit = std::memchr(base + at, first, size - at);
            if (!hit) break;
            std::size_t p = static_cast<std::size_t>(static_cast<const char*>(hit) - base);
            char second = p + 1 < size ? static_cast<char>(base[p + 1] | 0x20) : '\0';
            if (second != 'u' && second != 'e') {  // neither "mu..." nor "me..."
                at = p + 1;
                continue;
            }
            std::string_view rest = s.substr(p);
            if (istarts_with(rest, "multipart")) ++n, at = p + 9;
            else if (istarts_with(rest, "message/rfc822")) ++n, at = p + 14;
            else if (istarts_with(rest, "message/global")) ++n, at = p + 14;
            else at = p + 1;
        }
    }
    return n;
}

// Whether GMime would read this message as one text/plain leaf with nothing to undo: a single
// Content-Type that is text/plain (or none, the RFC 2045 section 5.2 default), a US-ASCII or UTF-8
// charset (or none), no transfer encoding beyond 7bit/8bit/binary (RFC 2045 section 6.2: identity),
// and a header block that ended at an empty line. Its decoded content is then the bytes after
// the header block, so the message needs no MIME parse at all. Anything unusual (comments,
// RFC 2231 parameters, encoded words, repeated fields) answers false and goes to GMime.
bool single_plain_text(const HeaderBlock& h, std::string_view bytes, std::size_t used) {
    if (used < 2 || used > bytes.size() || bytes[used - 1] != '\n' || bytes[used - 2] != '\n') return false;
    std::size_t n_type = 0, n_cte = 0;
    std::string_view type, cte;
    for (const auto& f : h.fields) {
        if (iequals(f.name, "Content-Type")) type = f.value, ++n_type;
        else if (iequals(f.name, "Content-Transfer-Encoding")) cte = f.value, ++n_cte;
    }
    if (n_type > 1 || n_cte > 1) return false;
    if (n_cte == 1) {
        auto e = trim(cte);
        if (!iequals(e, "7bit") && !iequals(e, "8bit") && !iequals(e, "binary")) return false;
    }
    if (n_type == 0) return true;
    if (type.find_first_of("(\\") != std::string_view::npos) return false;  // comments, quoted pairs
    std::size_t semi = type.find(';');
    if (!iequals(trim(type.substr(0, semi)), "text/plain")) return false;
    while (semi != std::string_view::npos) {
        std::size_t next = type.find(';', semi + 1);
        auto param = trim(type.substr(semi + 1, next == std::string_view::npos ? std::string_view::npos : next - semi - 1));
        semi = next;
        if (param.empty()) continue;
        auto eq = param.find('=');
        if (eq == std::string_view::npos) return false;
        auto name = trim(param.substr(0, eq));
        auto value = trim(param.substr(eq + 1));
        if (name.find('*') != std::string_view::npos) return false;  // RFC 2231 continuations
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        if (value.find('"') != std::string_view::npos) return false;
        if (iequals(name, "charset") && !iequals(value, "us-ascii") && !iequals(value, "utf-8")) return false;
    }
    return true;
}

std::expected<Mail, std::string> gmime_parse(std::string_view bytes, Mail mail, std::size_t used);

}  // namespace

std::expected<Mail, std::string> parse_mail(std::string_view bytes) {
    Mail mail;
    std::size_t used = 0;
    mail.headers = parse_header_block(bytes, &used, true);
    // A pasted bounce body has no header block (or a stray "Word:" first line and nothing else).
    mail.bare = mail.headers.fields.size() < 2 && !mail.headers.has("Content-Type");
    if (mail.bare) {
        mail.headers = {};
        mail.body = std::string(bytes);
        mail.parts.push_back({"text/plain", mail.body});
        return mail;
    }
    // The whole message is scanned: padding in front of the nesting must not hide it.
    if (count_containers(bytes) > kMaxMimeContainers) return std::unexpected("MIME nesting too deep");
    if (single_plain_text(mail.headers, bytes, used)) {
        // About a third of bounces are one plain-text body (qmail, Exim, many Japanese MTAs).
        mail.body = std::string(bytes.substr(used));
        mail.parts.push_back({"text/plain", mail.body});
        return mail;
    }
    // Multiparts and encoded bodies: our own reader where it is sure, GMime otherwise.
    if (read_mime_fast(bytes, used, mail)) return mail;
    return gmime_parse(bytes, std::move(mail), used);
}

bool parse_mail_fast_only(std::string_view bytes, Mail& out) {
    Mail mail;
    std::size_t used = 0;
    mail.headers = parse_header_block(bytes, &used, true);
    mail.bare = mail.headers.fields.size() < 2 && !mail.headers.has("Content-Type");
    if (mail.bare || count_containers(bytes) > kMaxMimeContainers) return false;
    if (!read_mime_fast(bytes, used, mail)) return false;
    out = std::move(mail);
    return true;
}

std::expected<Mail, std::string> parse_mail_with_gmime(std::string_view bytes) {
    Mail mail;
    std::size_t used = 0;
    mail.headers = parse_header_block(bytes, &used, true);
    mail.bare = mail.headers.fields.size() < 2 && !mail.headers.has("Content-Type");
    if (mail.bare || count_containers(bytes) > kMaxMimeContainers) return parse_mail(bytes);
    return gmime_parse(bytes, std::move(mail), used);
}

namespace {

std::expected<Mail, std::string> gmime_parse(std::string_view bytes, Mail mail, std::size_t used) {
    init_gmime();

    GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
    GMimeParser* parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage* msg = g_mime_parser_construct_message(parser, nullptr);
    g_object_unref(parser);
    g_object_unref(stream);
    if (!msg) {
        // Not parseable as MIME: read the body after the header block as plain text.
        mail.body = std::string(bytes.substr(used));
        mail.parts.push_back({"text/plain", mail.body});
        return mail;
    }
    detail::MailBuilder out{mail, {}};
    Walker w{mail, out, false};
    if (GMimeObject* top = g_mime_message_get_mime_part(msg)) w.walk(top, 0);
    g_object_unref(msg);
    if (w.too_deep) return std::unexpected("MIME nesting too deep");
    out.finish(bytes, used);
    return mail;
}

}  // namespace

}  // namespace mxt::mail
