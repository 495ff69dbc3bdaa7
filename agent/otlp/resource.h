#pragma once

#include "agent/otlp/resource_info.h"

namespace opentelemetry::proto::resource::v1 {
class Resource;
}

namespace vigil::otlp {

// Sets `out`'s attributes to exactly the agent's, as string values, in their order (for
// resources vigil creates itself: host metrics, logs it tails, its own metrics).
void fill_resource(const ResourceInfo& info, opentelemetry::proto::resource::v1::Resource* out);

// Adds the agent's attributes to a resource an application sent (the OTLP receiver). A key the
// application already set keeps its value, whatever its type, unless `overwrite`: the
// application knows its own service and container better than the agent that forwards it.
// With `overwrite`, every occurrence of the key takes the agent's string value.
void merge_resource(const ResourceInfo& info, opentelemetry::proto::resource::v1::Resource* out,
                    bool overwrite = false);

}  // namespace vigil::otlp
