#include "agent/aws/sigv4_signer.h"

#include <cctype>
#include <utility>

#include "agent/aws/aws_time.h"
#include "agent/aws/canonical_request.h"
#include "agent/aws/sigv4_crypto.h"
#include "agent/net/openssl_library.h"

namespace vigil::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Headers the signer owns: earlier values (from a previous attempt) are replaced.
bool is_signer_header(std::string_view name) {
  auto equals = [&](std::string_view owned) {
    if (name.size() != owned.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(name[i])) != owned[i]) return false;
    }
    return true;
  };
  return equals("authorization") || equals("x-amz-date") || equals("x-amz-security-token") ||
         equals("x-amz-content-sha256");
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point time) {
  return format_utc(time, "%Y%m%dT%H%M%SZ");
}

SigV4Signer::SigV4Signer(SigningParams params) : params_(std::move(params)) {}

SigV4Signer::~SigV4Signer() {
  net::openssl().cleanse(key_.data(), key_.size());
  if (!key_secret_.empty()) net::openssl().cleanse(key_secret_.data(), key_secret_.size());
}

const std::array<unsigned char, 32>& SigV4Signer::signing_key(const std::string& secret,
                                                              const std::string& date) {
  if (date == key_date_ && secret == key_secret_) return key_;
  auto k_date = hmac_sha256("AWS4" + secret, date);
  auto k_region = hmac_sha256(as_bytes(k_date), params_.region);
  auto k_service = hmac_sha256(as_bytes(k_region), params_.service);
  key_ = hmac_sha256(as_bytes(k_service), "aws4_request");
  net::openssl().cleanse(k_date.data(), k_date.size());
  net::openssl().cleanse(k_region.data(), k_region.size());
  net::openssl().cleanse(k_service.data(), k_service.size());
  if (!key_secret_.empty()) net::openssl().cleanse(key_secret_.data(), key_secret_.size());
  key_secret_ = secret;
  key_date_ = date;
  return key_;
}

SignatureParts SigV4Signer::sign(net::HttpClientRequest& request, const Credentials& credentials,
                                 std::chrono::system_clock::time_point now) {
  std::erase_if(request.headers, [](const net::HttpHeader& h) { return is_signer_header(h.name); });
  const std::string timestamp = amz_date(now);
  const std::string date = timestamp.substr(0, 8);
  const std::string payload_hash = sha256_hex(request.body);
  request.headers.push_back({"X-Amz-Date", timestamp});
  if (!credentials.session_token.empty()) {
    request.headers.push_back({"X-Amz-Security-Token", credentials.session_token});
  }
  if (params_.add_content_sha256) request.headers.push_back({"X-Amz-Content-Sha256", payload_hash});

  // A URL that does not split cannot be sent either; the request then fails in the client with
  // its own error, whatever is signed here.
  UrlParts url = split_url(request.url).value_or(UrlParts{});
  net::HttpHeaders to_sign = request.headers;
  if (net::find_header(to_sign, "host").empty()) to_sign.push_back({"host", url.host_header});
  const CanonicalHeaders headers = canonical_headers(to_sign);

  SignatureParts parts;
  parts.canonical_request = request.method;
  parts.canonical_request += '\n';
  parts.canonical_request += canonical_uri(url.path);
  parts.canonical_request += '\n';
  parts.canonical_request += canonical_query(url.query);
  parts.canonical_request += '\n';
  parts.canonical_request += headers.block;
  parts.canonical_request += '\n';
  parts.canonical_request += headers.signed_names;
  parts.canonical_request += '\n';
  parts.canonical_request += payload_hash;

  const std::string scope = date + "/" + params_.region + "/" + params_.service + "/aws4_request";
  parts.string_to_sign = std::string(kAlgorithm) + "\n" + timestamp + "\n" + scope + "\n" +
                         sha256_hex(parts.canonical_request);
  const auto& key = signing_key(credentials.secret_access_key, date);
  parts.signature = hex_lower(as_bytes(hmac_sha256(as_bytes(key), parts.string_to_sign)));
  parts.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                        scope + ", SignedHeaders=" + headers.signed_names +
                        ", Signature=" + parts.signature;
  request.headers.push_back({"Authorization", parts.authorization});
  return parts;
}

}  // namespace vigil::aws
