// Reply classification for delivery events (see classify_event.hpp).
//
// How a reader's hint and the rules combine (mirrors how Sisimai lets a specific reply override a
// vague reason): a final hint (feedback, vacation, delivered) decides outright; a soft hint
// (expired, mailererror, onhold, ...) yields to any rule that recognised the reply, and decides
// only when no rule matched or the rule could only say "undefined".
#include "ingest/classify_event.hpp"

#include <charconv>

#include "ingest/mail/text_util.hpp"
#include "reply/reply.hpp"

namespace mxt {

namespace {

bool permanent_of(const DeliveryEvent& e) {
    if (!e.status.empty()) return e.status[0] == '5';
    if (!e.reply_code.empty()) return e.reply_code[0] == '5';
    return e.outcome == Outcome::bounced;
}

// A reply the sending MTA kept retrying until its queue lifetime ran out is "expired" even when
// the last reply says something transient (a timeout, a temporary local error): the retries are
// the news. A DNS or routing failure keeps its own name.
bool overridden_by_expiry(const Diagnosis& d, std::string_view text) {
    static constexpr std::string_view kTransient[] = {"networkerror", "systemerror", "securityerror", "blocked"};
    bool transient = false;
    for (auto r : kTransient) transient = transient || d.reason == r;
    if (!transient) return false;
    // A failed DNS lookup of the recipient's domain is the cause, whatever the retries.
    if (d.reason == "networkerror") {
        static constexpr std::string_view kDns[] = {"host name lookup", "name server", "NXDOMAIN", "DNS error"};
        for (auto k : kDns)
            if (mail::icontains(text, k)) return false;
    }
    // Only a rule that read nothing but the code, or a plain timeout, yields to the expiry.
    if (d.rule.starts_with("rfc3463.") || d.rule.starts_with("basic.")) return true;
    static constexpr std::string_view kRetried[] = {"timed out", "still undelivered", "deferred"};
    for (auto k : kRetried)
        if (mail::icontains(text, k)) return true;
    return false;
}

}  // namespace

void diagnosis_for_hint(const DeliveryEvent& e, Diagnosis& d) {
    d.reset();
    const std::string& h = e.reason_hint;
    d.reason = h;
    d.rule.assign("reader.").append(h);
    d.permanent = permanent_of(e);
    // Deliveries first: most events of a log are.
    if (h == "delivered") {
        d.category = Category::delivered;
        d.action = Action::none;
        d.permanent = false;
        d.explanation = "The delivery report says the message was delivered.";
        d.fix = "Nothing to do.";
    } else if (h == "feedback") {
        d.category = Category::complaint;
        d.action = Action::suppress;
        d.permanent = false;
        d.explanation = "The recipient's provider forwarded a complaint (feedback report) about this message.";
        d.fix = "Stop mailing this recipient and check why the message was reported.";
    } else if (h == "vacation") {
        d.category = Category::auto_reply;
        d.action = Action::none;
        d.permanent = false;
        d.explanation = "An automatic reply (out of office or vacation), not a delivery failure.";
        d.fix = "Nothing to do: the message was delivered.";
    } else if (h == "expired") {
        d.category = Category::transient;
        d.action = Action::retry;
        d.explanation = "The sending server gave up after retrying for its whole queue lifetime.";
        d.fix = "Check whether the recipient's servers are reachable; retry later, and suppress the "
                "address if it keeps expiring.";
    } else if (h == "mailererror") {
        d.category = Category::transient;
        d.action = Action::investigate;
        d.explanation = "The receiving side's delivery program failed.";
        d.fix = "Retry later; if it persists, contact the recipient's postmaster.";
    } else if (h == "userunknown") {
        d.category = Category::unknown_user;
        d.action = Action::suppress;
        d.hard_bounce = true;
        d.explanation = "The mailbox does not exist.";
        d.fix = "Suppress the address.";
    } else if (h == "hostunknown") {
        d.category = Category::bad_domain;
        d.action = Action::suppress;
        d.hard_bounce = true;
        d.explanation = "The recipient's domain does not exist or has no mail servers.";
        d.fix = "Suppress the address; check it for typos.";
    } else if (h == "mailboxfull") {
        d.category = Category::mailbox_full;
        d.action = Action::suppress_after_retries;
        d.explanation = "The recipient's mailbox is full.";
        d.fix = "Retry later; suppress after repeated failures over several days.";
    } else if (h == "mesgtoobig" || h == "exceedlimit") {
        d.category = Category::message_too_big;
        d.action = Action::review_content;
        d.explanation = "The message is larger than the receiving side accepts.";
        d.fix = "Shrink the message: host attachments and images elsewhere.";
    } else if (h == "suspend") {
        d.category = Category::mailbox_disabled;
        d.action = Action::suppress;
        d.explanation = "The recipient's account is suspended or disabled.";
        d.fix = "Suppress the address.";
    } else if (h == "filtered" || h == "rejected" || h == "policyviolation") {
        d.category = Category::recipient_policy;
        d.action = Action::investigate;
        d.explanation = "The receiving side refused the message by its own policy or filter.";
        d.fix = "Check the reply text; contact the recipient by other means if it persists.";
    } else if (h == "blocked" || h == "spamdetected" || h == "securityerror" || h == "badreputation") {
        d.category = h == "spamdetected" ? Category::content : Category::ip_reputation;
        d.action = h == "spamdetected" ? Action::review_content : Action::investigate;
        d.explanation = "The receiving side refused the message because of the sender or its content.";
        d.fix = "Check the reply text, blocklists and authentication.";
    } else if (h == "networkerror" || h == "systemerror" || h == "notaccept" || h == "toomanyconn") {
        d.category = Category::transient;
        d.action = Action::retry;
        d.explanation = "The receiving side could not take the message for a technical reason.";
        d.fix = "Retry later.";
    } else {
        d.category = Category::unclassified;
        d.action = Action::investigate;
        d.explanation = "The bounce does not say enough to tell why delivery failed.";
        d.fix = "Keep the text and investigate.";
    }
    // RFC 3463 5.7.x is the sender's reputation, authentication or content: never suppress on it.
    if (e.status.starts_with("5.7.") && (d.action == Action::suppress || d.action == Action::suppress_after_retries) &&
        d.category != Category::complaint)
        d.action = Action::investigate;
    d.hard_bounce = d.hard_bounce || ((h == "notaccept" || h == "hasmoved") && d.permanent);
}

void classify_event(ClassifierSession& session, DeliveryEvent& e) {
    // Fill what the reader did not report from the reply text itself.
    if (e.status.empty()) e.status = mail::find_status(e.text);
    if (e.reply_code.empty()) e.reply_code = mail::find_reply_code(e.text);

    ReplyContext ctx;
    ctx.recipient = e.recipient;
    ctx.remote_host = e.remote_host;
    if (!e.reason_hint.empty() && e.reason_hint_final) {
        // Deliveries and complaints carry no reply to classify, but triage still counts them
        // per provider: take the provider from the remote host or the recipient domain.
        diagnosis_for_hint(e, e.diagnosis);
        session.identify_provider(ctx, e.diagnosis);
        return;
    }
    ctx.stage = e.stage;
    ctx.status_hint = parse_enhanced_code(e.status);
    if (!e.reply_code.empty()) std::from_chars(e.reply_code.data(), e.reply_code.data() + e.reply_code.size(), ctx.code_hint);
    Diagnosis& d = e.diagnosis;
    session.classify(e.text, ctx, d);
    bool matched = !d.rule.empty() && d.reason != "undefined" && d.reason != "onhold";
    if (e.reason_hint == "expired" && matched && overridden_by_expiry(d, e.text)) matched = false;
    // A known mailbox provider's own "no such account" wording means what it says even after
    // DATA: Yahoo, for one, refuses unknown accounts at end of data ("554 delivery error: dd This
    // user doesn't have a yahoo.com account").
    // RFC 3463 X.2.X is the mailbox's status (5.2.1 "mailbox disabled, not accepting messages"):
    // a mailbox-status code beside "user unknown" words, at a stage nobody named, is the same
    // filter refusal unless it answered RCPT TO (Sisimai: a 5.2.x status points to "filtered").
    // A reporting MTA that itself classed the reply as a bad mailbox (PowerMTA's bounce category)
    // outweighs the code.
    const bool mailbox_status_refusal =
        e.stage == Stage::unknown && e.status.starts_with("5.2.") && e.reason_hint != "userunknown";
    // Postfix names the command of every remote reply it reports ("in reply to RCPT TO
    // command"); a "user unknown" it reports without one did not come from the RCPT TO dialog
    // it records, and Sisimai reads an unnamed command like DATA here.
    const bool postfix_unnamed_command = e.stage == Stage::unknown && e.format == "postfix";
    if (matched && d.reason == "userunknown" && !e.status.starts_with("5.1.") && e.status != "5.0.911" &&
        d.provider == "other" &&
        (e.stage == Stage::data || e.stage == Stage::end_of_data || mailbox_status_refusal || postfix_unnamed_command)) {
        // A "no such user" answered to DATA (not coded 5.1.x) is, as Sisimai reads it, the
        // recipient's filter refusing this sender: a mailbox that does not exist is refused at
        // RCPT (RFC 5321 section 3.3); Japanese carriers answer "550 Unknown user" after DATA for
        // senders the recipient blocked.
        d.reason = "filtered";
        d.category = Category::recipient_policy;
        d.action = Action::investigate;
        d.hard_bounce = false;
        d.rule += "+data";
    }
    if (matched && (d.reason == "userunknown" || d.reason == "hostunknown") && e.stage == Stage::mail) {
        // Refused in answer to MAIL FROM: the address that "does not exist" is the envelope
        // sender's, not the recipient's (Sisimai's rejected). Never a reason to suppress the
        // recipient.
        d.reason = "rejected";
        d.category = Category::recipient_policy;
        d.action = Action::investigate;
        d.hard_bounce = false;
        d.rule += "+mail";
    }
    if ((e.stage == Stage::connect || e.stage == Stage::helo) && !e.text.empty() &&
        (d.rule.starts_with("rfc3463.") || d.rule.starts_with("basic.") || d.rule == "generic.temporary")) {
        // Refused at the greeting or in answer to HELO/EHLO, before any envelope was sent, with
        // nothing more specific than a code or "service not available": the receiver refused
        // this client (Sisimai's blocked). Only the reason changes: the triage of the code stands
        // (a 421 at the greeting is still retried).
        d.reason = "blocked";
        d.rule += "+" + std::string(to_string(e.stage));
        matched = true;
    }
    if (!e.reason_hint.empty() && !matched) {
        Diagnosis h;
        diagnosis_for_hint(e, h);
        h.provider = d.provider;
        h.provider_detail = d.provider_detail;
        h.template_text = d.template_text;
        d = std::move(h);
    }
    // Triage-spec section 6 holds for the status the MTA reported beside the reply (a log's dsn=,
    // a DSN's Status:) too: the classifier checks the code it read from the text, which differs
    // when the text quotes another server's reply ("550 5.7.1 ... said: 550-5.1.1 ...").
    if (e.status.starts_with("5.7.") && d.category != Category::complaint &&
        (d.action == Action::suppress || d.action == Action::suppress_after_retries)) {
        d.action = Action::investigate;
        d.explanation += " The reported enhanced code is 5.7.x (a policy decision about the sender), so the "
                         "address is not suppressed.";
    }
}

}  // namespace mxt
