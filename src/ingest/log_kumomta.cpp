// KumoMTA JSON log records (docs/reference/log_record.md in KumoCorp/kumomta): one object per
// line, parsed with simdjson. Delivery, Bounce, TransientFailure, Expiration, AdminBounce, OOB
// (an incoming DSN) and Feedback (ARF) are delivery results; Reception, Delayed, Rejection
// (inbound) and the rebind/transfer records are not. The campaign comes from meta.campaign, else
// from the queue name "campaign:tenant@domain".
#include <simdjson.h>

#include "ingest/log_reader.hpp"
#include "ingest/log_util.hpp"

namespace mxt {
namespace {

std::string_view str(simdjson::dom::element parent, std::string_view key) {
    std::string_view v;
    if (parent[key].get_string().get(v) != simdjson::SUCCESS) return {};
    return v;
}

class KumoParser final : public LogParser {
public:
    explicit KumoParser(const ReaderConfig& c) : config_(c) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        text = trim(text);
        if (text.empty() || text[0] != '{') return skipped("not a JSON object");
        scratch_.assign(text);
        scratch_.reserve(text.size() + simdjson::SIMDJSON_PADDING);
        simdjson::dom::element doc;
        if (parser_.parse(scratch_.data(), text.size(), false).get(doc) != simdjson::SUCCESS)
            return failed("invalid JSON");
        std::string_view type = str(doc, "type");
        Outcome outcome;
        if (type == "Delivery") outcome = Outcome::delivered;
        else if (type == "Bounce" || type == "AdminBounce" || type == "OOB")
            outcome = Outcome::bounced;
        else if (type == "TransientFailure") outcome = Outcome::deferred;
        else if (type == "Expiration") outcome = Outcome::expired;
        else if (type == "Feedback") outcome = Outcome::complaint;
        else if (type.empty()) return failed("KumoMTA record without type");
        else return skipped("not a delivery record");

        DeliveryEvent base;
        base.source = config_.source;
        base.position = number;
        base.format = "kumomta";
        base.outcome = outcome;
        base.sender.assign(str(doc, "sender"));
        base.queue_id.assign(str(doc, "id"));
        std::string_view t = str(doc, "event_time");
        if (!t.empty()) {
            set_time(base, t, config_.default_year);
        } else if (std::int64_t ts = 0; doc["timestamp"].get_int64().get(ts) == simdjson::SUCCESS) {
            set_time(base, std::to_string(ts), config_.default_year);
        }
        simdjson::dom::element response;
        if (doc["response"].get(response) == simdjson::SUCCESS && response.is_object()) {
            std::int64_t code = 0;
            if (response["code"].get_int64().get(code) == simdjson::SUCCESS && code > 0)
                base.reply_code = std::to_string(code);
            simdjson::dom::element enh;
            if (response["enhanced_code"].get(enh) == simdjson::SUCCESS && enh.is_object()) {
                std::int64_t c = 0, s = 0, d = 0;
                if (enh["class"].get_int64().get(c) == simdjson::SUCCESS &&
                    enh["subject"].get_int64().get(s) == simdjson::SUCCESS &&
                    enh["detail"].get_int64().get(d) == simdjson::SUCCESS)
                    base.status = std::to_string(c) + "." + std::to_string(s) + "." + std::to_string(d);
            }
            // KumoMTA stores the reply text without its codes: put them back in front so the text
            // reads as the server sent it ("550 5.7.26 ..."); multi-line replies are joined.
            std::string content = unescape_newlines(str(response, "content"));
            for (char& ch : content)
                if (ch == '\n' || ch == '\r') ch = ' ';
            if (!base.reply_code.empty()) {
                base.text = base.reply_code;
                if (!base.status.empty()) base.text += " " + base.status;
                if (!content.empty()) base.text += " " + content;
            } else {
                base.text = std::move(content);
            }
            base.stage = stage_of_command(str(response, "command"));
        }
        simdjson::dom::element peer;
        if (doc["peer_address"].get(peer) == simdjson::SUCCESS && peer.is_object()) {
            std::string_view name = str(peer, "name");
            if (name.ends_with('.')) name.remove_suffix(1);
            base.remote_host.assign(name);
            base.remote_ip.assign(str(peer, "addr"));
        }
        simdjson::dom::element meta;
        if (doc["meta"].get(meta) == simdjson::SUCCESS && meta.is_object()) {
            base.campaign.assign(str(meta, "campaign"));
            base.segment.assign(str(meta, "segment"));
        }
        if (base.campaign.empty()) {
            std::string_view queue = str(doc, "queue");
            if (std::size_t colon = queue.find(':'); colon != std::string_view::npos)
                base.campaign.assign(queue.substr(0, colon));
        }
        simdjson::dom::element headers;
        if (doc["headers"].get(headers) == simdjson::SUCCESS && headers.is_object()) {
            for (auto [k, v] : simdjson::dom::object(headers)) {
                std::string key = lower(k);
                std::string_view val;
                if (v.get_string().get(val) != simdjson::SUCCESS) continue;
                if (key == "message-id") base.message_id.assign(strip_angle(val));
                else if (key == "x-campaign" && base.campaign.empty()) base.campaign.assign(val);
                else if (key == "from") base.header_from.assign(val);
            }
        }
        if (outcome == Outcome::complaint) {
            base.reason_hint = "feedback";
            base.reason_hint_final = true;
        }
        // "recipient" is a string, or an array for batched sends: one event per recipient.
        simdjson::dom::element rcpt;
        if (doc["recipient"].get(rcpt) != simdjson::SUCCESS)
            return failed("KumoMTA record without recipient");
        if (rcpt.is_string()) {
            base.recipient.assign(rcpt.get_string().value_unsafe());
            sink.event(std::move(base));
        } else if (rcpt.is_array()) {
            for (auto r : simdjson::dom::array(rcpt)) {
                std::string_view v;
                if (r.get_string().get(v) != simdjson::SUCCESS) continue;
                DeliveryEvent e = base;
                e.recipient.assign(v);
                sink.event(std::move(e));
            }
        } else {
            return failed("KumoMTA record without recipient");
        }
        return parsed();
    }

private:
    ReaderConfig config_;
    simdjson::dom::parser parser_;
    std::string scratch_;
};

}  // namespace

bool detect_kumomta(std::string_view head) {
    std::string_view first = trim(head.substr(0, head.find('\n')));
    if (!first.starts_with("{") || first.find("\"type\"") == std::string_view::npos) return false;
    for (std::string_view k : {"\"bounce_classification\"", "\"egress_pool\"", "\"nodeid\"",
                               "\"egress_source\"", "\"reception_protocol\""})
        if (first.find(k) != std::string_view::npos) return true;
    return false;
}

std::unique_ptr<LogParser> make_kumomta(const ReaderConfig& c) {
    return std::make_unique<KumoParser>(c);
}

}  // namespace mxt
