#include "agent/net/curl_transfer.h"

#include <chrono>
#include <cstring>
#include <exception>
#include <utility>

#include <curl/options.h>
#include <fmt/format.h>

namespace vigil::net {

namespace {

// Collects the first failing curl_easy_setopt so configuration reads as a flat list.
class OptionSetter {
 public:
  OptionSetter(const CurlLibrary& curl, CURL* easy) : curl_(curl), easy_(easy) {}

  template <typename T>
  void set(CURLoption option, T value) {
    if (failed_ != CURLE_OK) return;
    CURLcode rc = curl_.easy_setopt(easy_, option, value);
    if (rc != CURLE_OK) {
      failed_ = rc;
      option_ = option;
    }
  }

  core::Result<void> result() const {
    if (failed_ == CURLE_OK) return {};
    const curl_easyoption* info = curl_.easy_option_by_id(option_);
    return core::make_error(fmt::format("libcurl refused option {}: {}",
                                        info != nullptr ? info->name : "?",
                                        curl_.easy_strerror(failed_)));
  }

 private:
  const CurlLibrary& curl_;
  CURL* easy_;
  CURLcode failed_ = CURLE_OK;
  CURLoption option_{};
};

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

bool is_header_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool h2c_reuse_is_broken(unsigned int version_num) {
  return version_num >= 0x075700 && version_num < 0x080000;
}

long to_curl_ms(core::Duration d) {
  if (d <= core::Duration::zero()) return 0;  // libcurl's "no timeout"
  return static_cast<long>(std::chrono::ceil<std::chrono::milliseconds>(d).count());
}

}  // namespace

core::Result<std::unique_ptr<CurlTransfer>> CurlTransfer::create(const CurlLibrary& curl,
                                                                 HttpClientRequest request,
                                                                 std::string_view user_agent) {
  if (request.url.empty()) return core::make_error("request has no URL");
  if (!is_token(request.method)) {
    return core::make_error(fmt::format("invalid HTTP method \"{}\"", request.method));
  }
  if (request.http2 < 0 || request.http2 > 2) {
    return core::make_error(fmt::format("invalid http2 mode {} (0, 1 or 2)", request.http2));
  }
  auto transfer = std::make_unique<CurlTransfer>(Key{}, curl);
  transfer->easy_.reset(curl.easy_init());
  if (!transfer->easy_) return core::make_error("libcurl could not create a transfer");
  // The body moves in before libcurl is pointed at it, and never moves again.
  transfer->body_ = std::move(request.body);
  auto configured = transfer->configure(request, user_agent);
  if (!configured) return std::unexpected(configured.error());
  return transfer;
}

core::Result<void> CurlTransfer::configure(const HttpClientRequest& request,
                                           std::string_view user_agent) {
  auto headers = build_header_list(request);
  if (!headers) return headers;
  max_response_bytes_ = request.max_response_bytes;

  OptionSetter opt(*curl_, easy_.get());
  opt.set(CURLOPT_URL, request.url.c_str());
  // Only what an exporter speaks: a URL must not reach file://, ldap:// and the like.
  opt.set(CURLOPT_PROTOCOLS_STR, "http,https");
  // The loop thread must never receive SIGALRM/SIGPIPE from libcurl.
  opt.set(CURLOPT_NOSIGNAL, 1L);
  std::string agent(user_agent);  // libcurl copies string options
  opt.set(CURLOPT_USERAGENT, agent.c_str());
  opt.set(CURLOPT_HTTPHEADER, header_list_.get());
  opt.set(CURLOPT_ERRORBUFFER, error_buffer_.data());
  opt.set(CURLOPT_HEADERFUNCTION, &CurlTransfer::on_header);
  opt.set(CURLOPT_HEADERDATA, static_cast<void*>(this));
  opt.set(CURLOPT_WRITEFUNCTION, &CurlTransfer::on_body);
  opt.set(CURLOPT_WRITEDATA, static_cast<void*>(this));
  opt.set(CURLOPT_TIMEOUT_MS, to_curl_ms(request.timeout));
  opt.set(CURLOPT_CONNECTTIMEOUT_MS, to_curl_ms(request.connect_timeout));
  // Pooled connections to a backend that vanished are noticed instead of hanging.
  opt.set(CURLOPT_TCP_KEEPALIVE, 1L);
  // A proxy's CONNECT answer is not the backend's response.
  opt.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);

  switch (request.http2) {
    case 0:
      opt.set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
      break;
    case 1:
      opt.set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
      break;
    default:
      opt.set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
      break;
  }
  if (request.http2 != 0) {
    // Concurrent requests wait to multiplex on one HTTP/2 connection rather than open more.
    opt.set(CURLOPT_PIPEWAIT, 1L);
  }
  if (request.http2 == 2 && h2c_reuse_is_broken(curl_->version_num)) {
    // libcurl 7.87 and 7.88 (Debian 12 ships 7.88.1) fail every request that reuses a
    // prior-knowledge h2c connection with "Error in the HTTP2 framing layer" (curl issue 10634,
    // fixed in 8.0.0): each such request gets a connection of its own, closed after it.
    opt.set(CURLOPT_FRESH_CONNECT, 1L);
    opt.set(CURLOPT_FORBID_REUSE, 1L);
  }

  const TlsOptions& tls = request.tls;
  if (!tls.ca_file.empty()) opt.set(CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) opt.set(CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) opt.set(CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure_skip_verify) {
    opt.set(CURLOPT_SSL_VERIFYPEER, 0L);
    opt.set(CURLOPT_SSL_VERIFYHOST, 0L);
  }

  const std::string& method = request.method;
  bool sends_body = !body_.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (method == "HEAD") {
    opt.set(CURLOPT_NOBODY, 1L);
  } else if (sends_body) {
    // libcurl reads the body from body_, which lives as long as the easy handle.
    opt.set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
    opt.set(CURLOPT_POSTFIELDS, body_.data());
    if (method != "POST") opt.set(CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method == "GET") {
    opt.set(CURLOPT_HTTPGET, 1L);
  } else {
    opt.set(CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  return opt.result();
}

core::Result<void> CurlTransfer::build_header_list(const HttpClientRequest& request) {
  bool has_content_type = false;
  auto append = [this](const std::string& line) -> bool {
    curl_slist* grown = curl_->slist_append(header_list_.get(), line.c_str());
    if (grown == nullptr) return false;
    (void)header_list_.release();  // curl_slist_append returned the (same) head, now in `grown`
    header_list_.reset(grown);
    return true;
  };
  for (const HttpHeader& h : request.headers) {
    if (!is_token(h.name))
      return core::make_error(fmt::format("invalid header name \"{}\"", h.name));
    if (!is_header_value(h.value)) {
      return core::make_error(fmt::format("header {} contains CR, LF or NUL", h.name));
    }
    std::string name = lower(h.name);
    // The client owns these: libcurl computes the length, and the body encoding is ours.
    if (name == "content-length" || name == "expect") continue;
    if (name == "content-encoding" && request.compression != Codec::kNone) continue;
    if (name == "content-type") has_content_type = true;
    // "Name;" is libcurl's way to send an empty value ("Name:" would remove the header).
    std::string line = h.value.empty() ? h.name + ";" : h.name + ": " + h.value;
    if (!append(line)) return core::make_error("out of memory building the header list");
  }
  if (request.compression != Codec::kNone) {
    if (!append("Content-Encoding: " + std::string(to_string(request.compression)))) {
      return core::make_error("out of memory building the header list");
    }
  }
  // An empty value removes a header libcurl would add by itself: Expect: 100-continue costs a
  // round trip per large body, and a form Content-Type would mislabel protobuf or JSON.
  if (!append("Expect:")) return core::make_error("out of memory building the header list");
  if (!has_content_type && !append("Content-Type:")) {
    return core::make_error("out of memory building the header list");
  }
  return {};
}

std::size_t CurlTransfer::on_header(char* data, std::size_t size, std::size_t count, void* self) {
  std::size_t length = size * count;
  try {
    static_cast<CurlTransfer*>(self)->add_header_line(std::string_view(data, length));
  } catch (const std::exception&) {
    return 0;  // aborts the transfer: exceptions must not unwind through libcurl
  }
  return length;
}

std::size_t CurlTransfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto* transfer = static_cast<CurlTransfer*>(self);
  std::size_t length = size * count;
  if (transfer->response_body_.size() + length > transfer->max_response_bytes_) {
    transfer->body_too_large_ = true;
    return 0;
  }
  try {
    transfer->response_body_.append(data, length);
  } catch (const std::exception&) {
    return 0;
  }
  return length;
}

void CurlTransfer::add_header_line(std::string_view line) {
  // A status line starts a new response (after 100 Continue, or an unfollowed redirect's hop):
  // only the final response's headers count. HTTP/2 trailers come later without one.
  if (line.starts_with("HTTP/")) {
    headers_.clear();
    return;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // Obsolete line folding continues the previous header's value.
    std::string_view more = trim(line);
    if (!headers_.empty() && !more.empty()) {
      headers_.back().value += ' ';
      headers_.back().value += more;
    }
    return;
  }
  line = trim(line);
  std::size_t colon = line.find(':');
  if (line.empty() || colon == std::string_view::npos) return;
  headers_.push_back(
      HttpHeader{lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
}

HttpClientResponse CurlTransfer::finish(CURLcode result) {
  HttpClientResponse response;
  long code = 0;
  if (curl_->easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &code) != CURLE_OK) code = 0;
  long connects = 0;
  if (curl_->easy_getinfo(easy_.get(), CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK) {
    connects = -1;
  }
  // NUM_CONNECTS counts only successful new connections: zero means an earlier one carried this
  // request, provided one was used at all (a refused connect counts zero too).
  response.reused_connection = connects == 0 && code > 0;

  if (result == CURLE_OK) {
    response.status = static_cast<int>(code);
    response.headers = std::move(headers_);
    response.body = std::move(response_body_);
    return response;
  }
  // Anything but a complete exchange is a transport failure: a partial response is not one.
  response.timed_out = result == CURLE_OPERATION_TIMEDOUT;
  if (body_too_large_) {
    response.error = fmt::format("response body exceeds {} bytes", max_response_bytes_);
    return response;
  }
  std::string_view summary = curl_->easy_strerror(result);
  std::string_view detail(error_buffer_.data(),
                          ::strnlen(error_buffer_.data(), error_buffer_.size()));
  response.error = detail.empty() || detail == summary ? std::string(summary)
                                                       : fmt::format("{}: {}", summary, detail);
  return response;
}

}  // namespace vigil::net
