// Generic delivery events, so that any ESP's webhook export can be read: JSON Lines (one object
// per line, simdjson) or CSV with a header line. Fields are named as in json-contract.md, with the
// common aliases of events_fields.hpp; docs/diagnose-json.md documents them. A record needs a
// recipient; records whose outcome is not a delivery result (opens, clicks) are skipped.
#include <simdjson.h>

#include "ingest/csv.hpp"
#include "ingest/events_fields.hpp"
#include "ingest/log_reader.hpp"
#include "ingest/log_util.hpp"

namespace mxt {
namespace {

class JsonEventsParser final : public LogParser {
public:
    explicit JsonEventsParser(const ReaderConfig& c) : config_(c) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        text = trim(text);
        if (text.empty() || text[0] != '{') return skipped("not a JSON object");
        // simdjson reads past the end of its input by up to SIMDJSON_PADDING bytes: parse from a
        // reused padded copy (one allocation at most per longest line).
        scratch_.assign(text);
        scratch_.reserve(text.size() + simdjson::SIMDJSON_PADDING);
        simdjson::dom::element doc;
        if (parser_.parse(scratch_.data(), text.size(), false).get(doc) != simdjson::SUCCESS)
            return failed("invalid JSON");
        simdjson::dom::object obj;
        if (doc.get(obj) != simdjson::SUCCESS) return skipped("not a JSON object");
        DeliveryEvent e;
        e.source = config_.source;
        e.position = number;
        e.format = "json";
        bool wanted = true;
        for (auto [key, value] : obj) {
            GenericField f = generic_field(key);
            if (f == GenericField::none) continue;
            std::string_view v;
            std::string number_text;
            switch (value.type()) {
                case simdjson::dom::element_type::STRING: v = value.get_string().value(); break;
                case simdjson::dom::element_type::INT64:
                    number_text = std::to_string(value.get_int64().value());
                    v = number_text;
                    break;
                case simdjson::dom::element_type::UINT64:
                    number_text = std::to_string(value.get_uint64().value());
                    v = number_text;
                    break;
                case simdjson::dom::element_type::DOUBLE:
                    number_text = std::to_string(static_cast<std::int64_t>(value.get_double().value()));
                    v = number_text;
                    break;
                default: continue;  // objects, arrays, null, booleans carry no field here
            }
            if (!set_generic_field(e, f, v, config_.default_year)) wanted = false;
        }
        if (!wanted) return skipped("not a delivery event");
        if (e.recipient.empty()) return skipped("no recipient");
        complete_generic_event(e);
        sink.event(std::move(e));
        return parsed();
    }

private:
    ReaderConfig config_;
    simdjson::dom::parser parser_;
    std::string scratch_;
};

class CsvEventsParser final : public LogParser {
public:
    explicit CsvEventsParser(const ReaderConfig& c) : config_(c) {}

    LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) override {
        if (!record_start_) record_start_ = number;
        auto st = record_.feed(text, f_);
        if (st == CsvRecord::State::pending) return {UnitResult::parsed, {}, true};
        std::uint64_t first = record_start_;
        record_start_ = 0;
        if (st == CsvRecord::State::too_long) return failed("unterminated quoted CSV field");
        if (columns_.empty()) {
            for (const auto& name : f_) columns_.push_back(generic_field(trim(name)));
            bool has_recipient = false;
            for (auto c : columns_) has_recipient = has_recipient || c == GenericField::recipient;
            if (!has_recipient) {
                columns_.clear();
                return failed("CSV header without a recipient column");
            }
            return skipped("CSV header line");
        }
        DeliveryEvent e;
        e.source = config_.source;
        e.position = first;
        e.format = "csv";
        bool wanted = true;
        for (std::size_t i = 0; i < f_.size() && i < columns_.size(); ++i)
            if (columns_[i] != GenericField::none &&
                !set_generic_field(e, columns_[i], f_[i], config_.default_year))
                wanted = false;
        if (!wanted) return skipped("not a delivery event");
        if (e.recipient.empty()) return skipped("no recipient");
        complete_generic_event(e);
        sink.event(std::move(e));
        return parsed();
    }

    LineResult finish(EventSink&) override {
        if (record_start_ == 0) return {UnitResult::parsed, {}, true};
        return failed("unterminated quoted CSV field at end of input");
    }

private:
    ReaderConfig config_;
    CsvRecord record_;
    std::vector<std::string> f_;
    std::vector<GenericField> columns_;
    std::uint64_t record_start_ = 0;
};

}  // namespace

bool detect_generic_json(std::string_view head) {
    std::string_view first = trim(head.substr(0, head.find('\n')));
    if (!first.starts_with("{")) return false;
    for (std::string_view k : {"\"recipient\"", "\"email\"", "\"rcpt\"", "\"to\""})
        if (first.find(k) != std::string_view::npos) return true;
    return false;
}

bool detect_generic_csv(std::string_view head) {
    std::string_view first = trim(head.substr(0, head.find('\n')));
    if (first.find(',') == std::string_view::npos || first.starts_with("#")) return false;
    std::vector<std::string> names;
    if (!split_csv(first, names)) return false;
    for (const auto& n : names)
        if (generic_field(trim(n)) == GenericField::recipient) return true;
    return false;
}

std::unique_ptr<LogParser> make_generic_json(const ReaderConfig& c) {
    return std::make_unique<JsonEventsParser>(c);
}
std::unique_ptr<LogParser> make_generic_csv(const ReaderConfig& c) {
    return std::make_unique<CsvEventsParser>(c);
}

}  // namespace mxt
