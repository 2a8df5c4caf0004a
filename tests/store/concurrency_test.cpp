// Two processes writing the suppression list and the history at the same time: SQLite's locking
// plus BEGIN IMMEDIATE and the busy timeout must serialise them without loss or corruption.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/database.hpp"
#include "store/history.hpp"
#include "store/suppression.hpp"
#include "store/suppression_apply.hpp"
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
