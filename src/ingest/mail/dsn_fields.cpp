// RFC 3464 / RFC 6533 delivery-status field reader (see dsn_fields.hpp).
#include "ingest/mail/dsn_fields.hpp"

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

DsnReport parse_dsn_fields(std::string_view text) {
    DsnReport r;
    std::size_t pos = 0;
    bool first = true;
    while (pos < text.size()) {
        // Skip blank lines between groups.
        while (pos < text.size() && (text[pos] == '\n' || text[pos] == ' ' || text[pos] == '\t')) {
            std::size_t nl = text.find('\n', pos);
            auto line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
            if (!trim(line).empty()) break;
            pos = nl == std::string_view::npos ? text.size() : nl + 1;
        }
        if (pos >= text.size()) break;
        std::size_t used = 0;
        HeaderBlock g = parse_header_block(text.substr(pos), &used, true);
        if (used == 0) {
            // Not a field line: skip it (junk between groups).
            std::size_t nl = text.find('\n', pos);
            pos = nl == std::string_view::npos ? text.size() : nl + 1;
            continue;
        }
        pos += used;
        if (g.empty()) continue;
        bool is_rcpt = g.has("Final-Recipient") || g.has("Original-Recipient");
        if (first && !is_rcpt) {
            r.message = std::move(g);
        } else if (is_rcpt) {
            r.recipients.push_back(std::move(g));
        } else if (!r.recipients.empty()) {
            // Fields split from their recipient by a stray blank line.
            for (auto& f : g.fields) r.recipients.back().fields.push_back(std::move(f));
        }
        first = false;
    }
    return r;
}

std::string_view strip_type(std::string_view value) {
    value = trim(value);
    auto semi = value.find(';');
    if (semi != std::string_view::npos && semi < 16 && value.substr(0, semi).find(' ') == std::string_view::npos)
        return trim(value.substr(semi + 1));
    return value;
}

RecipientResult recipient_from_dsn(const HeaderBlock& msg, const HeaderBlock& g) {
    RecipientResult r;
    const auto final_raw = g.get("Final-Recipient");
    auto fr = final_raw;
    if (fr.empty() || find_address(fr).empty()) fr = g.get("Original-Recipient");
    r.recipient = clean_address(strip_type(fr));
    // RFC 3464 section 2.3.2: an address type other than rfc822 (or RFC 6533's utf-8) carries an
    // address of another mail system ("unknown; nair_s" in section 10.3): keep it as written.
    if (r.recipient.empty() && final_raw.find(';') != std::string_view::npos) {
        std::string_view type = trim(final_raw.substr(0, final_raw.find(';')));
        if (!istarts_with(type, "rfc822") && !istarts_with(type, "utf-8"))
            r.recipient = std::string(trim(strip_type(final_raw)));
    }
    if (auto orig = g.get("Original-Recipient"); !orig.empty()) {
        // Sisimai reports the original address when the final one was rewritten to nothing useful.
        if (r.recipient.empty()) r.recipient = clean_address(strip_type(orig));
    }
    r.action = lower(trim(g.get("Action")));
    if (auto sp = r.action.find(' '); sp != std::string::npos) r.action.resize(sp);
    r.status = find_status(g.get("Status"));
    auto diag_raw = g.get("Diagnostic-Code");
    auto diag = strip_type(diag_raw);
    // RFC 3464 section 2.3.6: the diagnostic type names who wrote the text. "X-Unix" is a local
    // delivery program's own output (Sisimai's mailererror), final unless the program reports the
    // mailbox's quota ("Disk quota exceeded"): that is a full mailbox, left to the rules.
    if (istarts_with(trim(diag_raw), "x-unix")) {
        r.reason_hint = "mailererror";
        r.hint_is_final = !icontains(diag, "quota exceeded") && !icontains(diag, "over quota");
    }
    r.text = squeeze(diag);
    auto rm = strip_type(g.get("Remote-MTA"));
    r.remote_host = std::string(trim(rm));
    if (r.remote_host.empty()) r.remote_host = std::string(strip_type(msg.get("Received-From-MTA")));
    r.time = std::string(g.get("Last-Attempt-Date"));
    r.arrival = std::string(msg.get("Arrival-Date"));
    r.queue_id = std::string(trim(msg.get("X-Postfix-Queue-ID")));
    r.reply_code = find_reply_code(r.text);
    if (r.action == "delivered" || r.action == "relayed" || r.action == "expanded") {
        r.outcome = Outcome::delivered;
        r.reason_hint = "delivered";
        r.hint_is_final = true;
    } else if (r.action == "delayed") {
        r.outcome = Outcome::deferred;
    }
    return r;
}

}  // namespace mxt::mail
