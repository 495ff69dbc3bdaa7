#pragma once

#include <string>
#include <vector>

#include "agent/otlp/resource_info.h"

namespace opentelemetry::proto::resource::v1 {
class Resource;
}

namespace vigil::collectors::otlp {

// Adds the agent's resource attributes (host.name, os.type, container.id, [agent.resource]) to
// the resources applications send, with the semantics of otlp::merge_resource: a key the
// application set keeps its value unless `overwrite`. Besides merging into a parsed message it
// can say what the merge would add as wire bytes, so an unchanged request is forwarded as it
// came with those bytes appended (wire_rewrite.h) instead of being re-encoded.
class ResourceMerger {
 public:
  ResourceMerger(const vigil::otlp::ResourceInfo& info, bool overwrite);

  enum class Plan : std::uint8_t {
    kNothing,  // every agent attribute is there already, as the merge would leave it
    kAppend,   // only missing attributes: `extra` holds the `resource` field to append
    kRewrite,  // an application value must be overwritten: merge into the message instead
  };

  // For the resource of one ResourceSpans/ResourceMetrics/ResourceLogs (an absent one reads
  // as empty). With kAppend, `extra` is set to the encoding of field 1 (`resource`) of that
  // message holding the missing attributes alone.
  Plan plan(const opentelemetry::proto::resource::v1::Resource& resource, std::string& extra) const;

  // The same from what a wire walk (wire_walk.h) saw: bit i of `present_keys` set when the
  // resource has agent attribute i's key. Whether a present value must be overwritten is not
  // known there: with `overwrite` a present key gives kRewrite (the caller parses and asks
  // again). More than 64 agent attributes give kRewrite too.
  Plan plan(std::uint64_t present_keys, std::string& extra) const;

  // The agent's attribute keys, in order (bit i of plan()'s `present_keys` is key i).
  std::vector<std::string> keys() const;

  // Merges into a parsed resource (otlp::merge_resource).
  void merge(opentelemetry::proto::resource::v1::Resource* resource) const;

  bool empty() const { return info_.attributes.empty(); }

 private:
  const vigil::otlp::ResourceInfo& info_;
  bool overwrite_;
  // Each agent attribute encoded as field 1 (attributes) of a Resource: tag, length, KeyValue.
  std::vector<std::string> encoded_;
  // Appends field 1 holding the encoded attributes whose `missing` flag is set.
  void encode_extra(const std::vector<bool>& missing, std::size_t missing_bytes,
                    std::string& extra) const;
};

}  // namespace vigil::collectors::otlp
