// Opening the database and its schema migrations; see database.hpp.
#include "store/database.hpp"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace mxt::store {
namespace {

// Each entry moves the schema from version i to i+1. Never edit a released entry: add one.
constexpr std::array<std::string_view, 1> kMigrations{{
    // 1: suppression list, mailbox-full failure log, triage history.
    R"sql(
CREATE TABLE suppression (
    address_key TEXT PRIMARY KEY,   -- the whole address lower-cased: how entries are compared
    address     TEXT NOT NULL,      -- as first seen, domain lower-cased, local part kept
    reason      TEXT NOT NULL,      -- a category (unknown_user, ...) or "manual"
    reply       TEXT NOT NULL,
    first_seen  TEXT NOT NULL,      -- ISO 8601 UTC
    last_seen   TEXT NOT NULL,
    source      TEXT NOT NULL,      -- the input or "manual" / "import"
    added_at    TEXT NOT NULL
);
CREATE TABLE mailbox_full_failure (
    address_key TEXT NOT NULL,
    at_unix     INTEGER NOT NULL,   -- one row per failure; the key makes re-reading a log idempotent
    address     TEXT NOT NULL,
    reply       TEXT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (address_key, at_unix)
);
CREATE TABLE input (
    digest      TEXT PRIMARY KEY,   -- fingerprint of the events an input held
    source      TEXT NOT NULL,
    events      INTEGER NOT NULL,
    first_unix  INTEGER NOT NULL,
    last_unix   INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE campaign_stat (
    campaign     TEXT NOT NULL,
    provider     TEXT NOT NULL,
    digest       TEXT NOT NULL REFERENCES input(digest),
    attempts     INTEGER NOT NULL,
    delivered    INTEGER NOT NULL,
    deferred     INTEGER NOT NULL,
    bounced      INTEGER NOT NULL,
    permanent    INTEGER NOT NULL,  -- bounced with a 5xx reply
    unknown_user INTEGER NOT NULL,
    complaints   INTEGER NOT NULL,
    first_unix   INTEGER NOT NULL,
    last_unix    INTEGER NOT NULL,
    PRIMARY KEY (campaign, provider, digest)
);
CREATE INDEX campaign_stat_digest ON campaign_stat(digest);
)sql",
}};

std::expected<int, Error> user_version(Db& db) {
    auto st = db.prepare("PRAGMA user_version");
    if (!st) return std::unexpected(st.error());
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    return static_cast<int>(st->integer(0));
}

}  // namespace

int schema_version() { return static_cast<int>(kMigrations.size()); }

std::string resolve_db_path(const std::string& cli_value) {
    if (!cli_value.empty()) return cli_value;
    if (const char* env = std::getenv("MXTRIAGE_DB"); env && *env) return env;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return std::string(xdg) + "/mxtriage/mxtriage.db";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.local/share/mxtriage/mxtriage.db";
}

std::expected<Db, Error> open_database(const std::string& path) {
    if (path != ":memory:") {
        std::filesystem::path dir = std::filesystem::path(path).parent_path();
        std::error_code ec;
        if (!dir.empty()) std::filesystem::create_directories(dir, ec);
        if (ec) return std::unexpected(dir.string() + ": " + ec.message());
    }
    auto db = Db::open(path);
    if (!db) return std::unexpected(db.error());
    // WAL lets readers (history, suppress check) run while a triage writes.
    if (auto r = db->exec("PRAGMA journal_mode=WAL"); !r)
        return std::unexpected(path + ": " + r.error());
    if (auto r = db->exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON"); !r)
        return std::unexpected(path + ": " + r.error());

    auto current = user_version(*db);
    if (!current) return std::unexpected(path + ": " + current.error());
    if (*current == schema_version()) return std::move(*db);
    if (*current > schema_version())
        return std::unexpected(path + ": schema version " + std::to_string(*current) +
                               " is newer than this mxtriage understands (" +
                               std::to_string(schema_version()) + ")");
    auto tx = Transaction::begin(*db);
    if (!tx) return std::unexpected(path + ": " + tx.error());
    // Re-read under the write lock: another process may have migrated meanwhile.
    current = user_version(*db);
    if (!current) return std::unexpected(path + ": " + current.error());
    for (int v = *current; v < schema_version(); ++v) {
        if (auto r = db->exec(std::string(kMigrations[static_cast<std::size_t>(v)])); !r)
            return std::unexpected(path + ": migration to version " + std::to_string(v + 1) +
                                   ": " + r.error());
    }
    if (auto r = db->exec("PRAGMA user_version=" + std::to_string(schema_version())); !r)
        return std::unexpected(path + ": " + r.error());
    if (auto r = tx->commit(); !r) return std::unexpected(path + ": " + r.error());
    return std::move(*db);
}

}  // namespace mxt::store
