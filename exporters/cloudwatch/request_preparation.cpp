#include "exporters/cloudwatch/request_preparation.h"

#include "agent/net/compression.h"
#include "exporters/cloudwatch/emf_builder.h"
#include "exporters/cloudwatch/put_metric_data.h"

namespace vigil::exporters::cloudwatch {

namespace {

void append_log_requests(std::string_view group, std::string_view stream,
                         std::vector<LogEvent> events, bool emf, LogBatchStats& stats,
                         std::vector<PreparedRequest>& out) {
  for (auto& body : build_put_log_events(group, stream, std::move(events), stats)) {
    auto log = std::make_shared<LogRequest>();
    log->group = std::string(group);
    log->stream = std::string(stream);
    log->body = std::move(body.body);
    log->events = body.events;
    log->emf = emf;
    PreparedRequest r;
    r.kind = PreparedRequest::Kind::kPutLogEvents;
    r.items = body.events;
    r.log = std::move(log);
    out.push_back(std::move(r));
  }
}

}  // namespace

core::Result<std::vector<PreparedRequest>> prepare_metric_requests(
    const std::vector<MetricDatum>& datums, const MetricRequestOptions& options,
    LogBatchStats& stats) {
  std::vector<PreparedRequest> out;
  if (datums.empty()) return out;
  if (options.emf) {
    append_log_requests(options.emf_group, options.emf_stream,
                        build_emf_events(options.namespace_name, datums), true, stats, out);
    return out;
  }
  for (auto& body : build_put_metric_data(options.namespace_name, datums)) {
    PreparedRequest r;
    r.items = body.datums;
    if (options.gzip) {
      auto compressed = net::compress(net::Codec::kGzip, body.body);
      if (!compressed) return core::make_error("gzip: " + compressed.error().message);
      r.body = std::move(*compressed);
      r.gzip = true;
    } else {
      r.body = std::move(body.body);
    }
    out.push_back(std::move(r));
  }
  return out;
}

core::Result<std::vector<PreparedRequest>> prepare_log_requests(std::string_view payload,
                                                                const LogRequestOptions& options,
                                                                std::int64_t now_ns,
                                                                LogBatchStats& stats) {
  auto streams = translate_logs(payload, *options.group, *options.stream, options.format, now_ns);
  if (!streams) return std::unexpected(streams.error());
  std::vector<PreparedRequest> out;
  for (auto& s : *streams) {
    append_log_requests(s.group, s.stream, std::move(s.events), false, stats, out);
  }
  return out;
}

}  // namespace vigil::exporters::cloudwatch
