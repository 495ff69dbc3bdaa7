#include "agent/aws/canonical_request.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

#include "agent/net/grpc_framing.h"

namespace vigil::aws {

namespace {

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims and collapses inner runs of whitespace to one space.
std::string normalize_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0x0f]);
    }
  }
  return out;
}

std::string percent_decode(std::string_view text) {
  // gRPC's grpc-message decoding is plain RFC 3986 percent-decoding: the same rules.
  return net::percent_decode_grpc_message(text);
}

core::Result<UrlParts> split_url(std::string_view url) {
  UrlParts parts;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return core::make_error("not an http(s) URL: " + std::string(url));
  }
  parts.scheme = lower(url.substr(0, scheme_end));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return core::make_error("not an http(s) URL: " + std::string(url));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return core::make_error("URL without a host: " + std::string(url));
  if (!std::ranges::all_of(port, [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return core::make_error("URL with a bad port: " + std::string(url));
  }
  const std::string_view default_port = parts.scheme == "https" ? "443" : "80";
  parts.host_header = std::string(host);
  if (!port.empty() && port != default_port) parts.host_header += ":" + std::string(port);

  auto fragment = rest.find('#');
  rest = rest.substr(0, fragment);
  auto question = rest.find('?');
  parts.path = std::string(rest.substr(0, question));
  if (question != std::string_view::npos) parts.query = std::string(rest.substr(question + 1));
  return parts;
}

std::string canonical_uri(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string normalized;
  for (auto segment : segments) {
    normalized.push_back('/');
    normalized.append(segment);
  }
  if (normalized.empty() || (!path.empty() && path.back() == '/')) normalized.push_back('/');
  return uri_encode(normalized, /*keep_slash=*/true);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    std::string_view param =
        query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!param.empty()) {
      auto eq = param.find('=');
      std::string_view name = param.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
      params.emplace_back(uri_encode(percent_decode(name), false),
                          uri_encode(percent_decode(value), false));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  std::ranges::sort(params);
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

bool is_unsigned_header(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kUnsigned = {
      "user-agent",        "expect",          "content-length",
      "transfer-encoding", "x-amzn-trace-id", "authorization"};
  return std::ranges::find(kUnsigned, name) != kUnsigned.end();
}

CanonicalHeaders canonical_headers(const net::HttpHeaders& headers) {
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& header : headers) {
    std::string name = lower(normalize_value(header.name));
    if (name.empty() || is_unsigned_header(name)) continue;
    lowered.emplace_back(std::move(name), normalize_value(header.value));
  }
  // Stable, so the values of a repeated header keep their order when joined.
  std::ranges::stable_sort(lowered, {}, &std::pair<std::string, std::string>::first);
  CanonicalHeaders out;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    const auto& [name, value] = lowered[i];
    if (i > 0 && lowered[i - 1].first == name) {
      out.block.back() = ',';  // replaces the previous line's '\n'
      out.block += value;
      out.block.push_back('\n');
      continue;
    }
    if (!out.signed_names.empty()) out.signed_names.push_back(';');
    out.signed_names += name;
    out.block += name;
    out.block.push_back(':');
    out.block += value;
    out.block.push_back('\n');
  }
  return out;
}

}  // namespace vigil::aws
