// Sendmail logs (sendmail / sm-mta in syslog): "QID: from=<s>, size=.., msgid=<..>" gives the
// sender; "QID: to=<r>[,<r2>], ..., relay=host. [ip], dsn=x.y.z, stat=..." the result. On a
// remote rejection sendmail first logs the remote reply on its own line ("QID: mx. [ip]: 550 5.1.1
// ... User unknown") and stat= then carries only a short form ("User unknown"): the reply line is
// held by queue id and becomes the event's text.
#include <vector>

#include "ingest/log_reader.hpp"
#include "ingest/log_util.hpp"
#include "ingest/queue_table.hpp"
#include "ingest/syslog.hpp"

namespace mxt {
namespace {

struct SendmailInfo {
    std::string sender, message_id, reply, reply_host;
    std::size_t bytes() const {
        return sender.size() + message_id.size() + reply.size() + reply_host.size();
    }
};

bool is_sendmail(std::string_view p) { return p == "sendmail" || p == "sm-mta"; }

std::string_view queue_id_of(std::string_view msg) {
    std::size_t i = 0;
    while (i < msg.size() && i < 24 &&
           ((msg[i] >= '0' && msg[i] <= '9') || (msg[i] >= 'A' && msg[i] <= 'Z') ||
            (msg[i] >= 'a' && msg[i] <= 'z')))
        ++i;
    if (i < 8 || i + 1 >= msg.size() || msg[i] != ':' || msg[i + 1] != ' ') return {};
    return msg.substr(0, i);
}

// Splits "k=v, k=v, ..." where a value may itself contain ", " (a to= list): a new pair starts
// only at ", " followed by a lower-case key and '='.
template <typename F>
void for_each_pair(std::string_view s, F&& f) {
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t eq = s.find('=', i);
        if (eq == std::string_view::npos) return;
        std::string_view key = s.substr(i, eq - i);
        if (key == "stat") {  // always last; free text
            f(key, s.substr(eq + 1));
            return;
        }
        std::size_t j = eq + 1, end = s.size();
        while (true) {
            std::size_t c = s.find(", ", j);
            if (c == std::string_view::npos) break;
            std::size_t k = c + 2;
            while (k < s.size() && s[k] >= 'a' && s[k] <= 'z') ++k;
            if (k < s.size() && s[k] == '=' && k > c + 2) {
                end = c;
                break;
            }
            j = c + 2;
        }
        f(key, s.substr(eq + 1, end - eq - 1));
        i = end == s.size() ? end : end + 2;
    }
}

class SendmailParser final : public LogParser {
public:
    explicit SendmailParser(const ReaderConfig& c) : config_(c) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        SyslogLine sl;
        if (!parse_syslog(text, sl)) return skipped("not a syslog line");
        if (!is_sendmail(sl.program)) return skipped("not a sendmail line");
        std::string_view qid = queue_id_of(sl.message);
        if (qid.empty()) return skipped("not a delivery line");
        std::string_view rest = sl.message.substr(qid.size() + 2);
        if (rest.starts_with("from=")) {
            SendmailInfo& info = table_.upsert(qid);
            for_each_pair(rest, [&](std::string_view k, std::string_view v) {
                if (k == "from") info.sender.assign(strip_angle(v));
                else if (k == "msgid") info.message_id.assign(strip_angle(v));
            });
            if (info.sender == "<>") info.sender.clear();
            table_.charge(qid);
            return parsed();
        }
        if (rest.starts_with("to=")) return delivery(sl, qid, rest, number, sink);
        // "mx.example.com. [192.0.2.1]: 550 5.1.1 <x>... User unknown": the remote reply.
        if (std::size_t br = rest.find("]: "); br != std::string_view::npos &&
                                                rest.find(" [") != std::string_view::npos &&
                                                rest.find(" [") < br &&
                                                rest.substr(0, rest.find(' ')).find('=') ==
                                                    std::string_view::npos) {
            SendmailInfo& info = table_.upsert(qid);
            info.reply_host.assign(rest.substr(0, br + 1));
            info.reply.assign(rest.substr(br + 3).substr(0, 4096));
            table_.charge(qid);
            return parsed();
        }
        return skipped("not a delivery line");
    }

private:
    LineResult delivery(const SyslogLine& sl, std::string_view qid, std::string_view rest,
                        std::uint64_t number, EventSink& sink) {
        std::string_view to, relay, dsn, stat;
        for_each_pair(rest, [&](std::string_view k, std::string_view v) {
            if (k == "to") to = v;
            else if (k == "relay") relay = v;
            else if (k == "dsn") dsn = v;
            else if (k == "stat") stat = v;
        });
        if (stat.empty()) return failed("sendmail to= line without stat=");
        Outcome outcome;
        std::string_view text = stat;
        if (stat.starts_with("Sent")) {
            outcome = Outcome::delivered;
            std::size_t open = stat.find('(');
            text = open == std::string_view::npos ? stat : stat.substr(open + 1);
            if (text.ends_with(')')) text.remove_suffix(1);
        } else if (stat.starts_with("Deferred")) {
            outcome = Outcome::deferred;
            if (stat.starts_with("Deferred: ")) text = stat.substr(10);
        } else if (stat == "queued" || stat.starts_with("queued")) {
            return skipped("queued, not a delivery attempt");
        } else {
            outcome = dsn.starts_with("4") ? Outcome::deferred : Outcome::bounced;
        }
        DeliveryEvent base;
        base.source = config_.source;
        base.position = number;
        base.format = "sendmail";
        base.outcome = outcome;
        base.queue_id.assign(qid);
        base.status.assign(dsn);
        set_time(base, sl.time, config_.default_year);
        split_host_ip(relay, base.remote_host, base.remote_ip);
        base.text.assign(trim(text));
        if (SendmailInfo* info = table_.find(qid)) {
            base.sender = info->sender;
            base.message_id = info->message_id;
            if (!info->reply.empty() && outcome != Outcome::delivered) {
                base.text = info->reply;  // the remote's words, not sendmail's short form
                if (base.remote_host.empty())
                    split_host_ip(info->reply_host, base.remote_host, base.remote_ip);
                info->reply.clear();
                table_.charge(qid);
            }
        }
        base.reply_code.assign(leading_reply_code(base.text));
        // to= may list several recipients: "to=<a@x>,<b@y>" (one event each).
        while (!to.empty()) {
            std::size_t comma = to.find(',');
            std::string_view one = strip_angle(to.substr(0, comma));
            if (!one.empty()) {
                DeliveryEvent e = base;
                e.recipient.assign(one);
                sink.event(std::move(e));
            }
            if (comma == std::string_view::npos) break;
            to.remove_prefix(comma + 1);
        }
        return parsed();
    }

    ReaderConfig config_;
    QueueTable<SendmailInfo> table_;
};

}  // namespace

bool detect_sendmail(std::string_view head) {
    bool found = false;
    for_each_head_line(head, [&](std::string_view l) {
        SyslogLine sl;
        found = parse_syslog(l, sl) && is_sendmail(sl.program);
        return found;
    });
    return found;
}

std::unique_ptr<LogParser> make_sendmail(const ReaderConfig& c) {
    return std::make_unique<SendmailParser>(c);
}

}  // namespace mxt
