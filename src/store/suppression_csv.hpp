// CSV export and import of the suppression list (RFC 4180: comma-separated, double quotes around
// fields that need them, "" for a quote inside). Columns: address, reason, reply, first_seen,
// last_seen, source, with that header line.
#pragma once

#include <expected>
#include <istream>
#include <ostream>
#include <string>

#include "store/suppression.hpp"

namespace mxt::store {

std::expected<std::int64_t, Error> export_csv(SuppressionList& list, std::ostream& out);

struct ImportCounts {
    std::int64_t added = 0;
    std::int64_t updated = 0;
};

// All or nothing: every row is validated and merged in one transaction; the first bad row
// ("name:line: why") aborts the import and leaves the list as it was.
std::expected<ImportCounts, Error> import_csv(Db& db, std::istream& in, const std::string& name);

}  // namespace mxt::store
