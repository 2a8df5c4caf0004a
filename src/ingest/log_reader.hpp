// The interface every line-based reader implements, and the one table of input formats
// (formats.cpp). A reader sees one line at a time and keeps only bounded state between lines, so
// a log of any size is read in constant memory.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ingest/mail/message_reader.hpp"
#include "ingest/sink.hpp"

namespace mxt {

struct ReaderConfig {
    std::string source;  // file name for events and problems
    int default_year = 1970;  // for RFC 3164 timestamps, which carry no year
};

// What became of one line. `why` must point to static text (no allocation per line).
struct LineResult {
    UnitResult result = UnitResult::parsed;
    std::string_view why;
    // The line continues a unit that is not complete yet (a CSV record with a quoted newline):
    // count nothing now; the unit is counted when its last line is.
    bool pending = false;
};

inline LineResult parsed() { return {}; }
inline LineResult skipped(std::string_view why) { return {UnitResult::skipped, why, false}; }
inline LineResult failed(std::string_view why) { return {UnitResult::failed, why, false}; }

class LogParser {
public:
    virtual ~LogParser() = default;
    virtual LineResult line(std::string_view text, std::uint64_t number, EventSink& sink) = 0;
    // End of input: flush whatever is still held. A unit left incomplete (a CSV record whose
    // quotes never closed) is returned to be counted; `pending` = nothing to count.
    virtual LineResult finish(EventSink& /*sink*/) { return {UnitResult::parsed, {}, true}; }
};

enum class InputKind { log, message, mailbox };

struct Format {
    std::string_view name;
    InputKind kind;
    std::string_view description;
    // Cheap check on the first KB (whole lines only, at most ~4 KB): true when this reader fits.
    bool (*detect)(std::string_view head);
    std::unique_ptr<LogParser> (*make)(const ReaderConfig& config);  // null for messages
};

// In detection order: the most specific formats first.
std::span<const Format> formats();
const Format* find_format(std::string_view name);
const Format* detect_format(std::string_view head);

// Per-format entry points (one file each).
bool detect_postfix(std::string_view head);
std::unique_ptr<LogParser> make_postfix(const ReaderConfig& config);
bool detect_exim(std::string_view head);
std::unique_ptr<LogParser> make_exim(const ReaderConfig& config);
bool detect_sendmail(std::string_view head);
std::unique_ptr<LogParser> make_sendmail(const ReaderConfig& config);
bool detect_pmta(std::string_view head);
std::unique_ptr<LogParser> make_pmta(const ReaderConfig& config);
bool detect_kumomta(std::string_view head);
std::unique_ptr<LogParser> make_kumomta(const ReaderConfig& config);
bool detect_haraka(std::string_view head);
std::unique_ptr<LogParser> make_haraka(const ReaderConfig& config);
bool detect_exchange(std::string_view head);
std::unique_ptr<LogParser> make_exchange(const ReaderConfig& config);
bool detect_generic_json(std::string_view head);
std::unique_ptr<LogParser> make_generic_json(const ReaderConfig& config);
bool detect_generic_csv(std::string_view head);
std::unique_ptr<LogParser> make_generic_csv(const ReaderConfig& config);

// Helpers shared by the readers.
// Calls f(line) for each complete line of `head`.
template <typename F>
void for_each_head_line(std::string_view head, F&& f) {
    while (!head.empty()) {
        auto nl = head.find('\n');
        if (nl == std::string_view::npos) break;  // a cut-off last line is not judged
        if (f(head.substr(0, nl))) return;
        head.remove_prefix(nl + 1);
    }
}

}  // namespace mxt
