#include "exporters/otlp/request_encoding.h"

#include <climits>
#include <memory>

#include <fmt/format.h>
#include <google/protobuf/arena.h>

#include "agent/net/grpc_framing.h"
#include "agent/otlp/otlp_json.h"
#include "exporters/otlp/request_split.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace vigil::exporters::otlp_exporter {

namespace {

namespace collector = opentelemetry::proto::collector;
using google::protobuf::Arena;

// JSON bodies that come out larger than max_request_size are cut again with a budget shrunk by
// the JSON's growth, with this much slack for items that grow more than the average.
constexpr double kJsonBudgetSlack = 0.9;

google::protobuf::Message* new_request(core::Signal signal, Arena& arena) {
  switch (signal) {
    case core::Signal::kTraces:
      return Arena::CreateMessage<collector::trace::v1::ExportTraceServiceRequest>(&arena);
    case core::Signal::kLogs:
      return Arena::CreateMessage<collector::logs::v1::ExportLogsServiceRequest>(&arena);
    case core::Signal::kMetrics:
      return Arena::CreateMessage<collector::metrics::v1::ExportMetricsServiceRequest>(&arena);
  }
  return nullptr;
}

// `body` is the protobuf or JSON; `owned`, when not null, holds the same bytes and may be
// taken instead of copied.
core::Result<EncodedRequest> finish(std::string_view body, std::string* owned, std::uint64_t items,
                                    const EncodeOptions& options) {
  EncodedRequest out;
  out.items = items;
  out.uncompressed_bytes = body.size();
  std::string compressed;
  if (options.compression != net::Codec::kNone && body.size() >= options.compression_threshold) {
    auto done = net::compress(options.compression, body,
                              options.compression_level == 0 ? -1 : options.compression_level);
    if (!done) {
      return core::make_error(fmt::format("compressing a {}-byte request with {}: {}", body.size(),
                                          net::to_string(options.compression),
                                          done.error().message));
    }
    compressed = std::move(*done);
    body = compressed;
    owned = &compressed;
    out.codec = options.compression;
  }
  if (options.protocol == Protocol::kGrpc) {
    out.body = net::encode_grpc_message(body, out.codec != net::Codec::kNone);
  } else {
    out.body = owned != nullptr ? std::move(*owned) : std::string(body);
  }
  return out;
}

core::Result<void> encode_json_part(core::Signal signal, RequestPart part,
                                    const EncodeOptions& options,
                                    std::vector<EncodedRequest>& out) {
  auto json = export_request_json(signal, part.payload);
  if (!json) return std::unexpected(json.error());
  if (json->size() > options.max_request_size && part.items > 1) {
    const double shrink = static_cast<double>(options.max_request_size) /
                          static_cast<double>(json->size()) * kJsonBudgetSlack;
    const auto budget = static_cast<std::size_t>(static_cast<double>(part.payload.size()) * shrink);
    auto smaller = split_request(signal, part.payload, std::max<std::size_t>(budget, 1));
    if (!smaller) return std::unexpected(smaller.error());
    if (smaller->size() > 1) {
      for (RequestPart& piece : *smaller) {
        auto encoded = encode_json_part(signal, std::move(piece), options, out);
        if (!encoded) return encoded;
      }
      return {};
    }
  }
  auto encoded = finish(*json, &*json, part.items, options);
  if (!encoded) return std::unexpected(encoded.error());
  out.push_back(std::move(*encoded));
  return {};
}

}  // namespace

core::Result<std::string> export_request_json(core::Signal signal, std::string_view payload) {
  Arena arena;
  google::protobuf::Message* request = new_request(signal, arena);
  if (payload.size() > static_cast<std::size_t>(INT_MAX) ||
      !request->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return core::make_error(
        fmt::format("malformed {} ({} bytes)", request->GetDescriptor()->name(), payload.size()));
  }
  std::string json;
  // OTLP/JSON takes a few times the protobuf's size (hex ids, field names, quoted integers).
  json.reserve(payload.size() * 3);
  vigil::otlp::append_otlp_json(*request, json);
  return json;
}

core::Result<std::vector<EncodedRequest>> encode_requests(core::Signal signal,
                                                          std::string_view payload,
                                                          std::uint64_t items,
                                                          const EncodeOptions& options) {
  std::vector<EncodedRequest> out;
  // Protobuf goes out canonical where vigil's own receiver left a resource in two pieces.
  std::string merged;
  if (options.protocol != Protocol::kHttpJson) {
    auto canonical = merge_repeated_resources(payload);
    if (!canonical) return std::unexpected(canonical.error());
    if (*canonical) {
      merged = std::move(**canonical);
      payload = merged;
    }
  }
  if (payload.size() <= options.max_request_size && options.protocol != Protocol::kHttpJson) {
    // The common case: the batch's bytes as they are, copied at most once.
    auto encoded = finish(payload, merged.empty() ? nullptr : &merged, items, options);
    if (!encoded) return std::unexpected(encoded.error());
    out.push_back(std::move(*encoded));
    return out;
  }
  std::vector<RequestPart> parts;
  if (payload.size() <= options.max_request_size) {
    parts.push_back(RequestPart{std::string(payload), items});
  } else {
    auto split = split_request(signal, payload, options.max_request_size);
    if (!split) return std::unexpected(split.error());
    parts = std::move(*split);
  }
  out.reserve(parts.size());
  for (RequestPart& part : parts) {
    if (options.protocol == Protocol::kHttpJson) {
      auto encoded = encode_json_part(signal, std::move(part), options, out);
      if (!encoded) return std::unexpected(encoded.error());
      continue;
    }
    auto encoded = finish(part.payload, &part.payload, part.items, options);
    if (!encoded) return std::unexpected(encoded.error());
    out.push_back(std::move(*encoded));
  }
  return out;
}

}  // namespace vigil::exporters::otlp_exporter
