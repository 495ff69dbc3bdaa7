#include "exporters/otlp/request_encoding.h"

#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include "agent/net/compression.h"
#include "agent/otlp/otlp_json_decode.h"
#include "tests/unit/exporters/otlp/otlp_export_test_support.h"

namespace vigil::exporters::otlp_exporter {
namespace {

using namespace otlp_export_test;

EncodeOptions options(Protocol protocol, net::Codec codec, std::size_t max = 4 << 20) {
  return EncodeOptions{.protocol = protocol, .compression = codec, .max_request_size = max};
}

std::string inflate(net::Codec codec, const std::string& body) {
  auto plain = net::decompress(codec, body, 64 << 20);
  EXPECT_TRUE(plain.has_value());
  return plain.value_or("");
}

TEST(RequestEncoding, ProtobufGoesOutAsItIs) {
  const std::string payload = logs_request(1, 1, 3).SerializeAsString();
  ASSERT_LT(payload.size(), kCompressionThreshold);
  auto out = encode_requests(core::Signal::kLogs, payload, 3,
                             options(Protocol::kHttpProtobuf, net::Codec::kGzip));
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].body, payload);  // below the threshold: not compressed
  EXPECT_EQ((*out)[0].codec, net::Codec::kNone);
  EXPECT_EQ((*out)[0].items, 3u);
}

TEST(RequestEncoding, CompressesFromTheThresholdOn) {
  const std::string payload = logs_request(1, 1, 50).SerializeAsString();
  ASSERT_GE(payload.size(), kCompressionThreshold);
  for (net::Codec codec : {net::Codec::kGzip, net::Codec::kZstd}) {
    auto out =
        encode_requests(core::Signal::kLogs, payload, 50, options(Protocol::kHttpProtobuf, codec));
    ASSERT_TRUE(out.has_value());
    ASSERT_EQ(out->size(), 1u);
    EXPECT_EQ((*out)[0].codec, codec);
    EXPECT_LT((*out)[0].body.size(), payload.size());
    EXPECT_EQ((*out)[0].uncompressed_bytes, payload.size());
    EXPECT_EQ(inflate(codec, (*out)[0].body), payload);
  }
  // A level of 1 trades size for speed; the content is the same.
  EncodeOptions fast = options(Protocol::kHttpProtobuf, net::Codec::kGzip);
  fast.compression_level = 1;
  auto quick = encode_requests(core::Signal::kLogs, payload, 50, fast);
  ASSERT_TRUE(quick.has_value());
  EXPECT_EQ(inflate(net::Codec::kGzip, (*quick)[0].body), payload);
  auto none = encode_requests(core::Signal::kLogs, payload, 50,
                              options(Protocol::kHttpProtobuf, net::Codec::kNone));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ((*none)[0].body, payload);
  EXPECT_EQ((*none)[0].codec, net::Codec::kNone);
}

TEST(RequestEncoding, GrpcMessagesAreLengthPrefixed) {
  const std::string small = traces_request(1, 1).SerializeAsString();
  auto out =
      encode_requests(core::Signal::kTraces, small, 1, options(Protocol::kGrpc, net::Codec::kZstd));
  ASSERT_TRUE(out.has_value());
  const std::string& body = (*out)[0].body;
  ASSERT_EQ(body.size(), small.size() + 5);
  EXPECT_EQ(body[0], '\0');
  EXPECT_EQ(static_cast<std::uint8_t>(body[4]), small.size());
  EXPECT_EQ(body.substr(5), small);

  const std::string large = traces_request(2, 40).SerializeAsString();
  out = encode_requests(core::Signal::kTraces, large, 80,
                        options(Protocol::kGrpc, net::Codec::kGzip));
  ASSERT_TRUE(out.has_value());
  const std::string& framed = (*out)[0].body;
  EXPECT_EQ(framed[0], '\1');
  const std::size_t length =
      (std::size_t(std::uint8_t(framed[1])) << 24) | (std::size_t(std::uint8_t(framed[2])) << 16) |
      (std::size_t(std::uint8_t(framed[3])) << 8) | std::size_t(std::uint8_t(framed[4]));
  EXPECT_EQ(length, framed.size() - 5);
  EXPECT_EQ(inflate(net::Codec::kGzip, framed.substr(5)), large);
}

TEST(RequestEncoding, JsonIsOtlpJson) {
  const auto request = traces_request(1, 2);
  auto out = encode_requests(core::Signal::kTraces, request.SerializeAsString(), 2,
                             options(Protocol::kHttpJson, net::Codec::kNone));
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->size(), 1u);
  const std::string& json = (*out)[0].body;
  EXPECT_NE(json.find("\"traceId\":\"01010101010101010101010101010101\""), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"kind\":2"), std::string::npos);
  EXPECT_NE(json.find("\"startTimeUnixNano\":\"1700000000000000000\""), std::string::npos);
  ExportTraceServiceRequest back;
  ASSERT_TRUE(vigil::otlp::parse_otlp_json(json, back).has_value());
  EXPECT_EQ(back.SerializeAsString(), request.SerializeAsString());
}

TEST(RequestEncoding, JsonBodiesAreCutToTheLimit) {
  const auto request = logs_request(2, 2, 40, 30);
  const std::string payload = request.SerializeAsString();
  const std::size_t max = payload.size() / 2;  // the protobuf would fit in 2; the JSON not
  auto out = encode_requests(core::Signal::kLogs, payload, 160,
                             options(Protocol::kHttpJson, net::Codec::kNone, max));
  ASSERT_TRUE(out.has_value());
  EXPECT_GT(out->size(), 2u);
  std::uint64_t items = 0;
  std::vector<std::string> joined;
  for (const EncodedRequest& part : *out) {
    EXPECT_LE(part.body.size(), max);
    items += part.items;
    ExportLogsServiceRequest back;
    ASSERT_TRUE(vigil::otlp::parse_otlp_json(part.body, back).has_value());
    auto each = items_of(core::Signal::kLogs, back.SerializeAsString());
    EXPECT_EQ(each.size(), part.items);
    joined.insert(joined.end(), each.begin(), each.end());
  }
  EXPECT_EQ(items, 160u);
  EXPECT_EQ(joined, items_of(core::Signal::kLogs, payload));
}

TEST(RequestEncoding, LargeBatchesBecomeSeveralRequests) {
  const std::string payload = logs_request(4, 1, 100, 200).SerializeAsString();
  auto out = encode_requests(core::Signal::kLogs, payload, 400,
                             options(Protocol::kHttpProtobuf, net::Codec::kZstd, 16 * 1024));
  ASSERT_TRUE(out.has_value());
  EXPECT_GE(out->size(), payload.size() / (16 * 1024));
  std::uint64_t items = 0;
  for (const EncodedRequest& part : *out) {
    EXPECT_LE(part.uncompressed_bytes, 16u * 1024);
    items += part.items;
  }
  EXPECT_EQ(items, 400u);
}

TEST(RequestEncoding, AResourceInTwoPiecesGoesOutAsOne) {
  auto request = logs_request(1, 1, 3);
  opentelemetry::proto::resource::v1::Resource extra;
  add_attribute(extra.mutable_attributes(), "os.type", "linux");
  // What the receiver does: one more `resource` field appended to the ResourceLogs.
  logs::ResourceLogs extra_group;
  *extra_group.mutable_resource() = extra;
  const std::string group =
      request.resource_logs(0).SerializeAsString() + extra_group.SerializeAsString();
  google::protobuf::UnknownFieldSet wrapper;
  wrapper.AddLengthDelimited(1, group);
  std::string payload;
  ASSERT_TRUE(wrapper.SerializeToString(&payload));
  auto out = encode_requests(core::Signal::kLogs, payload, 3,
                             options(Protocol::kHttpProtobuf, net::Codec::kNone));
  ASSERT_TRUE(out.has_value());
  const std::string& body = (*out)[0].body;
  EXPECT_NE(body, payload);
  ExportLogsServiceRequest sent, merged;
  ASSERT_TRUE(sent.ParseFromString(payload));
  ASSERT_TRUE(merged.ParseFromString(body));
  EXPECT_EQ(merged.SerializeAsString(), sent.SerializeAsString());
  EXPECT_EQ(merged.resource_logs(0).resource().attributes_size(), 3);
  // One `resource` field left: a decoder that keeps the last occurrence sees all three.
  google::protobuf::UnknownFieldSet raw_group;
  google::protobuf::UnknownFieldSet top;
  ASSERT_TRUE(top.ParseFromString(body));
  ASSERT_EQ(top.field_count(), 1);
  ASSERT_TRUE(raw_group.ParseFromString(top.field(0).length_delimited()));
  int resources = 0;
  for (int i = 0; i < raw_group.field_count(); ++i) resources += raw_group.field(i).number() == 1;
  EXPECT_EQ(resources, 1);
  // A request without repeats goes out byte for byte.
  const std::string plain = request.SerializeAsString();
  out = encode_requests(core::Signal::kLogs, plain, 3,
                        options(Protocol::kHttpProtobuf, net::Codec::kNone));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ((*out)[0].body, plain);
}

TEST(RequestEncoding, MalformedPayloadsFailWhereTheyMustBeParsed) {
  const std::string junk = "\x0a\x7f";
  EXPECT_FALSE(encode_requests(core::Signal::kLogs, junk, 1,
                               options(Protocol::kHttpJson, net::Codec::kNone)));
  EXPECT_FALSE(encode_requests(core::Signal::kLogs, junk + std::string(2000, 'x'), 1,
                               options(Protocol::kHttpProtobuf, net::Codec::kNone, 1024)));
  EXPECT_FALSE(
      encode_requests(core::Signal::kLogs, junk, 1, options(Protocol::kGrpc, net::Codec::kNone)));
}

}  // namespace
}  // namespace vigil::exporters::otlp_exporter
