// RFC 4180 CSV records for the CSV-based readers (PowerMTA accounting, Exchange tracking, generic
// events). Hand-written rather than a library: Debian ships no streaming CSV parser, and records
// arrive one log line at a time. A quoted field may hold a newline, so a record may span lines:
// CsvRecord collects them (bounded) until the quotes balance.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mxt {

// Splits one complete record into `fields` (cleared first; capacity reused across records).
// Returns false when a quoted field is still open at the end (the record continues).
bool split_csv(std::string_view record, std::vector<std::string>& fields, char sep = ',');

// Joins physical lines into records.
class CsvRecord {
public:
    static constexpr std::size_t kMaxRecord = 1u << 20;
    enum class State { complete, pending, too_long };
    // Feeds one line; when complete, `fields` holds the record's fields.
    State feed(std::string_view line, std::vector<std::string>& fields, char sep = ',');

private:
    std::string pending_;
};

// Column positions by lower-cased header name.
class CsvHeader {
public:
    void assign(const std::vector<std::string>& names);
    // -1 when absent; tries each alias in turn.
    int index(std::initializer_list<std::string_view> aliases) const;
    static std::string_view field(const std::vector<std::string>& fields, int i) {
        return i >= 0 && static_cast<std::size_t>(i) < fields.size() ? std::string_view(fields[i])
                                                                       : std::string_view();
    }
    bool empty() const { return columns_.empty(); }

private:
    std::unordered_map<std::string, int> columns_;
};

}  // namespace mxt
