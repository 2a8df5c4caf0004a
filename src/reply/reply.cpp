// The SMTP reply grammar: RFC 5321 section 4.2 (reply lines, "-" continuation) and RFC 3463
// section 2 (enhanced status codes), made tolerant of how replies reach us in practice: DSN
// Diagnostic-Code prefixes ("smtp; "), Postfix's "host X said: ... (in reply to Y command)",
// multi-line replies flattened onto one line by MTA logs, Exim's literal "\n", qmail's "#5.1.1".
//
// Hand-written rather than a regex: it runs for every reply (millions a second on a log) and
// needs positional decisions (is this "550-" a continuation of the same reply?) that a regex
// would express poorly.
#include "reply/reply.hpp"

#include <array>
#include <cctype>
#include <cstring>

namespace mxt {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
// ASCII, as std::isalnum in the C locale, without a library call per byte.
bool is_alnum(char c) { return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z'); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool istarts_with(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i])) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Length of an enhanced code "d.ddd.ddd" at the start of s (0 if none). RFC 3463 section 2:
// class "2" / "4" / "5", subject and detail 1-3 digits each, no leading zeros required.
std::size_t enhanced_len(std::string_view s, EnhancedCode* out) {
    std::size_t i = 0;
    if (s.empty() || !is_digit(s[0])) return 0;
    int cls = s[0] - '0';
    i = 1;
    if (i >= s.size() || s[i] != '.') return 0;
    ++i;
    int parts[2] = {0, 0};
    for (int p = 0; p < 2; ++p) {
        std::size_t start = i;
        int v = 0;
        while (i < s.size() && is_digit(s[i]) && i - start < 3) v = v * 10 + (s[i++] - '0');
        if (i == start) return 0;
        if (i < s.size() && is_digit(s[i])) return 0;  // more than three digits
        parts[p] = v;
        if (p == 0) {
            if (i >= s.size() || s[i] != '.') return 0;
            ++i;
        }
    }
    // Must end at a word boundary: "5.1.1," or "5.1.1 " but not "5.1.1a" or "5.1.1.4" (an IP).
    if (i < s.size() && (is_alnum(s[i]) || s[i] == '.' )) {
        if (!(s[i] == '.' && (i + 1 >= s.size() || !is_digit(s[i + 1])))) return 0;
    }
    if (cls != 2 && cls != 4 && cls != 5) return 0;
    if (out) *out = EnhancedCode{cls, parts[0], parts[1]};
    return i;
}

// A basic reply code "ddd" at the start of s, followed by end, space, '-' or a separator.
bool basic_at(std::string_view s, int* code, char* sep) {
    if (s.size() < 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2])) return false;
    if (s[0] < '2' || s[0] > '5') return false;
    char c = s.size() > 3 ? s[3] : '\0';
    if (!(c == '\0' || c == ' ' || c == '-' || c == '\t' || c == ':' || c == '\r' || c == '\n'))
        return false;
    *code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    *sep = c;
    return true;
}

struct StageName {
    std::string_view needle;
    Stage stage;
};
// Order matters: "end of DATA" before "DATA", "RCPT TO" before "MAIL FROM" doesn't matter.
constexpr std::array<StageName, 14> kStageNames{{
    {"end of data", Stage::end_of_data},
    {"end of message", Stage::end_of_data},
    {"after end of data", Stage::end_of_data},
    {"rcpt to", Stage::rcpt},
    {"rcpt", Stage::rcpt},
    {"mail from", Stage::mail},
    {"mail", Stage::mail},
    {"data", Stage::data},
    {"helo", Stage::helo},
    {"ehlo", Stage::helo},
    {"lhlo", Stage::helo},
    {"starttls", Stage::helo},
    {"initial connection", Stage::connect},
    {"greeting", Stage::connect},
}};

Stage stage_from_command(std::string_view cmd) {
    cmd = trim(cmd);
    for (const auto& s : kStageNames)
        if (istarts_with(cmd, s.needle)) return s.stage;
    return Stage::unknown;
}

// Provider tags worth keeping: Yahoo TS01-TSS04, Microsoft S3150 / AS(1234), Apple HM08 / CS01,
// Comcast RL000001 / BL000010, Orange OFR004_405, GMX-style IB112.
void find_tags(std::string_view t, std::vector<std::string>& tags) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!is_upper(t[i]) || (i > 0 && is_alnum(t[i - 1]))) continue;
        std::size_t j = i;
        while (j < t.size() && is_upper(t[j])) ++j;
        std::size_t letters = j - i;
        if (letters == 0 || letters > 4) continue;
        // "AS(1234)"
        if (letters == 2 && t.substr(i, 2) == "AS" && j < t.size() && t[j] == '(') {
            std::size_t k = j + 1;
            while (k < t.size() && is_digit(t[k])) ++k;
            if (k > j + 1 && k < t.size() && t[k] == ')') {
                tags.emplace_back(t.substr(i, k + 1 - i));
                i = k;
            }
            continue;
        }
        std::size_t k = j;
        while (k < t.size() && is_digit(t[k])) ++k;
        std::size_t digits = k - j;
        if (digits < 2 || digits > 6) continue;
        if (k < t.size() && is_alnum(t[k])) continue;
        std::size_t end = k;
        if (k + 1 < t.size() && t[k] == '_' && is_digit(t[k + 1])) {  // OFR004_405
            end = k + 1;
            while (end < t.size() && is_digit(t[end])) ++end;
        }
        std::string_view tag = t.substr(i, end - i);
        // Skip things that are only shaped like tags: the leading basic code never reaches here
        // (digits only), but "ID12345678" ids would: keep tags of the known families.
        static constexpr std::array<std::string_view, 11> kFamilies{
            "TS", "TSS", "S", "HM", "CS", "RL", "BL", "OFR", "IB", "AS", "DYN"};
        std::string_view fam = tag.substr(0, letters);
        bool known = false;
        for (auto f : kFamilies) known = known || f == fam;
        if (known) tags.emplace_back(tag);
        i = end - 1;
    }
}

// The last occurrence of `needle` in `s` (npos if none). memrchr finds candidates for the first
// byte; string_view::rfind would compare at every position from the end.
std::size_t rfind_fast(std::string_view s, std::string_view needle) {
    std::size_t end = s.size();
    while (end >= needle.size()) {
        const void* p = memrchr(s.data(), needle[0], end - needle.size() + 1);
        if (!p) return std::string_view::npos;
        std::size_t at = static_cast<std::size_t>(static_cast<const char*>(p) - s.data());
        if (s.compare(at, needle.size(), needle) == 0) return at;
        end = at + needle.size() - 1;
    }
    return std::string_view::npos;
}

// The first occurrence of `needle`, which ends in ':', in `s` (npos if none). The ':' is rare in
// reply text, so memchr on it finds candidates faster than a search on the needle's first byte.
std::size_t find_colon_ended(std::string_view s, std::string_view needle) {
    std::size_t k = needle.size() - 1;
    for (std::size_t c = s.find(':', k); c != std::string_view::npos; c = s.find(':', c + 1))
        if (s.compare(c - k, k, needle.substr(0, k)) == 0) return c - k;
    return std::string_view::npos;
}

// Characters the text copy loop must look at: line ends, white space, Exim's backslash.
constexpr auto kSpecial = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : {'\r', '\n', '\\', ' ', '\t', '\f', '\v'}) t[c] = true;
    return t;
}();

// Removes Postfix/Exim wrappers around the reply and records the stage they name.
std::string_view unwrap(std::string_view s, Stage& stage) {
    s = trim(s);
    // RFC 3464 section 2.3.6 diagnostic-type: "smtp; 550 ...", "X-Postfix; ...".
    {
        std::size_t semi = s.find(';');
        if (semi != std::string_view::npos && semi > 0 && semi <= 12) {
            bool word = true;
            for (std::size_t i = 0; i < semi; ++i)
                word = word && (is_alnum(s[i]) || s[i] == '-' || s[i] == '_');
            if (word) s = trim(s.substr(semi + 1));
        }
    }
    // Postfix: "(in reply to RCPT TO command)" at the end.
    // The wrappers below are written by the MTAs themselves in fixed case, so a case-sensitive
    // search (memchr-fast) finds them; the reply text proper is never searched this way.
    if (std::size_t p = rfind_fast(s, "(in reply to "); p != std::string_view::npos) {
        std::size_t close = s.find(')', p);
        std::string_view cmd = s.substr(p + 13, (close == std::string_view::npos ? s.size() : close) - p - 13);
        if (cmd.size() > 8 && istarts_with(cmd.substr(cmd.size() - 8), " command"))
            cmd.remove_suffix(8);
        stage = stage_from_command(cmd);
        s = trim(s.substr(0, p));
    }
    // Postfix: "host mx.example[192.0.2.1] said: 550 ..." and "... refused to talk to me: 554 ...".
    if (std::size_t p = find_colon_ended(s.substr(0, 300), " said:");
        p != std::string_view::npos && s.substr(0, p).find("host ") != std::string_view::npos) {
        s = trim(s.substr(p + 6));
    } else if (std::size_t q = find_colon_ended(s.substr(0, 300), "refused to talk to me:");
               q != std::string_view::npos) {
        s = trim(s.substr(q + 22));
        if (stage == Stage::unknown) stage = Stage::connect;
    }
    // Exim: "SMTP error from remote mail server after RCPT TO:<x>: [host h [ip]:] 550 ..."
    // (The cheaper, necessary test first: the Exim phrase within the first 300 bytes.)
    constexpr std::string_view kExim = "SMTP error from remote";
    if (std::size_t p = s.substr(0, 300).find(kExim) == std::string_view::npos
                            ? std::string_view::npos
                            : s.substr(0, 300).find("after ");
        p != std::string_view::npos && s.substr(0, p).find(kExim) != std::string_view::npos) {
        std::string_view rest = s.substr(p + 6);
        stage = stage_from_command(rest);
        // Skip the command up to ": " followed by a code or "host ".
        std::size_t k = 0;
        while (true) {
            std::size_t c = rest.find(": ", k);
            if (c == std::string_view::npos) break;
            std::string_view after = rest.substr(c + 2);
            int code;
            char sep;
            if (basic_at(after, &code, &sep)) {
                s = trim(after);
                break;
            }
            if (istarts_with(after, "host ")) {
                k = c + 2;
                continue;
            }
            k = c + 2;
        }
    }
    return s;
}

}  // namespace

std::string EnhancedCode::str() const {
    if (!present()) return {};
    return std::to_string(cls) + "." + std::to_string(subject) + "." + std::to_string(detail);
}

std::string Reply::reply_code() const { return basic_code ? std::to_string(basic_code) : std::string(); }

EnhancedCode parse_enhanced_code(std::string_view s) {
    s = trim(s);
    EnhancedCode code;
    std::size_t n = enhanced_len(s, &code);
    if (n == 0 || n != s.size()) return {};
    return code;
}

Stage find_stage(std::string_view text) {
    Stage stage = Stage::unknown;
    unwrap(text, stage);
    return stage;
}

Reply parse_reply(std::string_view raw) {
    Reply r;
    parse_reply(raw, r);
    return r;
}

void parse_reply(std::string_view raw, Reply& r) {
    r.basic_code = 0;
    r.status = {};
    r.untrusted_status = {};
    r.text.clear();
    r.tags.clear();
    r.stage = Stage::unknown;
    if (raw.size() > kMaxReplyBytes) raw = raw.substr(0, kMaxReplyBytes);
    std::string_view s = unwrap(raw, r.stage);

    r.text.reserve(s.size());
    EnhancedCode first_status;
    bool first_line = true;
    std::size_t i = 0;
    // Walk "lines": real line breaks, Exim's literal "\n", and for flattened replies the places
    // where "<same code>-" or "<same code> <same status>" reappears mid-text.
    while (i < s.size()) {
        // Start of a line: optional code, optional enhanced code.
        std::string_view rest = s.substr(i);
        int code = 0;
        char sep = 0;
        bool took_code = false;
        if (basic_at(rest, &code, &sep) && (first_line ? true : code == r.basic_code)) {
            if (first_line) r.basic_code = code;
            i += 3;
            if (sep == '-' || sep == ' ' || sep == '\t' || sep == ':') ++i;
            while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
            took_code = true;
        }
        // Enhanced code, possibly qmail style "#5.1.1" or in parentheses "(#5.7.1)".
        {
            std::size_t j = i;
            if (j < s.size() && s[j] == '#') ++j;
            EnhancedCode ec;
            std::size_t n = enhanced_len(s.substr(j), &ec);
            if (n > 0 && (took_code || first_line)) {
                if (!first_status.present()) first_status = ec;
                i = j + n;
                while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
            }
        }
        first_line = false;
        // Copy text up to the next line break or flattened continuation. Runs of ordinary
        // characters are appended whole; only the few special ones are looked at one by one.
        while (i < s.size()) {
            {
                std::size_t j = i;
                while (j < s.size()) {
                    if (!kSpecial[static_cast<unsigned char>(s[j])]) {
                        ++j;
                        continue;
                    }
                    // One space between ordinary characters is ordinary too, unless a digit
                    // follows (a flattened continuation starts " 550-").
                    if (s[j] == ' ' && j > i && j + 1 < s.size() &&
                        !kSpecial[static_cast<unsigned char>(s[j + 1])] && !is_digit(s[j + 1])) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                if (j > i) {
                    r.text.append(s.data() + i, j - i);
                    i = j;
                    if (i >= s.size()) break;
                }
            }
            char c = s[i];
            if (c == '\r' || c == '\n') {
                while (i < s.size() && (s[i] == '\r' || s[i] == '\n')) ++i;
                break;
            }
            if (c == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {  // Exim's literal "\n"
                i += 2;
                break;
            }
            // Flattened continuation: " 550-" or " 550 5.7.26 " where 550 is this reply's code.
            if (r.basic_code && c == ' ' && i + 5 <= s.size()) {
                int c2;
                char sep2;
                std::string_view ahead = s.substr(i + 1);
                if (basic_at(ahead, &c2, &sep2) && c2 == r.basic_code) {
                    EnhancedCode ec;
                    bool cont = sep2 == '-';
                    if (!cont && sep2 == ' ' && ahead.size() > 4) {
                        std::size_t n = enhanced_len(ahead.substr(4), &ec);
                        cont = n > 0 && (!first_status.present() || ec == first_status);
                    }
                    if (cont) {
                        ++i;
                        break;
                    }
                }
            }
            if (c == '\t' || c == '\f' || c == '\v') c = ' ';
            if (!(c == ' ' && (r.text.empty() || r.text.back() == ' '))) r.text.push_back(c);
            ++i;
        }
        if (!r.text.empty() && r.text.back() != ' ') r.text.push_back(' ');
    }
    while (!r.text.empty() && r.text.back() == ' ') r.text.pop_back();

    // RFC 3463 section 3.1: the class must agree with the basic code's first digit.
    if (first_status.present()) {
        if (r.basic_code == 0 || r.basic_code / 100 == first_status.cls)
            r.status = first_status;
        else
            r.untrusted_status = first_status;
    }
    find_tags(r.text, r.tags);
}

}  // namespace mxt
