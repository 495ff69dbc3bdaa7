#include "collectors/tail/checkpoint_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace vigil::collectors::tail {

namespace {

// Bytes of an entry without its path.
constexpr std::size_t kEntryFixedSize = 8 * 4 + 4 + 1 + 4;
constexpr std::size_t kHeaderSize = 8 + 4 + 8 + 4;
// A checkpoint larger than this is not ours (a million entries of long paths is far below).
constexpr std::size_t kMaxCheckpointBytes = 256u << 20;
constexpr std::uint32_t kMaxFingerprintLength = 1u << 20;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t crc_of(std::string_view bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large inputs in pieces.
  while (!bytes.empty()) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), 1u << 30);
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
    bytes.remove_prefix(n);
  }
  return static_cast<std::uint32_t>(crc);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool u32(std::uint32_t& v) { return little_endian(v); }
  bool u64(std::uint64_t& v) { return little_endian(v); }
  bool u8(std::uint8_t& v) {
    if (pos_ >= bytes_.size()) return false;
    v = static_cast<std::uint8_t>(bytes_[pos_++]);
    return true;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (bytes_.size() - pos_ < n) return false;
    out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  template <typename T>
  bool little_endian(T& v) {
    if (bytes_.size() - pos_ < sizeof(T)) return false;
    v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      v |= static_cast<T>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    }
    pos_ += sizeof(T);
    return true;
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
};

std::string errno_text(int error) { return std::strerror(error); }

core::Result<void> fsync_directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return core::make_error(fmt::format("open {}: {}", dir, errno_text(errno)));
  UniqueFd owned(fd);
  if (::fsync(fd) != 0)
    return core::make_error(fmt::format("fsync {}: {}", dir, errno_text(errno)));
  return {};
}

}  // namespace

std::string encode_checkpoint(std::uint64_t generation, std::span<const CheckpointEntry> entries) {
  std::string out;
  std::size_t size = kHeaderSize + 4;
  for (const auto& e : entries) size += kEntryFixedSize + e.path.size();
  out.reserve(size);
  out.append(kCheckpointMagic);
  put_u32(out, kCheckpointVersion);
  put_u64(out, generation);
  put_u32(out, static_cast<std::uint32_t>(entries.size()));
  for (const auto& e : entries) {
    put_u64(out, e.identity.dev);
    put_u64(out, e.identity.ino);
    put_u64(out, e.offset);
    put_u64(out, e.fingerprint.hash);
    put_u32(out, e.fingerprint.length);
    out.push_back(static_cast<char>(e.skipping ? 1 : 0));
    put_u32(out, static_cast<std::uint32_t>(e.path.size()));
    out.append(e.path);
  }
  put_u32(out, crc_of(out));
  return out;
}

core::Result<Checkpoint> decode_checkpoint(std::string_view bytes) {
  if (bytes.size() < kCheckpointMagic.size() || !bytes.starts_with(kCheckpointMagic)) {
    return core::make_error("not a vigil tail checkpoint (wrong magic bytes)");
  }
  if (bytes.size() < kHeaderSize + 4) return core::make_error("truncated (no room for its header)");
  if (bytes.size() > kMaxCheckpointBytes) return core::make_error("larger than any checkpoint");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  Reader trailer(bytes.substr(bytes.size() - 4));
  std::uint32_t stored_crc = 0;
  trailer.u32(stored_crc);

  Reader in(body);
  std::string_view magic;
  in.bytes(kCheckpointMagic.size(), magic);
  std::uint32_t version = 0;
  std::uint32_t count = 0;
  in.u32(version);
  if (version != kCheckpointVersion) {
    // Checked before the CRC: a newer agent's file is not corrupt, just not ours to read.
    if (crc_of(body) == stored_crc) {
      return core::make_error(fmt::format("unsupported checkpoint version {}", version));
    }
    return core::make_error("checksum mismatch (torn or corrupt file)");
  }
  if (crc_of(body) != stored_crc) {
    return core::make_error("checksum mismatch (torn or corrupt file)");
  }
  Checkpoint checkpoint;
  in.u64(checkpoint.generation);
  in.u32(count);
  if (count > kMaxCheckpointEntries) {
    return core::make_error(fmt::format("{} entries (at most {})", count, kMaxCheckpointEntries));
  }
  if (in.remaining() / kEntryFixedSize < count) {
    return core::make_error("truncated (fewer bytes than its entries need)");
  }
  std::vector<CheckpointEntry>& entries = checkpoint.entries;
  entries.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    CheckpointEntry e;
    std::uint8_t flags = 0;
    std::uint32_t path_size = 0;
    std::string_view path;
    if (!in.u64(e.identity.dev) || !in.u64(e.identity.ino) || !in.u64(e.offset) ||
        !in.u64(e.fingerprint.hash) || !in.u32(e.fingerprint.length) || !in.u8(flags) ||
        !in.u32(path_size)) {
      return core::make_error(fmt::format("truncated in entry {}", i));
    }
    if (path_size == 0 || path_size > kMaxCheckpointPath) {
      return core::make_error(fmt::format("entry {}: path length {} out of range", i, path_size));
    }
    if (!in.bytes(path_size, path))
      return core::make_error(fmt::format("truncated in entry {}", i));
    if (path.front() != '/' || path.find('\0') != std::string_view::npos) {
      return core::make_error(fmt::format("entry {}: not an absolute path", i));
    }
    if ((flags & ~1u) != 0) return core::make_error(fmt::format("entry {}: unknown flags", i));
    if (e.fingerprint.length > kMaxFingerprintLength) {
      return core::make_error(fmt::format("entry {}: fingerprint length out of range", i));
    }
    e.skipping = (flags & 1u) != 0;
    e.path = std::string(path);
    entries.push_back(std::move(e));
  }
  if (in.remaining() != 0) return core::make_error("trailing bytes after the last entry");
  return checkpoint;
}

namespace {

struct ReadResult {
  bool missing = false;
  std::string error;  // unreadable
  std::string bytes;
};

ReadResult read_whole(const std::string& path) {
  ReadResult r;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.missing = errno == ENOENT;
    if (!r.missing) r.error = fmt::format("cannot open {}: {}", path, errno_text(errno));
    return r;
  }
  UniqueFd owned(fd);
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = fmt::format("cannot read {}: {}", path, errno_text(errno));
      return r;
    }
    if (n == 0) break;
    r.bytes.append(buffer, static_cast<std::size_t>(n));
    if (r.bytes.size() > kMaxCheckpointBytes) break;
  }
  return r;
}

}  // namespace

CheckpointLoad load_checkpoint(const std::string& path) {
  CheckpointLoad load;
  std::optional<Checkpoint> main;
  ReadResult file = read_whole(path);
  if (!file.missing) {
    auto decoded = file.error.empty() ? decode_checkpoint(file.bytes)
                                      : core::Result<Checkpoint>(core::make_error(file.error));
    if (decoded) {
      main = std::move(*decoded);
    } else {
      const std::string aside = path + ".invalid";
      if (::rename(path.c_str(), aside.c_str()) == 0) {
        load.problem = fmt::format("{}: {}; moved to {}", path, decoded.error().message, aside);
      } else {
        load.problem = fmt::format("{}: {}; cannot move it aside: {}", path,
                                   decoded.error().message, errno_text(errno));
      }
    }
  }
  std::optional<Checkpoint> acknowledged;
  const std::string ack_path = acknowledgement_path(path);
  ReadResult ack = read_whole(ack_path);
  if (!ack.missing) {
    auto decoded = ack.error.empty() ? decode_checkpoint(ack.bytes)
                                     : core::Result<Checkpoint>(core::make_error(ack.error));
    if (decoded) {
      acknowledged = std::move(*decoded);
    } else if (!ack.bytes.empty() || !ack.error.empty()) {
      load.note = fmt::format("{}: {}", ack_path, decoded.error().message);
    }
  }
  if (acknowledged && (!main || acknowledged->generation > main->generation)) {
    load.status = CheckpointLoad::Status::kLoaded;
    load.checkpoint = std::move(*acknowledged);
    load.from_acknowledgements = true;
  } else if (main) {
    load.status = CheckpointLoad::Status::kLoaded;
    load.checkpoint = std::move(*main);
  } else if (!load.problem.empty()) {
    load.status = CheckpointLoad::Status::kInvalid;
  }
  return load;
}

core::Result<AcknowledgementFile> AcknowledgementFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return core::make_error(fmt::format("open {}: {}", path, errno_text(errno)));
  AcknowledgementFile file;
  file.fd_ = UniqueFd(fd);
  file.path_ = path;
  struct stat st {};
  if (::fstat(fd, &st) == 0) file.size_ = static_cast<std::size_t>(st.st_size);
  return file;
}

core::Result<void> AcknowledgementFile::write(std::string_view bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::pwrite(fd_.get(), bytes.data() + written, bytes.size() - written,
                               static_cast<off_t>(written));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return core::make_error(fmt::format("write {}: {}", path_, errno_text(errno)));
    written += static_cast<std::size_t>(n);
  }
  if (bytes.size() < size_ && ::ftruncate(fd_.get(), static_cast<off_t>(bytes.size())) != 0) {
    return core::make_error(fmt::format("truncate {}: {}", path_, errno_text(errno)));
  }
  size_ = bytes.size();
  return {};
}

core::Result<void> write_checkpoint_file(const std::string& path, std::string_view bytes,
                                         std::string_view temp_suffix) {
  const std::string temp = fmt::format("{}.tmp.{}", path, temp_suffix);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return core::make_error(fmt::format("create {}: {}", temp, errno_text(errno)));
  UniqueFd owned(fd);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::unlink(temp.c_str());
      return core::make_error(fmt::format("write {}: {}", temp, errno_text(error)));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return core::make_error(fmt::format("fsync {}: {}", temp, errno_text(error)));
  }
  owned.reset();
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return core::make_error(fmt::format("rename {} to {}: {}", temp, path, errno_text(error)));
  }
  return fsync_directory_of(path);
}

core::Result<void> make_directories(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return core::make_error(fmt::format("{} is not an absolute path", path));
  }
  std::size_t pos = 1;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    const std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0750) != 0 && errno != EEXIST) {
      return core::make_error(fmt::format("mkdir {}: {}", prefix, errno_text(errno)));
    }
    pos = slash + 1;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return core::make_error(fmt::format("{} is not a directory", path));
  }
  return {};
}

}  // namespace vigil::collectors::tail
