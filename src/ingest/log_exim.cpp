// Exim main log (Exim specification, chapter "Log files"): "<date> <time> [<pid>] <msgid> <flag>
// <address> <fields>". Flags: "<=" arrival (the sender and id=<Message-ID>, joined to later
// lines by Exim's message id), "=>" / "->" / ">>" / "*>" delivery, "**" failure, "==" deferral,
// "Completed" end of the message. Exim writes a multi-line remote reply with a literal "\n" between
// its lines; it is flattened to spaces like Postfix does. The "defer (-44)" errno numbers changed
// between Exim versions, so the stage is read from the text ("after RCPT TO:<...>"), not from them.
#include "ingest/log_reader.hpp"
#include "ingest/log_util.hpp"
#include "ingest/queue_table.hpp"

namespace mxt {
namespace {

struct Arrival {
    std::string sender, message_id;
    std::size_t bytes() const { return sender.size() + message_id.size(); }
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "2025-03-03 09:20:11" with optional ".123" and " +0100"; returns the length, 0 if absent.
std::size_t exim_time_length(std::string_view s) {
    if (s.size() < 19 || !is_digit(s[0]) || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
        s[13] != ':' || s[16] != ':')
        return 0;
    std::size_t i = 19;
    if (i < s.size() && s[i] == '.')
        for (++i; i < s.size() && is_digit(s[i]);) ++i;
    if (i + 6 <= s.size() && s[i] == ' ' && (s[i + 1] == '+' || s[i + 1] == '-') &&
        is_digit(s[i + 2]) && is_digit(s[i + 5]))
        i += 6;
    return i;
}

// Exim message ids: "1MUiyS-0002Mt-Jr" (6-6-2) or "1rKxyz-000000005vi-0000" (6-11-4), base 62.
bool is_exim_id(std::string_view s) {
    auto alnum = [](std::string_view p) {
        for (char c : p)
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                return false;
        return !p.empty();
    };
    if (s.size() == 16) return s[6] == '-' && s[13] == '-' && alnum(s.substr(0, 6)) &&
                               alnum(s.substr(7, 6)) && alnum(s.substr(14));
    if (s.size() == 23) return s[6] == '-' && s[18] == '-' && alnum(s.substr(0, 6)) &&
                               alnum(s.substr(7, 11)) && alnum(s.substr(19));
    return false;
}

std::string_view next_token(std::string_view& s) {
    std::size_t sp = s.find(' ');
    std::string_view t = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
    return t;
}

// The value of " K=" in `s` up to the next space (H= also takes " [ip]").
std::string_view field(std::string_view s, std::string_view key) {
    std::size_t p = s.find(key);
    while (p != std::string_view::npos && p != 0 && s[p - 1] != ' ') p = s.find(key, p + 1);
    if (p == std::string_view::npos) return {};
    std::string_view v = s.substr(p + key.size());
    if (!v.empty() && v[0] == '"') {  // C="250 OK id=..."
        std::size_t close = v.find('"', 1);
        return v.substr(1, close == std::string_view::npos ? v.size() - 1 : close - 1);
    }
    std::size_t end = v.find(' ');
    if (key == "H=" && end != std::string_view::npos && v.substr(end + 1).starts_with("[")) {
        std::size_t close = v.find(']', end);
        if (close != std::string_view::npos) end = close + 1;
    }
    v = v.substr(0, end);
    if (v.ends_with(':')) v.remove_suffix(1);
    return v;
}

class EximParser final : public LogParser {
public:
    explicit EximParser(const ReaderConfig& c) : config_(c) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        std::size_t tl = exim_time_length(text);
        if (tl == 0) return skipped("not an Exim log line");
        std::string_view time = text.substr(0, tl);
        std::string_view rest = tl < text.size() ? text.substr(tl + 1) : std::string_view{};
        if (rest.starts_with("[")) next_token(rest);  // [pid] (log_selector +pid)
        std::string_view id = next_token(rest);
        if (!is_exim_id(id)) return skipped("not a delivery line");
        std::string_view flag = next_token(rest);
        if (flag == "<=") {
            Arrival& a = table_.upsert(id);
            std::string_view s = next_token(rest);
            a.sender.assign(s == "<>" ? std::string_view{} : s);
            a.message_id.assign(strip_angle(field(rest, "id=")));
            table_.charge(id);
            return parsed();
        }
        if (flag == "Completed") {
            table_.erase(id);
            return parsed();
        }
        Outcome outcome;
        if (flag == "=>" || flag == "->" || flag == ">>" || flag == "*>") outcome = Outcome::delivered;
        else if (flag == "**") outcome = Outcome::bounced;
        else if (flag == "==") outcome = Outcome::deferred;
        else return skipped("not a delivery line");

        DeliveryEvent e;
        e.source = config_.source;
        e.position = number;
        e.format = "exim";
        e.queue_id.assign(id);
        e.outcome = outcome;
        set_time(e, time, config_.default_year);
        std::string_view addr = next_token(rest);
        bool addr_had_colon = addr.ends_with(':');
        if (addr_had_colon) addr.remove_suffix(1);
        e.recipient.assign(strip_angle(addr));
        if (rest.starts_with("<")) {  // "<original address>" after a redirected address
            std::size_t close = rest.find('>');
            if (close != std::string_view::npos) {
                if (e.recipient.find('@') == std::string::npos)
                    e.recipient.assign(rest.substr(1, close - 1));
                rest = trim(rest.substr(close + 1));
                if (rest.starts_with(":")) {
                    rest = trim(rest.substr(1));
                    addr_had_colon = true;
                }
            }
        }
        std::string_view host = field(rest, "H=");
        if (!host.empty()) split_host_ip(host, e.remote_host, e.remote_ip);

        std::string_view reason;
        if (outcome == Outcome::delivered) {
            reason = field(rest, "C=");
        } else {
            // "addr: reason" when no fields follow, else "addr R=.. T=.. [defer (n)] [H=..]: reason"
            // (the fields hold no ": "; X=TLS1.3:... has colons without the space).
            if (addr_had_colon) {
                reason = rest;
            } else {
                std::size_t colon = rest.find(": ");
                reason = colon == std::string_view::npos ? rest : rest.substr(colon + 2);
            }
        }
        read_reason(reason, e);
        if (outcome == Outcome::bounced && e.reply_code.empty() &&
            (e.text.starts_with("retry timeout exceeded") ||
             e.text.find("retry time not reached for any host after a long failure period") !=
                 std::string::npos))
            e.outcome = Outcome::expired;  // Exim gave up after its retry rules ran out
        if (Arrival* a = table_.find(id)) {
            e.sender = a->sender;
            e.message_id = a->message_id;
        }
        sink.event(std::move(e));
        return parsed();
    }

private:
    // "SMTP error from remote mail server after RCPT TO:<x>: 550-5.1.1 ..." (newer), or
    // "... after MAIL FROM:<x> SIZE=n: host h [ip]: 450 ..." (older).
    void read_reason(std::string_view r, DeliveryEvent& e) {
        constexpr std::string_view kAfter = "SMTP error from remote mail server after ";
        std::string_view text = r;
        if (std::size_t p = r.find(kAfter); p != std::string_view::npos) {
            std::string_view cmd = r.substr(p + kAfter.size());
            std::size_t end = cmd.find(": ");
            e.stage = stage_of_command(cmd.substr(0, end));
            text = end == std::string_view::npos ? std::string_view{} : cmd.substr(end + 2);
            if (text.starts_with("host ")) {
                std::size_t colon = text.find("]: ");
                if (colon != std::string_view::npos) {
                    if (e.remote_host.empty()) split_host_ip(text.substr(5, colon - 4), e.remote_host, e.remote_ip);
                    text = text.substr(colon + 3);
                }
            }
        }
        e.text = unescape_newlines(trim(text));
        e.reply_code.assign(leading_reply_code(e.text));
        if (!e.reply_code.empty() && e.text.size() > 4) {
            std::string_view after = std::string_view(e.text).substr(4);
            std::string_view code = after.substr(0, after.find(' '));
            if (code.size() >= 5 && code[1] == '.' && code[0] == e.reply_code[0]) e.status.assign(code);
        }
    }

    ReaderConfig config_;
    QueueTable<Arrival> table_;
};

}  // namespace

bool detect_exim(std::string_view head) {
    bool found = false;
    for_each_head_line(head, [&](std::string_view l) {
        std::size_t tl = exim_time_length(l);
        if (tl == 0) return false;
        std::string_view rest = l.substr(std::min(l.size(), tl + 1));
        if (rest.starts_with("[")) next_token(rest);
        found = is_exim_id(next_token(rest));
        return found;
    });
    return found;
}

std::unique_ptr<LogParser> make_exim(const ReaderConfig& c) {
    return std::make_unique<EximParser>(c);
}

}  // namespace mxt
