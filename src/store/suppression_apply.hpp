// Turning delivery events into suppression-list entries (triage-spec section 6): the recipients
// of unknown_user, mailbox_disabled and bad_domain rejections at once; mailbox_full recipients
// only after repeated failures spread over days; nothing else. A 5.7.x or 4.7.x reply, or a
// rejection at connect, HELO or MAIL FROM, concerns the sender and never suppresses, whatever
// category it was given.
//
// Used by `triage --apply` and `diagnose --apply`:
//     auto db = mxt::store::open_database(mxt::store::resolve_db_path(db_option));
//     mxt::store::SuppressionApplier applier(*db, policy);
//     ... applier.observe(event) for each event ...
//     auto counts = applier.finish();
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "ingest/event.hpp"
#include "store/sqlite.hpp"

namespace mxt::store {

struct SuppressionPolicy {
    // mailbox_full: suppress once the address failed at least `failures` times and the first and
    // last of those failures are at least `days` apart. rules/triage.toml [suppression].
    int mailbox_full_failures = 3;
    int mailbox_full_days = 3;
};

enum class SuppressKind { never, at_once, after_repeats };

// What an event's recipient deserves; pure, no database.
SuppressKind suppress_kind(const DeliveryEvent& e);

struct ApplyCounts {
    std::int64_t added = 0;  // new entries
    std::int64_t updated = 0;  // entries seen again
    std::int64_t mailbox_full_counted = 0;  // failures logged towards the mailbox_full rule
    std::int64_t refused = 0;  // rejections deliberately not suppressed (5.7.x, sender-side)
};

class SuppressionApplier {
public:
    SuppressionApplier(Db& db, SuppressionPolicy policy) : db_(db), policy_(policy) {}
    // Buffers the event if it may suppress; writes every few thousand events.
    std::expected<void, Error> observe(const DeliveryEvent& e);
    // Writes what is buffered and returns the totals.
    std::expected<ApplyCounts, Error> finish();

private:
    struct Pending {
        std::string recipient;
        std::string reason;
        std::string reply;
        std::string source;
        std::int64_t unix_time;
        bool at_once;
    };
    std::expected<void, Error> flush();
    Db& db_;
    SuppressionPolicy policy_;
    std::vector<Pending> pending_;
    ApplyCounts counts_;
};

}  // namespace mxt::store
