// The mxtriage database: where it lives (--db, $MXTRIAGE_DB, the XDG data directory), and opening
// it with WAL journaling, a busy timeout and the schema brought up to date by migrations.
#pragma once

#include <expected>
#include <string>

#include "store/sqlite.hpp"

namespace mxt::store {

// The schema version this build writes (PRAGMA user_version after migration).
int schema_version();

// `cli_value` if not empty, else $MXTRIAGE_DB, else $XDG_DATA_HOME/mxtriage/mxtriage.db, else
// ~/.local/share/mxtriage/mxtriage.db.
std::string resolve_db_path(const std::string& cli_value);

// Opens the database, creating its directory and file if needed, switches it to WAL and applies
// any pending migration in one IMMEDIATE transaction (so two processes starting at once migrate
// once). A database newer than this build is refused rather than written to.
std::expected<Db, Error> open_database(const std::string& path);

}  // namespace mxt::store
