#include "exporters/stdout/json_lines.h"

#include "agent/otlp/item_split.h"
#include "agent/otlp/otlp_json.h"

namespace vigil::exporters::stdout_exporter {

core::Result<std::uint64_t> append_json_lines(core::Signal signal, std::string_view payload,
                                              std::string& out) {
  // for_each_item parses everything before its first visit, so a parse error leaves `out` as
  // it was.
  return otlp::for_each_item(signal, payload, [&out](const google::protobuf::Message& request) {
    otlp::append_otlp_json(request, out);
    out += '\n';
  });
}

}  // namespace vigil::exporters::stdout_exporter
