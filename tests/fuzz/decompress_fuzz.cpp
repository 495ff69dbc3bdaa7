// Request bodies: gzip, zstd and snappy decoding with a bounded output (compression bombs),
// and the round trip of our own compressor.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/net/compression.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using vigil::net::Codec;
  constexpr Codec kCodecs[] = {Codec::kGzip, Codec::kZstd, Codec::kSnappy, Codec::kNone};
  const Codec codec = kCodecs[data[0] % 4];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr std::size_t kLimit = 1 << 20;
  auto out = vigil::net::decompress(codec, input, kLimit);
  if (out && out->size() > kLimit) __builtin_trap();
  auto packed = vigil::net::compress(codec, input);
  if (!packed) __builtin_trap();
  auto unpacked = vigil::net::decompress(codec, *packed, input.size());
  if (!unpacked || *unpacked != input) __builtin_trap();
  return 0;
}
