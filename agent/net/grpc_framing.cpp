#include "agent/net/grpc_framing.h"

#include <algorithm>
#include <cctype>

#include "agent/net/openssl_library.h"

namespace vigil::net {

namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";
// EVP_EncodeBlock takes an int length; metadata values are far below this.
constexpr std::size_t kMaxBinaryValueBytes = std::size_t{1} << 30;

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string encode_grpc_message(std::string_view message, bool compressed) {
  std::string out;
  out.reserve(kGrpcPrefixBytes + message.size());
  const auto length = static_cast<std::uint32_t>(message.size());
  out.push_back(compressed ? '\1' : '\0');
  out.push_back(static_cast<char>((length >> 24) & 0xff));
  out.push_back(static_cast<char>((length >> 16) & 0xff));
  out.push_back(static_cast<char>((length >> 8) & 0xff));
  out.push_back(static_cast<char>(length & 0xff));
  out.append(message);
  return out;
}

bool is_grpc_content_type(std::string_view content_type) {
  constexpr std::string_view kBase = "application/grpc";
  if (content_type.size() < kBase.size() || !iequals(content_type.substr(0, kBase.size()), kBase)) {
    return false;
  }
  auto rest = content_type.substr(kBase.size());
  return rest.empty() || rest.front() == '+' || rest.front() == ';';
}

std::optional<Codec> parse_grpc_encoding(std::string_view value) {
  value = trim(value);
  if (value.empty() || iequals(value, "identity")) return Codec::kNone;
  if (iequals(value, "gzip")) return Codec::kGzip;
  if (iequals(value, "zstd")) return Codec::kZstd;
  return std::nullopt;
}

std::string percent_encode_grpc_message(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte <= 0x7e && byte != '%') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHexDigits[byte >> 4]);
      out.push_back(kHexDigits[byte & 0x0f]);
    }
  }
  return out;
}

std::string percent_decode_grpc_message(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size()) {
      int high = hex_value(encoded[i + 1]);
      int low = hex_value(encoded[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(encoded[i]);
  }
  return out;
}

std::optional<std::string> encode_grpc_binary_value(std::string_view bytes) {
  auto ssl = load_openssl();
  if (!ssl) return std::nullopt;
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = (*ssl)->encode_block(
      reinterpret_cast<unsigned char*>(out.data()),
      reinterpret_cast<const unsigned char*>(bytes.data()),
      static_cast<int>(std::min<std::size_t>(bytes.size(), kMaxBinaryValueBytes)));
  out.resize(written > 0 ? static_cast<std::size_t>(written) : 0);
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

GrpcMessageReader::State GrpcMessageReader::feed(std::string_view data) {
  while (!data.empty() && !failed()) {
    switch (state_) {
      case State::kPrefix: {
        const std::size_t take = std::min(kGrpcPrefixBytes - prefix_used_, data.size());
        std::copy_n(data.data(), take, prefix_ + prefix_used_);
        prefix_used_ += take;
        data.remove_prefix(take);
        if (prefix_used_ < kGrpcPrefixBytes) break;
        if (prefix_[0] > 1) {
          state_ = State::kBadFlag;
          break;
        }
        compressed_ = prefix_[0] == 1;
        length_ = (std::uint32_t{prefix_[1]} << 24) | (std::uint32_t{prefix_[2]} << 16) |
                  (std::uint32_t{prefix_[3]} << 8) | std::uint32_t{prefix_[4]};
        if (length_ > max_) {
          state_ = State::kTooLarge;
          break;
        }
        state_ = length_ == 0 ? State::kComplete : State::kMessage;
        break;
      }
      case State::kMessage: {
        const std::size_t take = std::min<std::size_t>(length_ - message_.size(), data.size());
        message_.append(data.data(), take);
        data.remove_prefix(take);
        if (message_.size() == length_) state_ = State::kComplete;
        break;
      }
      case State::kComplete:
        state_ = State::kTooMany;
        message_.clear();
        message_.shrink_to_fit();
        break;
      default:
        return state_;
    }
  }
  return state_;
}

}  // namespace vigil::net
