// JSON output stays valid whatever bytes the input held.
#include <gtest/gtest.h>

#include "util/json_writer.hpp"

TEST(JsonWriter, ObjectsArraysAndEscapes) {
    std::string out;
    mxt::JsonWriter w(out);
    w.begin_object().field("a", "x\"y\\z\n").key("b").begin_array().value(1).value(true).null().end_array();
    w.field_or_null("c", "").field("d", std::uint64_t{7}).end_object();
    EXPECT_EQ(out, R"({"a":"x\"y\\z\n","b":[1,true,null],"c":null,"d":7})");
}

TEST(JsonWriter, InvalidUtf8IsReplaced) {
    std::string out;
    mxt::append_json_string(out, std::string("a\xff\xc3\xa9\xe2\x82\x01\x00z", 9));
    EXPECT_EQ(out, "\"a\\ufffd\xc3\xa9\\ufffd\\ufffd\\u0001\\u0000z\"");
}
