#include "collectors/otlp/request_decode.h"

#include <limits>
#include <string>

#include "agent/otlp/otlp_json_decode.h"

namespace vigil::collectors::otlp {

core::Result<void> decode_request(Encoding encoding, std::string_view body,
                                  google::protobuf::Message& out) {
  const std::string name = out.GetDescriptor()->name();
  if (encoding == Encoding::kJson) {
    if (auto parsed = vigil::otlp::parse_otlp_json(body, out); !parsed) {
      return core::make_error("the body is not a valid OTLP/JSON " + name + ": " +
                              parsed.error().message);
    }
    return {};
  }
  if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !out.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return core::make_error("the body is not a valid protobuf " + name);
  }
  return {};
}

}  // namespace vigil::collectors::otlp
