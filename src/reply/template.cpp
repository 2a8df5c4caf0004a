// Reply templates: mask what varies between otherwise identical replies (addresses, IPs, ids,
// numbers) so that triage can count distinct reply templates and the classifier can cache by them.
//
// Word by word, in one pass, no regex: this runs for every reply. A "word" is a run of non-space
// characters. Decisions per word:
//   - an e-mail address (local@domain.tld, possibly in <> or quotes)      -> <email>
//   - a URL: scheme, host and path kept; query values masked like words
//   - a long token mixing letters and digits (>= 20 alnum, e.g. Google's
//     "z15-20020aa7957f...si9837215pfk.8" request id)                     -> <id>
//   - otherwise per alphanumeric run inside the word:
//       IPv4 a.b.c.d -> <ip>; IPv6 (hex groups with ':') -> <ip>;
//       an RFC 3463 code d.d.d -> kept; a provider tag (TS02, S3150, RL000001) -> kept;
//       digits only -> <n>; letters and digits, 8 or more -> <id>; anything else kept.
#include "reply/template.hpp"

#include <array>

namespace mxt {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// IPv4 dotted quad at s[i]; returns its length or 0.
std::size_t ipv4_len(std::string_view s, std::size_t i) {
    std::size_t j = i;
    for (int part = 0; part < 4; ++part) {
        std::size_t start = j;
        while (j < s.size() && is_digit(s[j]) && j - start < 3) ++j;
        if (j == start) return 0;
        if (part < 3) {
            if (j >= s.size() || s[j] != '.') return 0;
            ++j;
        }
    }
    if (j < s.size() && (is_alnum(s[j]) || (s[j] == '.' && j + 1 < s.size() && is_digit(s[j + 1]))))
        return 0;
    return j - i;
}

// IPv6 at s[i] (at least two ':' and only hex, ':' and '.'); returns its length or 0.
std::size_t ipv6_len(std::string_view s, std::size_t i) {
    std::size_t j = i, colons = 0, hex = 0;
    while (j < s.size() && (is_hex(s[j]) || s[j] == ':' || s[j] == '.')) {
        if (s[j] == ':') ++colons;
        else ++hex;
        ++j;
    }
    if (colons < 2 || hex == 0) return 0;
    // Trailing ':' belongs to the sentence ("[::1]:").
    while (j > i && s[j - 1] == ':' && colons > 2) {
        --j;
        --colons;
    }
    if (j < s.size() && is_alpha(s[j])) return 0;
    return j - i;
}

// RFC 3463 code at s[i]: d.d{1,3}.d{1,3} with class 2, 4 or 5.
std::size_t status_len(std::string_view s, std::size_t i) {
    if (i >= s.size() || !(s[i] == '2' || s[i] == '4' || s[i] == '5')) return 0;
    std::size_t j = i + 1;
    for (int part = 0; part < 2; ++part) {
        if (j >= s.size() || s[j] != '.') return 0;
        ++j;
        std::size_t start = j;
        while (j < s.size() && is_digit(s[j]) && j - start < 3) ++j;
        if (j == start) return 0;
    }
    if (j < s.size() && (is_alnum(s[j]) || (s[j] == '.' && j + 1 < s.size() && is_digit(s[j + 1]))))
        return 0;
    return j - i;
}

// Provider tag shape: 1-4 upper-case letters then 2-6 digits (TS02, TSS04, S3150, RL000001).
bool is_tag(std::string_view run) {
    std::size_t i = 0;
    while (i < run.size() && run[i] >= 'A' && run[i] <= 'Z') ++i;
    if (i == 0 || i > 4) return false;
    std::size_t d = run.size() - i;
    if (d < 2 || d > 6) return false;
    for (std::size_t k = i; k < run.size(); ++k)
        if (!is_digit(run[k])) return false;
    return true;
}

bool looks_like_email(std::string_view w, std::size_t& a, std::size_t& b) {
    std::size_t at = w.find('@');
    if (at == std::string_view::npos) return false;
    a = 0;
    b = w.size();
    while (a < at && (w[a] == '<' || w[a] == '(' || w[a] == '[' || w[a] == '"' || w[a] == '\'' ||
                      w[a] == ':' || w[a] == '='))
        ++a;
    // "to=<x@y>," / "RCPT TO:<x@y>" keep what precedes the address
    if (std::size_t lt = w.rfind('<', at); lt != std::string_view::npos && lt >= a) a = lt + 1;
    while (b > at + 1 && (w[b - 1] == '>' || w[b - 1] == ')' || w[b - 1] == ']' || w[b - 1] == '"' ||
                          w[b - 1] == '\'' || w[b - 1] == ',' || w[b - 1] == '.' ||
                          w[b - 1] == ';' || w[b - 1] == ':'))
        --b;
    if (at == a || at + 1 >= b) return false;
    return w.substr(at + 1, b - at - 1).find('.') != std::string_view::npos;
}

void mask_runs(std::string_view w, std::string& out) {
    std::size_t i = 0;
    while (i < w.size()) {
        char c = w[i];
        if (!is_alnum(c)) {
            out.push_back(c);
            ++i;
            continue;
        }
        bool boundary = i == 0 || !is_alnum(w[i - 1]);
        if (boundary && is_digit(c)) {
            if (std::size_t n = ipv4_len(w, i)) {
                out += "<ip>";
                i += n;
                continue;
            }
            if (std::size_t n = status_len(w, i)) {
                out.append(w.substr(i, n));
                i += n;
                continue;
            }
        }
        if (boundary && (is_hex(c) || c == ':')) {
            if (std::size_t n = ipv6_len(w, i)) {
                out += "<ip>";
                i += n;
                continue;
            }
        }
        std::size_t j = i;
        bool digits = false, letters = false;
        while (j < w.size() && is_alnum(w[j])) {
            digits = digits || is_digit(w[j]);
            letters = letters || is_alpha(w[j]);
            ++j;
        }
        std::string_view run = w.substr(i, j - i);
        if (!digits || is_tag(run)) {
            out.append(run);
        } else if (!letters) {
            out += "<n>";
        } else if (run.size() >= 8) {
            out += "<id>";
        } else {
            out.append(run);
        }
        i = j;
    }
}

// "dnsbl-1.uceprotect.net", "mta7.am0.yahoodns.net": letters, digits, '-' and '.', with an
// alphabetic last label. Host names name lists and providers, so their labels are kept, except
// labels that are long ids (Microsoft's "AM4PEPF00027A5F").
bool looks_like_hostname(std::string_view w) {
    std::size_t s = 0, e = w.size();
    while (s < e && !is_alnum(w[s])) ++s;
    while (e > s && !is_alnum(w[e - 1])) --e;
    std::string_view h = w.substr(s, e - s);
    if (h.find('.') == std::string_view::npos) return false;
    for (char c : h)
        if (!(is_alnum(c) || c == '-' || c == '.')) return false;
    std::size_t dot = h.rfind('.');
    std::string_view tld = h.substr(dot + 1);
    if (tld.size() < 2) return false;
    for (char c : tld)
        if (!is_alpha(c)) return false;
    return true;
}

void mask_host(std::string_view w, std::string& out) {
    std::size_t i = 0;
    while (i < w.size()) {
        if (!is_alnum(w[i])) {
            out.push_back(w[i++]);
            continue;
        }
        std::size_t j = i;
        bool digits = false, letters = false;
        while (j < w.size() && (is_alnum(w[j]) || w[j] == '-')) {
            digits = digits || is_digit(w[j]);
            letters = letters || is_alpha(w[j]);
            ++j;
        }
        std::string_view label = w.substr(i, j - i);
        if (digits && letters && label.size() >= 12)
            out += "<id>";
        else
            out.append(label);
        i = j;
    }
}

void template_word(std::string_view w, std::string& out) {
    std::size_t a, b;
    if (looks_like_email(w, a, b)) {
        out.append(w.substr(0, a));
        out += "<email>";
        out.append(w.substr(b));
        return;
    }
    // Long mixed tokens (request ids, hashes): mask whole. Hostnames made of letters stay.
    std::size_t alnum = 0, digits = 0;
    for (char c : w) {
        alnum += is_alnum(c);
        digits += is_digit(c);
    }
    bool url = w.starts_with("http://") || w.starts_with("https://");
    if (!url && alnum >= 20 && digits >= 4 && w.find("://") == std::string_view::npos) {
        // Keep leading/trailing punctuation so "[id]" stays bracketed.
        std::size_t s = 0, e = w.size();
        while (s < e && !is_alnum(w[s])) ++s;
        while (e > s && !is_alnum(w[e - 1])) --e;
        out.append(w.substr(0, s));
        out += "<id>";
        out.append(w.substr(e));
        return;
    }
    if (looks_like_hostname(w)) {
        mask_host(w, out);
        return;
    }
    mask_runs(w, out);
}

// Character classes for the one scan that splits the text into words and decides, per word,
// whether the word can need masking at all.
enum : unsigned char { kSpace = 1, kDigit = 2, kAt = 4, kColon = 8 };
constexpr auto kClass = [] {
    std::array<unsigned char, 256> t{};
    for (unsigned char c : {' ', '\t', '\r', '\n', '\f', '\v'}) t[c] = kSpace;
    for (unsigned char c = '0'; c <= '9'; ++c) t[c] = kDigit;
    t['@'] = kAt;
    t[':'] = kColon;
    return t;
}();

}  // namespace

// One scan over the text finds the words and classifies each as it goes. A word without a digit,
// without '@' and with fewer than two ':' comes out of template_word unchanged (no address, no
// IPv4/IPv6, no number, no id: every mask needs one of those), so such words -- most of a reply --
// are copied as they are, and runs of them separated by single spaces are copied in one piece.
// Only the other words take the word-by-word path above.
void make_template(std::string_view text, std::string& out) {
    out.clear();
    out.reserve(text.size() + 16);
    const char* s = text.data();
    const std::size_t n = text.size();
    std::size_t pend_b = 0, pend_e = 0;  // text[pend_b, pend_e) is owed to `out` verbatim
    bool any = false;  // a word has been written (or is owed)
    std::size_t i = 0;
    while (i < n) {
        while (i < n && (kClass[static_cast<unsigned char>(s[i])] & kSpace)) ++i;
        if (i >= n) break;
        std::size_t j = i;
        unsigned acc = 0, colons = 0;
        while (j < n) {
            unsigned f = kClass[static_cast<unsigned char>(s[j])];
            if (f & kSpace) break;
            acc |= f;
            colons += f >> 3;  // 1 for kColon, the highest class bit
            ++j;
        }
        if (!(acc & (kDigit | kAt)) && colons < 2) {
            if (any && pend_e != pend_b && pend_e + 1 == i && s[pend_e] == ' ') {
                pend_e = j;  // "word word": one copy for both
            } else {
                out.append(s + pend_b, pend_e - pend_b);
                if (any) out.push_back(' ');
                pend_b = i;
                pend_e = j;
            }
        } else {
            out.append(s + pend_b, pend_e - pend_b);
            pend_b = pend_e = 0;
            if (any) out.push_back(' ');
            template_word(text.substr(i, j - i), out);
        }
        any = true;
        i = j;
    }
    out.append(s + pend_b, pend_e - pend_b);
}

std::string make_template(std::string_view text) {
    std::string out;
    make_template(text, out);
    return out;
}

}  // namespace mxt
