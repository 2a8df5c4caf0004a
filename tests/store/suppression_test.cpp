// The suppression list: normalisation, idempotent upserts, case-insensitive checks, CSV round trip.
#include <gtest/gtest.h>

#include <sstream>

#include "store/address.hpp"
#include "store/database.hpp"
#include "store/suppression.hpp"
#include "store/suppression_csv.hpp"
#include "store_test_util.hpp"

using namespace mxt::store;

TEST(Address, LowerCasesDomainKeepsLocalPart) {
    auto n = normalise_address("  <Alice.Smith@Example.COM.> ");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->display, "Alice.Smith@example.com");
    EXPECT_EQ(n->key, "alice.smith@example.com");
    EXPECT_FALSE(normalise_address("no-at-sign"));
    EXPECT_FALSE(normalise_address("@example.com"));
    EXPECT_FALSE(normalise_address("a b@example.com"));
}

TEST(Database, MigratesToCurrentVersionWithWal) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("sub/dir/m.db"));
    ASSERT_TRUE(db) << db.error();
    auto v = db->prepare("PRAGMA user_version");
    ASSERT_TRUE(v && *v->step());
    EXPECT_EQ(v->integer(0), schema_version());
    auto j = db->prepare("PRAGMA journal_mode");
    ASSERT_TRUE(j && *j->step());
    EXPECT_EQ(j->text(0), "wal");
    // Opening again is a no-op migration.
    auto again = open_database(dir.file("sub/dir/m.db"));
    ASSERT_TRUE(again) << again.error();
}

TEST(Database, RefusesNewerSchema) {
    mxt::test::TempDir dir;
    {
        auto db = open_database(dir.file("m.db"));
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("PRAGMA user_version=99"));
    }
    auto db = open_database(dir.file("m.db"));
    ASSERT_FALSE(db);
    EXPECT_NE(db.error().find("newer"), std::string::npos);
}

TEST(Suppression, UpsertIsIdempotentAndCaseInsensitive) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("s.db"));
    ASSERT_TRUE(db);
    SuppressionList list(*db);
    auto a = list.upsert({"Bob@Example.com", "unknown_user", "550 5.1.1 no such user",
                          "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z", "a.log"});
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, Upsert::added);
    auto b = list.upsert({"bob@EXAMPLE.COM", "unknown_user", "550 5.1.1 no such user",
                          "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z", "b.log"});
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, Upsert::updated);
    EXPECT_EQ(*list.count(), 1);
    auto found = list.check("BOB@example.com");
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->address, "Bob@example.com");  // first spelling kept
    EXPECT_EQ((*found)->first_seen, "2026-01-01T00:00:00Z");
    EXPECT_EQ((*found)->last_seen, "2026-01-05T00:00:00Z");
    EXPECT_EQ((*found)->source, "b.log");
    auto removed = list.remove("bob@example.com");
    ASSERT_TRUE(removed);
    EXPECT_TRUE(*removed);
    EXPECT_FALSE(*list.remove("bob@example.com"));
    EXPECT_FALSE(list.check("bob@example.com")->has_value());
    EXPECT_FALSE(list.upsert({"not an address", "", "", "", "", ""}));
}

TEST(Suppression, CsvRoundTripKeepsAwkwardFields) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("s.db"));
    ASSERT_TRUE(db);
    SuppressionList list(*db);
    ASSERT_TRUE(list.upsert({"x@example.org", "unknown_user",
                             "550 5.1.1 \"x\" unknown, sorry\nsecond line", "2026-01-01T00:00:00Z",
                             "2026-01-02T00:00:00Z", "a,b.log"}));
    ASSERT_TRUE(list.upsert({"y@example.org", "manual", "=cmd()", "", "", ""}));
    std::stringstream csv;
    ASSERT_EQ(*export_csv(list, csv), 2);

    auto db2 = open_database(dir.file("t.db"));
    ASSERT_TRUE(db2);
    std::istringstream in(csv.str());
    auto counts = import_csv(*db2, in, "export.csv");
    ASSERT_TRUE(counts) << counts.error();
    EXPECT_EQ(counts->added, 2);
    SuppressionList list2(*db2);
    auto x = list2.check("x@example.org");
    ASSERT_TRUE(x && *x);
    EXPECT_EQ((*x)->reply, "550 5.1.1 \"x\" unknown, sorry\nsecond line");
    EXPECT_EQ((*x)->source, "a,b.log");
    EXPECT_EQ((**list2.check("y@example.org")).reply, "=cmd()");
    // Importing the same file again adds nothing.
    std::istringstream again(csv.str());
    auto counts2 = import_csv(*db2, again, "export.csv");
    ASSERT_TRUE(counts2);
    EXPECT_EQ(counts2->added, 0);
    EXPECT_EQ(counts2->updated, 2);
}

TEST(Suppression, BadImportRowChangesNothing) {
    mxt::test::TempDir dir;
    auto db = open_database(dir.file("s.db"));
    ASSERT_TRUE(db);
    std::istringstream in("address\nok@example.com\nbroken-address\n");
    auto r = import_csv(*db, in, "list.csv");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().substr(0, 11), "list.csv:3:");
    SuppressionList list(*db);
    EXPECT_EQ(*list.count(), 0);
}
