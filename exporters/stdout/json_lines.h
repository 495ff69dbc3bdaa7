#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/core/error.h"
#include "agent/core/signal.h"

namespace vigil::exporters::stdout_exporter {

// Appends one line per item of `payload` (the serialized export request of `signal`): the
// OTLP/JSON of a complete export request holding that item alone, with its resource and scope,
// followed by '\n'. Each line can be POSTed as is to an OTLP/HTTP receiver's /v1/<signal>.
// Returns the number of lines (items). On a parse error nothing is appended.
core::Result<std::uint64_t> append_json_lines(core::Signal signal, std::string_view payload,
                                              std::string& out);

}  // namespace vigil::exporters::stdout_exporter
