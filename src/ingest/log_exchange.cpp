// Microsoft Exchange message tracking logs (MSGTRK*.LOG): W3C-style CSV whose "#Fields:" line
// names the columns (Get-MessageTrackingLog documents them). FAIL is a failed delivery with the
// reply in recipient-status, DEFER a deferral, SEND/DELIVER a delivery; other event ids (RECEIVE,
// DSN, EXPAND, ...) are not delivery results. One record may list several recipients separated by
// ';' with their statuses aligned in recipient-status.
#include "ingest/csv.hpp"
#include "ingest/log_reader.hpp"
#include "ingest/log_util.hpp"

namespace mxt {
namespace {

std::vector<std::string_view> split_semicolons(std::string_view s) {
    std::vector<std::string_view> out;
    while (true) {
        std::size_t p = s.find(';');
        out.push_back(trim(s.substr(0, p)));
        if (p == std::string_view::npos) break;
        s.remove_prefix(p + 1);
    }
    return out;
}

class ExchangeParser final : public LogParser {
public:
    explicit ExchangeParser(const ReaderConfig& c) : config_(c) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        if (record_start_ == 0 && text.starts_with("#")) {
            if (text.starts_with("#Fields:")) {
                std::vector<std::string> names;
                split_csv(trim(text.substr(8)), names);
                header_.assign(names);
                time_ = header_.index({"date-time"});
                event_ = header_.index({"event-id"});
                source_ = header_.index({"source"});
                msgid_ = header_.index({"message-id"});
                internal_ = header_.index({"internal-message-id"});
                rcpt_ = header_.index({"recipient-address"});
                status_ = header_.index({"recipient-status"});
                sender_ = header_.index({"sender-address"});
                return_path_ = header_.index({"return-path"});
                server_host_ = header_.index({"server-hostname"});
                server_ip_ = header_.index({"server-ip"});
                return skipped("CSV header line");
            }
            return skipped("comment line");
        }
        if (!record_start_) record_start_ = number;
        auto st = record_.feed(text, f_);
        if (st == CsvRecord::State::pending) return {UnitResult::parsed, {}, true};
        std::uint64_t first = record_start_;
        record_start_ = 0;
        if (st == CsvRecord::State::too_long) return failed("unterminated quoted CSV field");
        if (header_.empty()) return failed("Exchange record before the #Fields: line");
        std::string_view id = CsvHeader::field(f_, event_);
        Outcome outcome;
        if (id == "FAIL") outcome = Outcome::bounced;
        else if (id == "DEFER") outcome = Outcome::deferred;
        else if (id == "SEND" || id == "DELIVER") outcome = Outcome::delivered;
        else return skipped("not a delivery result");
        auto rcpts = split_semicolons(CsvHeader::field(f_, rcpt_));
        auto statuses = split_semicolons(CsvHeader::field(f_, status_));
        if (rcpts.empty() || rcpts[0].empty()) return failed("Exchange record without recipient");
        for (std::size_t i = 0; i < rcpts.size(); ++i) {
            if (rcpts[i].empty()) continue;
            DeliveryEvent e;
            e.source = config_.source;
            e.position = first;
            e.format = "exchange";
            e.outcome = outcome;
            set_time(e, CsvHeader::field(f_, time_), config_.default_year);
            e.recipient.assign(rcpts[i]);
            std::string_view st_text = i < statuses.size() ? statuses[i] : statuses.back();
            e.text.assign(st_text);
            e.reply_code.assign(leading_reply_code(e.text));
            if (std::size_t sp = e.text.find(' '); !e.reply_code.empty() && sp != std::string::npos) {
                std::string_view rest = std::string_view(e.text).substr(sp + 1);
                std::string_view code = rest.substr(0, rest.find(' '));
                if (code.size() >= 5 && code[1] == '.') e.status.assign(code);
            }
            e.sender.assign(CsvHeader::field(f_, sender_));
            e.return_path.assign(CsvHeader::field(f_, return_path_));
            e.message_id.assign(strip_angle(CsvHeader::field(f_, msgid_)));
            e.queue_id.assign(CsvHeader::field(f_, internal_));
            if (CsvHeader::field(f_, source_) == "SMTP") {
                e.remote_host.assign(CsvHeader::field(f_, server_host_));
                e.remote_ip.assign(CsvHeader::field(f_, server_ip_));
            }
            sink.event(std::move(e));
        }
        return parsed();
    }

    LineResult finish(EventSink&) override {
        if (record_start_ == 0) return {UnitResult::parsed, {}, true};
        return failed("unterminated quoted CSV field at end of input");
    }

private:
    ReaderConfig config_;
    CsvRecord record_;
    CsvHeader header_;
    std::vector<std::string> f_;
    std::uint64_t record_start_ = 0;
    int time_ = -1, event_ = -1, source_ = -1, msgid_ = -1, internal_ = -1, rcpt_ = -1,
        status_ = -1, sender_ = -1, return_path_ = -1, server_host_ = -1, server_ip_ = -1;
};

}  // namespace

bool detect_exchange(std::string_view head) {
    bool found = false;
    for_each_head_line(head, [&](std::string_view l) {
        if (!l.starts_with("#")) return true;  // the header block is over
        found = l.starts_with("#Fields:") && l.find("event-id") != std::string_view::npos;
        return found;
    });
    return found;
}

std::unique_ptr<LogParser> make_exchange(const ReaderConfig& c) {
    return std::make_unique<ExchangeParser>(c);
}

}  // namespace mxt
