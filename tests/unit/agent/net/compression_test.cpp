#include "agent/net/compression.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

namespace vigil::net {
namespace {

using ::testing::HasSubstr;

constexpr std::size_t kMiB = 1024 * 1024;

// Compressible but not trivial: log-like lines with varying numbers, plus every byte value.
std::string sample_payload(std::size_t lines) {
  std::string s;
  for (std::size_t i = 0; i < lines; ++i) {
    s += "2024-05-01T12:00:00Z level=info host=web-" + std::to_string(i % 17) +
         " msg=\"request served\" latency_ms=" + std::to_string((i * 7919) % 1000) + "\n";
  }
  for (int b = 0; b < 256; ++b) s.push_back(static_cast<char>(b));
  return s;
}

long max_rss_kib() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
  return usage.ru_maxrss;
}

// One gzip member holding `total` zero bytes, compressed in 1 MiB steps so the test never holds
// the plain data.
std::string gzip_zeros(std::size_t total) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<char> zeros(kMiB);
  std::vector<char> buf(64 * 1024);
  std::string out;
  for (std::size_t done = 0; done < total; done += zeros.size()) {
    bool last = done + zeros.size() >= total;
    s.next_in = reinterpret_cast<Bytef*>(zeros.data());
    s.avail_in = static_cast<uInt>(std::min(zeros.size(), total - done));
    int rc = Z_OK;
    do {
      s.next_out = reinterpret_cast<Bytef*>(buf.data());
      s.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&s, last ? Z_FINISH : Z_NO_FLUSH);
      EXPECT_NE(rc, Z_STREAM_ERROR);
      out.append(buf.data(), buf.size() - s.avail_out);
    } while (s.avail_out == 0 || (last && rc != Z_STREAM_END));
  }
  deflateEnd(&s);
  return out;
}

// One zstd frame of `total` zero bytes written by the streaming API, which does not record the
// content size in the header: the decoder cannot refuse it up front.
std::string zstd_zeros_streamed(std::size_t total) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::vector<char> zeros(kMiB);
  std::vector<char> buf(64 * 1024);
  std::string out;
  for (std::size_t done = 0; done < total; done += zeros.size()) {
    bool last = done + zeros.size() >= total;
    ZSTD_inBuffer in{zeros.data(), std::min(zeros.size(), total - done), 0};
    std::size_t remaining = 0;
    do {
      ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
      remaining = ZSTD_compressStream2(cctx, &ob, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      EXPECT_FALSE(ZSTD_isError(remaining));
      out.append(buf.data(), ob.pos);
    } while (in.pos < in.size || (last && remaining != 0));
  }
  ZSTD_freeCCtx(cctx);
  return out;
}

TEST(CompressionTest, ParseCodecAcceptsContentEncodingTokens) {
  EXPECT_EQ(parse_codec("gzip"), Codec::kGzip);
  EXPECT_EQ(parse_codec("GZIP"), Codec::kGzip);
  EXPECT_EQ(parse_codec("zstd"), Codec::kZstd);
  EXPECT_EQ(parse_codec("snappy"), Codec::kSnappy);
  EXPECT_EQ(parse_codec("none"), Codec::kNone);
  EXPECT_EQ(parse_codec("identity"), Codec::kNone);
  EXPECT_EQ(parse_codec(""), Codec::kNone);
  EXPECT_EQ(parse_codec("br"), std::nullopt);
  EXPECT_EQ(parse_codec("deflate"), std::nullopt);
  EXPECT_EQ(parse_codec("gzip2"), std::nullopt);
}

TEST(CompressionTest, ToStringIsTheContentEncodingToken) {
  EXPECT_EQ(to_string(Codec::kNone), "");
  EXPECT_EQ(to_string(Codec::kGzip), "gzip");
  EXPECT_EQ(to_string(Codec::kZstd), "zstd");
  EXPECT_EQ(to_string(Codec::kSnappy), "snappy");
  for (Codec c : {Codec::kNone, Codec::kGzip, Codec::kZstd, Codec::kSnappy}) {
    EXPECT_EQ(parse_codec(to_string(c)), c);
  }
}

class CodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(CodecTest, RoundTripsAndShrinksRepetitiveData) {
  std::string plain = sample_payload(5000);
  auto packed = compress(GetParam(), plain);
  ASSERT_TRUE(packed.has_value()) << packed.error().message;
  if (GetParam() != Codec::kNone) {
    EXPECT_LT(packed->size(), plain.size() / 3);
  }
  auto unpacked = decompress(GetParam(), *packed, plain.size());
  ASSERT_TRUE(unpacked.has_value()) << unpacked.error().message;
  EXPECT_EQ(*unpacked, plain);
}

// Sizes around the decoders' 64 KiB step: a stream ending exactly on a step boundary must not
// be mistaken for a truncated one.
TEST_P(CodecTest, RoundTripsSizesAroundTheDecodeStep) {
  std::string source = sample_payload(8000);
  for (std::size_t size : {65535u, 65536u, 65537u, 262144u}) {
    ASSERT_GE(source.size(), size);
    std::string plain = source.substr(0, size);
    auto packed = compress(GetParam(), plain);
    ASSERT_TRUE(packed.has_value()) << packed.error().message;
    for (std::size_t limit : {size, size + 1, size * 2}) {
      auto unpacked = decompress(GetParam(), *packed, limit);
      ASSERT_TRUE(unpacked.has_value()) << size << "/" << limit << ": " << unpacked.error().message;
      EXPECT_EQ(*unpacked, plain);
    }
  }
}

TEST_P(CodecTest, RoundTripsEmptyInput) {
  auto packed = compress(GetParam(), "");
  ASSERT_TRUE(packed.has_value()) << packed.error().message;
  auto unpacked = decompress(GetParam(), *packed, 0);
  ASSERT_TRUE(unpacked.has_value()) << unpacked.error().message;
  EXPECT_EQ(*unpacked, "");
}

TEST_P(CodecTest, OutputOfExactlyTheLimitIsAcceptedOneByteMoreIsNot) {
  std::string plain = sample_payload(300);
  auto packed = compress(GetParam(), plain);
  ASSERT_TRUE(packed.has_value());
  EXPECT_TRUE(decompress(GetParam(), *packed, plain.size()).has_value());
  auto refused = decompress(GetParam(), *packed, plain.size() - 1);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message,
              HasSubstr("exceeds " + std::to_string(plain.size() - 1) + " bytes"));
}

// The codecs with framing (identity has none to break).
class FramedCodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(FramedCodecTest, TruncatedInputFails) {
  std::string plain = sample_payload(2000);
  auto packed = compress(GetParam(), plain);
  ASSERT_TRUE(packed.has_value());
  for (std::size_t cut : {std::size_t{1}, std::size_t{5}, packed->size() / 2}) {
    auto result = decompress(GetParam(), packed->substr(0, packed->size() - cut), plain.size());
    ASSERT_FALSE(result.has_value()) << "cut " << cut;
    EXPECT_THAT(result.error().message, HasSubstr(std::string(to_string(GetParam())) + ":"));
  }
}

TEST_P(FramedCodecTest, CorruptInputFailsWithoutCrashing) {
  std::string plain = sample_payload(2000);
  auto packed = compress(GetParam(), plain);
  ASSERT_TRUE(packed.has_value());
  int failures = 0;
  // Flip bytes across the whole stream: header, body and trailer.
  for (std::size_t pos = 0; pos < packed->size();
       pos += std::max<std::size_t>(1, packed->size() / 64)) {
    std::string bad = *packed;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
    auto result = decompress(GetParam(), bad, plain.size() * 2);
    if (!result.has_value()) {
      ++failures;
    } else {
      // A flip may survive decoding only by producing different output, never the original.
      EXPECT_NE(*result, plain) << "flip at " << pos << " went unnoticed";
    }
  }
  EXPECT_GT(failures, 0);
  auto garbage = decompress(GetParam(), "this is not compressed at all", 1024);
  ASSERT_FALSE(garbage.has_value());
  EXPECT_THAT(garbage.error().message, HasSubstr("corrupt"));
}

std::string codec_name(const ::testing::TestParamInfo<Codec>& info) {
  std::string_view name = to_string(info.param);
  return name.empty() ? std::string("none") : std::string(name);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest,
                         ::testing::Values(Codec::kNone, Codec::kGzip, Codec::kZstd,
                                           Codec::kSnappy),
                         codec_name);
INSTANTIATE_TEST_SUITE_P(Framed, FramedCodecTest,
                         ::testing::Values(Codec::kGzip, Codec::kZstd, Codec::kSnappy), codec_name);

TEST(CompressionTest, GzipLevelsAllRoundTripAndOutOfRangeIsRefused) {
  std::string plain = sample_payload(3000);
  std::size_t stored = 0;
  std::size_t best = 0;
  for (int level : {-1, 0, 1, 6, 9}) {
    auto packed = compress(Codec::kGzip, plain, level);
    ASSERT_TRUE(packed.has_value()) << "level " << level;
    ASSERT_GE(packed->size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>((*packed)[0]), 0x1f);  // gzip magic
    EXPECT_EQ(static_cast<unsigned char>((*packed)[1]), 0x8b);
    EXPECT_EQ(decompress(Codec::kGzip, *packed, plain.size()).value(), plain);
    if (level == 0) stored = packed->size();
    if (level == 9) best = packed->size();
  }
  EXPECT_GT(stored, plain.size());  // level 0 stores
  EXPECT_LT(best, plain.size() / 5);
  EXPECT_FALSE(compress(Codec::kGzip, plain, 10).has_value());
  EXPECT_FALSE(compress(Codec::kGzip, plain, -2).has_value());
}

TEST(CompressionTest, ZstdLevelsAllRoundTripAndOutOfRangeIsRefused) {
  std::string plain = sample_payload(3000);
  for (int level : {-1, -5, 1, 3, 9}) {
    auto packed = compress(Codec::kZstd, plain, level);
    ASSERT_TRUE(packed.has_value()) << "level " << level;
    ASSERT_GE(packed->size(), 4u);
    EXPECT_EQ(packed->substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));  // zstd magic
    EXPECT_EQ(decompress(Codec::kZstd, *packed, plain.size()).value(), plain);
  }
  auto too_high = compress(Codec::kZstd, plain, 100);
  ASSERT_FALSE(too_high.has_value());
  EXPECT_THAT(too_high.error().message, HasSubstr("out of range"));
}

TEST(CompressionTest, ZstdDefaultLevelIsThree) {
  std::string plain = sample_payload(3000);
  EXPECT_EQ(compress(Codec::kZstd, plain, -1).value(), compress(Codec::kZstd, plain, 3).value());
}

TEST(CompressionTest, ConcatenatedGzipMembersAreOneStream) {
  auto a = compress(Codec::kGzip, "first member\n").value();
  auto b = compress(Codec::kGzip, "second member\n", 9).value();
  auto empty = compress(Codec::kGzip, "").value();
  auto joined = decompress(Codec::kGzip, a + empty + b, 1024);
  ASSERT_TRUE(joined.has_value()) << joined.error().message;
  EXPECT_EQ(*joined, "first member\nsecond member\n");
}

TEST(CompressionTest, GzipTrailingGarbageIsRefused) {
  auto a = compress(Codec::kGzip, "payload").value();
  auto result = decompress(Codec::kGzip, a + "junk", 1024);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("trailing"));
}

TEST(CompressionTest, ZlibFramingIsNotGzip) {
  std::string plain = "zlib, not gzip";
  std::vector<Bytef> buf(compressBound(plain.size()));
  uLongf len = buf.size();
  ASSERT_EQ(
      compress2(buf.data(), &len, reinterpret_cast<const Bytef*>(plain.data()), plain.size(), 6),
      Z_OK);
  auto result =
      decompress(Codec::kGzip, std::string(reinterpret_cast<char*>(buf.data()), len), 1024);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("corrupt"));
}

TEST(CompressionTest, ConcatenatedZstdFramesAreOneStream) {
  auto a = compress(Codec::kZstd, "first frame\n").value();
  auto b = compress(Codec::kZstd, "second frame\n").value();
  EXPECT_EQ(decompress(Codec::kZstd, a + b, 1024).value(), "first frame\nsecond frame\n");
}

TEST(CompressionTest, ZstdFrameWithDeclaredSizeAboveLimitIsRefusedUpFront) {
  std::string plain(4 * kMiB, 'x');
  auto packed = compress(Codec::kZstd, plain).value();
  auto result = decompress(Codec::kZstd, packed, kMiB);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("exceeds 1048576 bytes"));
}

TEST(CompressionTest, GzipBombFailsFastWithBoundedMemory) {
  std::string bomb = gzip_zeros(64 * kMiB);
  ASSERT_LT(bomb.size(), kMiB);
  long rss_before = max_rss_kib();
  auto start = std::chrono::steady_clock::now();
  auto result = decompress(Codec::kGzip, bomb, kMiB);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("exceeds 1048576 bytes"));
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  EXPECT_LT(max_rss_kib() - rss_before, 32 * 1024) << "KiB of peak memory growth";
}

TEST(CompressionTest, GzipBombOfOneGibInConcatenatedMembersFailsFast) {
  // 1024 members of 1 MiB of zeros each: 1 GiB when decompressed, about 1 MiB compressed.
  std::string member = gzip_zeros(kMiB);
  std::string bomb;
  bomb.reserve(member.size() * 1024);
  for (int i = 0; i < 1024; ++i) bomb += member;
  long rss_before = max_rss_kib();
  auto start = std::chrono::steady_clock::now();
  auto result = decompress(Codec::kGzip, bomb, 4 * kMiB);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("exceeds 4194304 bytes"));
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  EXPECT_LT(max_rss_kib() - rss_before, 64 * 1024) << "KiB of peak memory growth";
}

TEST(CompressionTest, ZstdBombOfOneGibFailsFastWithBoundedMemory) {
  std::string bomb = zstd_zeros_streamed(1024 * kMiB);
  ASSERT_LT(bomb.size(), kMiB);
  ASSERT_EQ(ZSTD_getFrameContentSize(bomb.data(), bomb.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  long rss_before = max_rss_kib();
  auto start = std::chrono::steady_clock::now();
  auto result = decompress(Codec::kZstd, bomb, kMiB);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("exceeds 1048576 bytes"));
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  EXPECT_LT(max_rss_kib() - rss_before, 64 * 1024) << "KiB of peak memory growth";
}

TEST(CompressionTest, SnappyBombIsRefusedFromItsLengthHeader) {
  std::string packed = compress(Codec::kSnappy, std::string(8 * kMiB, '\0')).value();
  auto result = decompress(Codec::kSnappy, packed, kMiB);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("exceeds 1048576 bytes"));
  // A header claiming 4 GiB with no data behind it must not allocate 4 GiB either.
  std::string lying("\xff\xff\xff\xff\x0f", 5);
  auto lie = decompress(Codec::kSnappy, lying, kMiB);
  ASSERT_FALSE(lie.has_value());
  EXPECT_THAT(lie.error().message, HasSubstr("exceeds"));
}

TEST(CompressionTest, IdentityRespectsTheLimit) {
  EXPECT_EQ(decompress(Codec::kNone, "abc", 3).value(), "abc");
  auto result = decompress(Codec::kNone, "abcd", 3);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("exceeds 3 bytes"));
}

}  // namespace
}  // namespace vigil::net

namespace vigil::net {
namespace {

TEST(GzipMemoryTest, TheSmallWindowRoundTripsAndCompressesAlmostAsWell) {
  const std::string plain = sample_payload(2000);
  auto small = gzip_compress(plain, 1, kSmallGzipMemory);
  auto usual = gzip_compress(plain, 1, GzipMemory{});
  ASSERT_TRUE(small.has_value()) << small.error().message;
  ASSERT_TRUE(usual.has_value()) << usual.error().message;
  auto back = decompress(Codec::kGzip, *small, plain.size());
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, plain);
  // An 8 KiB window finds nearly every repeat that a 32 KiB one does in line-oriented text.
  EXPECT_LT(small->size(), usual->size() * 11 / 10);
}

TEST(GzipMemoryTest, OutOfRangeWindowOrMemoryLevelIsAnError) {
  for (GzipMemory bad :
       {GzipMemory{8, 6}, GzipMemory{16, 6}, GzipMemory{13, 0}, GzipMemory{13, 10}}) {
    auto r = gzip_compress("x", 1, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_THAT(r.error().message, HasSubstr("out of range"));
  }
}

TEST(GzipMemoryTest, CompressIsZlibsDefaultMemory) {
  const std::string plain = sample_payload(500);
  auto generic = compress(Codec::kGzip, plain, 6);
  auto usual = gzip_compress(plain, 6, GzipMemory{});
  ASSERT_TRUE(generic.has_value());
  ASSERT_TRUE(usual.has_value());
  EXPECT_EQ(*generic, *usual);
}

}  // namespace
}  // namespace vigil::net
