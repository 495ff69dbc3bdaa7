// The tail collector's checkpoint files (collectors/tail/checkpoint_store.h): read at start from
// data_dir, where a crash, a full disk or another program may have left anything. The decoder
// must reject what it cannot read whole, and what it accepts must encode back to the same bytes
// (the format has one encoding per checkpoint, so nothing is silently dropped or altered).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/tail/checkpoint_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = vigil::collectors::tail::decode_checkpoint(bytes);
  if (!decoded) return 0;
  const std::string again =
      vigil::collectors::tail::encode_checkpoint(decoded->generation, decoded->entries);
  if (again != bytes) __builtin_trap();
  for (const auto& entry : decoded->entries) {
    if (entry.path.empty() || entry.path.front() != '/') __builtin_trap();
  }
  return 0;
}
