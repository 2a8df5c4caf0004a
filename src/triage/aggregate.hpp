// Bounded-memory aggregation of delivery events for triage: counts per provider, category,
// segment, campaign, reply template, hour and input, never the events themselves. Memory grows
// with the number of distinct keys (templates are capped), not with the number of events.
//
// What is counted (docs/decision-tree.md, "Counting"):
// - an attempt is one delivery event for one recipient with outcome delivered, deferred, bounced
//   or expired: one recipient retried three times is three attempts;
// - delivered, deferred and bounced count attempts by outcome (expired counts as bounced);
// - recipients = delivered + bounced: each recipient ends with exactly one final outcome, so this
//   counts attempted recipients without remembering them; it is the denominator of the
//   unknown-user and permanent-rejection rates;
// - complaints (ARF feedback reports) and auto-replies are counted but are not attempts.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ingest/event.hpp"
#include "store/history.hpp"
#include "util/hash.hpp"

namespace mxt::triage {

// Maps keyed by name that can be searched with a std::string_view (no key string built per event).
template <class V>
using NameMap = std::map<std::string, V, std::less<>>;

inline constexpr std::size_t kCategoryCount = static_cast<std::size_t>(Category::delivered) + 1;

struct Counts {
    std::int64_t attempts = 0;
    std::int64_t delivered = 0;
    std::int64_t deferred = 0;
    std::int64_t bounced = 0;
    std::int64_t permanent = 0;  // bounced with a 5xx reply
    std::int64_t complaints = 0;
    std::int64_t auto_replies = 0;
    std::array<std::int64_t, kCategoryCount> bounced_by{};  // bounced attempts per category
    std::array<std::int64_t, kCategoryCount> deferred_by{};  // deferred attempts per category

    std::int64_t recipients() const { return delivered + bounced; }
    std::int64_t rejections() const { return deferred + bounced; }
    std::int64_t rejected(Category c) const {
        auto i = static_cast<std::size_t>(c);
        return bounced_by[i] + deferred_by[i];
    }
    void add(const DeliveryEvent& e, Category c);
    void merge(const Counts& o);
    bool operator==(const Counts&) const = default;
};

struct TemplateStat {
    std::string text;  // the template (masked reply)
    std::int64_t count = 0;
    std::string example;  // one reply as it was
    Category category = Category::unclassified;
    NameMap<std::int64_t> providers;
    std::int64_t first_seen = 0;  // order of first sighting in its aggregator (for merge)
    bool operator==(const TemplateStat&) const = default;
};

struct TimeBucket {
    std::int64_t attempts = 0, delivered = 0, deferred = 0, bounced = 0;
    bool operator==(const TimeBucket&) const = default;
};

struct Filter {
    std::optional<std::int64_t> since;  // unix time, inclusive
    std::optional<std::int64_t> until;  // unix time, exclusive
    std::string campaign;  // "" = all
};

class Aggregator {
public:
    explicit Aggregator(Filter filter = {}, std::size_t max_templates = 500)
        : filter_(std::move(filter)), max_templates_(max_templates) {}

    // Not copyable: last_input_ points into inputs_ (moving keeps std::map's nodes, so moves are
    // fine).
    Aggregator(const Aggregator&) = delete;
    Aggregator& operator=(const Aggregator&) = delete;
    Aggregator(Aggregator&&) = default;
    Aggregator& operator=(Aggregator&&) = default;

    void add(const DeliveryEvent& e);

    // An empty aggregator with the same filter and template cap: one per input when inputs are
    // read in parallel, merged in input order afterwards.
    Aggregator empty_like() const { return Aggregator(filter_, max_templates_); }
    // Folds in what `later` counted, as if its events had been added here after this one's. Every
    // count is the same as adding both inputs' events in order, with two exceptions:
    // - templates: the cap applies to each input first, then to the merged table (`later`'s
    //   templates are taken in the order it first saw them). Triage counts every input this way,
    //   whatever the thread count, so its template table does not depend on it;
    // - an input read twice in one run (the same path given twice): its two digests are combined,
    //   deterministically, not chained.
    void merge(Aggregator&& later);

    // In the window (what triage judges)
    // Filled by add(); read-only for everyone else (add() keeps pointers to their elements).
    Counts totals;
    NameMap<Counts> providers;
    NameMap<Counts> segments;  // "" = events without a segment
    NameMap<Counts> campaigns;
    NameMap<TemplateStat> templates;
    NameMap<NameMap<std::int64_t>> blocklists;  // provider -> list -> n
    std::map<std::int64_t, TimeBucket> hours;  // unix hour -> counts
    std::int64_t first_unix = 0, last_unix = 0;
    std::int64_t outside_window = 0;  // events left out by the filter

    // Per input, everything (unfiltered), for the history: digest and per campaign/provider counts.
    std::vector<store::InputRecord> input_records() const;
    std::set<std::string> input_digests() const;
    std::set<std::string> campaign_names() const;  // campaigns in the window ("" excluded)

    static const std::string& provider_of(const DeliveryEvent& e);

private:
    // Every event looks up its provider, campaign and segment: each name is given a small number
    // once (one hash lookup), and the per-name counters are then found by number, instead of a
    // string-keyed map search for every table an event is counted in.
    struct Name {
        std::uint32_t id;
        Counts* provider = nullptr;  // in providers, once the name was seen as a provider
        Counts* segment = nullptr;
        Counts* campaign = nullptr;
    };
    struct Input {
        std::uint64_t hash = 0;  // XXH3 digest of the events' identity (util/hash.hpp)
        store::InputRecord record;
        // (campaign id, provider id) -> element of record.stats
        std::unordered_map<std::uint64_t, store::StatCounts*> stats_by_id;
    };
    Name& name(std::string_view s);
    void record_input(const DeliveryEvent& e, const Name& provider, const Name& campaign);
    std::unordered_map<std::string, Name, TransparentStringHash, std::equal_to<>> names_;
    // A log repeats a handful of names: a direct-mapped cache in front of names_, keyed by the
    // length and three bytes of the name (the whole name is compared on a hit).
    struct NameCacheSlot {
        std::string_view key;  // views names_' key (node-based: it stays put)
        Name* name = nullptr;
    };
    static constexpr std::size_t kNameCacheSize = 64;
    std::array<NameCacheSlot, kNameCacheSize> name_cache_{};
    std::unordered_map<std::string_view, TemplateStat*> template_index_;  // keys view templates' keys
    std::int64_t template_seq_ = 0;
    TemplateStat& template_slot(std::string_view key, const std::string& example, Category c);
    Filter filter_;
    std::size_t max_templates_;
    std::map<std::string, Input> inputs_;
    Input* last_input_ = nullptr;  // std::map nodes stay put
};

}  // namespace mxt::triage
