// The compiled-database cache (src/rules/hs_cache.hpp): a second compile of the same patterns is
// read from the cache and matches like a fresh one; a damaged cache file, or the cache turned off,
// falls back to compiling.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rules/hs_cache.hpp"

namespace mxt::rules {
namespace {

namespace fs = std::filesystem;

struct CacheDir {
    fs::path dir = fs::temp_directory_path() / ("mxt-hscache-" + std::to_string(::getpid()));
    CacheDir() {
        fs::remove_all(dir);
        ::setenv("MXTRIAGE_CACHE_DIR", dir.c_str(), 1);
    }
    ~CacheDir() {
        ::unsetenv("MXTRIAGE_CACHE_DIR");
        fs::remove_all(dir);
    }
    std::vector<fs::path> files() const {
        std::vector<fs::path> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
        return out;
    }
};

const std::vector<const char*> kExprs = {"user unknown", "blocked using", "mailbox (is )?full"};
const std::vector<unsigned> kFlags(3, HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
const std::vector<unsigned> kIds = {0, 1, 2};

// The ids that match `text`.
std::vector<unsigned> matches(hs_database_t* db, std::string_view text) {
    hs_scratch_t* scratch = nullptr;
    EXPECT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
    std::vector<unsigned> ids;
    hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
            [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
                static_cast<std::vector<unsigned>*>(ctx)->push_back(id);
                return 0;
            },
            &ids);
    hs_free_scratch(scratch);
    std::sort(ids.begin(), ids.end());
    return ids;
}

hs_database_t* compile(hs_error_t expect = HS_SUCCESS) {
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    EXPECT_EQ(compile_multi_cached(kExprs, kFlags, kIds, &db, &err), expect);
    if (err) hs_free_compile_error(err);
    return db;
}

TEST(HsCache, SecondCompileIsReadFromTheCache) {
    CacheDir cache;
    hs_database_t* first = compile();
    ASSERT_NE(first, nullptr);
    auto files = cache.files();
    ASSERT_EQ(files.size(), 1u);
    auto written = fs::last_write_time(files[0]);
    hs_database_t* second = compile();
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(fs::last_write_time(files[0]), written);  // read, not rewritten
    for (auto text : {"550 5.1.1 User unknown", "554 blocked using zen.spamhaus.org; mailbox full",
                      "250 ok"})
        EXPECT_EQ(matches(first, text), matches(second, text)) << text;
    EXPECT_EQ(matches(second, "Mailbox is FULL"), std::vector<unsigned>{2});
    hs_free_database(first);
    hs_free_database(second);
}

TEST(HsCache, DamagedFileFallsBackToCompiling) {
    CacheDir cache;
    hs_free_database(compile());
    auto files = cache.files();
    ASSERT_EQ(files.size(), 1u);
    {
        std::ofstream out(files[0], std::ios::binary | std::ios::trunc);
        out << "not a database";
    }
    hs_database_t* db = compile();
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(matches(db, "user unknown"), std::vector<unsigned>{0});
    hs_free_database(db);
    // The damaged file was replaced by a good one.
    EXPECT_GT(fs::file_size(files[0]), 100u);
}

TEST(HsCache, OffMeansNoFile) {
    CacheDir cache;
    ::setenv("MXTRIAGE_CACHE_DIR", "off", 1);
    EXPECT_EQ(hs_cache_dir(), "");
    hs_database_t* db = compile();
    ASSERT_NE(db, nullptr);
    hs_free_database(db);
    EXPECT_FALSE(fs::exists(cache.dir));
}

TEST(HsCache, BadPatternReportsTheCompileError) {
    CacheDir cache;
    const std::vector<const char*> bad = {"(unclosed"};
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    EXPECT_NE(compile_multi_cached(bad, {0}, {0}, &db, &err), HS_SUCCESS);
    ASSERT_NE(err, nullptr);
    EXPECT_NE(std::string(err->message).find("paren"), std::string::npos) << err->message;
    hs_free_compile_error(err);
    EXPECT_TRUE(cache.files().empty());
}

}  // namespace
}  // namespace mxt::rules
