// Cross-check: requests signed by SigV4Signer are verified by botocore's SigV4Auth (code we did
// not write) through botocore_sigv4_check.py, with Debian's /usr/bin/python3.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/aws/canonical_request.h"
#include "agent/aws/sigv4_crypto.h"
#include "agent/aws/sigv4_signer.h"
#include "tests/unit/agent/aws/aws_test_support.h"

namespace vigil::aws {
namespace {

using namespace std::chrono_literals;

struct Case {
  SigningParams params;
  Credentials credentials;
  net::HttpClientRequest request;
  std::chrono::system_clock::time_point time;
};

std::string hex(std::string_view s) { return hex_lower(s); }

std::string to_json(const std::vector<Case>& cases) {
  std::string out = "[\n";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Case c = cases[i];
    SigV4Signer signer(c.params);
    SignatureParts parts = signer.sign(c.request, c.credentials, c.time);
    out += "{\"method\":\"" + c.request.method + "\",\"url\":\"" + hex(c.request.url) +
           "\",\"body\":\"" + hex(c.request.body) + "\",\"region\":\"" + c.params.region +
           "\",\"service\":\"" + c.params.service + "\",\"access_key_id\":\"" +
           c.credentials.access_key_id + "\",\"secret\":\"" + hex(c.credentials.secret_access_key) +
           "\",\"token\":\"" + hex(c.credentials.session_token) + "\",\"canonical_request\":\"" +
           hex(parts.canonical_request) + "\",\"string_to_sign\":\"" + hex(parts.string_to_sign) +
           "\",\"headers\":[";
    for (std::size_t h = 0; h < c.request.headers.size(); ++h) {
      out += (h > 0 ? ",[\"" : "[\"") + hex(c.request.headers[h].name) + "\",\"" +
             hex(c.request.headers[h].value) + "\"]";
    }
    out += i + 1 < cases.size() ? "]},\n" : "]}\n";
  }
  return out + "]\n";
}

// Runs the checker; its output and exit status.
std::pair<std::string, int> run_botocore(const std::string& json_file) {
  // From the test data directory's absolute path, not __FILE__: a compiler launcher such as
  // ccache with a base directory makes __FILE__ relative to the build directory.
  const auto script = std::filesystem::path(VIGIL_TEST_DATA_DIR).parent_path() / "unit" / "agent" /
                      "aws" / "botocore_sigv4_check.py";
  const std::string command = "/usr/bin/python3 " + script.string() + " " + json_file + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {"cannot run " + command, -1};
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  return {output, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

Credentials creds(std::string token = "") {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", std::move(token),
          std::nullopt, "test"};
}

// Requests shaped like the exporters' (CloudWatch query and JSON protocols, remote write to
// Amazon Managed Prometheus, OTLP to X-Ray) and awkward ones (encoding, whitespace, repeats).
std::vector<Case> exporter_like_cases() {
  const auto t = std::chrono::sys_days{std::chrono::year{2024} / 2 / 29} + 23h + 59min + 58s;
  std::string gzip_like("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x00\xff\x7f\x80", 14);
  return {
      {{"us-east-1", "monitoring"},
       creds("FwoGZXIvYXdzEJr//////////wEaDH+session/token=="),
       testing::make_request("POST", "https://monitoring.us-east-1.amazonaws.com/",
                             {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                              {"Content-Encoding", "gzip"}},
                             gzip_like),
       t},
      {{"eu-west-1", "logs"},
       creds(),
       testing::make_request("POST", "https://logs.eu-west-1.amazonaws.com/",
                             {{"X-Amz-Target", "Logs_20140328.PutLogEvents"},
                              {"Content-Type", "application/x-amz-json-1.1"},
                              {"x-amzn-logs-format", "json/emf"}},
                             R"({"logGroupName":"/vigil","logStreamName":"h","logEvents":[]})"),
       t + 1h},
      {{"eu-central-1", "aps", /*add_content_sha256=*/true},
       creds("token"),
       testing::make_request(
           "POST",
           "https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1234abcd/api/v1/"
           "remote_write",
           {{"Content-Type", "application/x-protobuf"},
            {"Content-Encoding", "snappy"},
            {"X-Prometheus-Remote-Write-Version", "0.1.0"}},
           std::string("\x00\x01\x02snappy\xff", 10)),
       t + 24h},
      {{"ap-southeast-2", "xray"},
       creds(),
       testing::make_request("POST", "http://127.0.0.1:4318/v1/traces",
                             {{"Content-Type", "application/x-protobuf"}}, "otlp"),
       t},
      {{"us-west-2", "execute-api"},
       creds(),
       testing::make_request(
           "GET",
           "https://api.example.com/a%20b/./c/../d//e%2Fslash/?z=last&b=2&a=1&a=0&empty=&flag"
           "&sp=hello%20world&tilde=~x&sl=%2F",
           {{"X-Custom", "  padded   inner   spaces  "},
            {"x-repeat", "one"},
            {"X-Repeat", "two"},
            {"User-Agent", "vigil/0.1"},
            {"Expect", "100-continue"}},
           ""),
       t},
      {{"us-east-1", "sts"},
       creds(),
       testing::make_request(
           "POST", "https://sts.amazonaws.com:443/",
           {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
           "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr"),
       t},
  };
}

// Random requests over what exporters may send: paths and query strings of arbitrary bytes
// (percent-encoded as a client puts them on the wire), headers with runs of spaces and tabs.
std::vector<Case> random_cases(std::size_t count) {
  std::mt19937 rng(20240229);
  auto random_bytes = [&](std::size_t max_length) {
    std::string s(std::uniform_int_distribution<std::size_t>(1, max_length)(rng), '\0');
    for (auto& c : s) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    return s;
  };
  auto printable = [&](std::size_t max_length) {
    static constexpr std::string_view kChars = "abcXYZ019 \t-_.~!$&'()*+,;=:@/?%\"<>[]{}|^`";
    std::string s(std::uniform_int_distribution<std::size_t>(1, max_length)(rng), 'a');
    for (auto& c : s)
      c = kChars[std::uniform_int_distribution<std::size_t>(0, kChars.size() - 1)(rng)];
    return s;
  };
  const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE"};
  std::vector<Case> cases;
  for (std::size_t i = 0; i < count; ++i) {
    std::string path;
    for (int s = std::uniform_int_distribution<int>(0, 4)(rng); s > 0; --s) {
      path += "/" + uri_encode(random_bytes(8), false);
    }
    if (rng() % 3 == 0) path += "/";
    std::string query;
    for (int q = std::uniform_int_distribution<int>(0, 5)(rng); q > 0; --q) {
      query += (query.empty() ? "" : "&") + uri_encode(random_bytes(6), false) + "=" +
               uri_encode(rng() % 4 == 0 ? "" : random_bytes(10), false);
    }
    net::HttpHeaders headers;
    for (int h = std::uniform_int_distribution<int>(0, 4)(rng); h > 0; --h) {
      std::string value = printable(20);
      // Header values start and end with non-blank text, as on the wire.
      headers.push_back({"X-Vigil-" + std::to_string(h % 3), "v" + value + "v"});
    }
    Credentials c = creds(rng() % 2 == 0 ? "" : "session-" + std::to_string(i));
    const auto time = std::chrono::system_clock::time_point(
        std::chrono::seconds(1'500'000'000 + static_cast<std::int64_t>(rng() % 400'000'000)));
    cases.push_back(
        {{"us-east-1", "service" + std::to_string(i % 5), rng() % 2 == 0},
         c,
         testing::make_request(
             methods[i % methods.size()],
             "https://example.amazonaws.com" + path + (query.empty() ? "" : "?" + query),
             std::move(headers), rng() % 2 == 0 ? "" : random_bytes(64)),
         time});
  }
  return cases;
}

TEST(SigV4Botocore, BotocoreVerifiesExporterLikeAndRandomRequests) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/python3")) << "Debian's python3 is needed";
  testing::TempDir dir;
  std::vector<Case> cases = exporter_like_cases();
  for (auto& c : random_cases(200)) cases.push_back(std::move(c));
  const std::string file = dir.write("signed.json", to_json(cases));
  auto [output, status] = run_botocore(file);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find(std::to_string(cases.size()) + " of " + std::to_string(cases.size()) +
                        " signatures verified by botocore"),
            std::string::npos)
      << output;
}

// The checker itself must be able to fail: a signature over other bytes is refused.
TEST(SigV4Botocore, BotocoreRefusesATamperedRequest) {
  testing::TempDir dir;
  std::vector<Case> cases = exporter_like_cases();
  std::string json = to_json({cases[1]});
  // Change the body after signing: the hex of '{' (7b) becomes '[' (5b).
  auto body = json.find("\"body\":\"7b");
  ASSERT_NE(body, std::string::npos);
  json.replace(body + 8, 2, "5b");
  auto [output, status] = run_botocore(dir.write("tampered.json", json));
  EXPECT_EQ(status, 1) << output;
  EXPECT_NE(output.find("signature differs"), std::string::npos) << output;
}

}  // namespace
}  // namespace vigil::aws
