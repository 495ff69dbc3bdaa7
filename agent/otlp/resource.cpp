#include "agent/otlp/resource.h"

#include "opentelemetry/proto/resource/v1/resource.pb.h"

namespace vigil::otlp {

namespace {
void add_string(opentelemetry::proto::resource::v1::Resource* out, const std::string& key,
                const std::string& value) {
  auto* kv = out->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}
}  // namespace

void fill_resource(const ResourceInfo& info, opentelemetry::proto::resource::v1::Resource* out) {
  out->clear_attributes();
  out->mutable_attributes()->Reserve(static_cast<int>(info.attributes.size()));
  for (const auto& [key, value] : info.attributes) add_string(out, key, value);
}

void merge_resource(const ResourceInfo& info, opentelemetry::proto::resource::v1::Resource* out,
                    bool overwrite) {
  // Count only the application's own attributes when looking keys up: the agent's keys are
  // unique, so those just appended need not be searched.
  const int existing = out->attributes_size();
  for (const auto& [key, value] : info.attributes) {
    bool found = false;
    for (int i = 0; i < existing; ++i) {
      if (out->attributes(i).key() != key) continue;
      found = true;
      if (overwrite) out->mutable_attributes(i)->mutable_value()->set_string_value(value);
    }
    if (!found) add_string(out, key, value);
  }
}

}  // namespace vigil::otlp
