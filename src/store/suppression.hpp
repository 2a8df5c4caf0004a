// The suppression list: addresses not to mail again, each with why (reason and the reply that
// proved it), when it was first and last seen, and where it came from. Writes are upserts, so
// adding the same address twice is harmless; batches run in one transaction.
#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.hpp"

namespace mxt::store {

struct SuppressionEntry {
    std::string address;  // normalised display form
    std::string reason;  // category name or "manual"
    std::string reply;
    std::string first_seen;  // ISO 8601 UTC
    std::string last_seen;
    std::string source;
};

enum class Upsert { added, updated };

class SuppressionList {
public:
    explicit SuppressionList(Db& db) : db_(db) {}

    // Adds or merges (earliest first_seen, latest last_seen; reason, reply and source follow the
    // newer sighting). Empty first/last_seen mean now. Fails on an address that is not one.
    // Call inside a Transaction for batches; alone it is its own transaction.
    std::expected<Upsert, Error> upsert(SuppressionEntry entry);
    // true when an entry was removed.
    std::expected<bool, Error> remove(std::string_view address);
    // Case-insensitive lookup (see address.hpp).
    std::expected<std::optional<SuppressionEntry>, Error> check(std::string_view address);
    // Entries in address order; `reason` filters when not empty.
    std::expected<void, Error> for_each(std::string_view reason,
                                        const std::function<void(const SuppressionEntry&)>& fn);
    std::expected<std::int64_t, Error> count();

private:
    Db& db_;
    // Prepared once per list: an import of a million rows would otherwise spend most of its time
    // compiling the same two statements again.
    Stmt exists_, upsert_;
    bool prepared_ = false;
};

}  // namespace mxt::store
