#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/error.h"
#include "agent/core/signal.h"
#include "agent/net/compression.h"
#include "exporters/otlp/otlp_exporter_config.h"

namespace vigil::exporters::otlp_exporter {

// One request body ready for the wire.
struct EncodedRequest {
  // http/protobuf: the export request's bytes; http/json: its OTLP/JSON; gRPC: the 5-byte
  // length prefix and the message. Compressed (the gRPC message only) when `codec` says so.
  std::string body;
  std::uint64_t items = 0;
  net::Codec codec = net::Codec::kNone;
  std::size_t uncompressed_bytes = 0;  // the protobuf or JSON before compression
};

struct EncodeOptions {
  Protocol protocol = Protocol::kHttpProtobuf;
  net::Codec compression = net::Codec::kGzip;
  int compression_level = 0;  // 0 = the codec's default
  std::size_t max_request_size = kDefaultMaxRequestSize;
  std::size_t compression_threshold = kCompressionThreshold;
};

// Turns a batch's payload (the serialized export request of `signal`, holding `items` items)
// into the bodies of the requests that carry it: cut to max_request_size (request_split.h;
// for http/json the JSON is what must fit), encoded, and compressed unless smaller than the
// threshold. Protobuf payloads that fit go out byte for byte (DESIGN.md section 3). Costs
// about a millisecond per 100 KiB: large payloads belong on the thread pool. Fails on a
// payload that does not parse where it must be parsed (splitting, JSON) and on compression
// errors.
core::Result<std::vector<EncodedRequest>> encode_requests(core::Signal signal,
                                                          std::string_view payload,
                                                          std::uint64_t items,
                                                          const EncodeOptions& options);

// The OTLP/JSON of a serialized export request of `signal`.
core::Result<std::string> export_request_json(core::Signal signal, std::string_view payload);

}  // namespace vigil::exporters::otlp_exporter
