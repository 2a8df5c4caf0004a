// CSV export and import of the suppression list; see suppression_csv.hpp.
#include "store/suppression_csv.hpp"

#include <vector>

namespace mxt::store {
namespace {

void put_field(std::ostream& out, const std::string& f) {
    // Quote fields that hold the separator, quotes or line breaks, and those starting with a
    // character a spreadsheet would take for a formula.
    bool quote = f.find_first_of(",\"\r\n") != std::string::npos ||
                 (!f.empty() && (f[0] == '=' || f[0] == '+' || f[0] == '-' || f[0] == '@'));
    if (!quote) {
        out << f;
        return;
    }
    out << '"';
    for (char c : f) {
        if (c == '"') out << '"';
        out << c;
    }
    out << '"';
}

// Reads one record (which may span lines inside quotes). false at end of input. Straight from the
// stream buffer: istream::get() per byte (a sentry each time) was most of a large import's time.
std::expected<bool, Error> read_record(std::streambuf& in, std::vector<std::string>& fields,
                                       long& line) {
    fields.clear();
    int c = in.sbumpc();
    if (c == EOF) return false;
    ++line;
    std::string field;
    bool quoted = false, in_quotes = false;
    for (;; c = in.sbumpc()) {
        if (in_quotes) {
            if (c == EOF) return std::unexpected("unterminated quoted field");
            if (c == '"') {
                if (in.sgetc() == '"') {
                    field.push_back('"');
                    in.sbumpc();
                } else {
                    in_quotes = false;
                }
            } else {
                if (c == '\n') ++line;
                field.push_back(static_cast<char>(c));
            }
            continue;
        }
        if (c == EOF || c == '\n' || c == ',') {
            if (!quoted && !field.empty() && field.back() == '\r') field.pop_back();
            fields.push_back(std::move(field));
            field.clear();
            quoted = false;
            if (c != ',') return true;
            continue;
        }
        if (c == '"' && field.empty() && !quoted) {
            quoted = in_quotes = true;
            continue;
        }
        if (c == '\r' && quoted) continue;
        field.push_back(static_cast<char>(c));
    }
}

}  // namespace

std::expected<std::int64_t, Error> export_csv(SuppressionList& list, std::ostream& out) {
    out << "address,reason,reply,first_seen,last_seen,source\r\n";
    std::int64_t n = 0;
    auto r = list.for_each("", [&](const SuppressionEntry& e) {
        put_field(out, e.address);
        for (const std::string* f : {&e.reason, &e.reply, &e.first_seen, &e.last_seen, &e.source}) {
            out << ',';
            put_field(out, *f);
        }
        out << "\r\n";
        ++n;
    });
    if (!r) return std::unexpected(r.error());
    return n;
}

std::expected<ImportCounts, Error> import_csv(Db& db, std::istream& in, const std::string& name) {
    auto tx = Transaction::begin(db);
    if (!tx) return std::unexpected(tx.error());
    SuppressionList list(db);
    ImportCounts counts;
    std::vector<std::string> f;
    long line = 0;
    bool header_seen = false;
    for (;;) {
        long start = line + 1;
        auto more = read_record(*in.rdbuf(), f, line);
        if (!more) return std::unexpected(name + ":" + std::to_string(start) + ": " + more.error());
        if (!*more) break;
        if (f.size() == 1 && f[0].empty()) continue;  // blank line
        if (!header_seen) {
            header_seen = true;
            if (!f.empty() && f[0] == "address") continue;
        }
        if (f.size() != 1 && f.size() != 6)
            return std::unexpected(name + ":" + std::to_string(start) + ": expected 6 fields " +
                                   "(address,reason,reply,first_seen,last_seen,source) or 1, got " +
                                   std::to_string(f.size()));
        SuppressionEntry e;
        e.address = f[0];
        if (f.size() == 6) {
            e.reason = f[1];
            e.reply = f[2];
            e.first_seen = f[3];
            e.last_seen = f[4];
            e.source = f[5];
        }
        if (e.source.empty()) e.source = "import:" + name;
        auto r = list.upsert(e);
        if (!r) return std::unexpected(name + ":" + std::to_string(start) + ": " + r.error());
        (*r == Upsert::added ? counts.added : counts.updated)++;
    }
    if (auto r = tx->commit(); !r) return std::unexpected(name + ": " + r.error());
    return counts;
}

}  // namespace mxt::store
