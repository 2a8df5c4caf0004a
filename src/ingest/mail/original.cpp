// Returned-original field extraction (see original.hpp).
#include "ingest/mail/original.hpp"

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

HeaderBlock original_headers(const Mail& m) {
    if (m.has_original) return m.original;
    std::string_view body = m.body;
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t nl = body.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? body.size() : nl;
        if (is_original_marker(body.substr(pos, end - pos))) {
            // Skip blank lines, then read a header block if one starts there.
            std::size_t p = end + 1;
            while (p < body.size() && (body[p] == '\n' || body[p] == ' ')) ++p;
            if (p < body.size()) {
                HeaderBlock hb = parse_header_block(body.substr(p), nullptr, true);
                if (hb.fields.size() >= 2) return hb;
            }
        }
        pos = end + 1;
    }
    return {};
}

static std::string tag_value(std::string_view sig, std::string_view tag) {
    // DKIM tag-list (RFC 6376 section 3.2): "tag=value;" with optional white space.
    std::size_t pos = 0;
    while (pos < sig.size()) {
        std::size_t semi = sig.find(';', pos);
        auto item = trim(sig.substr(pos, semi == std::string_view::npos ? sig.size() - pos : semi - pos));
        auto eq = item.find('=');
        if (eq != std::string_view::npos && trim(item.substr(0, eq)) == tag) {
            std::string v;
            for (char c : item.substr(eq + 1))
                if (c != ' ' && c != '\t') v.push_back(c);
            return v;
        }
        if (semi == std::string_view::npos) break;
        pos = semi + 1;
    }
    return "";
}

void fill_original(const HeaderBlock& o, std::string_view campaign_header, DeliveryEvent& e) {
    if (o.empty()) return;
    e.header_from = valid_utf8(o.get("From"));
    e.return_path = clean_address(o.get("Return-Path"));
    if (e.message_id.empty()) {
        // Without its angle brackets (RFC 5322 section 3.6.4's msg-id), as the log readers give it.
        std::string_view id = trim(o.get("Message-ID"));
        if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
        e.message_id = valid_utf8(id);
    }
    for (auto sig : o.all("DKIM-Signature")) {
        DkimSignature d{tag_value(sig, "d"), tag_value(sig, "s")};
        if (!d.d.empty() || !d.s.empty()) e.dkim.push_back(std::move(d));
    }
    for (auto ar : o.all("Authentication-Results")) e.authentication_results.push_back(valid_utf8(ar));
    if (!campaign_header.empty()) e.campaign = valid_utf8(trim(o.get(campaign_header)));
    if (e.sender.empty()) e.sender = e.return_path;
}

}  // namespace mxt::mail
