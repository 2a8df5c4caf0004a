// Postfix logs (smtp, lmtp, local, virtual, pipe, error, qmgr, cleanup lines) in any syslog
// envelope (syslog.hpp). Delivery results come from "QUEUEID: to=<rcpt>, relay=..., dsn=x.y.z,
// status=word (reason)" lines (Postfix's log_adhoc.c writes the fields in this order); the sender
// comes from qmgr's "from=<...>" and the Message-ID from cleanup's "message-id=<...>", joined by
// queue id in one pass (queue_table.hpp bounds that table). A message that expires after
// deferrals ("from=<s>, status=expired, returned to sender") yields one "expired" event per
// recipient still deferred, carrying its last deferral reply.
//
// The key=value scan is hand-written (no regex): this runs on every line of logs that reach many
// GB, and most lines are rejected after a few byte comparisons.
#include <algorithm>
#include <array>
#include <vector>

#include "ingest/log_reader.hpp"
#include "ingest/log_util.hpp"
#include "ingest/queue_table.hpp"
#include "ingest/syslog.hpp"

namespace mxt {
namespace {

constexpr std::size_t kMaxDeferredPerMessage = 64;
constexpr std::size_t kMaxHeldText = 2048;

struct Deferred {
    std::string recipient, text, status, reply_code, remote_host, remote_ip;
    Stage stage = Stage::unknown;
    std::size_t bytes() const {
        return recipient.size() + text.size() + status.size() + remote_host.size() +
               remote_ip.size() + 160;
    }
};

struct MessageInfo {
    std::string sender, message_id;
    bool sender_known = false;
    std::vector<Deferred> deferred;
    std::size_t bytes() const {
        std::size_t n = sender.size() + message_id.size();
        for (const auto& d : deferred) n += d.bytes();
        return n;
    }
    // QueueTable: whether the entry is worth keeping once it outlives the young level. A notice of
    // the mail system's own (null sender) carries nothing a later line needs: its lines, if any
    // come, are skipped as notices.
    bool worth_keeping() const { return !(sender_known && sender.empty()); }
};

bool is_postfix_program(std::string_view program) {
    // "postfix/smtp", "postfix-out/smtp", "postfix/submission/smtpd"
    return program.starts_with("postfix");
}

// The queue id at the start of `msg` ("4QxT2h0kq7z9vDr: "); empty when there is none.
// Every line goes through this: a table lookup per character, because digits and letters mix at
// random in queue ids and a range test per class mispredicts a branch at almost every character.
constexpr auto kQueueIdChar = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[c] = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    return t;
}();

// The length of the run of queue-id characters (letters and digits) at the start of `s`, at most 32.
std::size_t queue_id_length(std::string_view s) {
    std::size_t n = std::min<std::size_t>(s.size(), 32);
    std::size_t i = 0;
    while (i < n && kQueueIdChar[static_cast<unsigned char>(s[i])]) ++i;
    return i;
}

std::string_view queue_id_of(std::string_view msg) {
    std::size_t i = queue_id_length(msg);
    if (i < 5 || i + 1 >= msg.size() || msg[i] != ':' || msg[i + 1] != ' ') return {};
    return msg.substr(0, i);
}

struct ReasonParts {
    std::string_view text;
    std::string_view remote;  // "host[ip]" as named in the reason
    Stage stage = Stage::unknown;
};

// Reads Postfix's reason: "host X[ip] said: <reply> (in reply to <cmd> command)", "host X[ip]
// refused to talk to me: <reply>", "connect to X[ip]:25: <error>", "lost connection with X[ip]
// while <doing>", "delivery temporarily suspended: <earlier reason>" (Postfix smtp(8)).
ReasonParts read_reason(std::string_view r) {
    ReasonParts p;
    constexpr std::string_view kSuspended = "delivery temporarily suspended: ";
    std::string_view inner = r.starts_with(kSuspended) ? r.substr(kSuspended.size()) : r;
    p.text = r;
    if (inner.starts_with("host ")) {
        // "host NAME[IP] said: " or "host NAME[IP] refused to talk to me: ": the name has no
        // space, so the verb follows the first space after it (one memchr, not a search of the
        // whole reply for each phrase).
        constexpr std::string_view kSaid = "said: ", kRefused = "refused to talk to me: ";
        std::size_t sp = inner.find(' ', 5);
        if (sp != std::string_view::npos) {
            std::string_view verb = inner.substr(sp + 1);
            if (verb.starts_with(kSaid)) {
                p.remote = inner.substr(5, sp - 5);
                p.text = verb.substr(kSaid.size());
            } else if (verb.starts_with(kRefused)) {
                p.remote = inner.substr(5, sp - 5);
                p.text = verb.substr(kRefused.size());
                p.stage = Stage::connect;
            }
        }
    } else if (inner.starts_with("connect to ")) {
        std::size_t end = inner.find(": ", 11);
        if (end != std::string_view::npos) p.remote = inner.substr(11, end - 11);
        p.stage = Stage::connect;
    } else if (inner.starts_with("lost connection with ") ||
               inner.starts_with("conversation with ")) {
        std::size_t start = inner.find(" with ") + 6;
        std::size_t sp = inner.find(' ', start);
        p.remote = inner.substr(start, sp == std::string_view::npos ? sp : sp - start);
        if (std::size_t w = inner.find(" while "); w != std::string_view::npos) {
            std::string_view doing = inner.substr(w + 7);
            if (doing.starts_with("receiving the initial server greeting")) p.stage = Stage::connect;
            else if (doing.starts_with("sending ")) p.stage = stage_of_command(doing.substr(8));
            else if (doing.starts_with("performing the ")) p.stage = Stage::helo;
        }
    }
    // "(in reply to RCPT TO command)" ends a remote reply.
    constexpr std::string_view kInReply = " (in reply to ";
    if (p.text.ends_with(" command)")) {
        std::size_t at = p.text.rfind(kInReply);
        if (at != std::string_view::npos && p.text.size() - at >= kInReply.size() + 9) {
            std::string_view cmd = p.text.substr(at + kInReply.size());
            cmd.remove_suffix(9);  // " command)"
            Stage s = stage_of_command(cmd);
            if (s != Stage::unknown) p.stage = s;
            p.text = p.text.substr(0, at);
        }
    }
    return p;
}

class PostfixParser final : public LogParser {
public:
    explicit PostfixParser(const ReaderConfig& config) : config_(config) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        SyslogLine sl;
        if (!parse_syslog(text, sl)) return skipped("not a syslog line");
        if (!is_postfix_program(sl.program)) return skipped("not a postfix line");
        std::string_view qid = queue_id_of(sl.message);
        if (qid.empty() || qid == "NOQUEUE") return skipped("not a delivery line");
        std::string_view rest = sl.message.substr(qid.size() + 2);
        if (rest.starts_with("to=<")) return delivery(sl, qid, rest, number, sink);
        if (rest.starts_with("from=<")) return from_line(sl, qid, rest, number, sink);
        if (rest.starts_with("message-id=")) {
            // cleanup(8) logs the first line of every message: a new entry (QueueTable::begin).
            MessageInfo& info = table_.begin(qid);
            info.message_id.assign(strip_angle(rest.substr(11)).substr(0, 998));
            table_.charge(qid);
            return parsed();
        }
        if (rest == "removed") {
            table_.erase(qid);
            return parsed();
        }
        // bounce(8): "QID: sender non-delivery notification: NEWQID" (also "delay", "delivery
        // status" and "postmaster" notifications). NEWQID is the notice itself, a null-sender
        // message (RFC 5321 section 4.5.5), known as such from here on. The line tells nothing
        // about a delivery: it is counted as skipped like the other non-delivery lines.
        if (sl.program.ends_with("/bounce")) {
            constexpr std::string_view kNotification = "notification: ";
            if (std::size_t at = rest.find(kNotification); at != std::string_view::npos) {
                std::string_view notice = rest.substr(at + kNotification.size());
                std::size_t n = queue_id_length(notice);
                notice = n >= 5 && n == notice.size() ? notice : std::string_view{};
                if (MessageInfo* info = notice.empty() ? nullptr : table_.find(notice)) {
                    info->sender.clear();
                    info->sender_known = true;
                }
            }
        }
        return skipped("not a delivery line");
    }

private:
    LineResult delivery(const SyslogLine& sl, std::string_view qid, std::string_view rest,
                        std::uint64_t number, EventSink& sink) {
        std::string_view to, relay, dsn, status_part;
        std::size_t i = 0;
        while (i < rest.size()) {
            std::size_t eq = rest.find('=', i);
            if (eq == std::string_view::npos) break;
            std::string_view key = rest.substr(i, eq - i);
            std::size_t v = eq + 1;
            if (key == "status") {
                status_part = rest.substr(v);
                break;
            }
            std::size_t end;
            if (v < rest.size() && rest[v] == '<') {
                std::size_t close = rest.find('>', v);
                end = close == std::string_view::npos ? rest.size() : close + 1;
            } else {
                end = rest.find(", ", v);
                if (end == std::string_view::npos) end = rest.size();
            }
            std::string_view value = rest.substr(v, end - v);
            if (key == "to") to = strip_angle(value);
            else if (key == "relay") relay = value;
            else if (key == "dsn") dsn = value;
            i = end + 2;
        }
        if (status_part.empty()) return failed("postfix delivery line without status=");
        std::size_t word_end = 0;
        while (word_end < status_part.size() && status_part[word_end] != ' ' &&
               status_part[word_end] != ',')
            ++word_end;
        std::string_view word = status_part.substr(0, word_end);
        Outcome outcome;
        if (word == "sent") outcome = Outcome::delivered;
        else if (word == "deferred") outcome = Outcome::deferred;
        else if (word == "bounced") outcome = Outcome::bounced;
        else if (word == "expired") outcome = Outcome::expired;
        else if (word == "deliverable" || word == "undeliverable")
            return skipped("address verification result");
        else return failed("unknown postfix status");
        std::string_view reason;
        if (std::size_t open = status_part.find(" ("); open != std::string_view::npos) {
            reason = status_part.substr(open + 2);
            if (reason.ends_with(')')) reason.remove_suffix(1);
        }
        MessageInfo* info = table_.find(qid);
        if (info != nullptr && is_notice(*info)) {
            table_.charge(qid);
            return skipped(kNoticeSkip);
        }
        ReasonParts parts = read_reason(reason);

        DeliveryEvent& e = scratch_;
        e.clear();
        e.source = config_.source;
        e.position = number;
        e.format = "postfix";
        set_time(e, sl.time, config_.default_year);
        e.recipient.assign(to);
        e.queue_id.assign(qid);
        e.status.assign(dsn);
        e.text.assign(parts.text);
        e.reply_code.assign(leading_reply_code(parts.text));
        e.stage = parts.stage;
        e.outcome = outcome;
        if (!parts.remote.empty()) split_host_ip(parts.remote, e.remote_host, e.remote_ip);
        else if (relay.find('[') != std::string_view::npos)
            split_host_ip(relay, e.remote_host, e.remote_ip);

        if (info != nullptr) {
            e.sender = info->sender;
            e.message_id = info->message_id;
            auto& d = info->deferred;
            std::erase_if(d, [&](const Deferred& x) { return x.recipient == to; });
            if (outcome == Outcome::deferred && d.size() < kMaxDeferredPerMessage) remember(d, e);
            table_.charge(qid);
        } else if (outcome == Outcome::deferred) {
            MessageInfo& fresh = table_.upsert(qid);
            remember(fresh.deferred, e);
            table_.charge(qid);
        }
        sink.reuse(e);
        return parsed();
    }

    // A message with a null reverse-path is the mail system's own notice (a bounce or delay
    // notification, RFC 5321 section 4.5.5; Postfix logs it as from=<>): its deliveries are not
    // the sender's campaign mail and would count as extra recipients in triage.
    static constexpr std::string_view kNoticeSkip = "the mail system's own notice (null sender)";
    static bool is_notice(const MessageInfo& info) { return info.sender_known && info.sender.empty(); }

    static void remember(std::vector<Deferred>& d, const DeliveryEvent& e) {
        Deferred x;
        x.recipient = e.recipient;
        x.text = e.text.substr(0, kMaxHeldText);
        x.status = e.status;
        x.reply_code = e.reply_code;
        x.remote_host = e.remote_host;
        x.remote_ip = e.remote_ip;
        x.stage = e.stage;
        d.push_back(std::move(x));
    }

    LineResult from_line(const SyslogLine& sl, std::string_view qid, std::string_view rest,
                         std::uint64_t number, EventSink& sink) {
        std::size_t close = rest.find('>');
        if (close == std::string_view::npos) return failed("postfix from= without closing '>'");
        std::string_view sender = rest.substr(6, close - 6);
        MessageInfo& info = table_.upsert(qid);
        info.sender.assign(sender.substr(0, 998));
        info.sender_known = true;
        // qmgr's expiry line: "from=<sender>, status=expired, returned to sender" (qmgr_active.c);
        // its ordinary line goes on with ", size=".
        const bool expired = rest.substr(close + 1).starts_with(", status=expired");
        if (expired && is_notice(info)) {
            info.deferred.clear();  // the mail system's own notice gave up: not a campaign's news
            table_.charge(qid);
            return skipped(kNoticeSkip);
        }
        if (expired) {
            // qmgr gave up (maximal_queue_lifetime): every recipient still deferred expires with
            // the last reason it was deferred for.
            std::vector<Deferred> pending = std::move(info.deferred);
            info.deferred.clear();
            std::string message_id = info.message_id;
            table_.charge(qid);
            for (auto& d : pending) {
                DeliveryEvent& e = scratch_;
                e.clear();
                e.source = config_.source;
                e.position = number;
                e.format = "postfix";
                set_time(e, sl.time, config_.default_year);
                e.sender.assign(sender);
                e.recipient = std::move(d.recipient);
                e.queue_id.assign(qid);
                e.message_id = message_id;
                e.status = std::move(d.status);
                e.text = std::move(d.text);
                e.reply_code = std::move(d.reply_code);
                e.remote_host = std::move(d.remote_host);
                e.remote_ip = std::move(d.remote_ip);
                e.stage = d.stage;
                e.outcome = Outcome::expired;
                sink.reuse(e);
            }
            return parsed();
        }
        table_.charge(qid);
        return parsed();
    }

    ReaderConfig config_;
    QueueTable<MessageInfo> table_;
    DeliveryEvent scratch_;  // refilled for every event (EventSink::reuse)
};

}  // namespace

bool detect_postfix(std::string_view head) {
    bool found = false;
    for_each_head_line(head, [&](std::string_view line) {
        SyslogLine sl;
        found = parse_syslog(line, sl) && is_postfix_program(sl.program);
        return found;
    });
    return found;
}

std::unique_ptr<LogParser> make_postfix(const ReaderConfig& config) {
    return std::make_unique<PostfixParser>(config);
}

}  // namespace mxt
