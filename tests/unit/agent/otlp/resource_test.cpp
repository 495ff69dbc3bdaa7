#include "agent/otlp/resource.h"

#include <gtest/gtest.h>

#include "opentelemetry/proto/resource/v1/resource.pb.h"

namespace vigil::otlp {
namespace {

using opentelemetry::proto::resource::v1::Resource;

ResourceInfo agent_info() {
  ResourceInfo info;
  info.attributes = {{"host.name", "web-1"}, {"os.type", "linux"}, {"env", "prod"}};
  return info;
}

// key -> rendered value ("s:..." for strings, "i:..." for ints), in order.
std::vector<std::pair<std::string, std::string>> dump(const Resource& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : r.attributes()) {
    if (kv.value().has_string_value()) {
      out.emplace_back(kv.key(), "s:" + kv.value().string_value());
    } else if (kv.value().has_int_value()) {
      out.emplace_back(kv.key(), "i:" + std::to_string(kv.value().int_value()));
    } else {
      out.emplace_back(kv.key(), "?");
    }
  }
  return out;
}

void add(Resource& r, const std::string& key, const std::string& value) {
  auto* kv = r.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

TEST(Resource, FillWritesStringAttributesInOrder) {
  Resource r;
  fill_resource(agent_info(), &r);
  using V = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(dump(r), (V{{"host.name", "s:web-1"}, {"os.type", "s:linux"}, {"env", "s:prod"}}));
}

TEST(Resource, FillReplacesWhatWasThere) {
  Resource r;
  add(r, "stale", "x");
  fill_resource(agent_info(), &r);
  fill_resource(agent_info(), &r);
  EXPECT_EQ(r.attributes_size(), 3);
  EXPECT_EQ(r.attributes(0).key(), "host.name");
}

TEST(Resource, FillMatchesTheWireVector) {
  // PROTOCOLS.md 3.6: KeyValue{service.name: "agent"} inside Resource field 1.
  ResourceInfo info;
  info.attributes = {{"service.name", "agent"}};
  Resource r;
  fill_resource(info, &r);
  const std::string kv =
      "\x0a\x0c"
      "service.name"
      "\x12\x07\x0a\x05"
      "agent";
  EXPECT_EQ(r.SerializeAsString(), std::string("\x0a") + static_cast<char>(kv.size()) + kv);
}

TEST(Resource, MergeKeepsApplicationValuesByDefault) {
  Resource r;
  add(r, "service.name", "checkout");
  add(r, "host.name", "pod-abc");
  auto* typed = r.add_attributes();
  typed->set_key("env");
  typed->mutable_value()->set_int_value(7);
  merge_resource(agent_info(), &r);
  using V = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(dump(r), (V{{"service.name", "s:checkout"},
                        {"host.name", "s:pod-abc"},
                        {"env", "i:7"},
                        {"os.type", "s:linux"}}));
}

TEST(Resource, MergeWithOverwriteTakesAgentValues) {
  Resource r;
  add(r, "service.name", "checkout");
  add(r, "host.name", "pod-abc");
  auto* typed = r.add_attributes();
  typed->set_key("env");
  typed->mutable_value()->set_int_value(7);
  merge_resource(agent_info(), &r, /*overwrite=*/true);
  using V = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(dump(r), (V{{"service.name", "s:checkout"},
                        {"host.name", "s:web-1"},
                        {"env", "s:prod"},
                        {"os.type", "s:linux"}}));
}

TEST(Resource, MergeIntoEmptyEqualsFill) {
  Resource merged, filled;
  merge_resource(agent_info(), &merged);
  fill_resource(agent_info(), &filled);
  EXPECT_EQ(merged.SerializeAsString(), filled.SerializeAsString());
}

TEST(Resource, MergeTwiceAddsNothing) {
  Resource r;
  add(r, "service.name", "checkout");
  merge_resource(agent_info(), &r);
  merge_resource(agent_info(), &r);
  EXPECT_EQ(r.attributes_size(), 4);
}

}  // namespace
}  // namespace vigil::otlp
