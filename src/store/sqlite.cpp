// Implementation of the SQLite wrapper; see sqlite.hpp.
#include "store/sqlite.hpp"

#include <utility>

namespace mxt::store {

Stmt& Stmt::operator=(Stmt&& o) noexcept {
    if (this != &o) {
        if (s_) sqlite3_finalize(s_);
        db_ = o.db_;
        s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
}

Stmt::~Stmt() {
    if (s_) sqlite3_finalize(s_);
}

Stmt& Stmt::bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
}

Stmt& Stmt::bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
}

std::expected<bool, Error> Stmt::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return std::unexpected(std::string(sqlite3_errmsg(db_)));
}

std::expected<void, Error> Stmt::run() {
    auto r = step();
    reset();
    if (!r) return std::unexpected(r.error());
    return {};
}

void Stmt::reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
    const unsigned char* t = sqlite3_column_text(s_, col);
    if (!t) return {};
    return std::string(reinterpret_cast<const char*>(t),
                       static_cast<std::size_t>(sqlite3_column_bytes(s_, col)));
}

std::int64_t Stmt::integer(int col) const { return sqlite3_column_int64(s_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(s_, col); }
bool Stmt::is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

std::expected<Db, Error> Db::open(const std::string& path, int busy_timeout_ms) {
    Db db;
    int rc = sqlite3_open_v2(path.c_str(), &db.db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db.db_ ? sqlite3_errmsg(db.db_) : "out of memory";
        return std::unexpected(path + ": " + msg);
    }
    sqlite3_busy_timeout(db.db_, busy_timeout_ms);
    sqlite3_extended_result_codes(db.db_, 1);
    return db;
}

Db& Db::operator=(Db&& o) noexcept {
    if (this != &o) {
        if (db_) sqlite3_close_v2(db_);
        db_ = std::exchange(o.db_, nullptr);
    }
    return *this;
}

Db::~Db() {
    if (db_) sqlite3_close_v2(db_);
}

std::expected<void, Error> Db::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        return std::unexpected(msg);
    }
    return {};
}

std::expected<Stmt, Error> Db::prepare(std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
        return std::unexpected(std::string(sqlite3_errmsg(db_)));
    return Stmt(db_, s);
}

std::string Db::message() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

std::expected<Transaction, Error> Transaction::begin(Db& db) {
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
    return Transaction(db);
}

Transaction::~Transaction() {
    if (open_) (void)db_->exec("ROLLBACK");
}

std::expected<void, Error> Transaction::commit() {
    auto r = db_->exec("COMMIT");
    if (r) open_ = false;
    return r;
}

}  // namespace mxt::store
