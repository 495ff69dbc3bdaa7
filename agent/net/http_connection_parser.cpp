#include <cctype>
#include <string>

#include <fmt/format.h>

#include "agent/net/http_connection.h"

// http-parser's callbacks for HttpConnection: they collect the request and enforce the size
// limits while bytes arrive; decisions are taken in http_connection.cpp where they pause.

namespace vigil::net {

namespace {

HttpConnection* connection_of(http_parser* parser) {
  return static_cast<HttpConnection*>(parser->data);
}

// Parser callbacks run inside C code: no exception may leave them.
template <typename F>
int guarded(F&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return -1;
  }
}

}  // namespace

const http_parser_settings& HttpConnection::parser_settings() {
  static const http_parser_settings kSettings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_message_begin = &HttpConnection::on_message_begin;
    s.on_url = &HttpConnection::on_url;
    s.on_header_field = &HttpConnection::on_header_field;
    s.on_header_value = &HttpConnection::on_header_value;
    s.on_headers_complete = &HttpConnection::on_headers_complete;
    s.on_body = &HttpConnection::on_body;
    s.on_message_complete = &HttpConnection::on_message_complete;
    return s;
  }();
  return kSettings;
}

int HttpConnection::fail_in_callback(int status, std::string reason) {
  failed_status_ = status;
  failed_reason_ = std::move(reason);
  return -1;
}

int HttpConnection::on_message_begin(http_parser* parser) {
  return guarded([c = connection_of(parser)] {
    c->phase_ = Phase::kHead;
    c->request_ = HttpRequest{};
    c->stored_head_bytes_ = 0;
    c->last_was_value_ = false;
    c->head_request_ = false;
    c->http10_ = false;
    c->start_timer(c->owner_->options().header_timeout, &HttpConnection::on_header_timeout);
    return 0;
  });
}

int HttpConnection::on_url(http_parser* parser, const char* at, std::size_t length) {
  return guarded([c = connection_of(parser), at, length] {
    const auto limit = c->owner_->options().max_header_bytes;
    c->stored_head_bytes_ += length;
    if (c->request_.target.size() + length > limit) {
      return c->fail_in_callback(414, fmt::format("request target longer than {} bytes", limit));
    }
    if (c->stored_head_bytes_ > limit) {
      return c->fail_in_callback(431, fmt::format("request head larger than {} bytes", limit));
    }
    c->request_.target.append(at, length);
    return 0;
  });
}

int HttpConnection::on_header_field(http_parser* parser, const char* at, std::size_t length) {
  return guarded([c = connection_of(parser), at, length] {
    const auto limit = c->owner_->options().max_header_bytes;
    c->stored_head_bytes_ += length;
    if (c->stored_head_bytes_ > limit) {
      return c->fail_in_callback(431, fmt::format("request head larger than {} bytes", limit));
    }
    auto& headers = c->request_.headers;
    if (headers.empty() || c->last_was_value_) headers.emplace_back();
    c->last_was_value_ = false;
    auto& name = headers.back().name;
    for (std::size_t i = 0; i < length; ++i) {
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(at[i]))));
    }
    return 0;
  });
}

int HttpConnection::on_header_value(http_parser* parser, const char* at, std::size_t length) {
  return guarded([c = connection_of(parser), at, length] {
    const auto limit = c->owner_->options().max_header_bytes;
    c->stored_head_bytes_ += length;
    if (c->stored_head_bytes_ > limit) {
      return c->fail_in_callback(431, fmt::format("request head larger than {} bytes", limit));
    }
    if (c->request_.headers.empty()) return -1;  // http-parser never sends a value first
    c->request_.headers.back().value.append(at, length);
    c->last_was_value_ = true;
    return 0;
  });
}

int HttpConnection::on_headers_complete(http_parser* parser) {
  connection_of(parser)->pause_ = Pause::kHeadersComplete;
  http_parser_pause(parser, 1);
  return 0;
}

int HttpConnection::on_body(http_parser* parser, const char* at, std::size_t length) {
  return guarded([c = connection_of(parser), at, length] {
    const auto limit = c->owner_->options().max_body_bytes;
    if (c->request_.body.size() + length > limit) {
      return c->fail_in_callback(413, fmt::format("request body larger than {} bytes", limit));
    }
    c->request_.body.append(at, length);
    return 0;
  });
}

int HttpConnection::on_message_complete(http_parser* parser) {
  connection_of(parser)->pause_ = Pause::kMessageComplete;
  http_parser_pause(parser, 1);
  return 0;
}

}  // namespace vigil::net
