// RFC 3464 delivery status notifications: a multipart/report (RFC 6522) whose
// message/delivery-status part (or RFC 6533 message/global-delivery-status) holds one group of
// fields per recipient. Also the same fields pasted into a text body without MIME structure.
// Where Diagnostic-Code is missing, the recipient's lines in the human-readable part supply it.
#include "ingest/mail/readers_all.hpp"

#include <cctype>

#include "ingest/mail/dsn_fields.hpp"
#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

const Part* dsn_part(const Mail& m) {
    if (auto p = m.find_part("message/delivery-status")) return p;
    if (auto p = m.find_part("message/global-delivery-status")) return p;
    return nullptr;
}

static std::size_t inline_dsn_at(std::string_view body) {
    for (std::string_view key : {"\nFinal-Recipient:", "\nOriginal-Recipient:", "\nReporting-MTA:"}) {
        auto at = ifind(body, key);
        if (at != std::string_view::npos) return at + 1;
    }
    return std::string_view::npos;
}

bool rfc3464_detect(const Mail& m) {
    return dsn_part(m) != nullptr || inline_dsn_at(m.body) != std::string_view::npos;
}

// Status and reply code: the enhanced code inside the diagnostic text is the remote server's own
// word and is usually more precise than the reporting MTA's Status: field (which is often a
// generic 5.0.0 or 4.4.7), so it wins when present.
static void codes_from_diagnostic(RecipientResult& r) {
    if (auto s = find_status(r.text); !s.empty()) r.status = s;
    codes_from_text(r);
}

// The human-readable part's own sentence about a recipient ("Your message wasn't delivered to
// x@example.org because the address couldn't be found."), for reports whose delivery-status
// fields carry no Diagnostic-Code and whose text is not in a transcript layout.
static std::string sentence_naming(std::string_view human, std::string_view recipient) {
    if (recipient.empty()) return "";
    for (auto raw : split_lines(human.substr(0, std::min<std::size_t>(human.size(), 16 * 1024)))) {
        auto line = trim(raw);
        if (line.size() > 400 || !icontains(line, recipient)) continue;
        if (line.size() < recipient.size() + 16) continue;  // the address alone, or nearly
        return squeeze(line);
    }
    return "";
}

// Amazon SES wraps the remote server's reply in its own words: "5.1.0 - Unknown address error
// 550-'5.7.1 <...>... Access denied' (delivery attempts: 0)". SES's prefix is its guess; the
// quoted reply is what the receiving server said, so that is the text the rules read.
static std::string unwrap_ses_diagnostic(const std::string& t) {
    auto tail = ifind(t, "' (delivery attempts:");
    if (tail == std::string::npos || t.size() < 8 || !std::isdigit(static_cast<unsigned char>(t[0])) || t[1] != '.')
        return t;
    auto dash = t.find(" - ");
    auto q = t.find('\'');
    if (dash == std::string::npos || q == std::string::npos || q < dash + 3 || q + 1 > tail || q < 4) return t;
    std::string_view code(t.data() + q - 4, 3);
    if (!std::isdigit(static_cast<unsigned char>(code[0])) || !std::isdigit(static_cast<unsigned char>(code[2]))) return t;
    return std::string(code) + " " + t.substr(q + 1, tail - q - 1);
}

static void read_report(std::string_view fields, std::string_view human, Bounce& b) {
    DsnReport rep = parse_dsn_fields(fields);
    Stage tstage = transcript_stage(human);
    for (const auto& g : rep.recipients) {
        RecipientResult r = recipient_from_dsn(rep.message, g);
        if (r.recipient.empty()) continue;
        std::string t = text_for(human, r.recipient);
        if ((r.text.empty() || r.text.size() < 6) && !t.empty()) r.text = t;
        if (r.text.empty()) r.text = sentence_naming(human, r.recipient);
        if (auto inner = unwrap_ses_diagnostic(r.text); inner != r.text) {
            // SES's own enhanced code stands where the quoted reply carries none.
            if (find_status(inner).empty()) r.status = find_status(r.text.substr(0, r.text.find(" - ")));
            r.text = std::move(inner);
        }
        if (r.stage == Stage::unknown) r.stage = stage_named_in(t);
        codes_from_diagnostic(r);
        if (r.stage == Stage::unknown) r.stage = tstage;
        if (r.action == "delayed" || r.action == "expired") r.reason_hint = "expired";
        b.recipients.push_back(std::move(r));
    }
}

bool read_dsn(const Mail& m, Bounce& b, std::string_view human) {
    bool any_part = false;
    // A message may carry several reports (a digest of DSNs): read every one.
    for (const auto& p : m.parts) {
        if (p.type != "message/delivery-status" && p.type != "message/global-delivery-status") continue;
        any_part = true;
        read_report(p.text, human, b);
    }
    if (!any_part) {
        auto at = inline_dsn_at(m.body);
        if (at == std::string_view::npos) return false;
        read_report(std::string_view(m.body).substr(at), std::string_view(m.body).substr(0, at), b);
    }
    return !b.recipients.empty();
}

bool rfc3464_read(const Mail& m, Bounce& b) { return read_dsn(m, b, m.body); }

}  // namespace mxt::mail
