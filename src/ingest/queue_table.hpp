// A bounded table keyed by an MTA's queue id (Postfix, Sendmail) or message id (Exim), used to join
// the several log lines of one message in a single pass: the sender from the arrival line, the
// Message-ID from cleanup, the last deferral of each recipient for when the message expires.
//
// Bound: at most `max_entries` ids and `max_bytes` of held text; past either bound the least
// recently seen ids are evicted. A message normally completes within seconds to minutes of log, so
// eviction only loses the sender of messages that stayed queued while tens of thousands of others
// passed; their later lines still produce events, only without the joined fields.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mxt {

template <typename Info>  // Info has `std::size_t bytes() const`
class QueueTable {
public:
    static constexpr std::size_t kDefaultMaxEntries = 50'000;
    static constexpr std::size_t kDefaultMaxBytes = 24u << 20;

    explicit QueueTable(std::size_t max_entries = kDefaultMaxEntries,
                        std::size_t max_bytes = kDefaultMaxBytes)
        : max_entries_(max_entries), max_bytes_(max_bytes) {
        index_.reserve(std::min<std::size_t>(max_entries, 1u << 16));
    }

    // The entry for `id`, marked as most recently seen; null when unknown.
    Info* find(std::string_view id) {
        auto it = index_.find(id);
        if (it == index_.end()) return nullptr;
        lru_.splice(lru_.begin(), lru_, it->second);
        return &lru_.front().info;
    }

    // The entry for `id`, created when unknown.
    Info& upsert(std::string_view id) {
        if (Info* found = find(id)) return *found;
        lru_.emplace_front();
        lru_.front().key.assign(id);
        index_.emplace(std::string_view(lru_.front().key), lru_.begin());
        bytes_ += kOverhead + id.size();
        lru_.front().bytes = kOverhead + id.size();
        evict();
        return lru_.front().info;
    }

    // Re-measures the entry for `id` after the caller changed it, then enforces the bounds.
    void charge(std::string_view id) {
        // Callers charge the entry they just found or created: it is at the front of the LRU
        // list, so no second hash lookup is needed.
        Entry* e = nullptr;
        if (!lru_.empty() && lru_.front().key == id) {
            e = &lru_.front();
        } else {
            auto it = index_.find(id);
            if (it == index_.end()) return;
            e = &*it->second;
        }
        std::size_t now = kOverhead + id.size() + e->info.bytes();
        bytes_ = bytes_ - e->bytes + now;
        e->bytes = now;
        evict();
    }

    void erase(std::string_view id) {
        auto it = index_.find(id);
        if (it == index_.end()) return;
        auto node = it->second;
        bytes_ -= node->bytes;
        index_.erase(it);
        lru_.erase(node);
    }

    std::size_t size() const { return index_.size(); }
    std::size_t bytes() const { return bytes_; }
    std::size_t evictions() const { return evictions_; }

private:
    static constexpr std::size_t kOverhead = 96;  // list node, hash node, strings' headers
    struct Entry {
        std::string key;
        Info info;
        std::size_t bytes = 0;
    };
    void evict() {
        // Never evict the most recent entry (the one the caller is working on).
        while (lru_.size() > 1 && (index_.size() > max_entries_ || bytes_ > max_bytes_)) {
            auto& last = lru_.back();
            bytes_ -= last.bytes;
            index_.erase(std::string_view(last.key));
            lru_.pop_back();
            ++evictions_;
        }
    }
    std::size_t max_entries_, max_bytes_;
    std::list<Entry> lru_;
    std::unordered_map<std::string_view, typename std::list<Entry>::iterator> index_;
    std::size_t bytes_ = 0;
    std::size_t evictions_ = 0;
};

}  // namespace mxt
