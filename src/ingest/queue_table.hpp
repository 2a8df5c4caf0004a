// A bounded table keyed by an MTA's queue id (Postfix, Sendmail) or message id (Exim), used to join
// the several log lines of one message in a single pass: the sender from the arrival line, the
// Message-ID from cleanup, the last deferral of each recipient for when the message expires.
//
// Bound: at most `max_entries` ids and `max_bytes` of held text; past either bound the least
// recently seen ids are evicted. A message normally completes within seconds to minutes of log, so
// eviction only loses the sender of messages that stayed queued while tens of thousands of others
// passed; their later lines still produce events, only without the joined fields.
//
// Layout, and why it is written here rather than taken from a library: every line of a Postfix log
// looks a queue id up, so this table is on the hottest path of log reading, and it is usually full
// (bounce notifications and messages handed elsewhere are never "removed" in the log). A node-based
// std::unordered_map plus std::list costs four dependent cache misses a lookup (bucket, the node
// before, the node, the key in the list entry). Here entries sit in one slab, linked into the LRU
// order by 32-bit indices, and the index is an open-addressing array of {hash tag, slot} pairs with
// linear probing: one miss for the probe, one for the entry it names. No library in Debian 12 that
// the project already uses offers a hash index with an LRU order and a byte budget.
#pragma once

#include <algorithm>
#include <functional>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/hash.hpp"

namespace mxt {

// One level: a bounded LRU table (QueueTable below puts two of them together).
template <typename Info>  // Info has `std::size_t bytes() const`
class LruTable {
public:
    // Called with the key and the info of each entry evicted for room, before it is dropped.
    using EvictHook = std::function<void(std::string_view key, Info&& info)>;

    explicit LruTable(std::size_t max_entries, std::size_t max_bytes, EvictHook on_evict = nullptr)
        : max_entries_(std::max<std::size_t>(max_entries, 1)), max_bytes_(max_bytes),
          on_evict_(std::move(on_evict)) {
        // At most max_entries + 1 entries exist at once (the newest is added before evicting), so
        // the slab never reallocates and the Info& handed out stays put until its entry goes.
        slab_.reserve(max_entries_ + 1);
        std::size_t cap = 16;
        while (cap < 2 * (max_entries_ + 1)) cap *= 2;  // load factor at most 1/2
        index_.assign(cap, Slot{});
        mask_ = cap - 1;
    }

    // The entry for `id`, marked as most recently seen; null when unknown.
    Info* find(std::string_view id) {
        std::uint64_t h = hash(id);
        std::size_t at = locate(id, h);
        if (at == kNotFound) return nullptr;
        std::uint32_t slot = index_[at].slot;
        touch(slot);
        return &slab_[slot].info;
    }

    // The entry for `id`, created when unknown.
    Info& upsert(std::string_view id) {
        std::uint64_t h = hash(id);
        if (std::size_t at = locate(id, h); at != kNotFound) {
            touch(index_[at].slot);
            return slab_[index_[at].slot].info;
        }
        std::uint32_t slot;
        if (free_ != kNone) {
            slot = free_;
            free_ = slab_[slot].next;
            slab_[slot].info = Info{};
        } else {
            slot = static_cast<std::uint32_t>(slab_.size());
            slab_.emplace_back();
        }
        Entry& e = slab_[slot];
        e.key.assign(id);
        e.hash = h;
        e.bytes = kOverhead + id.size();
        e.live = true;
        bytes_ += e.bytes;
        ++size_;
        link_front(slot);
        insert_index(h, slot);
        evict();
        return slab_[slot].info;
    }

    // Re-measures the entry for `id` after the caller changed it, then enforces the bounds; false
    // when `id` is unknown.
    bool charge(std::string_view id) {
        // Callers charge the entry they just found or created: it is at the front of the LRU
        // order, so no lookup is needed.
        std::uint32_t slot = head_;
        if (slot == kNone || slab_[slot].key != id) {
            std::size_t at = locate(id, hash(id));
            if (at == kNotFound) return false;
            slot = index_[at].slot;
        }
        Entry& e = slab_[slot];
        std::size_t now = kOverhead + id.size() + e.info.bytes();
        bytes_ = bytes_ - e.bytes + now;
        e.bytes = now;
        evict();
        return true;
    }

    bool erase(std::string_view id) {
        std::size_t at = locate(id, hash(id));
        if (at == kNotFound) return false;
        remove(at);
        return true;
    }

    // The hash of the entry that would be evicted next (0 when empty), and a hint to fetch the
    // index slot where a key with hash `h` would go: QueueTable uses them to have the old level's
    // index ready for the young level's next victim.
    std::uint64_t next_victim_hash() const { return tail_ == kNone ? 0 : slab_[tail_].hash; }
    void prefetch_slot(std::uint64_t h) const { __builtin_prefetch(&index_[tag_of(h) & mask_]); }

    // A new byte budget, applied at once.
    void set_max_bytes(std::size_t max_bytes) {
        max_bytes_ = max_bytes;
        evict();
    }

    std::size_t size() const { return size_; }
    std::size_t bytes() const { return bytes_; }
    std::size_t evictions() const { return evictions_; }

private:
    static constexpr std::size_t kOverhead = 96;  // slab entry, index slot, strings' headers
    static constexpr std::uint32_t kNone = UINT32_MAX;
    static constexpr std::size_t kNotFound = SIZE_MAX;

    // What a lookup and the LRU order touch (the key, its hash, the links) comes first, in the
    // entry's first cache line: a probe, a touch and an eviction then miss one line per entry,
    // not two or three (the neighbours' links used to sit after the info).
    struct alignas(64) Entry {
        std::string key;
        std::uint64_t hash = 0;
        std::size_t bytes = 0;
        std::uint32_t prev = kNone, next = kNone;  // LRU order; `next` also links free slots
        bool live = false;
        Info info{};
    };
    struct Slot {
        std::uint32_t tag = 0;  // low half of the key's hash (never 0); 0 marks an empty slot
        std::uint32_t slot = 0;
    };

    static std::uint64_t hash(std::string_view id) { return hash_bytes(id); }
    // The tag decides the home slot too (tag & mask), so moving slots during deletion needs no
    // visit to the entries they name.
    static std::uint32_t tag_of(std::uint64_t h) {
        auto t = static_cast<std::uint32_t>(h);
        return t == 0 ? 1 : t;
    }

    std::size_t locate(std::string_view id, std::uint64_t h) const {
        std::uint32_t tag = tag_of(h);
        for (std::size_t at = tag & mask_;; at = (at + 1) & mask_) {
            const Slot& s = index_[at];
            if (s.tag == 0) return kNotFound;
            if (s.tag == tag && slab_[s.slot].key == id) return at;
        }
    }
    void insert_index(std::uint64_t h, std::uint32_t slot) {
        std::size_t at = tag_of(h) & mask_;
        while (index_[at].tag != 0) at = (at + 1) & mask_;
        index_[at] = Slot{tag_of(h), slot};
    }
    // Removes index slot `at` and its entry (backward-shift deletion keeps probe runs unbroken).
    void remove(std::size_t at) {
        std::uint32_t slot = index_[at].slot;
        Entry& e = slab_[slot];
        bytes_ -= e.bytes;
        --size_;
        unlink(slot);
        e.live = false;
        e.key.clear();
        e.info = Info{};  // release what it held now, not when the slot is reused
        e.next = free_;
        free_ = slot;
        std::size_t hole = at;
        for (std::size_t i = (at + 1) & mask_; index_[i].tag != 0; i = (i + 1) & mask_) {
            std::size_t home = index_[i].tag & mask_;
            // Move the slot back when its home is not in the cyclic range (hole, i].
            bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!stays) {
                index_[hole] = index_[i];
                hole = i;
            }
        }
        index_[hole] = Slot{};
    }

    void link_front(std::uint32_t slot) {
        Entry& e = slab_[slot];
        e.prev = kNone;
        e.next = head_;
        if (head_ != kNone) slab_[head_].prev = slot;
        head_ = slot;
        if (tail_ == kNone) tail_ = slot;
    }
    void unlink(std::uint32_t slot) {
        Entry& e = slab_[slot];
        if (e.prev != kNone) slab_[e.prev].next = e.next;
        else head_ = e.next;
        if (e.next != kNone) slab_[e.next].prev = e.prev;
        else tail_ = e.prev;
        e.prev = e.next = kNone;
    }
    void touch(std::uint32_t slot) {
        if (head_ == slot) return;
        unlink(slot);
        link_front(slot);
    }

    void evict() {
        // Never evict the most recent entry (the one the caller is working on).
        while (size_ > 1 && (size_ > max_entries_ || bytes_ > max_bytes_)) {
            Entry& last = slab_[tail_];
            std::size_t at = locate(last.key, last.hash);
            if (at == kNotFound) __builtin_trap();  // index and LRU order disagree: a bug
            if (on_evict_) on_evict_(last.key, std::move(last.info));
            remove(at);
            ++evictions_;
        }
        // A full table evicts once per new id: fetch the next victim's entry and its index slot
        // now, while the caller goes on with other lines, instead of waiting for both misses at
        // the next eviction. (The new tail was prefetched at the previous eviction, so reading
        // its hash here is cheap.)
        if (size_ >= max_entries_ && tail_ != kNone) {
            const Entry& next = slab_[tail_];
            __builtin_prefetch(&index_[tag_of(next.hash) & mask_]);
            if (next.prev != kNone) __builtin_prefetch(&slab_[next.prev]);
        }
    }

    std::size_t max_entries_, max_bytes_;
    EvictHook on_evict_;
    std::vector<Entry> slab_;
    std::vector<Slot> index_;
    std::size_t mask_ = 0;
    std::uint32_t head_ = kNone, tail_ = kNone, free_ = kNone;
    std::size_t size_ = 0;
    std::size_t bytes_ = 0;
    std::size_t evictions_ = 0;
};


// The table the log readers use: two LRU levels. Most messages live a few lines (cleanup, qmgr,
// delivery, "removed" within seconds of log) and never leave the small young level, whose index
// and entries stay in the CPU caches; only those that outlive it (deferred messages, and ids never
// "removed" in the log) move to the large old level. A lookup tries young, then old; an id seen
// for the first time (begin) goes straight to young without probing the old level's large index,
// which used to cost a cache miss for every message. Bounds: `max_entries` ids and `max_bytes` of
// held text over both levels, as for one table; the least recently seen old ids are dropped first.
template <typename Info>
class QueueTable {
public:
    static constexpr std::size_t kDefaultMaxEntries = 50'000;
    static constexpr std::size_t kDefaultMaxBytes = 24u << 20;
    static constexpr std::size_t kMaxYoungEntries = 4'096;  // its index: 64 KiB

    explicit QueueTable(std::size_t max_entries = kDefaultMaxEntries,
                        std::size_t max_bytes = kDefaultMaxBytes)
        : max_bytes_(max_bytes),
          young_max_(young_entries(max_entries)),
          old_(old_entries(max_entries), max_bytes),
          young_(young_entries(max_entries), max_bytes / 2,
                 [this](std::string_view key, Info&& info) { migrate(key, std::move(info)); }) {}

    QueueTable(const QueueTable&) = delete;  // young_'s hook points at this table
    QueueTable& operator=(const QueueTable&) = delete;

    // The entry for `id`, marked as most recently seen; null when unknown.
    Info* find(std::string_view id) {
        if (Info* p = young_.find(id)) return p;
        return old_.find(id);
    }

    // The entry for `id`, created (in the young level) when unknown.
    Info& upsert(std::string_view id) {
        if (Info* p = young_.find(id)) return *p;
        if (Info* p = old_.find(id)) return *p;
        return begin(id);
    }

    // The entry of an id the log shows for the first time (Postfix's cleanup line starts every
    // message): made in the young level without looking in the old one. An old entry with the
    // same id (a short queue id reused after its file was removed) is shadowed, and replaced if
    // this one moves to the old level.
    Info& begin(std::string_view id) {
        Info& info = young_.upsert(id);
        balance();
        // The young level's next victim will move to the old level: fetch the old index slot it
        // will probe now, while the lines before that happen are read.
        if (young_.size() >= young_max_)
            if (std::uint64_t h = young_.next_victim_hash()) old_.prefetch_slot(h);
        return info;
    }

    // Re-measures the entry for `id` after the caller changed it, then enforces the bounds.
    void charge(std::string_view id) {
        if (!young_.charge(id)) old_.charge(id);
        balance();
    }

    void erase(std::string_view id) {
        if (!young_.erase(id)) old_.erase(id);
    }

    std::size_t size() const { return young_.size() + old_.size(); }
    std::size_t bytes() const { return young_.bytes() + old_.bytes(); }
    std::size_t evictions() const { return old_.evictions() + dropped_; }  // ids dropped (not moved)

private:
    static std::size_t young_entries(std::size_t max_entries) {
        return std::clamp<std::size_t>(max_entries / 8, 1, kMaxYoungEntries);
    }
    static std::size_t old_entries(std::size_t max_entries) {
        max_entries = std::max<std::size_t>(max_entries, 2);
        return max_entries - young_entries(max_entries);
    }
    // An entry the young level evicts for room moves to the old level, replacing a shadowed one,
    // unless its Info says it is not worth keeping (Info::worth_keeping, where it has one).
    void migrate(std::string_view key, Info&& info) {
        if constexpr (requires { info.worth_keeping(); }) {
            if (!info.worth_keeping()) {
                ++dropped_;
                return;
            }
        }
        old_.upsert(key) = std::move(info);
        old_.charge(key);
    }
    // The old level gets what the young level leaves of the byte budget.
    void balance() {
        std::size_t young = young_.bytes();
        old_.set_max_bytes(max_bytes_ > young ? max_bytes_ - young : 0);
    }

    std::size_t max_bytes_;
    std::size_t young_max_;
    std::size_t dropped_ = 0;  // young entries not worth moving to the old level
    LruTable<Info> old_;  // declared before young_: young_'s hook moves entries into it
    LruTable<Info> young_;
};

}  // namespace mxt
