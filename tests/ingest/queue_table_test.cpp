// LruTable, a level of QueueTable (src/ingest/queue_table.hpp), against a plain reference model:
// the same random mix of upserts, finds, charges and erases must leave the same ids, in the same
// recency order, with the same evictions, and the table's own index must stay consistent after
// backward-shift deletions. Then QueueTable's two levels: bounds, never a stale value, and the
// most recently seen ids always found.
#include <gtest/gtest.h>

#include <list>
#include <map>
#include <random>
#include <string>

#include "ingest/queue_table.hpp"

namespace mxt {
namespace {

struct Info {
    std::string s;
    std::size_t bytes() const { return s.size(); }
};

// The obvious implementation: a list in recency order, searched linearly.
class Model {
public:
    Model(std::size_t max_entries, std::size_t max_bytes) : max_(max_entries), max_bytes_(max_bytes) {}
    Info* find(const std::string& id) {
        for (auto it = l_.begin(); it != l_.end(); ++it)
            if (it->id == id) {
                l_.splice(l_.begin(), l_, it);
                return &l_.front().info;
            }
        return nullptr;
    }
    Info& upsert(const std::string& id) {
        if (Info* i = find(id)) return *i;
        l_.push_front({id, {}, 96 + id.size()});
        bytes_ += 96 + id.size();
        evict();
        return l_.front().info;
    }
    void charge(const std::string& id) {
        for (auto& e : l_)
            if (e.id == id) {
                std::size_t now = 96 + id.size() + e.info.bytes();
                bytes_ = bytes_ - e.bytes + now;
                e.bytes = now;
                break;
            }
        evict();
    }
    void erase(const std::string& id) {
        for (auto it = l_.begin(); it != l_.end(); ++it)
            if (it->id == id) {
                bytes_ -= it->bytes;
                l_.erase(it);
                return;
            }
    }
    std::size_t size() const { return l_.size(); }
    std::size_t bytes() const { return bytes_; }
    std::size_t evictions = 0;

private:
    struct E {
        std::string id;
        Info info;
        std::size_t bytes;
    };
    void evict() {
        while (l_.size() > 1 && (l_.size() > max_ || bytes_ > max_bytes_)) {
            bytes_ -= l_.back().bytes;
            l_.pop_back();
            ++evictions;
        }
    }
    std::size_t max_, max_bytes_;
    std::list<E> l_;
    std::size_t bytes_ = 0;
};

TEST(LruTable, AgreesWithAReferenceModel) {
    for (unsigned seed : {1u, 2u, 3u}) {
        std::mt19937 rng(seed);
        // Few distinct ids and a small table: collisions in the index, evictions and reuse of
        // freed slots all happen often.
        LruTable<Info> t(40, 40 * 200);
        Model m(40, 40 * 200);
        for (int step = 0; step < 20000; ++step) {
            std::string id = "Q" + std::to_string(rng() % 120);
            switch (rng() % 4) {
                case 0: {
                    std::string v(rng() % 150, 'x');
                    t.upsert(id).s = v;
                    m.upsert(id).s = v;
                    t.charge(id);
                    m.charge(id);
                    break;
                }
                case 1: {
                    Info* a = t.find(id);
                    Info* b = m.find(id);
                    ASSERT_EQ(a == nullptr, b == nullptr) << "step " << step << " id " << id;
                    if (a) {
                        ASSERT_EQ(a->s, b->s);
                    }
                    break;
                }
                case 2:
                    t.erase(id);
                    m.erase(id);
                    break;
                default:
                    t.upsert(id);
                    m.upsert(id);
                    break;
            }
            ASSERT_EQ(t.size(), m.size()) << "step " << step;
            ASSERT_EQ(t.bytes(), m.bytes()) << "step " << step;
        }
        EXPECT_EQ(t.evictions(), m.evictions);
        EXPECT_GT(t.evictions(), 0u);
        // Every id the model holds, the table finds, with the same value.
        for (int i = 0; i < 120; ++i) {
            std::string id = "Q" + std::to_string(i);
            Info* a = t.find(id);
            Info* b = m.find(id);
            ASSERT_EQ(a == nullptr, b == nullptr) << id;
            if (a) {
                EXPECT_EQ(a->s, b->s);
            }
        }
    }
}

TEST(QueueTable, TwoLevelsKeepBoundsRecentIdsAndLatestValues) {
    for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
        std::mt19937 rng(seed);
        constexpr std::size_t kMax = 80;  // young level 10, old level 70
        constexpr std::size_t kYoung = 10;
        QueueTable<Info> t(kMax, 1u << 20);
        std::map<std::string, std::string> latest;  // what each id was last given
        std::list<std::string> recent;  // distinct ids, most recently touched first
        auto touched = [&](const std::string& id) {
            recent.remove(id);
            recent.push_front(id);
        };
        for (int step = 0; step < 20'000; ++step) {
            std::string id = "Q" + std::to_string(rng() % 300);
            switch (rng() % 4) {
                case 0:
                case 1: {  // a new value
                    std::string v = std::to_string(step);
                    t.upsert(id).s = v;
                    t.charge(id);
                    latest[id] = v;
                    touched(id);
                    break;
                }
                case 2:
                    if (t.find(id)) touched(id);
                    break;
                case 3:
                    t.erase(id);
                    latest.erase(id);
                    recent.remove(id);
                    break;
            }
            ASSERT_LE(t.size(), kMax) << "step " << step;
            // Never a stale value: what is found is what the id was last given.
            Info* p = t.find(id);
            if (p) {
                ASSERT_TRUE(latest.count(id)) << id << " found after it was erased, step " << step;
                ASSERT_EQ(p->s, latest[id]) << id << ", step " << step;
                touched(id);
            }
            // The ten most recently seen ids are always there. (find() touches: looking them up
            // from the least recent to the most recent keeps their order.)
            std::vector<std::string> top;
            for (auto it = recent.begin(); it != recent.end() && top.size() < kYoung; ++it) top.push_back(*it);
            for (auto it = top.rbegin(); it != top.rend(); ++it)
                ASSERT_NE(t.find(*it), nullptr) << *it << " lost, step " << step;
        }
        EXPECT_GT(t.evictions(), 0u);
    }
}

TEST(QueueTable, ByteBudgetHoldsOverBothLevels) {
    QueueTable<Info> t(100, 2000);
    for (int i = 0; i < 50; ++i) {
        std::string id = "Q" + std::to_string(i);
        t.upsert(id).s.assign(300, 'x');
        t.charge(id);
        // One entry may exceed the budget for a moment (the newest is never evicted), no more.
        ASSERT_LE(t.bytes(), 2000u + 96 + 3 + 300) << i;
    }
    EXPECT_GT(t.evictions(), 0u);
    EXPECT_NE(t.find("Q49"), nullptr);
}

TEST(QueueTable, ANewIdShadowsAndThenReplacesAnOldOne) {
    QueueTable<Info> t(16, 1u << 20);  // young level 2
    t.upsert("A").s = "old message";
    for (int i = 0; i < 4; ++i) t.upsert("F" + std::to_string(i)).s = "filler";  // A moves to old
    t.begin("A").s = "new message";
    EXPECT_EQ(t.find("A")->s, "new message");
    for (int i = 4; i < 8; ++i) t.upsert("F" + std::to_string(i)).s = "filler";  // new A moves too
    EXPECT_EQ(t.find("A")->s, "new message");
    EXPECT_EQ(t.size(), 9u);  // A once, eight fillers
}

TEST(QueueTable, EntriesNotWorthKeepingAreDroppedNotMoved) {
    struct Kept {
        std::string s;
        bool keep = true;
        std::size_t bytes() const { return s.size(); }
        bool worth_keeping() const { return keep; }
    };
    QueueTable<Kept> t(16, 1u << 20);  // young level 2, old level 14
    t.upsert("notice").keep = false;
    t.upsert("message").s = "sender";
    for (int i = 0; i < 4; ++i) t.upsert("F" + std::to_string(i));  // both leave the young level
    EXPECT_EQ(t.find("notice"), nullptr);
    ASSERT_NE(t.find("message"), nullptr);
    EXPECT_EQ(t.find("message")->s, "sender");
    EXPECT_EQ(t.evictions(), 1u);
    EXPECT_EQ(t.size(), 5u);
}

TEST(QueueTable, LongIdsAndManyEntries) {
    QueueTable<Info> t(50'000, 1u << 30);
    for (int i = 0; i < 120'000; ++i) t.upsert("1rXyZa-000ABC-" + std::to_string(i)).s = "v";
    EXPECT_EQ(t.size(), 50'000u);
    EXPECT_EQ(t.evictions(), 70'000u);
    EXPECT_EQ(t.find("1rXyZa-000ABC-69999"), nullptr);
    ASSERT_NE(t.find("1rXyZa-000ABC-70000"), nullptr);
    ASSERT_NE(t.find("1rXyZa-000ABC-119999"), nullptr);
    for (int i = 70'000; i < 120'000; ++i) t.erase("1rXyZa-000ABC-" + std::to_string(i));
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.bytes(), 0u);
}

}  // namespace
}  // namespace mxt
