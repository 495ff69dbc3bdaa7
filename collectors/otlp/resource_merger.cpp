#include "collectors/otlp/resource_merger.h"

#include "agent/otlp/resource.h"
#include "collectors/otlp/wire_rewrite.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"

namespace vigil::collectors::otlp {

namespace {
constexpr char kTagField1LengthDelimited = 0x0a;  // (1 << 3) | 2
}

ResourceMerger::ResourceMerger(const vigil::otlp::ResourceInfo& info, bool overwrite)
    : info_(info), overwrite_(overwrite) {
  encoded_.reserve(info.attributes.size());
  for (const auto& [key, value] : info.attributes) {
    opentelemetry::proto::common::v1::KeyValue kv;
    kv.set_key(key);
    kv.mutable_value()->set_string_value(value);
    std::string field(1, kTagField1LengthDelimited);
    append_varint(field, kv.ByteSizeLong());
    kv.AppendToString(&field);
    encoded_.push_back(std::move(field));
  }
}

ResourceMerger::Plan ResourceMerger::plan(
    const opentelemetry::proto::resource::v1::Resource& resource, std::string& extra) const {
  std::size_t missing_bytes = 0;
  // Agent attributes are few (a handful): a bit per attribute would do, but a small vector
  // keeps any number correct.
  std::vector<bool> missing(info_.attributes.size(), false);
  bool any_missing = false;
  for (std::size_t i = 0; i < info_.attributes.size(); ++i) {
    const auto& [key, value] = info_.attributes[i];
    bool found = false;
    for (const auto& kv : resource.attributes()) {
      if (kv.key() != key) continue;
      found = true;
      if (overwrite_ &&
          !(kv.value().value_case() == opentelemetry::proto::common::v1::AnyValue::kStringValue &&
            kv.value().string_value() == value)) {
        return Plan::kRewrite;
      }
    }
    if (!found) {
      missing[i] = true;
      any_missing = true;
      missing_bytes += encoded_[i].size();
    }
  }
  if (!any_missing) return Plan::kNothing;
  extra.clear();
  extra.reserve(missing_bytes + 11);
  extra.push_back(kTagField1LengthDelimited);
  append_varint(extra, missing_bytes);
  for (std::size_t i = 0; i < encoded_.size(); ++i) {
    if (missing[i]) extra.append(encoded_[i]);
  }
  return Plan::kAppend;
}

void ResourceMerger::merge(opentelemetry::proto::resource::v1::Resource* resource) const {
  vigil::otlp::merge_resource(info_, resource, overwrite_);
}

}  // namespace vigil::collectors::otlp
