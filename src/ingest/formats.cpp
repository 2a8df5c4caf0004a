// The one table of input formats: name, kind, a cheap detect() on the first KB and the reader.
// Detection order matters: e-mail containers and the formats with an unmistakable header line
// (Exchange "#Fields:", PowerMTA's "type,timeLogged") come before the syslog-based logs, and the
// generic event formats come last because they accept the most.
#include <array>

#include "ingest/log_reader.hpp"
#include "ingest/mail/message_reader.hpp"

namespace mxt {
namespace {

bool detect_mbox(std::string_view head) { return head.starts_with("From "); }

// A message starts with a header field (RFC 5322 2.2: name ":" body); logs never do. Field
// names in practice are letters, digits and '-' (stricter than RFC 5322's ftext, so that JSON
// "{"type":..." and "#Fields:" lines are not taken for headers).
bool detect_message(std::string_view head) {
    std::size_t i = 0;
    while (i < head.size() && ((head[i] >= 'A' && head[i] <= 'Z') ||
                               (head[i] >= 'a' && head[i] <= 'z') ||
                               (head[i] >= '0' && head[i] <= '9') || head[i] == '-'))
        ++i;
    if (i == 0 || i >= head.size() || head[i] != ':') return false;
    // Header names start with a letter; "2026-03-03T09:00:00" (an ISO log timestamp) is not one.
    bool letter = (head[0] >= 'A' && head[0] <= 'Z') || (head[0] >= 'a' && head[0] <= 'z');
    return letter && looks_like_message(head);
}

// A bare bounce body pasted without headers, when no log format claimed the input.
bool detect_bare_message(std::string_view head) { return looks_like_message(head); }

constexpr std::array kFormats{
    Format{"mbox", InputKind::mailbox, "Unix mailbox of e-mail messages (mboxo/mboxrd)",
           detect_mbox, nullptr},
    Format{"message", InputKind::message, "one e-mail message: bounce, complaint, auto-reply",
           detect_message, nullptr},
    Format{"exchange", InputKind::log, "Microsoft Exchange message tracking log (#Fields: CSV)",
           detect_exchange, make_exchange},
    Format{"pmta", InputKind::log, "PowerMTA accounting CSV", detect_pmta, make_pmta},
    Format{"kumomta", InputKind::log, "KumoMTA JSON log records", detect_kumomta, make_kumomta},
    Format{"postfix", InputKind::log, "Postfix log (syslog, RFC 5424 or journald short-iso)",
           detect_postfix, make_postfix},
    Format{"exim", InputKind::log, "Exim main log", detect_exim, make_exim},
    Format{"sendmail", InputKind::log, "Sendmail log (sendmail / sm-mta)", detect_sendmail,
           make_sendmail},
    Format{"haraka", InputKind::log, "Haraka outbound log", detect_haraka, make_haraka},
    Format{"json", InputKind::log, "generic JSON Lines delivery events (docs/diagnose-json.md)",
           detect_generic_json, make_generic_json},
    Format{"csv", InputKind::log, "generic CSV delivery events with a header line",
           detect_generic_csv, make_generic_csv},
    Format{"bare-message", InputKind::message, "a bounce body without headers",
           detect_bare_message, nullptr},
};

}  // namespace

std::span<const Format> formats() { return kFormats; }

const Format* find_format(std::string_view name) {
    for (const auto& f : kFormats)
        if (f.name == name) return &f;
    if (name == "eml" || name == "email") return find_format("message");
    return nullptr;
}

const Format* detect_format(std::string_view head) {
    for (const auto& f : kFormats)
        if (f.detect(head)) return &f;
    return nullptr;
}

}  // namespace mxt
