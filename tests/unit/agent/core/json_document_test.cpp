#include "agent/core/json_document.h"

#include <string>

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

TEST(JsonDocumentTest, OneDocumentWithWhitespaceAroundIt) {
  rapidjson::Document document;
  EXPECT_EQ(parse_json_document(" \t{\"a\":[1,2]}\r\n ", document), nullptr);
  ASSERT_TRUE(document.IsObject());
  const rapidjson::Value* a = json_member(document, "a", &rapidjson::Value::IsArray);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->Size(), 2u);
}

TEST(JsonDocumentTest, AnythingAfterTheDocumentIsAnError) {
  rapidjson::Document document;
  EXPECT_NE(parse_json_document("{} {}", document), nullptr);
  EXPECT_NE(parse_json_document("{}x", document), nullptr);
  EXPECT_NE(parse_json_document(std::string("{}\0", 3), document), nullptr);
}

TEST(JsonDocumentTest, MalformedJsonAndInvalidUtf8AreErrors) {
  rapidjson::Document document;
  EXPECT_NE(parse_json_document("", document), nullptr);
  EXPECT_NE(parse_json_document("{\"a\":}", document), nullptr);
  EXPECT_NE(parse_json_document("\"\xC3\x28\"", document), nullptr);
}

TEST(JsonDocumentTest, DeepNestingNeitherCrashesNorRecurses) {
  // Iterative parsing: a hundred thousand levels stay on the heap, not the stack.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  rapidjson::Document document;
  EXPECT_EQ(parse_json_document(deep, document), nullptr);
  EXPECT_NE(parse_json_document(std::string(100000, '['), document), nullptr);
}

TEST(JsonDocumentTest, MemberOfTheWrongKindOrOfANonObjectIsAbsent) {
  rapidjson::Document document;
  ASSERT_EQ(parse_json_document(R"({"s":"x\u0000y","n":3})", document), nullptr);
  const rapidjson::Value* s = json_member(document, "s", &rapidjson::Value::IsString);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(json_string(*s), std::string_view("x\0y", 3));
  EXPECT_EQ(json_member(document, "n", &rapidjson::Value::IsString), nullptr);
  EXPECT_EQ(json_member(document, "missing", &rapidjson::Value::IsString), nullptr);
  EXPECT_EQ(json_member(*s, "s", &rapidjson::Value::IsString), nullptr);
}

TEST(JsonDocumentTest, OnlyJsonWhitespaceFrom) {
  EXPECT_TRUE(only_json_whitespace_from("ab \t\r\n", 2));
  EXPECT_TRUE(only_json_whitespace_from("ab", 2));
  EXPECT_TRUE(only_json_whitespace_from("ab", 5));
  EXPECT_FALSE(only_json_whitespace_from("a \f", 1));  // form feed is not JSON whitespace
}

}  // namespace
}  // namespace vigil::core
