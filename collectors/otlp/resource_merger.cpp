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
  encode_extra(missing, missing_bytes, extra);
  return Plan::kAppend;
}

ResourceMerger::Plan ResourceMerger::plan(std::uint64_t present_keys, std::string& extra) const {
  const std::size_t count = info_.attributes.size();
  if (count > 64) return Plan::kRewrite;
  if (overwrite_ && present_keys != 0) return Plan::kRewrite;
  const std::uint64_t all = count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
  if ((present_keys & all) == all) return Plan::kNothing;
  std::vector<bool> missing(count, false);
  std::size_t missing_bytes = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if ((present_keys >> i & 1) == 0) {
      missing[i] = true;
      missing_bytes += encoded_[i].size();
    }
  }
  encode_extra(missing, missing_bytes, extra);
  return Plan::kAppend;
}

std::vector<std::string> ResourceMerger::keys() const {
  std::vector<std::string> keys;
  keys.reserve(info_.attributes.size());
  for (const auto& [key, value] : info_.attributes) keys.push_back(key);
  return keys;
}

void ResourceMerger::encode_extra(const std::vector<bool>& missing, std::size_t missing_bytes,
                                  std::string& extra) const {
  extra.clear();
  extra.reserve(missing_bytes + 11);
  extra.push_back(kTagField1LengthDelimited);
  append_varint(extra, missing_bytes);
  for (std::size_t i = 0; i < encoded_.size(); ++i) {
    if (missing[i]) extra.append(encoded_[i]);
  }
}

void ResourceMerger::merge(opentelemetry::proto::resource::v1::Resource* resource) const {
  vigil::otlp::merge_resource(info_, resource, overwrite_);
}

}  // namespace vigil::collectors::otlp
