// One message in, one event per recipient out (see message_reader.hpp): normalises line endings,
// builds the MIME view, tries the reader table in order, and copies what the reader found plus
// the returned original's fields into delivery events. Never throws: problems become outcomes.
#include "ingest/mail/message_reader.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <exception>

#include "ingest/mail/bounce.hpp"
#include "ingest/mail/headers.hpp"
#include "ingest/mail/mime.hpp"
#include "ingest/mail/original.hpp"
#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"
#include "ingest/syslog.hpp"

namespace mxt {

namespace {

// The address when `host` is only an IP address ("192.0.2.1", "[192.0.2.1]", "[IPv6:2001:db8::1]",
// RFC 5321 section 4.1.3), else empty.
std::string_view ip_literal(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.size() > 5 && mail::istarts_with(host, "IPv6:")) host.remove_prefix(5);
    if (host.empty() || host.size() >= INET6_ADDRSTRLEN) return {};
    char buf[INET6_ADDRSTRLEN];
    std::memcpy(buf, host.data(), host.size());
    buf[host.size()] = '\0';
    unsigned char addr[sizeof(in6_addr)];
    if (inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1) return host;
    return {};
}


using namespace mxt::mail;

// No bounce is this large; larger input is refused before any parsing work.
constexpr std::size_t kMaxMessageBytes = 64u << 20;

bool bounce_words(std::string_view s) {
    static constexpr std::string_view kWords[] = {
        "delivery", "undeliver", "failed", "rejected", "returned", "recipient", "user unknown",
        "mailbox", "smtp", "not be delivered", "permanent", "550", "554", "552", "553", "551",
    };
    for (auto w : kWords)
        if (icontains(s, w)) return true;
    return false;
}

// Mostly binary input (NULs, control bytes) is not a message in any encoding we read.
bool binary_junk(std::string_view s) {
    std::size_t n = std::min<std::size_t>(s.size(), 4096), bad = 0;
    auto bad_byte = [](unsigned char c) {
        return c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != 0x1b && c != '\f';
    };
    // Eight bytes at a time: a word whose bytes below 0x20 are all line breaks (nearly every word
    // of text) is passed with a few word operations instead of eight byte tests.
    constexpr std::uint64_t lows = 0x7f7f7f7f7f7f7f7fULL, highs = 0x8080808080808080ULL;
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    auto below_0x20 = [&](std::uint64_t w) { return ~(((w & lows) + ones * 0x60) | w) & highs; };
    auto is = [&](std::uint64_t w, char c) {
        std::uint64_t x = w ^ (ones * static_cast<unsigned char>(c));
        return ~(((x & lows) + lows) | x) & highs;  // exact: a high bit for each zero byte of x
    };
    std::size_t i = 0;
#ifdef __SSE2__
    // Sixteen bytes at a time where SSE2 is there (every x86-64): the same test, one compare each.
    const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), limit = _mm_set1_epi8(0x1f);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
        __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, limit), v);  // bytes <= 0x1f
        __m128i breaks = _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, cr));
        if (_mm_movemask_epi8(_mm_andnot_si128(breaks, low)) == 0) continue;
        for (std::size_t k = i; k < i + 16; ++k) bad += bad_byte(static_cast<unsigned char>(s[k]));
    }
#endif
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if ((below_0x20(w) & ~(is(w, '\n') | is(w, '\r'))) == 0) continue;
        for (std::size_t k = i; k < i + 8; ++k) bad += bad_byte(static_cast<unsigned char>(s[k]));
    }
    for (; i < n; ++i) bad += bad_byte(static_cast<unsigned char>(s[i]));
    return n > 0 && bad * 10 > n;
}

// Content-filter gateways that accept the whole message and relay it on (McAfee's Email Gateway,
// SurfControl, m-FILTER, Active!hunter, MailFoundry and two Japanese gateways' notices: "Mail Deliver System",
// "Unable to deliver message to the following address(es)"). Their notices never say at which
// SMTP command the next hop refused, and the refusal they relay came after they had taken the
// message's data; Sisimai's parsers for them set the command to DATA (or leave it unknown), which
// makes a "user unknown" reply without a 5.1.x code read as the recipient's filter (filtered).
bool relays_after_data(const Mail& m) {
    if (icontains(m.headers.get("X-NAI-Header"), "McAfee")) return true;
    if (m.headers.has("X-AHMAILID")) return true;  // Active!hunter (QUALITIA's filtering gateway)
    auto mailer = m.headers.get("X-Mailer");
    if (icontains(mailer, "SurfControl") || icontains(mailer, "m-FILTER")) return true;
    auto subject = m.subject();
    if (icontains(subject, "Message delivery has failed") && icontains(m.body, "Delivery failed for the following reason:"))
        return true;  // MailFoundry
    if (icontains(m.from(), "Mail Deliver System") && icontains(m.body, "The following addresses had delivery errors"))
        return true;
    if (icontains(subject, "Delivery failure") && icontains(m.body, "Unable to deliver message to the following address"))
        return true;
    return false;
}

UnitOutcome read_inner(std::string_view bytes, const MessageOrigin& origin, EventSink& sink) {
    UnitOutcome out;
    if (trim(bytes).empty()) return {UnitResult::skipped, "empty message", 0};
    if (bytes.size() > kMaxMessageBytes) return {UnitResult::failed, "message too large", 0};
    if (binary_junk(bytes)) return {UnitResult::failed, "binary data, not a message", 0};
    // An mbox "From " separator line in front of the header block (RFC 4155) is not a field.
    if (bytes.starts_with("From ")) {
        auto nl = bytes.find_first_of("\r\n");
        bytes = nl == std::string_view::npos ? std::string_view() : bytes.substr(nl + 1);
        if (!bytes.empty() && bytes[0] == '\n') bytes.remove_prefix(1);
    }
    std::string lf = normalize_eol(bytes);
    auto parsed = parse_mail(lf);
    if (!parsed) return {UnitResult::failed, parsed.error(), 0};
    const Mail& m = *parsed;

    Bounce b;
    for (const auto& r : readers()) {
        if (!r.detect(m)) continue;
        Bounce tmp;
        tmp.format = std::string(r.name);
        if (r.read(m, tmp) && !tmp.recipients.empty()) {
            b = std::move(tmp);
            break;
        }
    }
    if (b.recipients.empty()) return {UnitResult::skipped, "not a bounce", 0};

    // The attached original's fields are read as they are; only a bounce without one needs the
    // returned text searched (and a block of its own).
    HeaderBlock found_orig;
    if (!m.has_original) found_orig = original_headers(m);
    const HeaderBlock& orig = m.has_original ? m.original : found_orig;
    std::string bounce_to = clean_address(m.headers.get("To"));
    if (b.recipients.size() > 1 && !bounce_to.empty() && b.format != "arf") {
        // The bounce's own addressee is the sender of the failed message, never a failed recipient
        // beside others (its address shows up in quoted "From:" lines and transcripts).
        std::erase_if(b.recipients, [&](const RecipientResult& r) { return iequals(r.recipient, bounce_to); });
    }
    const bool relay_gateway = relays_after_data(m);
    for (auto& r : b.recipients) {
        DeliveryEvent e;
        e.source = origin.source;
        e.position = origin.index;
        e.format = b.format;
        // When the attempt failed: the report's Last-Attempt-Date, else the notice's own Date:
        // (written when delivery failed), else the original's Arrival-Date; ISO 8601 and epoch
        // seconds as for log lines, the text as written when it is no date we can read.
        std::string_view when = trim(r.time);
        if (when.empty()) when = trim(m.headers.get("Date"));
        if (when.empty()) when = trim(r.arrival);
        if (!normalise_time(when, origin.default_year, e.time, e.unix_time)) e.time = valid_utf8(when);
        e.recipient = valid_utf8(r.recipient);
        e.remote_host = valid_utf8(r.remote_host);
        // Remote-MTA names a host or, often, only its address ("dns; 192.0.2.1", "[192.0.2.1]").
        if (std::string_view ip = ip_literal(e.remote_host); !ip.empty()) e.remote_ip = ip;
        e.queue_id = valid_utf8(r.queue_id);
        e.reply_code = r.reply_code;
        e.status = r.status;
        e.text = valid_utf8(r.text);
        e.stage = r.stage != Stage::unknown ? r.stage : stage_named_in(r.text);
        e.outcome = r.outcome;
        if (r.reason_hint.empty() && r.status.starts_with("2.") && r.outcome == Outcome::bounced) {
            // RFC 3463 class 2 is success: a delivery report, not a failure.
            r.reason_hint = "delivered";
            r.hint_is_final = true;
            e.outcome = Outcome::delivered;
        }
        if (r.reason_hint.empty() && (r.outcome == Outcome::deferred || (r.outcome == Outcome::bounced && (r.status.starts_with("4.") ||
                                                       (r.status.empty() && r.reply_code.starts_with("4")))))) {
            // A delay notice, or a failure notice for a temporary reply: the MTA retried and gave
            // up (or is still trying); Sisimai's "expired" unless the reply itself says more.
            r.reason_hint = "expired";
        }
        if (r.reason_hint == "expired" && e.outcome == Outcome::bounced) e.outcome = Outcome::expired;
        e.reason_hint = r.reason_hint;
        e.reason_hint_final = r.hint_is_final;
        if (e.stage == Stage::unknown) e.stage = r.stage;
        if (e.stage == Stage::unknown && relay_gateway) e.stage = Stage::data;
        e.feedback_type = r.feedback_type;
        fill_original(orig, origin.campaign_header, e);
        if (e.sender.empty()) e.sender = bounce_to;
        sink.event(std::move(e));
        ++out.events;
    }
    return out;
}

}  // namespace

bool looks_like_message(std::string_view head) {
    auto s = head.substr(0, std::min<std::size_t>(head.size(), 4096));
    if (s.empty() || binary_junk(s)) return false;
    auto nl = s.find_first_of("\r\n");
    auto first = s.substr(0, nl);
    if (first.starts_with("From ")) return true;  // mbox separator line
    if (is_field_line(first)) return true;
    // A log line (syslog "Nov 27 10:00:00 host ..." or ISO "2026-11-27T...") is not a pasted
    // bounce even when it quotes a reply.
    static constexpr std::string_view kMonths[] = {"Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ",
                                                   "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "};
    for (auto m : kMonths)
        if (first.starts_with(m)) return false;
    if (first.size() > 10 && std::isdigit(static_cast<unsigned char>(first[0])) && first[4] == '-' && first[7] == '-')
        return false;
    // A bare bounce body: an address and some delivery wording.
    return s.find('@') != std::string_view::npos && bounce_words(s);
}

UnitOutcome read_message(std::string_view bytes, const MessageOrigin& origin, EventSink& sink) {
    try {
        return read_inner(bytes, origin, sink);
    } catch (const std::exception& ex) {
        return {UnitResult::failed, std::string("internal error: ") + ex.what(), 0};
    } catch (...) {
        return {UnitResult::failed, "internal error", 0};
    }
}

}  // namespace mxt
