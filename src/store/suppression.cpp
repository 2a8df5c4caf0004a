// The suppression list's SQL; see suppression.hpp.
#include "store/suppression.hpp"

#include "store/address.hpp"
#include "store/clock.hpp"

namespace mxt::store {

std::expected<Upsert, Error> SuppressionList::upsert(SuppressionEntry e) {
    auto n = normalise_address(e.address);
    if (!n) return std::unexpected("not an e-mail address: \"" + e.address + "\"");
    std::string now = iso_utc(now_unix());
    if (e.first_seen.empty()) e.first_seen = e.last_seen.empty() ? now : e.last_seen;
    if (e.last_seen.empty()) e.last_seen = e.first_seen;
    if (e.reason.empty()) e.reason = "manual";
    if (e.source.empty()) e.source = "manual";

    if (!prepared_) {
        auto exists = db_.prepare("SELECT 1 FROM suppression WHERE address_key = ?1");
        if (!exists) return std::unexpected(exists.error());
        // In SET, bare column names are the stored row's values, `excluded.` the new ones.
        auto st = db_.prepare(R"sql(
INSERT INTO suppression (address_key, address, reason, reply, first_seen, last_seen, source, added_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (address_key) DO UPDATE SET
    reason = CASE WHEN excluded.last_seen >= last_seen THEN excluded.reason ELSE reason END,
    reply = CASE WHEN excluded.last_seen >= last_seen THEN excluded.reply ELSE reply END,
    source = CASE WHEN excluded.last_seen >= last_seen THEN excluded.source ELSE source END,
    first_seen = MIN(first_seen, excluded.first_seen),
    last_seen = MAX(last_seen, excluded.last_seen)
)sql");
        if (!st) return std::unexpected(st.error());
        exists_ = std::move(*exists);
        upsert_ = std::move(*st);
        prepared_ = true;
    }
    exists_.bind(1, n->key);
    auto found = exists_.step();
    exists_.reset();
    if (!found) return std::unexpected(found.error());

    upsert_.bind(1, n->key).bind(2, n->display).bind(3, e.reason).bind(4, e.reply);
    upsert_.bind(5, e.first_seen).bind(6, e.last_seen).bind(7, e.source).bind(8, now);
    if (auto r = upsert_.run(); !r) return std::unexpected(r.error());
    return *found ? Upsert::updated : Upsert::added;
}

std::expected<bool, Error> SuppressionList::remove(std::string_view address) {
    auto n = normalise_address(address);
    if (!n) return std::unexpected("not an e-mail address: \"" + std::string(address) + "\"");
    auto st = db_.prepare("DELETE FROM suppression WHERE address_key = ?1");
    if (!st) return std::unexpected(st.error());
    st->bind(1, n->key);
    if (auto r = st->run(); !r) return std::unexpected(r.error());
    return sqlite3_changes(db_.raw()) > 0;
}

namespace {
SuppressionEntry row_entry(const Stmt& st) {
    return {st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5)};
}
}  // namespace

std::expected<std::optional<SuppressionEntry>, Error> SuppressionList::check(
    std::string_view address) {
    auto n = normalise_address(address);
    if (!n) return std::unexpected("not an e-mail address: \"" + std::string(address) + "\"");
    auto st = db_.prepare(
        "SELECT address, reason, reply, first_seen, last_seen, source FROM suppression "
        "WHERE address_key = ?1");
    if (!st) return std::unexpected(st.error());
    st->bind(1, n->key);
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<SuppressionEntry>{};
    return std::optional<SuppressionEntry>{row_entry(*st)};
}

std::expected<void, Error> SuppressionList::for_each(
    std::string_view reason, const std::function<void(const SuppressionEntry&)>& fn) {
    auto st = db_.prepare(
        "SELECT address, reason, reply, first_seen, last_seen, source FROM suppression "
        "WHERE ?1 = '' OR reason = ?1 ORDER BY address_key");
    if (!st) return std::unexpected(st.error());
    st->bind(1, reason);
    for (;;) {
        auto row = st->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return {};
        fn(row_entry(*st));
    }
}

std::expected<std::int64_t, Error> SuppressionList::count() {
    auto st = db_.prepare("SELECT COUNT(*) FROM suppression");
    if (!st) return std::unexpected(st.error());
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    return st->integer(0);
}

}  // namespace mxt::store
