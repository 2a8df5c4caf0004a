// Postfix's bounce(8) notices: "This is the mail system at host ..." (or, before Postfix 2.3,
// "This is the Postfix program at host ..."), one paragraph per recipient
// ("<rcpt>: host mx[ip] said: 550 ... (in reply to RCPT TO command)"), usually followed by an
// RFC 3464 report carrying X-Postfix-Queue-ID and X-Postfix-Sender. The report, where present,
// is read as any DSN, with the notice's paragraphs supplying the SMTP command; older notices
// without a report are read from the paragraphs.
//
// Postfix's SMTP client names the command a remote reply answered ("in reply to RCPT TO
// command", smtp_proto.c); where a notice names none, the reader leaves the stage unknown and
// classify_event applies the rule for an unnamed command. A server that answers the connection
// itself with an error is written "host X[ip] refused to talk to me: <reply>" (smtp_proto.c,
// smtp_helo(): the initial greeting), which names no command but is the connect stage.
#include "ingest/mail/readers_all.hpp"

#include "ingest/mail/textscan.hpp"
#include "ingest/mail/text_util.hpp"

namespace mxt::mail {

bool postfix_detect(const Mail& m) {
    if (const Part* p = dsn_part(m); p != nullptr && icontains(p->text, "X-Postfix-")) return true;
    if (icontains(m.body, "This is the mail system at host") || icontains(m.body, "This is the Postfix program at host"))
        return true;
    // bounce(8)'s own Received: line ("by host (Postfix) via BOUNCE").
    for (auto v : m.headers.all("Received"))
        if (icontains(v, "(Postfix) via BOUNCE")) return true;
    return false;
}

// The greeting refusal as the connect stage, for recipients whose stage is still unknown: the
// notice's paragraph carries the words, the report's Diagnostic-Code does not.
// One search of the body first: most notices have no refusal, and text_for scans the body again.
static void greeting_refusals(const Mail& m, Bounce& b) {
    constexpr std::string_view kRefused = "refused to talk to me";
    if (!icontains(m.body, kRefused)) return;
    for (auto& r : b.recipients) {
        if (r.stage != Stage::unknown) continue;
        if (icontains(r.text, kRefused) || icontains(text_for(m.body, r.recipient), kRefused))
            r.stage = Stage::connect;
    }
}

bool postfix_read(const Mail& m, Bounce& b) {
    // The report as a MIME part, or its fields inline when the MIME structure is broken.
    bool ok = read_dsn(m, b, m.body);
    if (!ok) {
        static const TextFormat f{{}, {}, true};
        ok = read_text_bounce(m, f, b);
    }
    if (ok) greeting_refusals(m, b);
    return ok;
}

}  // namespace mxt::mail
