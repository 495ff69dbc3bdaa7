#include "collectors/otlp/request_decode.h"

#include <limits>
#include <string>

namespace vigil::collectors::otlp {

core::Result<void> decode_request(Encoding encoding, std::string_view body,
                                  google::protobuf::Message& out) {
  const std::string name = out.GetDescriptor()->name();
  if (encoding == Encoding::kJson) {
    return core::make_error("OTLP/JSON is not supported by this build");
  }
  if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !out.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return core::make_error("the body is not a valid protobuf " + name);
  }
  return {};
}

}  // namespace vigil::collectors::otlp
