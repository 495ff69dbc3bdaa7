#include "exporters/prometheus/otlp_wire_fields.h"

#include <google/protobuf/wire_format_lite.h>

namespace vigil::exporters::prometheus {

bool WireFields::skip_other(std::uint32_t tag) {
  return google::protobuf::internal::WireFormatLite::SkipField(&in_, tag);
}

}  // namespace vigil::exporters::prometheus
