// What every triage report (terminal, JSON, HTML) is made from: the aggregates, the decision and
// the facts about the run (inputs read, history used and recorded).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "triage/aggregate.hpp"
#include "triage/verdict.hpp"

namespace mxt::report {

struct RunFacts {
    std::uint64_t read = 0, parsed = 0, skipped = 0, failed = 0, events = 0;
    bool history_used = false;  // a baseline was loaded (not --no-history)
    int baseline_campaigns = 0;
    int inputs_recorded = 0, inputs_known = 0;
    std::string campaign;  // --campaign, "" = all
    std::string since, until;  // as given
    std::string db_path;
    bool applied = false;  // --apply ran
    std::int64_t suppressed_added = 0, suppressed_updated = 0;
};

struct ReportInput {
    const triage::Aggregator& agg;
    const triage::Decision& decision;
    RunFacts facts;
};

// Shared helpers for the three renderers.
std::string percent(double r);  // "1.25 %"
double ratio(std::int64_t k, std::int64_t n);
// Providers sorted by rejections (most first), then name.
std::vector<std::string> providers_by_rejections(const triage::Aggregator& a);
// Rejection categories with their counts, most first (delivered excluded).
std::vector<std::pair<Category, std::int64_t>> categories_by_count(const triage::Counts& c);
// Templates by count, most first.
std::vector<const triage::TemplateStat*> templates_by_count(const triage::Aggregator& a);

// Time buckets for the rates-over-time chart: hours when the input spans at most three days,
// days otherwise.
struct Bucket {
    std::int64_t start = 0;
    triage::TimeBucket counts;
};
std::vector<Bucket> time_buckets(const triage::Aggregator& a, bool* by_day = nullptr);
std::string iso_time(std::int64_t unix_time);

}  // namespace mxt::report
