#include "collectors/tail/file_identity.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>

namespace vigil::collectors::tail {

namespace {
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
}

void Fingerprint::update(std::uint64_t offset, std::string_view bytes, std::uint32_t limit) {
  if (length >= limit || offset > length) return;
  // Skip what is already covered, stop at the limit.
  const std::uint64_t skip = length - offset;
  if (skip >= bytes.size()) return;
  const std::size_t take =
      static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size() - skip, limit - length));
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + skip);
  std::uint64_t h = hash;
  for (std::size_t i = 0; i < take; ++i) {
    h ^= p[i];
    h *= kFnvPrime;
  }
  hash = h;
  length += static_cast<std::uint32_t>(take);
}

Fingerprint fingerprint_of(std::string_view prefix) {
  Fingerprint fp;
  fp.update(0, prefix, static_cast<std::uint32_t>(prefix.size()));
  return fp;
}

std::optional<Fingerprint> read_fingerprint(int fd, std::uint32_t length) {
  if (length == 0) return Fingerprint{};
  std::array<char, 4096> stack_buffer;
  std::unique_ptr<char[]> heap_buffer;
  char* buffer = stack_buffer.data();
  if (length > stack_buffer.size()) {
    heap_buffer = std::make_unique<char[]>(length);
    buffer = heap_buffer.get();
  }
  std::size_t got = 0;
  while (got < length) {
    const ssize_t n = ::pread(fd, buffer + got, length - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  return fingerprint_of(std::string_view(buffer, length));
}

bool fingerprint_matches(int fd, const Fingerprint& known) {
  auto now = read_fingerprint(fd, known.length);
  return now && *now == known;
}

}  // namespace vigil::collectors::tail
