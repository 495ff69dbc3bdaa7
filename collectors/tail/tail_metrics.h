#pragma once

#include <string>

#include "agent/telemetry/metrics_registry.h"
#include "collectors/tail/read_engine.h"

namespace vigil::collectors::tail {

// The collector's self-metrics (README.md lists them), all labelled component=<id>.
struct TailMetrics {
  TailMetrics(telemetry::MetricsRegistry& registry, const std::string& component);

  // Adds what one read job counted.
  void add(const ReadStats& stats);

  telemetry::Counter& received;         // vigil_received_items_total{signal="logs"}
  telemetry::Counter& bytes;            // vigil_tail_read_bytes_total
  telemetry::Counter& lines;            // vigil_tail_lines_total
  telemetry::Counter& invalid_utf8;     // vigil_tail_invalid_utf8_records_total
  telemetry::Counter& split_lines;      // vigil_tail_long_lines_total{action="split"}
  telemetry::Counter& truncated_lines;  // vigil_tail_long_lines_total{action="truncate"}
  telemetry::Counter& long_line_bytes;  // vigil_tail_discarded_bytes_total{reason="line_too_long"}
  telemetry::Counter& unread_bytes;  // vigil_tail_discarded_bytes_total{reason="truncated_unread"}
  telemetry::Counter& parse_errors;  // vigil_tail_parse_errors_total{reason="parse_error"}
  telemetry::Counter& timestamp_errors;     // vigil_tail_parse_errors_total{reason="timestamp"}
  telemetry::Counter& multiline_cut_lines;  // vigil_tail_multiline_cut_total{reason="max_lines"}
  telemetry::Counter& multiline_cut_bytes;  // vigil_tail_multiline_cut_total{reason="max_bytes"}
  telemetry::Counter& truncations;          // vigil_tail_file_truncations_total
  telemetry::Counter& rotations;            // vigil_tail_file_rotations_total
  telemetry::Counter& overflows;            // vigil_tail_watch_overflows_total
  telemetry::Counter& scans;                // vigil_tail_scans_total
  telemetry::Counter& checkpoint_ok;        // vigil_tail_checkpoint_writes_total{result="ok"}
  telemetry::Counter& checkpoint_error;     // vigil_tail_checkpoint_writes_total{result="error"}
  telemetry::Counter& file_errors;          // vigil_tail_file_errors_total
};

}  // namespace vigil::collectors::tail
