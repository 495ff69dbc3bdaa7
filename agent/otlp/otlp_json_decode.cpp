#include "agent/otlp/otlp_json_decode.h"

#include <string>

#include <google/protobuf/stubs/status.h>
#include <google/protobuf/util/json_util.h>

#include "agent/otlp/otlp_json_prepare.h"

namespace vigil::otlp {

namespace {

// Protobuf's messages add a second line quoting the input around the error: request data that
// does not belong in a status line. The first line is cut to a length a log line or an HTTP
// body takes comfortably, on a UTF-8 character boundary.
constexpr std::size_t kMaxReasonBytes = 200;

std::string short_reason(std::string_view message) {
  message = message.substr(0, message.find('\n'));
  if (message.size() > kMaxReasonBytes) {
    std::size_t cut = kMaxReasonBytes;
    while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
    message = message.substr(0, cut);
  }
  if (message.empty()) return "invalid OTLP/JSON";
  return "invalid OTLP/JSON: " + std::string(message);
}

}  // namespace

core::Result<void> parse_otlp_json(std::string_view json, google::protobuf::Message& out) {
  out.Clear();
  std::string rewritten;
  const core::Result<bool> prepared = prepare_otlp_json(json, rewritten);
  if (!prepared) return std::unexpected(prepared.error());
  const std::string_view text = *prepared ? std::string_view(rewritten) : json;

  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const google::protobuf::util::Status status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &out, options);
  if (!status.ok()) {
    out.Clear();
    const google::protobuf::StringPiece message = status.message();
    return core::make_error(short_reason(std::string_view(message.data(), message.size())));
  }
  return {};
}

}  // namespace vigil::otlp
