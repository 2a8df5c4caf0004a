// Triage history in SQL; see history.hpp.
#include "store/history.hpp"

#include <algorithm>

#include "store/clock.hpp"

namespace mxt::store {

void StatCounts::add(const StatCounts& o) {
    attempts += o.attempts;
    delivered += o.delivered;
    deferred += o.deferred;
    bounced += o.bounced;
    permanent += o.permanent;
    unknown_user += o.unknown_user;
    complaints += o.complaints;
    if (o.first_unix && (!first_unix || o.first_unix < first_unix)) first_unix = o.first_unix;
    if (o.last_unix > last_unix) last_unix = o.last_unix;
}

std::expected<RecordCounts, Error> record_inputs(Db& db, const std::vector<InputRecord>& inputs) {
    auto tx = Transaction::begin(db);
    if (!tx) return std::unexpected(tx.error());
    auto ins = db.prepare(
        "INSERT OR IGNORE INTO input (digest, source, events, first_unix, last_unix, recorded_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!ins) return std::unexpected(ins.error());
    auto stat = db.prepare(
        "INSERT OR IGNORE INTO campaign_stat (campaign, provider, digest, attempts, delivered, "
        "deferred, bounced, permanent, unknown_user, complaints, first_unix, last_unix) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!stat) return std::unexpected(stat.error());
    RecordCounts counts;
    std::string now = iso_utc(now_unix());
    for (const InputRecord& in : inputs) {
        ins->bind(1, in.digest).bind(2, in.source).bind(3, in.events);
        ins->bind(4, in.first_unix).bind(5, in.last_unix).bind(6, now);
        if (auto r = ins->run(); !r) return std::unexpected(r.error());
        if (sqlite3_changes(db.raw()) == 0) {
            ++counts.known;
            continue;
        }
        ++counts.recorded;
        for (const auto& [key, c] : in.stats) {
            stat->bind(1, key.first).bind(2, key.second).bind(3, in.digest);
            stat->bind(4, c.attempts).bind(5, c.delivered).bind(6, c.deferred).bind(7, c.bounced);
            stat->bind(8, c.permanent).bind(9, c.unknown_user).bind(10, c.complaints);
            stat->bind(11, c.first_unix).bind(12, c.last_unix);
            if (auto r = stat->run(); !r) return std::unexpected(r.error());
        }
    }
    if (auto r = tx->commit(); !r) return std::unexpected(r.error());
    return counts;
}

namespace {
constexpr const char* kStatColumns =
    "campaign, provider, digest, attempts, delivered, deferred, bounced, permanent, unknown_user, "
    "complaints, first_unix, last_unix";

StatCounts row_counts(const Stmt& st) {
    StatCounts c;
    c.attempts = st.integer(3);
    c.delivered = st.integer(4);
    c.deferred = st.integer(5);
    c.bounced = st.integer(6);
    c.permanent = st.integer(7);
    c.unknown_user = st.integer(8);
    c.complaints = st.integer(9);
    c.first_unix = st.integer(10);
    c.last_unix = st.integer(11);
    return c;
}
}  // namespace

std::expected<Baseline, Error> load_baseline(Db& db, const std::set<std::string>& exclude_campaigns,
                                             const std::set<std::string>& exclude_digests) {
    auto st = db.prepare(std::string("SELECT ") + kStatColumns + " FROM campaign_stat");
    if (!st) return std::unexpected(st.error());
    Baseline b;
    std::set<std::string> campaigns;
    for (;;) {
        auto row = st->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        std::string campaign = st->text(0), provider = st->text(1), digest = st->text(2);
        if (exclude_campaigns.contains(campaign) || exclude_digests.contains(digest)) continue;
        StatCounts c = row_counts(*st);
        b.overall.add(c);
        b.providers[provider].add(c);
        campaigns.insert(campaign);
    }
    b.campaigns = static_cast<int>(campaigns.size());
    return b;
}

std::expected<std::vector<CampaignHistory>, Error> list_history(Db& db) {
    auto st = db.prepare(std::string("SELECT ") + kStatColumns + " FROM campaign_stat");
    if (!st) return std::unexpected(st.error());
    std::map<std::string, CampaignHistory> by_name;
    std::map<std::string, std::set<std::string>> digests;
    for (;;) {
        auto row = st->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        std::string campaign = st->text(0);
        CampaignHistory& h = by_name[campaign];
        h.campaign = campaign;
        StatCounts c = row_counts(*st);
        h.counts.add(c);
        h.providers[st->text(1)].add(c);
        digests[campaign].insert(st->text(2));
    }
    std::vector<CampaignHistory> out;
    for (auto& [name, h] : by_name) {
        h.inputs = static_cast<int>(digests[name].size());
        out.push_back(std::move(h));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.counts.first_unix < b.counts.first_unix;
    });
    return out;
}

}  // namespace mxt::store
