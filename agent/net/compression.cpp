#include "agent/net/compression.h"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>

#include <fmt/format.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

namespace vigil::net {

namespace {

// Decoders write into this much scratch per step, so their output is checked against the limit
// before it is kept: a bomb costs at most max_output plus one step.
constexpr std::size_t kStepBytes = 64 * 1024;
// zlib counts in uInt: larger inputs are fed in slices.
constexpr std::size_t kZlibSlice = std::size_t{1} << 30;
// zstd's own default window limit (128 MiB); we lower it towards the output limit (see below).
constexpr int kZstdMaxWindowLog = 27;
// Streaming zstd encoders commonly declare an 8 MiB window even for small payloads: never refuse
// those.
constexpr int kZstdMinWindowLog = 23;
constexpr int kZstdDefaultLevel = 3;  // zstd's own default (ZSTD_CLEVEL_DEFAULT)

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
           };
           return lower(x) == lower(y);
         });
}

std::unexpected<core::Error> exceeds(std::string_view codec, std::size_t max_output) {
  return core::make_error(fmt::format("{}: decompressed size exceeds {} bytes", codec, max_output));
}

// std::string::reserve may round capacity up to twice the old one; growing through a fresh string
// keeps the capacity at what we ask for, so the output never holds much more than max_output.
void reserve_exact(std::string& s, std::size_t capacity) {
  if (capacity <= s.capacity()) return;
  std::string bigger;
  bigger.reserve(capacity);
  bigger.append(s);
  s.swap(bigger);
}

// Appends a decoded step, growing geometrically but never past `max_output`.
void append_bounded(std::string& out, const char* data, std::size_t n, std::size_t max_output) {
  if (out.size() + n > out.capacity()) {
    reserve_exact(out, std::min(max_output, std::max(out.size() + n, out.capacity() * 2)));
  }
  out.append(data, n);
}

// Room for the next step: one byte beyond the limit, so an overflowing stream is caught as soon
// as it produces that byte.
std::size_t step_room(const std::string& out, std::size_t max_output) {
  return std::min(kStepBytes, max_output - out.size() + 1);
}

// ---- gzip ----

// These release zlib's internal state only: the z_stream itself lives on the caller's stack.
struct DeflateEnd {
  void operator()(z_stream* s) const { deflateEnd(s); }
};
struct InflateEnd {
  void operator()(z_stream* s) const { inflateEnd(s); }
};
using DeflateGuard = std::unique_ptr<z_stream, DeflateEnd>;
using InflateGuard = std::unique_ptr<z_stream, InflateEnd>;

std::string zlib_message(const z_stream& s, int rc) {
  if (s.msg != nullptr) return s.msg;
  return zError(rc);
}

core::Result<std::string> gzip_with(std::string_view data, int level, GzipMemory memory) {
  if (level < -1 || level > 9) {
    return core::make_error(fmt::format("gzip: level {} out of range (-1 to 9)", level));
  }
  if (memory.window_bits < 9 || memory.window_bits > 15 || memory.mem_level < 1 ||
      memory.mem_level > 9) {
    return core::make_error(fmt::format("gzip: window bits {} or memory level {} out of range",
                                        memory.window_bits, memory.mem_level));
  }
  z_stream zs{};
  // + 16: a gzip header and trailer instead of zlib's.
  int rc = deflateInit2(&zs, level == -1 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED,
                        memory.window_bits + 16, memory.mem_level, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) return core::make_error("gzip: cannot initialise: " + zlib_message(zs, rc));
  DeflateGuard stream(&zs);

  std::string out;
  out.resize(deflateBound(stream.get(), static_cast<uLong>(data.size())));
  const char* in = data.data();
  std::size_t in_left = data.size();
  std::size_t produced = 0;
  while (true) {
    std::size_t in_now = std::min(in_left, kZlibSlice);
    stream->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
    stream->avail_in = static_cast<uInt>(in_now);
    std::size_t out_now = std::min(out.size() - produced, kZlibSlice);
    stream->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    stream->avail_out = static_cast<uInt>(out_now);
    int flush = in_now == in_left ? Z_FINISH : Z_NO_FLUSH;
    rc = deflate(stream.get(), flush);
    std::size_t consumed = in_now - stream->avail_in;
    in += consumed;
    in_left -= consumed;
    produced += out_now - stream->avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return core::make_error("gzip: compression failed: " + zlib_message(*stream, rc));
    }
    if (produced == out.size()) {
      // deflateBound makes this unreachable; grow rather than trust that blindly.
      out.resize(out.size() * 2 + kStepBytes);
    }
  }
  out.resize(produced);
  return out;
}

bool is_gzip_magic(const char* p, std::size_t n) {
  return n >= 2 && static_cast<unsigned char>(p[0]) == 0x1f &&
         static_cast<unsigned char>(p[1]) == 0x8b;
}

core::Result<std::string> gzip_decompress(std::string_view data, std::size_t max_output) {
  z_stream zs{};
  int rc = inflateInit2(&zs, 15 + 16);  // gzip framing only
  if (rc != Z_OK) return core::make_error("gzip: cannot initialise: " + zlib_message(zs, rc));
  InflateGuard stream(&zs);

  std::string out;
  std::array<char, kStepBytes> step;
  const char* in = data.data();
  std::size_t in_left = data.size();
  if (in_left == 0) return core::make_error("gzip: truncated input (empty)");
  while (true) {
    if (stream->avail_in == 0 && in_left > 0) {
      std::size_t in_now = std::min(in_left, kZlibSlice);
      stream->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
      stream->avail_in = static_cast<uInt>(in_now);
      in += in_now;
      in_left -= in_now;
    }
    std::size_t room = step_room(out, max_output);
    stream->next_out = reinterpret_cast<Bytef*>(step.data());
    stream->avail_out = static_cast<uInt>(room);
    rc = inflate(stream.get(), Z_NO_FLUSH);
    std::size_t produced = room - stream->avail_out;
    if (out.size() + produced > max_output) return exceeds("gzip", max_output);
    append_bounded(out, step.data(), produced, max_output);

    switch (rc) {
      case Z_OK:
        continue;
      case Z_STREAM_END: {
        std::size_t rest = stream->avail_in + in_left;
        if (rest == 0) return out;
        // Concatenated members form one valid gzip stream (RFC 1952 section 2.2).
        const char* next = reinterpret_cast<const char*>(stream->next_in);
        if (stream->avail_in == 0) next = in;
        std::size_t contiguous = stream->avail_in != 0 ? stream->avail_in : in_left;
        if (!is_gzip_magic(next, contiguous)) {
          return core::make_error(
              fmt::format("gzip: {} bytes of trailing data after the gzip stream", rest));
        }
        rc = inflateReset(stream.get());
        if (rc != Z_OK) return core::make_error("gzip: " + zlib_message(*stream, rc));
        continue;
      }
      case Z_BUF_ERROR:
        // No progress possible although the output has room: more input is needed.
        if (stream->avail_in == 0 && in_left > 0) continue;
        return core::make_error("gzip: truncated input (unexpected end of stream)");
      case Z_NEED_DICT:
        return core::make_error("gzip: corrupt input (preset dictionary required)");
      case Z_DATA_ERROR:
        return core::make_error("gzip: corrupt input: " + zlib_message(*stream, rc));
      case Z_MEM_ERROR:
        return core::make_error("gzip: out of memory");
      default:
        return core::make_error("gzip: " + zlib_message(*stream, rc));
    }
  }
}

// ---- zstd ----

struct ZstdCCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
using ZstdCCtxPtr = std::unique_ptr<ZSTD_CCtx, ZstdCCtxFree>;
using ZstdDCtxPtr = std::unique_ptr<ZSTD_DCtx, ZstdDCtxFree>;

core::Result<std::string> zstd_compress(std::string_view data, int level) {
  if (level == -1) level = kZstdDefaultLevel;
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
    return core::make_error(fmt::format("zstd: level {} out of range ({} to {})", level,
                                        ZSTD_minCLevel(), ZSTD_maxCLevel()));
  }
  ZstdCCtxPtr cctx(ZSTD_createCCtx());
  if (!cctx) return core::make_error("zstd: cannot create a compression context");
  std::size_t rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  if (!ZSTD_isError(rc)) {
    // The content checksum lets the receiver detect corruption for 4 bytes a frame.
    rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  }
  if (ZSTD_isError(rc)) return core::make_error(std::string("zstd: ") + ZSTD_getErrorName(rc));
  std::string out;
  out.resize(ZSTD_compressBound(data.size()));
  rc = ZSTD_compress2(cctx.get(), out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(rc)) {
    return core::make_error(std::string("zstd: compression failed: ") + ZSTD_getErrorName(rc));
  }
  out.resize(rc);
  return out;
}

// The smallest window log covering `bytes`.
int window_log_for(std::size_t bytes) {
  int log = 10;
  while (log < kZstdMaxWindowLog && (std::size_t{1} << log) < bytes) ++log;
  return log;
}

core::Result<std::string> zstd_decompress(std::string_view data, std::size_t max_output) {
  if (data.empty()) return core::make_error("zstd: truncated input (empty)");
  // A frame that declares its size up front is refused before any work.
  unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR &&
      declared > max_output) {
    return exceeds("zstd", max_output);
  }
  ZstdDCtxPtr dctx(ZSTD_createDCtx());
  if (!dctx) return core::make_error("zstd: cannot create a decompression context");
  // The decoder allocates the frame's declared window: bound it by what we accept as output, so
  // a header alone cannot make us allocate 128 MiB for a 1 MiB limit.
  int window_log = std::max(kZstdMinWindowLog, window_log_for(max_output));
  std::size_t rc = ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log);
  if (ZSTD_isError(rc)) return core::make_error(std::string("zstd: ") + ZSTD_getErrorName(rc));

  std::string out;
  std::array<char, kStepBytes> step;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::size_t last = 1;
  while (true) {
    ZSTD_outBuffer ob{step.data(), step_room(out, max_output), 0};
    last = ZSTD_decompressStream(dctx.get(), &ob, &in);
    if (ZSTD_isError(last)) {
      if (ZSTD_getErrorCode(last) == ZSTD_error_frameParameter_windowTooLarge) {
        return core::make_error(fmt::format(
            "zstd: frame window larger than this decoder accepts (2^{} bytes)", window_log));
      }
      return core::make_error(std::string("zstd: corrupt input: ") + ZSTD_getErrorName(last));
    }
    if (out.size() + ob.pos > max_output) return exceeds("zstd", max_output);
    append_bounded(out, step.data(), ob.pos, max_output);
    if (in.pos < in.size) continue;
    // 0: the last frame is decoded and flushed. Asking again would return the next frame's
    // header size, as if the input were cut short.
    if (last == 0) break;
    // Input used up and output room left over: the decoder has flushed all it can.
    if (ob.pos < ob.size) break;
  }
  if (last != 0) return core::make_error("zstd: truncated input (unexpected end of frame)");
  return out;
}

// ---- snappy ----

core::Result<std::string> snappy_compress(std::string_view data) {
  // The block format stores the length as a varint32.
  if (data.size() > std::numeric_limits<std::uint32_t>::max()) {
    return core::make_error("snappy: input larger than 4 GiB");
  }
  std::string out;
  snappy::Compress(data.data(), data.size(), &out);
  return out;
}

core::Result<std::string> snappy_decompress(std::string_view data, std::size_t max_output) {
  std::size_t length = 0;
  if (!snappy::GetUncompressedLength(data.data(), data.size(), &length)) {
    return core::make_error("snappy: corrupt input (bad length header)");
  }
  if (length > max_output) return exceeds("snappy", max_output);
  std::string out;
  if (!snappy::Uncompress(data.data(), data.size(), &out)) {
    return core::make_error("snappy: corrupt or truncated input");
  }
  return out;
}

}  // namespace

std::optional<Codec> parse_codec(std::string_view name) {
  if (name.empty() || iequals(name, "none") || iequals(name, "identity")) return Codec::kNone;
  if (iequals(name, "gzip")) return Codec::kGzip;
  if (iequals(name, "zstd")) return Codec::kZstd;
  if (iequals(name, "snappy")) return Codec::kSnappy;
  return std::nullopt;
}

std::string_view to_string(Codec codec) {
  switch (codec) {
    case Codec::kNone:
      return "";
    case Codec::kGzip:
      return "gzip";
    case Codec::kZstd:
      return "zstd";
    case Codec::kSnappy:
      return "snappy";
  }
  return "";
}

core::Result<std::string> gzip_compress(std::string_view data, int level, GzipMemory memory) {
  return gzip_with(data, level, memory);
}

core::Result<std::string> compress(Codec codec, std::string_view data, int level) {
  switch (codec) {
    case Codec::kNone:
      return std::string(data);
    case Codec::kGzip:
      return gzip_with(data, level, GzipMemory{});
    case Codec::kZstd:
      return zstd_compress(data, level);
    case Codec::kSnappy:
      return snappy_compress(data);  // the block format has no levels
  }
  return core::make_error("unknown codec");
}

core::Result<std::string> decompress(Codec codec, std::string_view data, std::size_t max_output) {
  switch (codec) {
    case Codec::kNone:
      if (data.size() > max_output) return exceeds("identity", max_output);
      return std::string(data);
    case Codec::kGzip:
      return gzip_decompress(data, max_output);
    case Codec::kZstd:
      return zstd_decompress(data, max_output);
    case Codec::kSnappy:
      return snappy_decompress(data, max_output);
  }
  return core::make_error("unknown codec");
}

}  // namespace vigil::net
