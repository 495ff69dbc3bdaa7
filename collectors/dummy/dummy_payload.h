#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "agent/otlp/resource_info.h"
#include "collectors/dummy/dummy_config.h"

namespace vigil::collectors::dummy {

// What changes from one batch to the next.
struct DummyBatchInput {
  std::uint64_t first_seq = 0;         // dummy.seq of the batch's first record
  std::uint64_t records = 0;           // records in the batch
  std::uint64_t generated_before = 0;  // records this collector generated before the batch
  std::int64_t now_unix_nanos = 0;
  // Between the nominal times of consecutive records (metrics points), so points of one series
  // never share a timestamp.
  std::int64_t spacing_nanos = 1;
  std::int64_t start_unix_nanos = 0;  // the collector's start: the Sum's start time
  std::uint64_t id_salt = 0;          // mixed into trace and span ids
};

struct DummyPayload {
  std::string payload;      // the serialized OTLP export request of the config's signal
  std::uint64_t items = 0;  // log records, spans or data points
};

// One batch of `config.signal` (see README.md for every field).
DummyPayload build_dummy_payload(const DummyConfig& config, const DummyBatchInput& input,
                                 const otlp::ResourceInfo& resource);

// Ids that look random (so backends spread them like real ones) but are a pure function of
// (salt, seq): distinct for distinct seq under one salt, never all zero.
std::array<std::uint8_t, 16> dummy_trace_id(std::uint64_t salt, std::uint64_t seq);
std::array<std::uint8_t, 8> dummy_span_id(std::uint64_t salt, std::uint64_t seq);

}  // namespace vigil::collectors::dummy
