// CSV splitting (csv.hpp), RFC 4180 section 2: fields separated by commas, optionally enclosed in
// double quotes, a quote inside a quoted field written as two quotes.
#include "ingest/csv.hpp"

#include "ingest/log_util.hpp"

namespace mxt {

bool split_csv(std::string_view record, std::vector<std::string>& fields, char sep) {
    std::size_t used = 0;
    auto next_field = [&]() -> std::string& {
        if (used == fields.size()) fields.emplace_back();
        std::string& f = fields[used++];
        f.clear();
        return f;
    };
    std::size_t i = 0;
    const std::size_t n = record.size();
    for (;;) {
        std::string& f = next_field();
        if (i < n && record[i] == '"') {
            ++i;
            for (;;) {
                if (i >= n) {
                    fields.resize(used);
                    return false;  // the quoted field goes on past this line
                }
                char c = record[i];
                if (c == '"') {
                    if (i + 1 < n && record[i + 1] == '"') {
                        f.push_back('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                f.push_back(c);
                ++i;
            }
            // Text after the closing quote (not RFC 4180, but seen): keep it.
            while (i < n && record[i] != sep) f.push_back(record[i++]);
        } else {
            std::size_t end = record.find(sep, i);
            if (end == std::string_view::npos) end = n;
            f.append(record.substr(i, end - i));
            i = end;
        }
        if (i >= n) break;
        ++i;  // the separator
    }
    fields.resize(used);
    return true;
}

CsvRecord::State CsvRecord::feed(std::string_view line, std::vector<std::string>& fields,
                                 char sep) {
    if (pending_.empty()) {
        if (split_csv(line, fields, sep)) return State::complete;
        pending_.assign(line);
        return State::pending;
    }
    pending_.push_back('\n');
    pending_.append(line);
    if (pending_.size() > kMaxRecord) {
        pending_.clear();
        return State::too_long;
    }
    if (split_csv(pending_, fields, sep)) {
        pending_.clear();
        return State::complete;
    }
    return State::pending;
}

void CsvHeader::assign(const std::vector<std::string>& names) {
    columns_.clear();
    for (std::size_t i = 0; i < names.size(); ++i)
        columns_.emplace(lower(trim(names[i])), static_cast<int>(i));
}

int CsvHeader::index(std::initializer_list<std::string_view> aliases) const {
    for (auto a : aliases)
        if (auto it = columns_.find(std::string(a)); it != columns_.end()) return it->second;
    return -1;
}

}  // namespace mxt
