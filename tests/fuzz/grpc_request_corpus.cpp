// Writes the seed corpus of fuzz_grpc_request: what an nghttp2 client session sends for a few
// gRPC exchanges, minus the connection preface (the fuzz target sends that itself). Not part of
// the build; regenerate with:
//   g++ -std=c++20 tests/fuzz/grpc_request_corpus.cpp -lnghttp2 -lz -o /tmp/grpc_corpus &&
//   /tmp/grpc_corpus tests/fuzz/corpus/grpc_request
#include <nghttp2/nghttp2.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t kPrefaceBytes = 24;

std::string frame(const std::string& message, bool compressed = false) {
  std::string out(5, '\0');
  out[0] = compressed ? 1 : 0;
  const auto n = static_cast<std::uint32_t>(message.size());
  out[1] = static_cast<char>(n >> 24);
  out[2] = static_cast<char>(n >> 16);
  out[3] = static_cast<char>(n >> 8);
  out[4] = static_cast<char>(n);
  return out + message;
}

std::string gzip(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct Call {
  std::string method = "POST";
  std::string path = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  std::string content_type = "application/grpc";
  std::vector<std::pair<std::string, std::string>> metadata = {};
  std::string body = {};
};

ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                  std::uint32_t* flags, nghttp2_data_source* source, void*) {
  auto* body = static_cast<std::pair<std::string, std::size_t>*>(source->ptr);
  std::size_t n = std::min(length, body->first.size() - body->second);
  std::memcpy(buf, body->first.data() + body->second, n);
  body->second += n;
  if (body->second == body->first.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

using Bodies = std::vector<std::unique_ptr<std::pair<std::string, std::size_t>>>;

// Appends what the session has to send now.
void drain(nghttp2_session* session, std::string& out) {
  const std::uint8_t* data = nullptr;
  ssize_t n = 0;
  while ((n = nghttp2_session_mem_send(session, &data)) > 0) {
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
}

// Runs `script` on a fresh client session and returns every byte it sends.
std::string capture(const std::function<void(nghttp2_session*, Bodies&, std::string&)>& script) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session* session = nullptr;
  nghttp2_session_client_new(&session, callbacks, nullptr);
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);
  Bodies bodies;
  std::string out;
  script(session, bodies, out);
  drain(session, out);
  nghttp2_session_del(session);
  return out.substr(kPrefaceBytes);
}

std::int32_t submit(nghttp2_session* session, Bodies& bodies, Call call) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {":method", call.method},         {":scheme", "http"}, {":path", call.path},
      {":authority", "127.0.0.1:4317"}, {"te", "trailers"},  {"content-type", call.content_type}};
  for (auto& m : call.metadata) fields.push_back(m);
  std::vector<nghttp2_nv> nva;
  for (auto& [name, value] : fields) {
    nva.push_back({reinterpret_cast<std::uint8_t*>(name.data()),
                   reinterpret_cast<std::uint8_t*>(value.data()), name.size(), value.size(),
                   NGHTTP2_NV_FLAG_NONE});
  }
  bodies.push_back(std::make_unique<std::pair<std::string, std::size_t>>(call.body, 0));
  nghttp2_data_provider provider{};
  provider.source.ptr = bodies.back().get();
  provider.read_callback = &read_body;
  return nghttp2_submit_request(session, nullptr, nva.data(), nva.size(), &provider, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::vector<
      std::pair<std::string, std::function<void(nghttp2_session*, Bodies&, std::string&)>>>
      seeds = {
          {"unary", [](nghttp2_session* s, Bodies& b,
                       std::string&) { submit(s, b, {.body = frame("\x0a\x02\x08\x01")}); }},
          {"metadata_gzip",
           [](nghttp2_session* s, Bodies& b, std::string&) {
             submit(s, b,
                    {.metadata = {{"grpc-encoding", "gzip"},
                                  {"grpc-accept-encoding", "gzip"},
                                  {"authorization", "Bearer token"},
                                  {"x-trace-bin", "AAEC"},
                                  {"grpc-timeout", "10S"}},
                     .body = frame(gzip(std::string(300, 'x')), true)});
           }},
          {"concurrent_async",
           [](nghttp2_session* s, Bodies& b, std::string&) {
             submit(s, b, {.body = frame("A deferred")});
             submit(s, b, {.body = frame("E error")});
             submit(s, b, {.body = frame("D dropped")});
             submit(s, b,
                    {.path = "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
                     .body = frame("plain")});
           }},
          {"reset",
           [](nghttp2_session* s, Bodies& b, std::string& out) {
             auto id = submit(s, b, {.body = frame("A cancelled")});
             drain(s, out);  // HEADERS and DATA first: a stream never sent is just dropped
             nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
           }},
          {"ping_window",
           [](nghttp2_session* s, Bodies& b, std::string&) {
             nghttp2_submit_ping(s, NGHTTP2_FLAG_NONE, nullptr);
             nghttp2_submit_window_update(s, NGHTTP2_FLAG_NONE, 0, 1 << 20);
             submit(s, b, {.body = frame(std::string(40000, 'm'))});
           }},
          {"not_grpc",
           [](nghttp2_session* s, Bodies& b, std::string&) {
             submit(s, b, {.method = "GET", .body = ""});
             submit(s, b, {.content_type = "application/json", .body = "{}"});
           }},
          {"limits",
           [](nghttp2_session* s, Bodies& b, std::string&) {
             submit(s, b, {.body = std::string("\0\0\x10\0\0", 5) + "too large"});
             submit(s, b, {.body = frame("one") + frame("two")});
             submit(s, b, {.body = ""});
             submit(s, b, {.metadata = {{"grpc-encoding", "br"}}, .body = frame("x", true)});
           }},
          {"goaway",
           [](nghttp2_session* s, Bodies& b, std::string&) {
             submit(s, b, {.body = frame("last")});
             nghttp2_submit_goaway(s, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
           }},
      };
  for (const auto& [name, script] : seeds) {
    std::ofstream file(dir + "/" + name, std::ios::binary);
    file << capture(script);
    if (!file) {
      std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
      return 1;
    }
  }
  return 0;
}
