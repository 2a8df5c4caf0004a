// A small RAII wrapper over SQLite's C API: a connection, prepared statements and an IMMEDIATE
// transaction guard. Errors come back as values (std::expected) carrying SQLite's message, so
// nothing in the store throws.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace mxt::store {

using Error = std::string;

class Stmt {
public:
    Stmt() = default;
    Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
    Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
    Stmt& operator=(Stmt&& o) noexcept;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    // Parameters are 1-based, as in SQLite.
    Stmt& bind(int i, std::string_view v);
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, double v);
    // true: a row is available; false: done.
    std::expected<bool, Error> step();
    // Runs a statement that returns no rows, then resets it for reuse.
    std::expected<void, Error> run();
    void reset();

    std::string text(int col) const;
    std::int64_t integer(int col) const;
    double real(int col) const;
    bool is_null(int col) const;

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* s_ = nullptr;
};

class Db {
public:
    // Opens (creating if needed) the database file and sets a busy timeout so that concurrent
    // writers wait for each other instead of failing at once.
    static std::expected<Db, Error> open(const std::string& path, int busy_timeout_ms = 15000);
    Db() = default;
    Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
    Db& operator=(Db&& o) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    std::expected<void, Error> exec(const std::string& sql);
    std::expected<Stmt, Error> prepare(std::string_view sql);
    std::string message() const;
    sqlite3* raw() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front: two processes that both read-then-write never
// deadlock on a lock upgrade (which SQLite would report as SQLITE_BUSY without waiting).
// Rolls back unless commit() succeeded.
class Transaction {
public:
    static std::expected<Transaction, Error> begin(Db& db);
    Transaction(Transaction&& o) noexcept : db_(o.db_), open_(o.open_) { o.open_ = false; }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    std::expected<void, Error> commit();

private:
    explicit Transaction(Db& db) : db_(&db), open_(true) {}
    Db* db_;
    bool open_;
};

}  // namespace mxt::store
