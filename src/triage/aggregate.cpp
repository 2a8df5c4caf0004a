// Aggregation of delivery events; see aggregate.hpp for what is counted.
#include "triage/aggregate.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <utility>

#include "util/hash.hpp"

namespace mxt::triage {
namespace {

bool is_attempt(Outcome o) {
    return o == Outcome::delivered || o == Outcome::deferred || o == Outcome::bounced ||
           o == Outcome::expired;
}

bool five_xx(const DeliveryEvent& e) {
    if (!e.reply_code.empty()) return e.reply_code[0] == '5';
    if (!e.status.empty()) return e.status[0] == '5';
    return e.diagnosis.permanent || e.outcome == Outcome::expired;
}

}  // namespace

const std::string& Aggregator::provider_of(const DeliveryEvent& e) {
    // The classifier attributes every event, deliveries included, from the remote host or the
    // recipient domain (rules/providers.toml); an event it could not attribute is "other".
    static const std::string kOther = "other";
    const std::string& p = e.diagnosis.provider;
    return p.empty() ? kOther : p;
}

void Counts::add(const DeliveryEvent& e, Category c) {
    auto i = static_cast<std::size_t>(c);
    switch (e.outcome) {
        case Outcome::delivered: ++delivered; break;
        case Outcome::deferred:
            ++deferred;
            ++deferred_by[i];
            break;
        case Outcome::bounced:
        case Outcome::expired:
            ++bounced;
            ++bounced_by[i];
            if (five_xx(e)) ++permanent;
            break;
        case Outcome::complaint: ++complaints; break;
        case Outcome::auto_reply: ++auto_replies; break;
        case Outcome::unknown: break;
    }
    if (is_attempt(e.outcome)) ++attempts;
}

Aggregator::Name& Aggregator::name(std::string_view s) {
    std::size_t k = s.size() * 131;
    if (!s.empty())
        k += static_cast<unsigned char>(s.front()) * 31u + static_cast<unsigned char>(s.back()) * 7u +
             static_cast<unsigned char>(s[s.size() / 2]);
    NameCacheSlot& slot = name_cache_[k % kNameCacheSize];
    if (slot.name != nullptr && slot.key == s) return *slot.name;
    auto it = names_.find(s);
    if (it == names_.end())
        it = names_.emplace(std::string(s), Name{static_cast<std::uint32_t>(names_.size())}).first;
    slot = {std::string_view(it->first), &it->second};
    return it->second;
}

void Aggregator::record_input(const DeliveryEvent& e, const Name& provider, const Name& campaign) {
    // Events come input by input: one string comparison instead of a map lookup per event.
    if (last_input_ == nullptr || last_input_->record.source != e.source) {
        last_input_ = &inputs_[e.source];
        last_input_->record.source = e.source;
    }
    Input& in = *last_input_;
    // The identity of an event: what it says, not where it was read (position and path are left
    // out so that a copy of a log is recognised as the same log).
    hash_combine(in.hash, e.time);
    hash_combine(in.hash, e.recipient);
    hash_combine(in.hash, e.queue_id);
    hash_combine(in.hash, to_string(e.outcome));
    hash_combine(in.hash, e.text);
    ++in.record.events;
    if (e.unix_time) {
        if (!in.record.first_unix || e.unix_time < in.record.first_unix)
            in.record.first_unix = e.unix_time;
        if (e.unix_time > in.record.last_unix) in.record.last_unix = e.unix_time;
    }
    std::uint64_t key = std::uint64_t{campaign.id} << 32 | provider.id;
    store::StatCounts*& slot = in.stats_by_id[key];
    if (slot == nullptr) slot = &in.record.stats[{e.campaign, provider_of(e)}];
    store::StatCounts& s = *slot;
    switch (e.outcome) {
        case Outcome::delivered: ++s.delivered; break;
        case Outcome::deferred: ++s.deferred; break;
        case Outcome::bounced:
        case Outcome::expired:
            ++s.bounced;
            if (five_xx(e)) ++s.permanent;
            if (e.diagnosis.category == Category::unknown_user) ++s.unknown_user;
            break;
        case Outcome::complaint: ++s.complaints; break;
        default: break;
    }
    if (is_attempt(e.outcome)) ++s.attempts;
    if (e.unix_time) {
        if (!s.first_unix || e.unix_time < s.first_unix) s.first_unix = e.unix_time;
        if (e.unix_time > s.last_unix) s.last_unix = e.unix_time;
    }
}

void Aggregator::add(const DeliveryEvent& e) {
    const std::string& provider = provider_of(e);
    Name& pn = name(provider);
    Name& cn = name(e.campaign);
    record_input(e, pn, cn);

    bool in_window = true;
    if (!filter_.campaign.empty() && e.campaign != filter_.campaign) in_window = false;
    if (filter_.since && (e.unix_time == 0 || e.unix_time < *filter_.since)) in_window = false;
    if (filter_.until && (e.unix_time == 0 || e.unix_time >= *filter_.until)) in_window = false;
    if (!in_window) {
        ++outside_window;
        return;
    }

    Category c = e.diagnosis.category;
    if (e.outcome == Outcome::delivered) c = Category::delivered;
    totals.add(e, c);
    if (pn.provider == nullptr) pn.provider = &providers[provider];
    pn.provider->add(e, c);
    Name& sn = name(e.segment);
    if (sn.segment == nullptr) sn.segment = &segments[e.segment];
    sn.segment->add(e, c);
    if (cn.campaign == nullptr) cn.campaign = &campaigns[e.campaign];
    cn.campaign->add(e, c);
    if (e.unix_time) {
        if (!first_unix || e.unix_time < first_unix) first_unix = e.unix_time;
        if (e.unix_time > last_unix) last_unix = e.unix_time;
        TimeBucket& b = hours[e.unix_time / 3600 * 3600];
        if (is_attempt(e.outcome)) ++b.attempts;
        if (e.outcome == Outcome::delivered) ++b.delivered;
        if (e.outcome == Outcome::deferred) ++b.deferred;
        if (e.outcome == Outcome::bounced || e.outcome == Outcome::expired) ++b.bounced;
    }

    bool rejected = e.outcome == Outcome::deferred || e.outcome == Outcome::bounced ||
                    e.outcome == Outcome::expired;
    if (!rejected) return;
    if (e.diagnosis.blocklist.present()) {
        const Blocklist& b = e.diagnosis.blocklist;
        ++blocklists[provider][b.name.empty() ? b.zone : b.name];
    }
    std::string_view key = e.diagnosis.template_text.empty() ? std::string_view(e.text)
                                                             : std::string_view(e.diagnosis.template_text);
    TemplateStat& t = template_slot(key, e.text, c);
    ++t.count;
    auto pit = t.providers.find(provider);
    if (pit == t.providers.end()) pit = t.providers.emplace(provider, 0).first;
    ++pit->second;
}

// The template's counters; a template first seen once the cap is reached is counted under
// "(other templates)". A new entry takes `example` and `c` from its first sighting.
TemplateStat& Aggregator::template_slot(std::string_view key, const std::string& example, Category c) {
    if (auto it = template_index_.find(key); it != template_index_.end()) return *it->second;
    if (templates.size() >= max_templates_) key = "(other templates)";
    auto [node, fresh] = templates.try_emplace(std::string(key));
    TemplateStat& t = node->second;
    if (fresh) {
        t.text = node->first;
        t.example = example;
        t.category = c;
        t.first_seen = template_seq_++;
        template_index_.emplace(std::string_view(node->first), &t);
    }
    return t;
}

void Counts::merge(const Counts& o) {
    attempts += o.attempts;
    delivered += o.delivered;
    deferred += o.deferred;
    bounced += o.bounced;
    permanent += o.permanent;
    complaints += o.complaints;
    auto_replies += o.auto_replies;
    for (std::size_t i = 0; i < kCategoryCount; ++i) {
        bounced_by[i] += o.bounced_by[i];
        deferred_by[i] += o.deferred_by[i];
    }
}

namespace {

void widen(std::int64_t& first, std::int64_t& last, std::int64_t o_first, std::int64_t o_last) {
    if (o_first && (!first || o_first < first)) first = o_first;
    if (o_last > last) last = o_last;
}

}  // namespace

void Aggregator::merge(Aggregator&& later) {
    for (auto& [source, in] : later.inputs_) {
        auto [it, fresh] = inputs_.try_emplace(source);
        Input& mine = it->second;
        if (fresh) {
            mine.hash = in.hash;
            mine.record = std::move(in.record);
        } else {
            hash_combine(mine.hash, std::string_view(reinterpret_cast<const char*>(&in.hash), sizeof in.hash));
            mine.record.events += in.record.events;
            widen(mine.record.first_unix, mine.record.last_unix, in.record.first_unix, in.record.last_unix);
            for (const auto& [key, c] : in.record.stats) mine.record.stats[key].add(c);
        }
        mine.stats_by_id.clear();
    }
    last_input_ = nullptr;

    totals.merge(later.totals);
    for (const auto& [k, c] : later.providers) providers[k].merge(c);
    for (const auto& [k, c] : later.segments) segments[k].merge(c);
    for (const auto& [k, c] : later.campaigns) campaigns[k].merge(c);
    for (const auto& [p, lists] : later.blocklists)
        for (const auto& [list, n] : lists) blocklists[p][list] += n;
    for (const auto& [hour, b] : later.hours) {
        TimeBucket& m = hours[hour];
        m.attempts += b.attempts;
        m.delivered += b.delivered;
        m.deferred += b.deferred;
        m.bounced += b.bounced;
    }
    widen(first_unix, last_unix, later.first_unix, later.last_unix);
    outside_window += later.outside_window;

    std::vector<TemplateStat*> order;
    order.reserve(later.templates.size());
    for (auto& [key, t] : later.templates) order.push_back(&t);
    std::sort(order.begin(), order.end(),
              [](const TemplateStat* a, const TemplateStat* b) { return a->first_seen < b->first_seen; });
    for (TemplateStat* t : order) {
        TemplateStat& mine = template_slot(t->text, t->example, t->category);
        mine.count += t->count;
        for (const auto& [p, n] : t->providers) mine.providers[p] += n;
    }
}

std::vector<store::InputRecord> Aggregator::input_records() const {
    std::vector<store::InputRecord> out;
    for (const auto& [source, in] : inputs_) {
        store::InputRecord r = in.record;
        char buf[40];
        std::snprintf(buf, sizeof buf, "%016llx-%llu", static_cast<unsigned long long>(in.hash),
                      static_cast<unsigned long long>(r.events));
        r.digest = buf;
        out.push_back(std::move(r));
    }
    return out;
}

std::set<std::string> Aggregator::input_digests() const {
    std::set<std::string> out;
    for (const auto& r : input_records()) out.insert(r.digest);
    return out;
}

std::set<std::string> Aggregator::campaign_names() const {
    std::set<std::string> out;
    for (const auto& [name, c] : campaigns)
        if (!name.empty()) out.insert(name);
    return out;
}

}  // namespace mxt::triage
