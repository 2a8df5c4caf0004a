// Triage history: per input, per campaign and provider, the counts a triage saw, so that the next
// triage can compare a campaign against earlier ones (triage-spec section 4: a rise to 5-10 %
// when earlier campaigns were under 0.5 % is an incident).
//
// An input is identified by a digest of the events it held (see triage/fingerprint.hpp), not by
// its path: reading the same log twice, or a copy of it, records nothing new.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/sqlite.hpp"

namespace mxt::store {

struct StatCounts {
    std::int64_t attempts = 0;
    std::int64_t delivered = 0;
    std::int64_t deferred = 0;
    std::int64_t bounced = 0;
    std::int64_t permanent = 0;
    std::int64_t unknown_user = 0;
    std::int64_t complaints = 0;
    std::int64_t first_unix = 0;
    std::int64_t last_unix = 0;
    void add(const StatCounts& o);
    bool operator==(const StatCounts&) const = default;
    // Recipients with a final outcome: the denominator of permanent and unknown-user rates.
    std::int64_t recipients() const { return delivered + bounced; }
};

struct InputRecord {
    std::string digest;
    std::string source;
    std::int64_t events = 0;
    std::int64_t first_unix = 0;
    std::int64_t last_unix = 0;
    // (campaign, provider) -> counts
    std::map<std::pair<std::string, std::string>, StatCounts> stats;
};

struct RecordCounts {
    int recorded = 0;  // inputs new to the history
    int known = 0;  // inputs already recorded (same digest): skipped
};

std::expected<RecordCounts, Error> record_inputs(Db& db, const std::vector<InputRecord>& inputs);

// What earlier campaigns looked like: sums over history rows whose campaign is not one of
// `exclude_campaigns` and whose input is not one of `exclude_digests`.
struct Baseline {
    StatCounts overall;
    std::map<std::string, StatCounts> providers;
    int campaigns = 0;
    bool empty() const { return overall.attempts == 0; }
};

std::expected<Baseline, Error> load_baseline(Db& db, const std::set<std::string>& exclude_campaigns,
                                             const std::set<std::string>& exclude_digests);

struct CampaignHistory {
    std::string campaign;
    int inputs = 0;
    StatCounts counts;
    std::map<std::string, StatCounts> providers;
};

// Every campaign known, oldest first.
std::expected<std::vector<CampaignHistory>, Error> list_history(Db& db);

}  // namespace mxt::store
