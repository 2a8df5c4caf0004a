// Reads header fields from a message, a bounce or an SMTP transcript, and works out the DMARC
// alignment story. Header parsing is simple by design (RFC 5322 2.2: name ":" value, folded lines
// start with white space). Bodies are not decoded, except a returned original (message/rfc822,
// text/rfc822-headers) sent base64 or quoted-printable, whose headers are what the audit reads.
#include "audit/message.hpp"

#include <fmt/format.h>
#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>

#include "audit/dmarc.hpp"

namespace mxt::audit {
namespace {

std::string lower(std::string_view s) {
    std::string o(s);
    for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

bool header_name_line(std::string_view l, std::size_t& colon) {
    colon = l.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon > 76) return false;
    for (std::size_t k = 0; k < colon; ++k) {
        unsigned char c = static_cast<unsigned char>(l[k]);
        if (c <= 32 || c >= 127) return false;
    }
    return true;
}

// The address inside <...>, else the first word holding '@'.
std::string address_of(std::string_view v) {
    auto lt = v.rfind('<');
    if (lt != std::string_view::npos) {
        auto gt = v.find('>', lt);
        return trim(v.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1));
    }
    std::string s(v);
    std::size_t at = s.find('@');
    if (at == std::string::npos) return trim(s);
    std::size_t b = s.find_last_of(" \t,;:\"", at), e = s.find_first_of(" \t,;>\"", at);
    b = b == std::string::npos ? 0 : b + 1;
    return s.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string domain_of(std::string_view addr) {
    auto at = addr.rfind('@');
    return at == std::string_view::npos ? std::string() : lower_domain(trim(addr.substr(at + 1)));
}

std::string tag_value(std::string_view sig, std::string_view tag) {
    // DKIM tag-list (RFC 6376 3.2): tag=value pairs separated by ';', with white space.
    std::size_t pos = 0;
    while (pos < sig.size()) {
        auto semi = sig.find(';', pos);
        std::string part = trim(sig.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
        auto eq = part.find('=');
        if (eq != std::string::npos && lower(trim(part.substr(0, eq))) == tag) {
            std::string v;
            for (char c : part.substr(eq + 1))
                if (!std::isspace(static_cast<unsigned char>(c))) v += c;
            return v;
        }
        if (semi == std::string_view::npos) break;
        pos = semi + 1;
    }
    return {};
}

struct Block {
    std::vector<HeaderField> fields;
    bool has(std::string_view n) const {
        for (auto& f : fields)
            if (lower(f.name) == n) return true;
        return false;
    }
};

// One input line and the line of the file it stands for (decoded lines keep the number of the
// first encoded line they came from).
struct Line {
    std::string text;
    std::size_t number = 0;
};

std::vector<Line> split_lines(std::string_view text, std::size_t first_number, bool same_number) {
    std::vector<Line> out;
    std::size_t pos = 0, n = first_number;
    while (pos <= text.size()) {
        auto nl = text.find('\n', pos);
        std::string l(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
        if (!l.empty() && l.back() == '\r') l.pop_back();
        out.push_back({std::move(l), n});
        if (!same_number) ++n;
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return out;
}

// The part types that carry the returned original (RFC 3462 / RFC 6522 section 3, RFC 3464
// section 2 "third component", RFC 6532 for message/global).
bool original_type(std::string_view content_type) {
    std::string t = lower(trim(content_type.substr(0, content_type.find(';'))));
    return t == "message/rfc822" || t == "text/rfc822-headers" || t == "message/rfc822-headers" ||
           t == "message/global" || t == "message/global-headers";
}

// Base64 or quoted-printable content through GMime's decoders (RFC 2045 6.7, 6.8).
std::string decode_body(std::string_view body, bool base64) {
    std::string out(body.size() + 4, '\0');
    int state = 0;
    guint32 save = 0;
    auto in = reinterpret_cast<const unsigned char*>(body.data());
    auto dst = reinterpret_cast<unsigned char*>(out.data());
    std::size_t n = base64 ? g_mime_encoding_base64_decode_step(in, body.size(), dst, &state, &save)
                           : g_mime_encoding_quoted_decode_step(in, body.size(), dst, &state, &save);
    out.resize(std::min(n, out.size()));
    return out;
}

constexpr int kMaxDecodeDepth = 4;

// Replaces the body of every returned-original part sent base64 or quoted-printable by its
// decoded lines. RFC 2046 5.2.1 allows only 7bit, 8bit or binary for message/rfc822, yet
// mailers (Exchange, some ESPs' bounce handlers) do encode it; text/rfc822-headers may be
// encoded by right. The part's body runs from the blank line after its header to the next
// boundary line ("--...") or the end; decoded text is expanded again, for nested originals.
std::vector<Line> decode_originals(std::vector<Line> lines, int depth, std::vector<std::string>& problems) {
    if (depth >= kMaxDecodeDepth) return lines;
    std::vector<Line> out;
    std::size_t i = 0;
    while (i < lines.size()) {
        // A header block: header lines and their continuations.
        std::size_t colon = 0, j = i;
        std::string type, encoding;
        std::string* last = nullptr;
        while (j < lines.size()) {
            const std::string& l = lines[j].text;
            if (!l.empty() && (l[0] == ' ' || l[0] == '\t') && last) {
                *last += " " + trim(l);
            } else if (!l.empty() && header_name_line(l, colon)) {
                std::string name = lower(l.substr(0, colon));
                last = nullptr;
                if (name == "content-type") last = &(type = trim(std::string_view(l).substr(colon + 1)));
                else if (name == "content-transfer-encoding")
                    last = &(encoding = lower(trim(std::string_view(l).substr(colon + 1))));
            } else {
                break;
            }
            ++j;
        }
        bool base64 = encoding == "base64", qp = encoding == "quoted-printable";
        if (j == i || !original_type(type) || !(base64 || qp) || j >= lines.size() || !lines[j].text.empty()) {
            // Not an encoded original: copy the block (or the one line that is not a header).
            std::size_t end = std::max(j, i + 1);
            for (; i < end; ++i) out.push_back(std::move(lines[i]));
            continue;
        }
        for (; i <= j; ++i) out.push_back(std::move(lines[i]));  // the part header and its blank line
        std::string body;
        std::size_t first = i < lines.size() ? lines[i].number : 0;
        for (; i < lines.size() && !lines[i].text.starts_with("--"); ++i) body += lines[i].text + "\n";
        std::string decoded = decode_body(body, base64);
        if (decoded.empty() && !trim(body).empty()) {
            problems.push_back(fmt::format("line {}: the {} part ({}) does not decode", first, type, encoding));
            continue;
        }
        for (auto& l : decode_originals(split_lines(decoded, first, true), depth + 1, problems))
            out.push_back(std::move(l));
    }
    return out;
}

}  // namespace

MessageInput read_message(std::string_view text) {
    MessageInput in;
    std::vector<Line> lines = decode_originals(split_lines(text, 1, false), 0, in.problems);
    // SMTP transcript markers, one command per line or all on one line as in many guides.
    for (auto& line : lines) {
        const std::string& l = line.text;
        std::string low = lower(l);
        if (auto p = low.find("mail from:"); p != std::string::npos && low.find(">>") != std::string::npos) {
            auto rest = std::string_view(l).substr(p + 10);
            auto lt = rest.find('<'), gt = rest.find('>', lt == std::string_view::npos ? 0 : lt);
            if (lt != std::string_view::npos && gt != std::string_view::npos)
                in.mail_from = std::string(rest.substr(lt + 1, gt - lt - 1));
        }
        for (std::size_t p = l.find("<< "); p != std::string::npos; p = l.find("<< ", p + 3)) {
            std::string_view r = std::string_view(l).substr(p + 3);
            if (r.size() >= 3 && (r[0] == '4' || r[0] == '5')) {
                auto end = r.find(">>");
                in.reply = trim(r.substr(0, end));
                if (auto hash = in.reply.find(" # "); hash != std::string::npos) in.reply.resize(hash);
            }
        }
    }
    // Header blocks: runs of header lines (with their continuations) between other lines.
    std::vector<Block> blocks;
    Block cur;
    auto flush = [&] {
        if (cur.fields.size() >= 2) blocks.push_back(cur);
        cur = Block{};
    };
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const auto& l = lines[n].text;
        std::size_t colon = 0;
        if (!l.empty() && (l[0] == ' ' || l[0] == '\t') && !cur.fields.empty()) {
            cur.fields.back().value += " " + trim(l);
        } else if (!l.empty() && l[0] != '>' && l[0] != '<' && l[0] != '#' && header_name_line(l, colon)) {
            cur.fields.push_back({l.substr(0, colon), trim(std::string_view(l).substr(colon + 1)), lines[n].number});
        } else {
            flush();
        }
    }
    flush();
    // The original message's headers: the last block with From: and an authentication trace;
    // in a bounce that is the returned message, not the bounce's own header.
    const Block* pick = nullptr;
    for (auto& b : blocks)
        if (b.has("from") && (b.has("dkim-signature") || b.has("authentication-results") || b.has("return-path")))
            pick = &b;
    if (!pick)
        for (auto& b : blocks)
            if (b.has("from")) pick = &b;
    if (!pick && !blocks.empty()) pick = &blocks.front();
    if (pick) in.headers = pick->fields;
    if (in.headers.empty() && in.mail_from.empty()) in.problems.push_back("no header fields and no SMTP transcript found");
    return in;
}

MessageAudit audit_message(const MessageInput& in, const PublicSuffixList& psl, Resolver* dns) {
    MessageAudit out;
    out.reply = in.reply;
    out.problems = in.problems;
    std::vector<std::string> froms;
    for (auto& h : in.headers) {
        std::string n = lower(h.name);
        if (n == "from") froms.push_back(h.value);
        else if (n == "return-path" && out.return_path.empty()) out.return_path = domain_of(address_of(h.value));
        else if (n == "dkim-signature") {
            DkimCheck d;
            d.d = lower_domain(tag_value(h.value, "d"));
            d.s = tag_value(h.value, "s");
            d.result = "unverified";
            out.dkim.push_back(d);
        } else if (n == "authentication-results") {
            auto ar = parse_authentication_results(h.value);
            if (ar) {
                for (auto& w : ar->warnings)
                    out.problems.push_back(fmt::format("line {}: Authentication-Results: {}", h.line, w));
                out.authentication_results.push_back(*ar);
            }
            else out.problems.push_back(fmt::format("line {}: Authentication-Results unreadable at offset {}: {}",
                                                    h.line, ar.error().offset, ar.error().message));
        }
    }
    if (froms.size() > 1) out.problems.push_back("more than one From: header field: DMARC fails such mail (RFC 7489 6.6.1)");
    if (!froms.empty()) {
        out.from_address = address_of(froms.front());
        out.header_from = domain_of(out.from_address);
    }
    if (out.return_path.empty() && !in.mail_from.empty()) out.return_path = domain_of(in.mail_from);
    out.spf.domain = out.return_path;
    out.spf.result = "unknown";

    std::string reported_policy;
    // Authentication-Results: the topmost field is the newest (RFC 8601 5); use the first seen.
    for (auto& ar : out.authentication_results) {
        for (auto& r : ar.results) {
            if (r.method == "spf" && out.spf.result == "unknown") {
                out.spf.result = r.result;
                std::string mf = r.property("smtp", "mailfrom");
                if (!mf.empty()) out.spf.domain = mf.find('@') != std::string::npos ? domain_of(mf) : lower_domain(mf);
            } else if (r.method == "dkim") {
                std::string d = lower_domain(r.property("header", "d"));
                if (d.empty()) d = domain_of(r.property("header", "i"));
                bool found = false;
                for (auto& k : out.dkim)
                    if (k.d == d && k.result == "unverified") {
                        k.result = r.result;
                        found = true;
                        break;
                    }
                if (!found && !d.empty()) out.dkim.push_back({d, r.property("header", "s"), r.result});
            } else if (r.method == "dmarc" && out.dmarc.reported.empty()) {
                out.dmarc.reported = r.result;
                reported_policy = lower(r.property("policy", "published-domain-policy"));
            }
        }
    }

    // The From: domain's DMARC record sets the alignment modes and the policy.
    bool strict_dkim = false, strict_spf = false;
    if (dns && !out.header_from.empty()) {
        auto a = audit_dmarc(*dns, psl, out.header_from);
        const auto& d = a.rfc7489.record.empty() ? a.rfc9989 : a.rfc7489;
        if (a.dns_failed && d.record.empty()) {
            // A failed lookup says nothing about the policy: leave it unknown.
            out.problems.push_back(fmt::format("could not look up the DMARC policy of {} (DNS failure)", out.header_from));
        } else if (!d.record.empty()) {
            out.dmarc.policy = d.policy;
            strict_dkim = lower(d.parsed.tag("adkim", "r")) == "s";
            strict_spf = lower(d.parsed.tag("aspf", "r")) == "s";
        } else {
            out.dmarc.policy = "none";
        }
    }
    // Without a DNS answer, the receiver's own reading of the policy is the best we have.
    if (out.dmarc.policy.empty() && !reported_policy.empty()) out.dmarc.policy = reported_policy;
    auto align = [&](const std::string& dom, bool strict, bool& s, bool& r) {
        s = !dom.empty() && aligned(psl, dom, out.header_from, true);
        r = !dom.empty() && aligned(psl, dom, out.header_from, false);
        return strict ? s : r;
    };
    out.spf.aligned = align(out.spf.domain, strict_spf, out.spf.aligned_strict, out.spf.aligned_relaxed);
    bool dkim_ok = false, dkim_pass_any = false;
    for (auto& k : out.dkim) {
        k.aligned = align(k.d, strict_dkim, k.aligned_strict, k.aligned_relaxed);
        if (k.result == "pass") dkim_pass_any = true;
        if (k.result == "pass" && k.aligned) dkim_ok = true;
    }
    bool spf_ok = out.spf.result == "pass" && out.spf.aligned;
    bool known = out.spf.result != "unknown" || dkim_pass_any ||
                 std::any_of(out.dkim.begin(), out.dkim.end(), [](auto& k) { return k.result != "unverified"; });
    if (dkim_ok || spf_ok) out.dmarc.result = "pass";
    else if (known) out.dmarc.result = "fail";
    else out.dmarc.result = out.dmarc.reported.empty() ? "unknown" : out.dmarc.reported;
    if (out.dmarc.result == "fail")
        out.dmarc.disposition = out.dmarc.policy.empty() ? "unknown" : out.dmarc.policy;
    else
        out.dmarc.disposition = "none";

    // Plain words: what fails, and the fix.
    std::string from = out.header_from.empty() ? "your From: domain" : out.header_from;
    std::string org = out.header_from.empty() ? from : psl.org_domain(out.header_from);
    std::vector<std::string> why, fixes;
    const DkimCheck* foreign_pass = nullptr;
    for (auto& k : out.dkim)
        if (k.result == "pass" && !k.aligned) foreign_pass = &k;
    if (out.dmarc.result == "pass") {
        out.verdict = fmt::format("DMARC passes for {}: {} is aligned with the From: domain.", from,
                                  dkim_ok ? "a passing DKIM signature" : "the SPF-authenticated Return-Path");
    } else {
        out.findings = true;
        if (out.dkim.empty()) {
            why.push_back(fmt::format("the message carries no DKIM signature"));
            fixes.push_back(fmt::format("enable DKIM signing for {} (publish the selector's key in DNS and have "
                                        "your mail server or ESP sign with d={})",
                                        org, org));
        } else if (foreign_pass && !dkim_ok) {
            why.push_back(fmt::format("DKIM passes for {}, not for your From: domain {}", foreign_pass->d, from));
            fixes.push_back(fmt::format("set up a DKIM key for your own domain at the ESP: generate a DKIM selector "
                                        "on {} and configure it in the ESP so it signs with d={}",
                                        org, org));
        } else {
            for (auto& k : out.dkim)
                if (k.result != "pass" && k.result != "unverified") {
                    why.push_back(fmt::format("the DKIM signature of {} (selector {}) gives {}", k.d, k.s, k.result));
                    fixes.push_back(fmt::format("check that {}._domainkey.{} publishes the key the signer uses, and "
                                                "that nothing rewrites the message after signing",
                                                k.s, k.d));
                }
        }
        if (out.spf.result == "pass" && !out.spf.aligned && !out.spf.domain.empty()) {
            why.push_back(fmt::format("SPF passes for the Return-Path domain {}, which is not aligned with {}",
                                      out.spf.domain, from));
            fixes.push_back(fmt::format("optionally use a custom Return-Path (bounce) domain under {} at the ESP", org));
        } else if (out.spf.result == "fail" || out.spf.result == "softfail") {
            why.push_back(fmt::format("SPF {} for {}: the sending IP is not authorised", out.spf.result, out.spf.domain));
            fixes.push_back(fmt::format("add the sending service to the SPF record of {} (check it with "
                                        "`mxtriage audit spf {} --ip IP`)",
                                        out.spf.domain, out.spf.domain));
        } else if (out.spf.result == "permerror") {
            why.push_back(fmt::format("the SPF record of {} is broken (permerror)", out.spf.domain));
            fixes.push_back(fmt::format("run `mxtriage audit spf {}` and fix the record", out.spf.domain));
        }
        if (why.empty()) why.push_back("neither SPF nor DKIM authenticates a domain aligned with the From: domain");
        out.verdict = fmt::format("{}, so DMARC alignment fails", fmt::join(why, "; and "));
        if (!out.dmarc.policy.empty() && out.dmarc.policy != "none")
            out.verdict += fmt::format(" and {} publishes p={}, so receivers {} the mail", org, out.dmarc.policy,
                                       out.dmarc.policy == "reject" ? "reject" : "quarantine");
        out.verdict += ".";
        out.fix = fmt::format("{}.", fmt::join(fixes, "; "));
        if (fixes.empty())
            out.fix = fmt::format("sign with DKIM for {} (d={}) at every service that sends as {}.", org, org, from);
    }
    return out;
}

}  // namespace mxt::audit
