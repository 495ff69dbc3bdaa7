#include "collectors/tail/tail_metrics.h"

namespace vigil::collectors::tail {

namespace {

telemetry::Counter& labelled(telemetry::MetricsRegistry& r, std::string_view name,
                             std::string_view help, const std::string& component,
                             std::string_view label = {}, std::string_view value = {}) {
  telemetry::Labels labels{{"component", component}};
  if (!label.empty()) labels.emplace_back(std::string(label), std::string(value));
  return r.counter(name, help, std::move(labels));
}

constexpr std::string_view kLongLines =
    "Lines longer than max_line_size, by what was done (split: pieces cut off; truncate: lines "
    "cut).";
constexpr std::string_view kDiscarded = "Bytes of log files never turned into records, by reason.";
constexpr std::string_view kParseErrors =
    "Records whose parser or timestamp failed (the raw line was kept), by reason.";
constexpr std::string_view kMultilineCut = "Multiline events ended by a limit, by limit.";
constexpr std::string_view kCheckpointWrites = "Checkpoint file writes, by result.";

}  // namespace

TailMetrics::TailMetrics(telemetry::MetricsRegistry& r, const std::string& c)
    : received(labelled(r, "vigil_received_items_total",
                        "Items a collector handed to the router, by signal.", c, "signal", "logs")),
      bytes(labelled(r, "vigil_tail_read_bytes_total", "Bytes of log files consumed.", c)),
      lines(labelled(r, "vigil_tail_lines_total", "Lines read (pieces of split lines count).", c)),
      invalid_utf8(labelled(r, "vigil_tail_invalid_utf8_records_total",
                            "Records in which ill-formed UTF-8 was replaced by U+FFFD.", c)),
      split_lines(labelled(r, "vigil_tail_long_lines_total", kLongLines, c, "action", "split")),
      truncated_lines(
          labelled(r, "vigil_tail_long_lines_total", kLongLines, c, "action", "truncate")),
      long_line_bytes(labelled(r, "vigil_tail_discarded_bytes_total", kDiscarded, c, "reason",
                               "line_too_long")),
      unread_bytes(labelled(r, "vigil_tail_discarded_bytes_total", kDiscarded, c, "reason",
                            "truncated_unread")),
      parse_errors(
          labelled(r, "vigil_tail_parse_errors_total", kParseErrors, c, "reason", "parse_error")),
      timestamp_errors(
          labelled(r, "vigil_tail_parse_errors_total", kParseErrors, c, "reason", "timestamp")),
      multiline_cut_lines(
          labelled(r, "vigil_tail_multiline_cut_total", kMultilineCut, c, "reason", "max_lines")),
      multiline_cut_bytes(
          labelled(r, "vigil_tail_multiline_cut_total", kMultilineCut, c, "reason", "max_bytes")),
      truncations(labelled(r, "vigil_tail_file_truncations_total",
                           "Files found truncated (copytruncate, truncate): read again from 0.",
                           c)),
      rotations(labelled(r, "vigil_tail_file_rotations_total",
                         "Files renamed away, replaced or deleted while followed.", c)),
      overflows(labelled(r, "vigil_tail_watch_overflows_total",
                         "inotify queue overflows (each answered with a full rescan).", c)),
      scans(labelled(r, "vigil_tail_scans_total", "Scans of the paths patterns.", c)),
      checkpoint_ok(
          labelled(r, "vigil_tail_checkpoint_writes_total", kCheckpointWrites, c, "result", "ok")),
      checkpoint_error(labelled(r, "vigil_tail_checkpoint_writes_total", kCheckpointWrites, c,
                                "result", "error")),
      file_errors(labelled(r, "vigil_tail_file_errors_total",
                           "Files that could not be opened, stat'ed or read.", c)) {}

void TailMetrics::add(const ReadStats& s) {
  bytes.add(s.bytes);
  lines.add(s.lines);
  invalid_utf8.add(s.invalid_utf8);
  split_lines.add(s.split_lines);
  truncated_lines.add(s.truncated_lines);
  long_line_bytes.add(s.long_line_bytes);
  unread_bytes.add(s.unread_bytes);
  parse_errors.add(s.parse_errors);
  timestamp_errors.add(s.timestamp_errors);
  multiline_cut_lines.add(s.multiline_cut_lines);
  multiline_cut_bytes.add(s.multiline_cut_bytes);
  truncations.add(s.truncations);
}

}  // namespace vigil::collectors::tail
