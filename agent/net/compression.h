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

// Decompresses, failing (not allocating) once the output would exceed `max_output` bytes: the
// guard against compression bombs. The error says "exceeds N bytes" for that case.
core::Result<std::string> decompress(Codec codec, std::string_view data, std::size_t max_output);

}  // namespace vigil::net
