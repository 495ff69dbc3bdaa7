#include "agent/net/grpc_framing.h"

#include <gtest/gtest.h>

namespace vigil::net {
namespace {

using State = GrpcMessageReader::State;

TEST(GrpcFraming, EncodesLengthPrefixedMessages) {
  EXPECT_EQ(encode_grpc_message(""), std::string("\0\0\0\0\0", 5));
  EXPECT_EQ(encode_grpc_message("abc"), std::string("\0\0\0\0\3abc", 8));
  std::string big(0x010203, 'x');
  auto framed = encode_grpc_message(big);
  EXPECT_EQ(framed.substr(0, 5), std::string("\0\0\1\2\3", 5));
  EXPECT_EQ(framed.size(), big.size() + 5);
}

TEST(GrpcFraming, ContentTypes) {
  EXPECT_TRUE(is_grpc_content_type("application/grpc"));
  EXPECT_TRUE(is_grpc_content_type("application/grpc+proto"));
  EXPECT_TRUE(is_grpc_content_type("Application/GRPC;charset=x"));
  EXPECT_FALSE(is_grpc_content_type("application/grpc-web"));
  EXPECT_FALSE(is_grpc_content_type("application/json"));
  EXPECT_FALSE(is_grpc_content_type(""));
}

TEST(GrpcFraming, Encodings) {
  EXPECT_EQ(parse_grpc_encoding(""), Codec::kNone);
  EXPECT_EQ(parse_grpc_encoding("identity"), Codec::kNone);
  EXPECT_EQ(parse_grpc_encoding("gzip"), Codec::kGzip);
  EXPECT_EQ(parse_grpc_encoding(" zstd "), Codec::kZstd);
  EXPECT_EQ(parse_grpc_encoding("deflate"), std::nullopt);
  EXPECT_EQ(parse_grpc_encoding("snappy"), std::nullopt);
  EXPECT_EQ(parse_grpc_encoding("br"), std::nullopt);
}

TEST(GrpcFraming, PercentEncodesMessages) {
  EXPECT_EQ(percent_encode_grpc_message("plain text: ok"), "plain text: ok");
  EXPECT_EQ(percent_encode_grpc_message("100%\n"), "100%25%0A");
  EXPECT_EQ(percent_encode_grpc_message("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(percent_decode_grpc_message("100%25%0Acaf%C3%A9"), "100%\ncaf\xc3\xa9");
  EXPECT_EQ(percent_decode_grpc_message("bad %zz %4"), "bad %zz %4");
}

TEST(GrpcFraming, Base64WithoutPadding) {
  EXPECT_EQ(encode_grpc_binary_value(""), "");
  EXPECT_EQ(encode_grpc_binary_value("f"), "Zg");
  EXPECT_EQ(encode_grpc_binary_value("fo"), "Zm8");
  EXPECT_EQ(encode_grpc_binary_value("foo"), "Zm9v");
  EXPECT_EQ(encode_grpc_binary_value(std::string("\x08\x0e\x12\x01\xff", 5)), "CA4SAf8");
}

TEST(GrpcMessageReader, ReadsOneMessageAcrossArbitrarySplits) {
  const std::string wire = std::string("\0\0\0\0\5", 5) + "hello";
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    GrpcMessageReader reader(100);
    EXPECT_TRUE(reader.empty());
    reader.feed(std::string_view(wire).substr(0, split));
    EXPECT_EQ(reader.feed(std::string_view(wire).substr(split)), State::kComplete);
    EXPECT_FALSE(reader.compressed());
    EXPECT_EQ(reader.take_message(), "hello");
  }
}

TEST(GrpcMessageReader, EmptyMessageIsComplete) {
  GrpcMessageReader reader(100);
  EXPECT_EQ(reader.feed(std::string("\0\0\0\0\0", 5)), State::kComplete);
  EXPECT_FALSE(reader.empty());
  EXPECT_EQ(reader.take_message(), "");
}

TEST(GrpcMessageReader, ChecksTheLengthPrefixBeforeBuffering) {
  GrpcMessageReader reader(4);
  EXPECT_EQ(reader.feed(std::string("\0\0\0\0\5", 5)), State::kTooLarge);
  EXPECT_EQ(reader.announced_length(), 5u);
  EXPECT_EQ(reader.feed("xxxxx"), State::kTooLarge);
  EXPECT_EQ(reader.buffered_bytes(), 5u);  // the prefix only
  GrpcMessageReader huge(4 << 20);
  EXPECT_EQ(huge.feed(std::string("\0\xff\xff\xff\xff", 5)), State::kTooLarge);
}

TEST(GrpcMessageReader, SecondMessageAndBadFlag) {
  GrpcMessageReader reader(100);
  EXPECT_EQ(reader.feed(std::string("\0\0\0\0\1a\0", 7)), State::kTooMany);
  EXPECT_TRUE(reader.failed());
  GrpcMessageReader flag(100);
  EXPECT_EQ(flag.feed(std::string("\2\0\0\0\1a", 6)), State::kBadFlag);
  GrpcMessageReader compressed(100);
  EXPECT_EQ(compressed.feed(std::string("\1\0\0\0\1a", 6)), State::kComplete);
  EXPECT_TRUE(compressed.compressed());
}

TEST(GrpcMessageReader, PartialStates) {
  GrpcMessageReader reader(100);
  EXPECT_EQ(reader.feed(std::string("\0\0", 2)), State::kPrefix);
  EXPECT_FALSE(reader.empty());
  EXPECT_EQ(reader.feed(std::string("\0\0\3ab", 5)), State::kMessage);
  EXPECT_EQ(reader.buffered_bytes(), 7u);
}

}  // namespace
}  // namespace vigil::net
