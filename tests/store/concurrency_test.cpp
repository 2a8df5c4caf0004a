// Processes writing the suppression list and the history at the same time, and reading it while
// others write: SQLite's locking (WAL), BEGIN IMMEDIATE and the busy timeout must serialise the
// writers without loss or corruption and show readers only whole transactions.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <vector>

#include "store/database.hpp"
#include "store/history.hpp"
#include "store/suppression.hpp"
#include "store/suppression_apply.hpp"
#include "store/suppression_csv.hpp"
#include "store_test_util.hpp"

using namespace mxt;
using namespace mxt::store;

namespace {
// The child's work: 300 small transactions, half of the addresses shared with the other writer.
int writer(const std::string& path, int id) {
    auto db = open_database(path);
    if (!db) return 10;
    for (int batch = 0; batch < 30; ++batch) {
        SuppressionApplier applier(*db, {});
        for (int i = 0; i < 10; ++i) {
            int n = batch * 10 + i;
            std::string who = (n % 2 == 0) ? "shared" + std::to_string(n)
                                           : "w" + std::to_string(id) + "-" + std::to_string(n);
            auto e = test::rejection(who + "@example.com", Category::unknown_user, "550", "5.1.1",
                                     "550 5.1.1 user unknown", 1767225600 + n);
            if (!applier.observe(e)) return 11;
        }
        if (!applier.finish()) return 12;
        InputRecord in;
        in.digest = "w" + std::to_string(id) + "-" + std::to_string(batch);
        in.source = "writer";
        in.events = 10;
        in.stats[{"c" + std::to_string(id), "google"}].attempts = 10;
        if (!record_inputs(*db, {in})) return 13;
    }
    return 0;
}
}  // namespace

TEST(Concurrency, TwoProcessesWriteWithoutLoss) {
    test::TempDir dir;
    std::string path = dir.file("shared.db");
    pid_t pids[2];
    for (int id = 0; id < 2; ++id) {
        pids[id] = fork();
        ASSERT_GE(pids[id], 0);
        if (pids[id] == 0) _exit(writer(path, id));
    }
    for (pid_t pid : pids) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        EXPECT_EQ(WEXITSTATUS(status), 0);
    }
    auto db = open_database(path);
    ASSERT_TRUE(db);
    auto ok = db->prepare("PRAGMA integrity_check");
    ASSERT_TRUE(ok && *ok->step());
    EXPECT_EQ(ok->text(0), "ok");
    SuppressionList list(*db);
    // 150 shared + 150 per writer.
    EXPECT_EQ(*list.count(), 150 + 2 * 150);
    auto hist = list_history(*db);
    ASSERT_TRUE(hist);
    ASSERT_EQ(hist->size(), 2u);
    for (const auto& h : *hist) {
        EXPECT_EQ(h.inputs, 30);
        EXPECT_EQ(h.counts.attempts, 300);
    }
}

namespace {
// Rows of the export format: `n` addresses of the writer's own and `shared` common to all.
std::string import_rows(int id, int n, int shared) {
    std::string csv = "address,reason,reply,first_seen,last_seen,source\n";
    for (int i = 0; i < n; ++i)
        csv += "w" + std::to_string(id) + "-" + std::to_string(i) + "@example.com,unknown_user,550 5.1.1,,,w\n";
    for (int i = 0; i < shared; ++i) csv += "shared" + std::to_string(i) + "@example.com,unknown_user,550 5.1.1,,,w\n";
    return csv;
}
}  // namespace

// Three processes import at once while two others keep counting and checking: every import is one
// transaction, so a reader only ever sees the union of whole imports (0, 2500, 4500 or 6500 rows),
// never a part of one, and never waits for a writer (WAL).
TEST(Concurrency, ImportsAreSeenWholeByConcurrentReaders) {
    test::TempDir dir;
    std::string path = dir.file("shared.db");
    ASSERT_TRUE(open_database(path));  // schema first, so that readers find the table
    constexpr int kWriters = 3, kReaders = 2, kOwn = 2000, kShared = 500;
    std::vector<pid_t> pids;
    for (int id = 0; id < kWriters; ++id) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            auto db = open_database(path);
            if (!db) _exit(10);
            std::istringstream in(import_rows(id, kOwn, kShared));
            auto r = import_csv(*db, in, "w" + std::to_string(id));
            _exit(r && r->added + r->updated == kOwn + kShared ? 0 : 11);
        }
        pids.push_back(pid);
    }
    for (int id = 0; id < kReaders; ++id) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            auto db = open_database(path);
            if (!db) _exit(20);
            SuppressionList list(*db);
            auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
            while (std::chrono::steady_clock::now() < until) {
                // One read transaction: the count and the lookup see the same snapshot.
                if (!db->exec("BEGIN")) _exit(27);
                auto n = list.count();
                if (!n) _exit(21);
                if (*n != 0 && *n != 2500 && *n != 4500 && *n != 6500) _exit(22);  // a partial import
                auto shared = list.check("shared499@example.com");
                if (!shared) _exit(23);
                if (*n == 0 && shared->has_value()) _exit(24);
                if (*n > 0 && !shared->has_value()) _exit(25);
                if (!db->exec("COMMIT")) _exit(28);
                if (*n == 6500) _exit(0);
            }
            _exit(26);  // never saw the end
        }
        pids.push_back(pid);
    }
    for (pid_t pid : pids) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        EXPECT_EQ(WEXITSTATUS(status), 0) << "process " << pid;
    }
    auto db = open_database(path);
    ASSERT_TRUE(db);
    auto ok = db->prepare("PRAGMA integrity_check");
    ASSERT_TRUE(ok && *ok->step());
    EXPECT_EQ(ok->text(0), "ok");
    EXPECT_EQ(*SuppressionList(*db).count(), kWriters * kOwn + kShared);
}
