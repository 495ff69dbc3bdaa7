#include "collectors/otlp/wire_rewrite.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/otlp/otlp_test_support.h"

namespace vigil::collectors::otlp {
namespace {

using namespace otlp_test;

TEST(WireRewrite, Varints) {
  std::string out;
  append_varint(out, 0);
  append_varint(out, 127);
  append_varint(out, 128);
  append_varint(out, 300);
  EXPECT_EQ(out, std::string("\x00\x7f\x80\x01\xac\x02", 6));
}

TEST(WireRewrite, AppendsToEachResourceAndCopiesEverythingElse) {
  // field 1 "ab", unknown varint field 2, field 1 "" (empty), unknown fixed64 and fixed32.
  const std::string request(
      "\x0a\x02"
      "ab"
      "\x10\x96\x01"
      "\x0a\x00"
      "\x19"
      "12345678"
      "\x25"
      "1234",
      23);
  const std::vector<std::string_view> extras{"XY", "Z"};
  auto out = append_to_resources(request, extras);
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(*out, std::string("\x0a\x04"
                              "abXY"
                              "\x10\x96\x01"
                              "\x0a\x01"
                              "Z"
                              "\x19"
                              "12345678"
                              "\x25"
                              "1234",
                              26));
}

TEST(WireRewrite, LengthPrefixesGrowAcrossVarintBoundaries) {
  ExportTraceServiceRequest request = traces(1);
  std::string body = request.SerializeAsString();
  ASSERT_LT(body.size(), 127u);
  // An extra of 100 bytes pushes the resource's length past one varint byte.
  common::KeyValue kv;
  kv.set_key(std::string(90, 'k'));
  std::string resource_field;
  std::string resource_bytes;
  {
    opentelemetry::proto::resource::v1::Resource r;
    *r.add_attributes() = kv;
    resource_bytes = r.SerializeAsString();
  }
  resource_field.push_back('\x0a');
  append_varint(resource_field, resource_bytes.size());
  resource_field += resource_bytes;
  const std::vector<std::string_view> extras{resource_field};
  auto out = append_to_resources(body, extras);
  ASSERT_TRUE(out.has_value());
  ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(*out));
  ASSERT_EQ(parsed.resource_spans(0).resource().attributes_size(), 2);
  EXPECT_EQ(parsed.resource_spans(0).resource().attributes(1).key(), kv.key());
  EXPECT_EQ(parsed.resource_spans(0).scope_spans(0).spans_size(), 1);
}

TEST(WireRewrite, RefusesWhatAParseWouldNotHaveAccepted) {
  const std::vector<std::string_view> one{"x"};
  EXPECT_FALSE(append_to_resources(std::string("\x0a\x05"
                                               "ab",
                                               4),
                                   one)
                   .has_value());
  EXPECT_FALSE(append_to_resources(std::string("\x0a\x00\x0a\x00", 4), one).has_value());
  EXPECT_FALSE(append_to_resources(std::string("", 0), one).has_value());
  EXPECT_FALSE(append_to_resources(std::string("\x0a\x00\x0b", 3), one).has_value());  // group
  EXPECT_FALSE(append_to_resources(std::string("\x0a\x00\x19"
                                               "1234",
                                               7),
                                   one)
                   .has_value());
  EXPECT_FALSE(append_to_resources(std::string("\x0a\x00\x80", 3), one).has_value());
}

}  // namespace
}  // namespace vigil::collectors::otlp
