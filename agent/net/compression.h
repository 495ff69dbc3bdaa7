#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/error.h"

namespace vigil::net {

enum class Codec : std::uint8_t { kNone, kGzip, kZstd, kSnappy };

// "gzip", "zstd", "snappy", "none" (and "identity" for none).
std::optional<Codec> parse_codec(std::string_view name);
std::string_view to_string(Codec codec);  // the Content-Encoding token ("" for none)

// Compresses with zlib (gzip framing), libzstd or libsnappy (block format).
core::Result<std::string> compress(Codec codec, std::string_view data, int level = -1);

// zlib's working memory for one gzip stream: (1 << (window_bits + 2)) + (1 << (mem_level + 9))
// bytes. zlib's defaults (15, 8) take 256 KiB; kSmallGzipMemory (13, 6) takes 64 KiB and loses
// under 1% of ratio on text of repetitive lines such as a metrics exposition (6.44 against 6.45).
struct GzipMemory {
  int window_bits = 15;
  int mem_level = 8;
};
inline constexpr GzipMemory kSmallGzipMemory{13, 6};
core::Result<std::string> gzip_compress(std::string_view data, int level, GzipMemory memory);

// Decompresses, failing (not allocating) once the output would exceed `max_output` bytes: the
// guard against compression bombs. The error says "exceeds N bytes" for that case.
core::Result<std::string> decompress(Codec codec, std::string_view data, std::size_t max_output);

}  // namespace vigil::net
