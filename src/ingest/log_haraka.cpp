// Haraka outbound logs, as written by outbound/hmail.js: "[LEVEL] [uuid] [outbound] message",
// optionally after a timestamp. "delivered file=... domain= host= ip= response=\"...\"" is a
// delivery, "Temp failing <file> for <n> seconds: <error>" a deferral, "bouncing mail: <error>" a
// bounce. Haraka's core log names the destination domain but not the recipient: the recipient
// stays empty (never invented, so that nothing downstream suppresses a whole domain) and the
// remote host identifies the provider.
#include "ingest/log_reader.hpp"
#include "ingest/log_util.hpp"

namespace mxt {
namespace {

// Strips "[LEVEL] [uuid] [plugin] " and returns the message, the uuid and the plugin.
bool split_haraka(std::string_view line, std::string_view& time, std::string_view& uuid,
                  std::string_view& plugin, std::string_view& msg) {
    time = {};
    std::size_t b = line.find('[');
    if (b == std::string_view::npos) return false;
    if (b > 0) time = trim(line.substr(0, b));
    std::string_view parts[3];
    std::string_view s = line.substr(b);
    for (auto& p : parts) {
        if (!s.starts_with("[")) return false;
        std::size_t close = s.find(']');
        if (close == std::string_view::npos) return false;
        p = s.substr(1, close - 1);
        s = trim(s.substr(close + 1));
    }
    uuid = parts[1];
    plugin = parts[2];
    msg = s;
    return true;
}

std::string_view kv(std::string_view s, std::string_view key) {
    std::size_t p = s.find(key);
    while (p != std::string_view::npos && p != 0 && s[p - 1] != ' ') p = s.find(key, p + 1);
    if (p == std::string_view::npos) return {};
    std::string_view v = s.substr(p + key.size());
    if (v.starts_with("\"")) {
        std::size_t close = v.find('"', 1);
        return v.substr(1, close == std::string_view::npos ? v.size() - 1 : close - 1);
    }
    return v.substr(0, v.find(' '));
}

class HarakaParser final : public LogParser {
public:
    explicit HarakaParser(const ReaderConfig& c) : config_(c) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        std::string_view time, uuid, plugin, msg;
        if (!split_haraka(text, time, uuid, plugin, msg)) return skipped("not a Haraka log line");
        if (plugin != "outbound") return skipped("not an outbound line");
        DeliveryEvent e;
        e.source = config_.source;
        e.position = number;
        e.format = "haraka";
        if (uuid != "-") e.queue_id.assign(uuid);
        if (!time.empty()) set_time(e, time, config_.default_year);
        std::string_view error;
        if (msg.starts_with("delivered file=")) {
            e.outcome = Outcome::delivered;
            e.remote_host.assign(kv(msg, "host="));
            e.remote_ip.assign(kv(msg, "ip="));
            e.text.assign(kv(msg, "response="));
            std::string_view file = kv(msg, "file=");
            if (e.queue_id.empty()) e.queue_id.assign(file);
            sink.event(std::move(e));
            return parsed();
        }
        if (msg.starts_with("Temp failing ")) {
            e.outcome = Outcome::deferred;
            std::size_t colon = msg.find(": ");
            if (colon == std::string_view::npos) return failed("Haraka deferral without error");
            std::string_view head = msg.substr(13, colon - 13);
            if (e.queue_id.empty()) e.queue_id.assign(head.substr(0, head.find(' ')));
            error = msg.substr(colon + 2);
        } else if (msg.starts_with("bouncing mail: ")) {
            e.outcome = Outcome::bounced;
            error = msg.substr(15);
        } else {
            return skipped("not a delivery line");
        }
        constexpr std::string_view kUpstream = "Upstream error: ";
        if (error.starts_with(kUpstream)) error.remove_prefix(kUpstream.size());
        e.text.assign(error);
        e.reply_code.assign(leading_reply_code(e.text));
        if (!e.reply_code.empty() && e.text.size() > 4) {
            std::string_view after = std::string_view(e.text).substr(4);
            std::string_view code = after.substr(0, after.find(' '));
            if (code.size() >= 5 && code[1] == '.') e.status.assign(code);
        }
        sink.event(std::move(e));
        return parsed();
    }

private:
    ReaderConfig config_;
};

}  // namespace

bool detect_haraka(std::string_view head) {
    bool found = false;
    for_each_head_line(head, [&](std::string_view l) {
        std::string_view t, u, p, m;
        found = split_haraka(l, t, u, p, m) && (p == "outbound" || p == "core") &&
                (l.find("[NOTICE]") != std::string_view::npos ||
                 l.find("[INFO]") != std::string_view::npos ||
                 l.find("[WARN]") != std::string_view::npos ||
                 l.find("[ERROR]") != std::string_view::npos ||
                 l.find("[DEBUG]") != std::string_view::npos ||
                 l.find("[PROTOCOL]") != std::string_view::npos);
        return found;
    });
    return found;
}

std::unique_ptr<LogParser> make_haraka(const ReaderConfig& c) {
    return std::make_unique<HarakaParser>(c);
}

}  // namespace mxt
