// Plain-text bounce scanner (see textscan.hpp).
#include "ingest/mail/textscan.hpp"

#include <algorithm>
#include <string>

#include "ingest/mail/headers.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

namespace {

constexpr std::string_view kOriginalMarkers[] = {
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message follows",
    "----- original message -----",
    "------ original message ------",
    "--- original message",
    "original message headers",
    "headers of the original message",
    "header of the original message",
    "the original message was",  // "...was received at" is Sendmail's first line: see below
    "returned message",
    "unsent message below",
    "message text follows",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "--- below is a copy",
    "your message reads",
    "the text you sent follows",
    "------- the following is the original",
    "original message text",
    "unsent message follows",
    "original message:",
    "message headers follow",
};

}  // namespace

bool is_original_marker(std::string_view line) {
    // Every line of an error section is tested against every marker: fold the line once and
    // search it case-sensitively (the markers are lower case ASCII) instead of folding per marker.
    thread_local std::string folded;
    folded.assign(line);
    for (char& c : folded)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    // Every marker holds one of these words: a line with none of them (nearly every line) is
    // answered with five searches instead of twenty-three.
    constexpr auto npos = std::string::npos;
    if (folded.find("message") == npos && folded.find("original") == npos &&
        folded.find("copy") == npos && folded.find("rfc822") == npos &&
        folded.find("text you sent") == npos)
        return false;
    for (auto m : kOriginalMarkers) {
        if (folded.find(m) == std::string::npos) continue;
        // Sendmail opens with "The original message was received at <date>": not a marker.
        if (m == "the original message was" && icontains(line, "received at")) continue;
        // Postfix's preamble ("You can delete your own text from the attached returned message.")
        // comes before the recipients' lines, not after them.
        if (m == "returned message" && icontains(line, "from the attached returned message")) continue;
        return true;
    }
    return false;
}

static bool has_any(std::string_view line, const std::vector<std::string_view>& ms) {
    for (auto m : ms)
        if (icontains(line, m)) return true;
    return false;
}

std::string_view error_section(std::string_view body, const TextFormat& f) {
    std::size_t begin = 0;
    if (!f.start.empty()) {
        std::size_t pos = 0;
        while (pos < body.size()) {
            std::size_t nl = body.find('\n', pos);
            std::size_t end = nl == std::string_view::npos ? body.size() : nl;
            if (has_any(body.substr(pos, end - pos), f.start)) {
                begin = end < body.size() ? end + 1 : end;
                break;
            }
            pos = end + 1;
        }
    }
    std::size_t pos = begin;
    while (pos < body.size()) {
        std::size_t nl = body.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? body.size() : nl;
        auto line = body.substr(pos, end - pos);
        if (has_any(line, f.end) || is_original_marker(line)) return body.substr(begin, pos - begin);
        pos = end + 1;
    }
    return body.substr(begin);
}

static bool header_like_name(std::string_view name) {
    static constexpr std::string_view kNames[] = {
        "from", "to", "cc", "bcc", "sender", "reply-to", "return-path", "delivered-to", "envelope-from",
        "mail from", "message-id", "in-reply-to", "references", "subject", "date", "received",
        "x-envelope-from", "x-envelope-to", "x-original-to", "errors-to", "list-", "resent-",
        "authentication-results", "dkim-signature", "arc-", "mail-from", "sender address", "reporting-mta",
    };
    for (auto n : kNames)
        if (n.back() == '-' ? istarts_with(name, n) : iequals(name, n)) return true;
    return istarts_with(name, "x-") && !iequals(name, "x-failed-recipients");
}

bool recipient_line(std::string_view raw, std::string& addr, std::string_view& rest) {
    auto line = trim(raw);
    if (line.empty()) return false;
    // Transcript and list markers in front of the address: ">>> a@b", "* a@b", "- a@b".
    while (!line.empty() && (line[0] == '>' || line[0] == '*' || line[0] == '-' || line[0] == '#')) {
        if (line.starts_with("-----")) return false;
        line.remove_prefix(1);
        line = trim(line);
    }
    if (line.empty()) return false;
    // "Some words: <a@b> ..." names a recipient ("Unknown user: a@b", "RCPT TO:<a@b>",
    // "Could not be delivered to: <a@b>"), unless the words are a header field name.
    auto colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0 && colon < 64) {
        auto name = trim(line.substr(0, colon));
        std::size_t words = 1;
        for (char c : name) words += c == ' ';
        bool named = words <= 7 && name.find('@') == std::string_view::npos && name.find('<') == std::string_view::npos;
        if (named && !header_like_name(name)) {
            auto after = trim(line.substr(colon + 1));
            if (istarts_with(after, "rfc822;")) after = trim(after.substr(7));
            std::string a = find_address(after.substr(0, std::min<std::size_t>(after.size(), 320)));
            if (!a.empty()) {
                auto at = after.find(a);
                if (at != std::string_view::npos && at <= 2) {
                    addr = a;
                    std::size_t e = at + a.size();
                    if (e < after.size() && after[e] == '>') ++e;
                    rest = trim(after.substr(e));
                    return true;
                }
            }
        }
        if (named && header_like_name(name)) return false;
    }
    // A sentence that ends with the address: "undeliverable to a@b", "error delivering your mail
    // to <a@b>.", "[Status: Error, Address: <a@b>, ...]" is handled by the Zoho reader.
    {
        auto end = line;
        while (!end.empty() && (end.back() == '.' || end.back() == ',' || end.back() == ':' || end.back() == ' '))
            end.remove_suffix(1);
        bool angled = !end.empty() && end.back() == '>';
        auto open = angled ? end.rfind('<') : end.find_last_of(" \t");
        if (open != std::string_view::npos && open > 0) {
            auto cand = end.substr(open + 1, angled ? end.size() - open - 2 : std::string_view::npos);
            auto before = trim(end.substr(0, open));
            if (istarts_with(cand, "mailto:")) cand.remove_prefix(7);
            bool lead = before.ends_with(" to") || iequals(before, "to") || before.ends_with(" for") ||
                        before.ends_with(" to:") || before.ends_with(" recipient") || before.ends_with(" address");
            if (lead && looks_like_address(cand) && cand.find(' ') == std::string_view::npos &&
                cand.substr(cand.rfind('@') + 1).find('.') != std::string_view::npos && before.size() < 80 &&
                !istarts_with(before, "from") && !istarts_with(before, "reply")) {
                addr = std::string(cand);
                rest = {};
                return true;
            }
        }
    }
    // "SMTP Server <host> rejected recipient <a@b> (Error following RCPT command). It responded
    // as follows: [550 5.1.1 User unknown]": the whole line is the reply.
    if (auto rr = ifind(line, "recipient <"); rr != std::string_view::npos) {
        auto close = line.find('>', rr);
        if (close != std::string_view::npos) {
            auto cand = line.substr(rr + 11, close - rr - 11);
            if (looks_like_address(cand) && cand.find(' ') == std::string_view::npos) {
                addr = std::string(cand);
                rest = line;
                return true;
            }
        }
    }
    std::size_t i = 0;
    bool angle = false;
    if (line[0] == '<') {
        angle = true;
        i = 1;
    } else if (line[0] == '"') {
        i = 1;
    }
    auto close = angle ? line.find('>', i) : std::string_view::npos;
    std::string_view cand;
    if (angle) {
        if (close == std::string_view::npos) return false;
        cand = line.substr(i, close - i);
        rest = line.substr(close + 1);
    } else {
        std::size_t e = i;
        while (e < line.size() && line[e] != ' ' && line[e] != '\t' && line[e] != ':' && line[e] != '"' &&
               line[e] != ',' && line[e] != ';' && line[e] != '(' && line[e] != '<')
            ++e;
        cand = line.substr(i, e - i);
        rest = line.substr(e);
        if (!rest.empty() && rest[0] == '"') rest.remove_prefix(1);
    }
    while (!cand.empty() && cand.back() == '.') cand.remove_suffix(1);
    if (istarts_with(cand, "mailto:")) cand.remove_prefix(7);
    if (!looks_like_address(cand) || cand.find(' ') != std::string_view::npos) return false;
    if (cand.substr(cand.rfind('@') + 1).find('.') == std::string_view::npos) return false;
    rest = trim(rest);
    // "a@b ... text" is a recipient line only when the address stands alone or is followed by a
    // separator: a sentence that starts with an address is rare but "<a@b> said" is not a list.
    addr = std::string(cand);
    return true;
}

void codes_from_text(RecipientResult& r) {
    if (r.status.empty()) r.status = find_status(r.text);
    if (r.reply_code.empty()) r.reply_code = find_reply_code(r.text);
}

static bool is_blank(std::string_view l) { return trim(l).empty(); }

bool scan_text(std::string_view body, const TextFormat& f, Bounce& b) {
    auto section = error_section(body, f);
    auto lines = split_lines(section);
    std::vector<RecipientResult> found;
    std::size_t i = 0;
    while (i < lines.size()) {
        std::string addr;
        std::string_view rest;
        if (!recipient_line(lines[i], addr, rest)) {
            ++i;
            continue;
        }
        RecipientResult r;
        r.recipient = addr;
        std::string text(rest);
        if (!text.empty() && (text[0] == ':' || text[0] == '.')) text.erase(0, 1);
        text = std::string(trim(text));
        if (text.empty()) {
            // "User's mailbox is full: <a@b>": the words in front of the address are the reply.
            auto line = trim(lines[i]);
            auto at = line.find(addr);
            if (at != std::string_view::npos && at > 2) {
                auto label = trim(line.substr(0, at));
                if (label.ends_with('<')) label = trim(label.substr(0, label.size() - 1));
                if (label.ends_with(':') && label.size() > 12 && !istarts_with(label, "RCPT") && !istarts_with(label, "To:") &&
                    !icontains(label, "recipient"))
                    text = std::string(label.substr(0, label.size() - 1));
            }
        }
        std::size_t j = i + 1;
        bool any = !text.empty();
        while (j < lines.size()) {
            std::string a2;
            std::string_view r2;
            if (recipient_line(lines[j], a2, r2) && !iequals(a2, r.recipient)) break;
            if (is_blank(lines[j])) {
                // "For the following reason:" then a blank line: the reply is still to come.
                if (any && !text.empty() && text.back() != ':') {
                    // A blank line ends the reply unless indented text resumes (qmail, Exim).
                    if (j + 1 < lines.size() && !lines[j + 1].empty() &&
                        (lines[j + 1][0] == ' ' || lines[j + 1][0] == '\t') && !recipient_line(lines[j + 1], a2, r2)) {
                        ++j;
                        continue;
                    }
                    break;
                }
                ++j;
                continue;
            }
            if (!text.empty()) text.push_back(' ');
            text.append(trim(lines[j]));
            any = true;
            ++j;
        }
        r.text = squeeze(text);
        found.push_back(std::move(r));
        i = j;
    }
    if (found.empty()) return false;
    // One entry per address (a transcript may name the same recipient twice).
    for (auto& r : found) {
        auto it = std::find_if(b.recipients.begin(), b.recipients.end(),
                               [&](const RecipientResult& x) { return iequals(x.recipient, r.recipient); });
        if (it != b.recipients.end()) {
            if (it->text.empty() || (it->text.size() < 8 && r.text.size() > it->text.size())) it->text = r.text;
            continue;
        }
        b.recipients.push_back(std::move(r));
    }
    if (f.section_as_text) {
        std::string whole;
        for (auto& r : b.recipients) {
            if (r.text.size() >= 8 && (find_reply_code(r.text).size() || find_status(r.text).size() || r.text.size() > 20))
                continue;
            if (whole.empty()) whole = squeeze(section);
            r.text = r.text.empty() ? whole : r.text + " " + whole;
        }
    }
    for (auto& r : b.recipients) codes_from_text(r);
    return true;
}

std::string text_for(std::string_view body, std::string_view recipient) {
    Bounce b;
    TextFormat f;
    f.section_as_text = false;
    if (!scan_text(body, f, b)) return "";
    for (auto& r : b.recipients)
        if (iequals(r.recipient, recipient)) return r.text;
    return "";
}

}  // namespace mxt::mail

namespace mxt::mail {

Stage stage_named_in(std::string_view t) {
    // "RCPT TO", Exim's "after RCPT", qmail-remote's "does not like recipient", Yahoo's
    // "[RCPT_TO]" tag and the "SMTP:RCPT" / "Error following RCPT command" of gateway notices.
    if (icontains(t, "rcpt to") || icontains(t, "after rcpt") || icontains(t, "does not like recipient") ||
        icontains(t, "[RCPT_TO]") || icontains(t, "SMTP:RCPT") || icontains(t, "following RCPT command"))
        return Stage::rcpt;
    if (icontains(t, "end of data") || icontains(t, "after end of data")) return Stage::end_of_data;
    if (icontains(t, "mail from")) return Stage::mail;
    if (icontains(t, "in reply to data") || icontains(t, "after data") || icontains(t, "(DATA)")) return Stage::data;
    if (icontains(t, "helo") || icontains(t, "ehlo")) return Stage::helo;
    if (icontains(t, "connect to") || icontains(t, "greeting") || icontains(t, "initial connection")) return Stage::connect;
    return Stage::unknown;
}

Stage transcript_stage(std::string_view body) {
    Stage last_cmd = Stage::unknown, failed = Stage::unknown;
    for (auto raw : split_lines(body.substr(0, std::min<std::size_t>(body.size(), 64 * 1024)))) {
        auto line = trim(raw);
        if (line.starts_with(">>>")) {
            auto cmd = trim(line.substr(3));
            if (istarts_with(cmd, "DATA")) last_cmd = Stage::data;
            else if (istarts_with(cmd, "RCPT")) last_cmd = Stage::rcpt;
            else if (istarts_with(cmd, "MAIL")) last_cmd = Stage::mail;
            else if (istarts_with(cmd, "EHLO") || istarts_with(cmd, "HELO")) last_cmd = Stage::helo;
            else if (cmd == ".") last_cmd = Stage::end_of_data;
            else last_cmd = Stage::unknown;
        } else if (line.starts_with("<<<")) {
            auto rep = trim(line.substr(3));
            if (!rep.empty() && (rep[0] == '4' || rep[0] == '5')) failed = last_cmd;
        }
    }
    return failed;
}

}  // namespace mxt::mail
