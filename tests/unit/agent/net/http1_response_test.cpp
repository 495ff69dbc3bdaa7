#include "agent/net/http1_response.h"

#include <gtest/gtest.h>

#include "agent/net/http_types.h"

namespace vigil::net {
namespace {

TEST(FormatHttpDate, ImfFixdate) {
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(format_http_date(1'700'000'000), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(format_http_date(951'782'400), "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(EncodeHttp1ResponseHead, StatusLineHeadersAndFraming) {
  Http1Framing framing;
  framing.date = "Sun, 06 Nov 1994 08:49:37 GMT";
  auto head = encode_http1_response_head(201, {{"Content-Type", "application/json"}}, 17, framing);
  EXPECT_EQ(head.bytes,
            "HTTP/1.1 201 Created\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 17\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "\r\n");
  EXPECT_TRUE(head.send_body);
  EXPECT_EQ(head.dropped_headers, 0U);
}

TEST(EncodeHttp1ResponseHead, ConnectionHeader) {
  Http1Framing framing;
  framing.date = "D";
  framing.close = true;
  EXPECT_EQ(encode_http1_response_head(200, {}, 0, framing).bytes,
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: D\r\nConnection: close\r\n\r\n");
  framing.close = false;
  framing.announce_keep_alive = true;
  EXPECT_EQ(encode_http1_response_head(200, {}, 0, framing).bytes,
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: D\r\nConnection: keep-alive\r\n\r\n");
}

TEST(EncodeHttp1ResponseHead, HeadRequestKeepsLengthButSendsNoBody) {
  Http1Framing framing;
  framing.date = "D";
  framing.head_request = true;
  auto head = encode_http1_response_head(200, {}, 1234, framing);
  EXPECT_FALSE(head.send_body);
  EXPECT_NE(head.bytes.find("Content-Length: 1234\r\n"), std::string::npos);
}

TEST(EncodeHttp1ResponseHead, NoContentAndNotModifiedHaveNoLength) {
  Http1Framing framing;
  framing.date = "D";
  for (int status : {204, 304}) {
    auto head = encode_http1_response_head(status, {}, 5, framing);
    EXPECT_FALSE(head.send_body) << status;
    EXPECT_EQ(head.bytes.find("Content-Length"), std::string::npos) << status;
  }
}

TEST(EncodeHttp1ResponseHead, DropsServerControlledAndUnsafeHeaders) {
  Http1Framing framing;
  framing.date = "D";
  HttpHeaders headers = {{"content-length", "1"},   {"Date", "x"},
                         {"Connection", "upgrade"}, {"Transfer-Encoding", "chunked"},
                         {"X-Split", "a\r\nb: c"},  {"X-Nul", std::string("a\0b", 3)},
                         {"Bad Name", "v"},         {"", "v"},
                         {"X-Ok", "fine, really"}};
  auto head = encode_http1_response_head(200, headers, 2, framing);
  EXPECT_EQ(head.dropped_headers, 8U);
  EXPECT_EQ(head.bytes,
            "HTTP/1.1 200 OK\r\nX-Ok: fine, really\r\nContent-Length: 2\r\nDate: D\r\n\r\n");
}

TEST(HttpTypes, FindHeaderIsCaseInsensitive) {
  HttpHeaders headers = {{"Content-Type", "application/json"}, {"x-a", "1"}, {"X-A", "2"}};
  EXPECT_EQ(find_header(headers, "content-type"), "application/json");
  EXPECT_EQ(find_header(headers, "CONTENT-TYPE"), "application/json");
  EXPECT_EQ(find_header(headers, "X-a"), "1");  // the first of repeated headers
  EXPECT_EQ(find_header(headers, "missing"), "");
  EXPECT_EQ(find_header({}, "x"), "");
}

TEST(HttpTypes, StatusReasons) {
  EXPECT_EQ(status_reason(200), "OK");
  EXPECT_EQ(status_reason(204), "No Content");
  EXPECT_EQ(status_reason(404), "Not Found");
  EXPECT_EQ(status_reason(408), "Request Timeout");
  EXPECT_EQ(status_reason(413), "Payload Too Large");
  EXPECT_EQ(status_reason(429), "Too Many Requests");
  EXPECT_EQ(status_reason(431), "Request Header Fields Too Large");
  EXPECT_EQ(status_reason(503), "Service Unavailable");
  EXPECT_EQ(status_reason(599), "Unknown");
  EXPECT_EQ(status_reason(-1), "Unknown");
  for (int code : {200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405,
                   408, 409, 411, 413, 414, 415, 429, 431, 500, 501, 502, 503, 504}) {
    EXPECT_NE(status_reason(code), "Unknown") << code;
  }
}

}  // namespace
}  // namespace vigil::net
