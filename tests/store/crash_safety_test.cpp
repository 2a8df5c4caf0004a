// Crash safety of the store: `kill -9` in the middle of importing a million suppressions leaves a
// database that opens with all or none of them (the import is one transaction); a full disk (a
// small tmpfs, or SQLite's max_page_count where mounting is not allowed) gives a clear error and
// leaves the previous contents intact; PRAGMA integrity_check says ok after each.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "store/database.hpp"
#include "store/suppression.hpp"
#include "store/suppression_csv.hpp"
#include "store_test_util.hpp"

using namespace mxt;
using namespace mxt::store;

namespace {

namespace fs = std::filesystem;

// `n` rows of the export format, addresses user<first+i>@<domain>.
void write_csv(const std::string& path, int first, int n, const std::string& domain = "import.example") {
    std::ofstream out(path, std::ios::binary);
    out << "address,reason,reply,first_seen,last_seen,source\n";
    std::string row;
    for (int i = first; i < first + n; ++i) {
        row = "user" + std::to_string(i) + "@" + domain +
              ",unknown_user,550 5.1.1 no such user,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,test\n";
        out << row;
    }
}

std::string integrity(Db& db) {
    auto st = db.prepare("PRAGMA integrity_check");
    if (!st) return st.error();
    auto row = st->step();
    if (!row || !*row) return "no answer";
    return st->text(0);
}

// A database with three entries that every test expects to survive.
void seed(const std::string& path) {
    auto db = open_database(path);
    ASSERT_TRUE(db) << db.error();
    SuppressionList list(*db);
    for (const char* a : {"kept1@old.example", "kept2@old.example", "kept3@old.example"})
        ASSERT_TRUE(list.upsert({a, "unknown_user", "550 5.1.1", "", "", "seed"}));
}

std::uint64_t file_size(const std::string& p) {
    std::error_code ec;
    auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

// The child: imports `csv` through the store API; writes 'c' on `fd` once the commit returned,
// then waits to be killed.
[[noreturn]] void import_child(const std::string& db_path, const std::string& csv, int fd) {
    auto db = open_database(db_path);
    if (!db) _exit(10);
    std::ifstream in(csv, std::ios::binary);
    auto r = import_csv(*db, in, csv);
    if (!r) _exit(11);
    char c = 'c';
    if (::write(fd, &c, 1) != 1) _exit(12);
    for (;;) ::pause();
}

constexpr int kMillion = 1000000;

TEST(CrashSafety, KillDuringAMillionRowImportLeavesNoneOfThem) {
    test::TempDir dir;
    std::string db_path = dir.file("s.db"), csv = dir.file("million.csv");
    seed(db_path);
    write_csv(csv, 0, kMillion);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(fds[0]);
        import_child(db_path, csv, fds[1]);
    }
    ::close(fds[1]);
    // Kill once the transaction has spilled pages into the WAL (SQLite writes uncommitted pages
    // there when its cache fills): the import is well under way, and not committed.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (file_size(db_path + "-wal") < (8u << 20) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_GE(file_size(db_path + "-wal"), 8u << 20) << "the import never got going";
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));
    char c = 0;
    bool committed = ::read(fds[0], &c, 1) == 1;
    ::close(fds[0]);
    ASSERT_FALSE(committed) << "the child finished before it was killed; the test proves nothing";
    auto db = open_database(db_path);
    ASSERT_TRUE(db) << db.error();
    EXPECT_EQ(integrity(*db), "ok");
    EXPECT_EQ(*SuppressionList(*db).count(), 3) << "none of the million, all of the seed";
}

TEST(CrashSafety, KillJustAfterTheCommitKeepsAllOfThem) {
    test::TempDir dir;
    std::string db_path = dir.file("s.db"), csv = dir.file("million.csv");
    seed(db_path);
    write_csv(csv, 0, kMillion);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(fds[0]);
        import_child(db_path, csv, fds[1]);
    }
    ::close(fds[1]);
    char c = 0;
    bool committed = ::read(fds[0], &c, 1) == 1;  // blocks until the commit returned
    ::close(fds[0]);
    // No checkpoint, no close: the committed transaction lives only in the WAL when it dies.
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(committed) << "the child failed with exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    auto db = open_database(db_path);
    ASSERT_TRUE(db) << db.error();
    EXPECT_EQ(integrity(*db), "ok");
    SuppressionList list(*db);
    EXPECT_EQ(*list.count(), kMillion + 3);
    auto last = list.check("user999999@import.example");
    ASSERT_TRUE(last && *last);
    EXPECT_EQ((*last)->reason, "unknown_user");
}

// --- full disk ---

struct BinaryRun {
    int status = -1;
    std::string out, err;
};

BinaryRun run_binary(const std::vector<std::string>& args) {
    std::string tag = fs::temp_directory_path() / ("mxt-store-run-" + std::to_string(::getpid()));
    std::string out = tag + ".out", err = tag + ".err";
    pid_t pid = fork();
    if (pid == 0) {
        int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(o, 1);
        ::dup2(e, 2);
        ::unsetenv("MXTRIAGE_DB");
        std::vector<std::string> all{MXT_BINARY};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(MXT_BINARY, argv.data());
        _exit(127);
    }
    BinaryRun r;
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    auto slurp = [](const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    r.out = slurp(out);
    r.err = slurp(err);
    std::remove(out.c_str());
    std::remove(err.c_str());
    return r;
}

// A small tmpfs mounted for one test and unmounted (lazily, so a test that failed with files
// still open cannot leave it behind) when the object goes.
class SmallDisk {
public:
    explicit SmallDisk(const std::string& dir, std::size_t bytes) : dir_(dir) {
        fs::create_directories(dir_);
        std::string opts = "size=" + std::to_string(bytes) + ",mode=0700";
        mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str()) == 0;
        if (!mounted_) why_ = std::strerror(errno);
    }
    ~SmallDisk() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
        std::error_code ec;
        fs::remove(dir_, ec);
    }
    bool mounted() const { return mounted_; }
    const std::string& why() const { return why_; }

private:
    std::string dir_;
    bool mounted_ = false;
    std::string why_;
};

TEST(CrashSafety, FullDiskGivesAClearErrorAndKeepsThePreviousContents) {
    test::TempDir dir;
    std::string csv = dir.file("big.csv");
    write_csv(csv, 0, 60000);  // about 12 MB of pages: far more than the disk holds
    SmallDisk disk(dir.file("disk"), 1u << 20);
    if (disk.mounted()) {
        std::string db_path = dir.file("disk") + "/s.db";
        seed(db_path);
        auto r = run_binary({"suppress", "--db", db_path, "import", csv});
        EXPECT_EQ(r.status, 2) << r.out << r.err;
        EXPECT_NE(r.err.find("mxtriage: " + csv + ":"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("database or disk is full"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
        {
            auto db = open_database(db_path);
            ASSERT_TRUE(db) << db.error();
            EXPECT_EQ(integrity(*db), "ok");
            SuppressionList list(*db);
            EXPECT_EQ(*list.count(), 3) << "all or nothing, and the seed intact";
            auto kept = list.check("kept2@old.example");
            ASSERT_TRUE(kept && *kept);
            // Still usable on the full disk: a small write goes through.
            EXPECT_TRUE(list.upsert({"after@full.example", "manual", "", "", "", ""}));
        }
        // `check` reads on the full disk, and says the failed import added nothing.
        auto chk = run_binary({"suppress", "--db", db_path, "check", "user10@import.example", "kept1@old.example"});
        EXPECT_EQ(chk.status, 1) << chk.err;
        EXPECT_NE(chk.out.find("user10@import.example: not suppressed"), std::string::npos) << chk.out;
        EXPECT_NE(chk.out.find("kept1@old.example: suppressed"), std::string::npos) << chk.out;
    } else {
        // Mounting is not allowed here: let SQLite itself run out of pages, which gives the same
        // SQLITE_FULL error through the same code path.
        std::printf("tmpfs not mounted (%s): using PRAGMA max_page_count\n", disk.why().c_str());
        std::string db_path = dir.file("s.db");
        seed(db_path);
        auto db = open_database(db_path);
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("PRAGMA max_page_count = 64"));
        std::ifstream in(csv, std::ios::binary);
        auto r = import_csv(*db, in, csv);
        ASSERT_FALSE(r.has_value());
        EXPECT_NE(r.error().find("database or disk is full"), std::string::npos) << r.error();
        EXPECT_EQ(r.error().rfind(csv + ":", 0), 0u) << r.error();
        EXPECT_EQ(integrity(*db), "ok");
        EXPECT_EQ(*SuppressionList(*db).count(), 3);
    }
}

}  // namespace
