#include "collectors/otlp/request_processor.h"

#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <functional>
#include <utility>
#include <vector>

#include "agent/otlp/resource.h"
#include "collectors/otlp/wire_rewrite.h"
#include "google/rpc/status.pb.h"
#include "tests/unit/collectors/otlp/otlp_test_support.h"

namespace vigil::collectors::otlp {
namespace {

using namespace otlp_test;
using namespace std::chrono_literals;
using google::protobuf::util::MessageDifferencer;

struct Answer {
  int calls = 0;
  ExportResult result;
};

struct ProcessorHarness : RouterHarness {
  explicit ProcessorHarness(bool overwrite = false, std::uint64_t queue_bytes = 64 << 20)
      : RouterHarness(queue_bytes) {
    make(overwrite);
  }
  void make(bool overwrite) {
    processor = std::make_unique<RequestProcessor>(ProcessorOptions{"otlp", overwrite, 5s}, router,
                                                   scheduler, registry, resource, &logger);
  }
  // Processes and returns a handle on the answer (filled whenever it comes).
  std::shared_ptr<Answer> send(core::Signal signal, std::string body,
                               Encoding encoding = Encoding::kProtobuf) {
    auto answer = std::make_shared<Answer>();
    processor->process(signal, encoding, std::move(body), [answer](ExportResult r) {
      ++answer->calls;
      answer->result = std::move(r);
    });
    return answer;
  }
  std::uint64_t received(std::string_view signal) {
    return counter("vigil_received_items_total",
                   {{"component", "otlp"}, {"signal", std::string(signal)}});
  }
  std::uint64_t refused(std::string_view signal) {
    return counter("vigil_refused_items_total",
                   {{"component", "otlp"}, {"signal", std::string(signal)}});
  }
  std::uint64_t invalid() {
    return counter("vigil_dropped_items_total", {{"component", "otlp"}, {"reason", "invalid"}});
  }

  std::unique_ptr<RequestProcessor> processor;
};

TEST(RequestProcessor, AnswersOnlyOnceTheBatchIsSafe) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kTraces, traces(3).SerializeAsString());
  EXPECT_EQ(answer->calls, 0);
  EXPECT_EQ(h.processor->waiting(), 1u);
  EXPECT_EQ(h.received("traces"), 3u);
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->signal, core::Signal::kTraces);
  EXPECT_EQ(batch->items, 3u);
  EXPECT_EQ(batch->source, "otlp");
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
  ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(answer->result.body));
  EXPECT_FALSE(response.has_partial_success());
  EXPECT_TRUE(answer->result.body.empty());
  EXPECT_EQ(h.processor->waiting(), 0u);
}

TEST(RequestProcessor, ForwardsTheBytesAsTheyCameWhenNothingMustChange) {
  ProcessorHarness h;
  // The application set every attribute the agent would add: nothing to append.
  auto request = traces(2, "checkout", {{"os.type", "linux"}, {"host.name", "app-host"}});
  std::string body = request.SerializeAsString();
  // Unknown fields, top-level and nested, are part of what came and travel on.
  body += std::string(
      "\xa2\x06\x03"
      "abc",
      6);  // field 100, length-delimited
  auto answer = h.send(core::Signal::kTraces, body);
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->payload, body);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
}

TEST(RequestProcessor, ForwardsUnchangedWhenTheAgentHasNoAttributes) {
  ProcessorHarness h;
  h.resource.attributes.clear();
  h.make(false);
  const std::string body = traces(1).SerializeAsString();
  h.send(core::Signal::kTraces, body);
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->payload, body);
}

TEST(RequestProcessor, AppendsMissingResourceAttributesAtTheWireLevel) {
  ProcessorHarness h;
  h.resource.attributes.emplace_back("deployment.environment", "prod");
  h.make(false);
  auto request = traces(2, "checkout", {{"host.name", "app-host"}});
  // A second resource without any resource field, and a third with an int host.name.
  auto* bare = request.add_resource_spans();
  add_span(bare->add_scope_spans(), "bare", trace_id(9), span_id(9));
  auto* typed = request.add_resource_spans();
  auto* kv = typed->mutable_resource()->add_attributes();
  kv->set_key("host.name");
  kv->mutable_value()->set_int_value(7);
  add_span(typed->add_scope_spans(), "typed", trace_id(8), span_id(8));
  const std::string body = request.SerializeAsString();

  h.send(core::Signal::kTraces, body);
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->items, 4u);
  // The original bytes are all still there, in order, only lengths grew: the first resource's
  // fields start with the same bytes.
  EXPECT_GT(batch->payload.size(), body.size());
  ExportTraceServiceRequest forwarded;
  ASSERT_TRUE(forwarded.ParseFromString(batch->payload));
  ASSERT_EQ(forwarded.resource_spans_size(), 3);
  const auto& first = forwarded.resource_spans(0).resource();
  EXPECT_EQ(attribute(first, "service.name"), (std::pair<std::string, int>{"checkout", 1}));
  EXPECT_EQ(attribute(first, "host.name"), (std::pair<std::string, int>{"app-host", 1}));
  EXPECT_EQ(attribute(first, "os.type"), (std::pair<std::string, int>{"linux", 1}));
  EXPECT_EQ(attribute(first, "deployment.environment"), (std::pair<std::string, int>{"prod", 1}));
  EXPECT_EQ(first.attributes_size(), 4);
  const auto& second = forwarded.resource_spans(1).resource();
  EXPECT_EQ(second.attributes_size(), 3);
  EXPECT_EQ(attribute(second, "host.name"), (std::pair<std::string, int>{"web-1", 1}));
  const auto& third = forwarded.resource_spans(2).resource();
  EXPECT_EQ(third.attributes_size(), 3);
  EXPECT_EQ(third.attributes(0).value().int_value(), 7);  // the application's, whatever its type

  // Exactly what merging into the parsed message and re-encoding would give, spans included.
  ExportTraceServiceRequest expected = request;
  for (auto& rs : *expected.mutable_resource_spans()) {
    vigil::otlp::merge_resource(h.resource, rs.mutable_resource());
  }
  EXPECT_TRUE(MessageDifferencer::Equals(forwarded, expected));
}

TEST(RequestProcessor, ResourceOverwriteReplacesTheApplicationsValues) {
  ProcessorHarness h(true);
  auto request = traces(1, "checkout", {{"host.name", "app-host"}});
  h.send(core::Signal::kTraces, request.SerializeAsString());
  auto batch = h.take();
  ASSERT_TRUE(batch);
  ExportTraceServiceRequest forwarded;
  ASSERT_TRUE(forwarded.ParseFromString(batch->payload));
  const auto& resource = forwarded.resource_spans(0).resource();
  EXPECT_EQ(attribute(resource, "host.name"), (std::pair<std::string, int>{"web-1", 1}));
  EXPECT_EQ(attribute(resource, "os.type"), (std::pair<std::string, int>{"linux", 1}));
  EXPECT_EQ(attribute(resource, "service.name"), (std::pair<std::string, int>{"checkout", 1}));
  EXPECT_EQ(resource.attributes_size(), 3);
}

TEST(RequestProcessor, ResourceOverwriteWithEqualValuesForwardsUnchanged) {
  ProcessorHarness h(true);
  const std::string body =
      traces(1, "checkout", {{"host.name", "web-1"}, {"os.type", "linux"}}).SerializeAsString();
  h.send(core::Signal::kTraces, body);
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->payload, body);
}

TEST(RequestProcessor, RejectsSpansWithInvalidIdsAsPartialSuccess) {
  ProcessorHarness h;
  auto request = traces(1);
  auto* scope = request.mutable_resource_spans(0)->mutable_scope_spans(0);
  add_span(scope, "zero-trace", std::string(16, '\0'), span_id());
  add_span(scope, "short-span", trace_id(), std::string(7, 'x'));
  add_span(scope, "zero-span", trace_id(), std::string(8, '\0'));
  add_span(scope, "bad-parent", trace_id(), span_id())->set_parent_span_id("abc");
  add_span(scope, "child", trace_id(), span_id(3))->set_parent_span_id(span_id(4));
  // A scope whose only span is invalid disappears with it.
  auto* lost = request.mutable_resource_spans(0)->add_scope_spans();
  add_span(lost, "no-trace", "", span_id());

  auto answer = h.send(core::Signal::kTraces, request.SerializeAsString());
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->items, 2u);
  ExportTraceServiceRequest forwarded;
  ASSERT_TRUE(forwarded.ParseFromString(batch->payload));
  ASSERT_EQ(forwarded.resource_spans(0).scope_spans_size(), 1);
  const auto& spans = forwarded.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(spans.size(), 2);
  EXPECT_EQ(spans[0].name(), "span0");
  EXPECT_EQ(spans[1].name(), "child");
  // Re-encoded, and still with the agent's attributes.
  EXPECT_EQ(attribute(forwarded.resource_spans(0).resource(), "host.name").second, 1);

  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
  ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(answer->result.body));
  EXPECT_EQ(response.partial_success().rejected_spans(), 5);
  EXPECT_EQ(response.partial_success().error_message(),
            "5 span(s) rejected: trace_id must not be all zero");
  EXPECT_EQ(h.invalid(), 5u);
  EXPECT_EQ(h.received("traces"), 2u);
}

TEST(RequestProcessor, EverySpanRejectedAnswersAtOnceAndRoutesNothing) {
  ProcessorHarness h;
  ExportTraceServiceRequest request;
  add_span(request.add_resource_spans()->add_scope_spans(), "bad", "", "");
  auto answer = h.send(core::Signal::kTraces, request.SerializeAsString());
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
  ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(answer->result.body));
  EXPECT_EQ(response.partial_success().rejected_spans(), 1);
  EXPECT_FALSE(h.take());
  EXPECT_EQ(h.received("traces"), 0u);
}

TEST(RequestProcessor, LogRecordsNeedIdsOnlyOfTheRightLengthWhenPresent) {
  ProcessorHarness h;
  ExportLogsServiceRequest request;
  auto* scope = request.add_resource_logs()->add_scope_logs();
  scope->add_log_records()->mutable_body()->set_string_value("no context");
  auto* with_context = scope->add_log_records();
  with_context->set_trace_id(trace_id());
  with_context->set_span_id(span_id());
  scope->add_log_records()->set_trace_id("short");
  scope->add_log_records()->set_span_id(std::string(9, 'x'));
  auto answer = h.send(core::Signal::kLogs, request.SerializeAsString());
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->items, 2u);
  ExportLogsServiceRequest forwarded;
  ASSERT_TRUE(forwarded.ParseFromString(batch->payload));
  ASSERT_EQ(forwarded.resource_logs(0).scope_logs(0).log_records_size(), 2);
  ExportLogsServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(answer->result.body));
  EXPECT_EQ(response.partial_success().rejected_log_records(), 2);
  EXPECT_EQ(response.partial_success().error_message(),
            "2 log record(s) rejected: trace_id must be empty or 16 bytes");
  EXPECT_EQ(h.received("logs"), 2u);
}

TEST(RequestProcessor, CountsDataPointsOfEveryMetricType) {
  ProcessorHarness h;
  ExportMetricsServiceRequest request;
  auto* scope = request.add_resource_metrics()->add_scope_metrics();
  auto* gauge = scope->add_metrics();
  gauge->mutable_gauge()->add_data_points()->set_as_int(1);
  gauge->mutable_gauge()->add_data_points();  // time_unix_nano 0 is kept
  scope->add_metrics()->mutable_sum()->add_data_points()->set_as_double(2);
  scope->add_metrics()->mutable_histogram()->add_data_points()->set_count(3);
  scope->add_metrics()->mutable_exponential_histogram()->add_data_points()->set_count(4);
  auto* summary = scope->add_metrics()->mutable_summary();
  summary->add_data_points();
  summary->add_data_points();
  scope->add_metrics()->set_name("no data");
  const std::string body = request.SerializeAsString();
  auto answer = h.send(core::Signal::kMetrics, body);
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->items, 7u);
  EXPECT_EQ(batch->signal, core::Signal::kMetrics);
  EXPECT_EQ(h.received("metrics"), 7u);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
}

TEST(RequestProcessor, EmptyRequestIsASuccessAndRoutesNothing) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kLogs, "");
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
  EXPECT_TRUE(answer->result.body.empty());
  // Resources and scopes without items are empty too.
  ExportLogsServiceRequest envelopes;
  envelopes.add_resource_logs()->add_scope_logs();
  answer = h.send(core::Signal::kLogs, envelopes.SerializeAsString());
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
  EXPECT_FALSE(h.take());
}

TEST(RequestProcessor, UndecodableProtobufIsAnInvalidArgument) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kTraces, std::string("\x0a\x05\x01", 3));
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kInvalidArgument);
  EXPECT_EQ(answer->result.message, "the body is not a valid protobuf ExportTraceServiceRequest");
  EXPECT_FALSE(h.take());
}

TEST(RequestProcessor, BackPressureRefusesAndCounts) {
  ProcessorHarness h(false, 64);  // the first batch fills the queue
  auto first = h.send(core::Signal::kTraces, traces(2).SerializeAsString());
  EXPECT_EQ(first->calls, 0);
  auto second = h.send(core::Signal::kTraces, traces(3).SerializeAsString());
  ASSERT_EQ(second->calls, 1);
  EXPECT_EQ(second->result.status, ExportStatus::kRefused);
  EXPECT_EQ(h.refused("traces"), 3u);
  EXPECT_EQ(h.received("traces"), 2u);
  EXPECT_EQ(h.processor->waiting(), 1u);
  ASSERT_TRUE(h.take());
  EXPECT_EQ(first->result.status, ExportStatus::kOk);
  EXPECT_FALSE(h.take());
}

TEST(RequestProcessor, AbandonedBatchIsUnavailable) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kTraces, traces(1).SerializeAsString());
  EXPECT_EQ(h.queue->abandon_waiting(), 1u);
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kUnavailable);
}

TEST(RequestProcessor, AckTimeoutAnswersUnavailableAndIgnoresTheLaterAck) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kTraces, traces(1).SerializeAsString());
  auto batch = h.peek();
  ASSERT_TRUE(batch);
  h.scheduler.advance(4999ms);
  EXPECT_EQ(answer->calls, 0);
  h.scheduler.advance(1ms);
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kUnavailable);
  EXPECT_NE(answer->result.message.find("ack_timeout"), std::string::npos);
  EXPECT_EQ(h.processor->waiting(), 0u);
  h.held.front().ticket.settle(core::Settlement::kDelivered);
  EXPECT_EQ(answer->calls, 1);
}

TEST(RequestProcessor, SafeAckCancelsTheTimeout) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kTraces, traces(1).SerializeAsString());
  ASSERT_TRUE(h.take());
  EXPECT_EQ(answer->calls, 1);
  h.scheduler.advance(10s);
  EXPECT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
}

TEST(RequestProcessor, StopAnswersWaitingRequestsAndLaterOnes) {
  ProcessorHarness h;
  auto waiting = h.send(core::Signal::kTraces, traces(1).SerializeAsString());
  h.processor->stop();
  ASSERT_EQ(waiting->calls, 1);
  EXPECT_EQ(waiting->result.status, ExportStatus::kUnavailable);
  auto later = h.send(core::Signal::kTraces, traces(1).SerializeAsString());
  EXPECT_EQ(later->result.status, ExportStatus::kUnavailable);
  // The batch is still queued; its ack after the stop changes nothing.
  ASSERT_TRUE(h.take());
  EXPECT_EQ(waiting->calls, 1);
}

TEST(RequestProcessor, AckAfterTheProcessorIsGoneIsHarmless) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kTraces, traces(1).SerializeAsString());
  h.processor.reset();
  EXPECT_EQ(answer->result.status, ExportStatus::kUnavailable);
  ASSERT_TRUE(h.take());
  EXPECT_EQ(answer->calls, 1);
}

TEST(RequestProcessor, NoRouteIsAcknowledgedAtOnce) {
  ProcessorHarness h;
  h.router.clear_routes();
  auto answer = h.send(core::Signal::kLogs, [] {
    ExportLogsServiceRequest r;
    r.add_resource_logs()->add_scope_logs()->add_log_records();
    return r.SerializeAsString();
  }());
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
  EXPECT_EQ(h.processor->waiting(), 0u);
}

constexpr std::string_view kJsonTraces = R"({"resourceSpans":[{
  "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},
                            {"key":"host.name","value":{"stringValue":"app-host"}}]},
  "futureField":{"nested":[1,2,3]},
  "scopeSpans":[{"scope":{"name":"hostagent","version":"1.0"},
   "spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174",
     "name":"collect","kind":2,"startTimeUnixNano":"1700000000000000000",
     "endTimeUnixNano":1700000000500000000,"status":{"code":1},"unknownKey":true,
     "attributes":[{"key":"n","value":{"intValue":"5"}}]},
    {"traceId":"not-hex","spanId":"eee19b7ec3c1b174","name":"bad"}]}]}]})";

TEST(RequestProcessor, JsonIsConvertedToProtobufOnce) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kTraces, std::string(kJsonTraces), Encoding::kJson);
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->items, 1u);
  ExportTraceServiceRequest forwarded;
  ASSERT_TRUE(forwarded.ParseFromString(batch->payload));
  const auto& rs = forwarded.resource_spans(0);
  EXPECT_EQ(attribute(rs.resource(), "host.name"), (std::pair<std::string, int>{"app-host", 1}));
  EXPECT_EQ(attribute(rs.resource(), "os.type"), (std::pair<std::string, int>{"linux", 1}));
  ASSERT_EQ(rs.scope_spans(0).spans_size(), 1);
  const auto& span = rs.scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(),
            std::string("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16));
  EXPECT_EQ(span.span_id(), std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8));
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.end_time_unix_nano(), 1'700'000'000'500'000'000u);
  EXPECT_EQ(span.attributes(0).value().int_value(), 5);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "hostagent");

  // The answer is JSON too, with the invalid span reported.
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
  EXPECT_EQ(answer->result.body,
            R"({"partialSuccess":{"rejectedSpans":"1","errorMessage":"1 span(s) rejected: )"
            R"(trace_id must be 16 bytes"}})");
}

TEST(RequestProcessor, EmptyJsonRequestAnswersEmptyJson) {
  ProcessorHarness h;
  auto answer = h.send(core::Signal::kMetrics, "{}", Encoding::kJson);
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kOk);
  EXPECT_EQ(answer->result.body, "{}");
  EXPECT_FALSE(h.take());
}

TEST(RequestProcessor, UndecodableJsonIsAnInvalidArgument) {
  ProcessorHarness h;
  for (std::string_view body : {"", "[1]", "{\"resourceLogs\":", "{\"resourceLogs\":7}"}) {
    auto answer = h.send(core::Signal::kLogs, std::string(body), Encoding::kJson);
    ASSERT_EQ(answer->calls, 1) << body;
    EXPECT_EQ(answer->result.status, ExportStatus::kInvalidArgument) << body;
    EXPECT_TRUE(answer->result.message.starts_with(
        "the body is not a valid OTLP/JSON ExportLogsServiceRequest: "))
        << answer->result.message;
  }
  EXPECT_FALSE(h.take());
}

// A pool that runs nothing until told: the test decides when the work and its completion run.
struct DeferredPool {
  std::vector<std::pair<std::function<void()>, std::function<void()>>> jobs;
  PoolRunner runner() {
    return [this](std::function<void()> work, std::function<void()> done) {
      jobs.emplace_back(std::move(work), std::move(done));
    };
  }
  void run_all() {
    auto pending = std::move(jobs);
    jobs.clear();
    for (auto& [work, done] : pending) {
      work();
      done();
    }
  }
};

// An unknown top-level field (100, length-delimited) that makes a request large enough for
// the pool.
std::string padding() {
  std::string field = "\xa2\x06";
  append_varint(field, RequestProcessor::kPoolBytes);
  field += std::string(RequestProcessor::kPoolBytes, 'x');
  return field;
}

std::string large_traces(int spans) { return traces(spans).SerializeAsString() + padding(); }

TEST(RequestProcessor, WalksLargeRequestsOnThePoolAndSmallOnesOnTheLoop) {
  ProcessorHarness h;
  DeferredPool pool;
  h.processor->offload_large_requests(pool.runner());
  auto small = h.send(core::Signal::kTraces, traces(2).SerializeAsString());
  EXPECT_TRUE(pool.jobs.empty());
  EXPECT_EQ(h.received("traces"), 2u);
  const std::string body = large_traces(3);
  auto large = h.send(core::Signal::kTraces, body);
  ASSERT_EQ(pool.jobs.size(), 1u);
  EXPECT_EQ(h.received("traces"), 2u);  // not routed before the walk is done
  pool.run_all();
  EXPECT_EQ(h.received("traces"), 5u);
  EXPECT_EQ(large->calls, 0);  // answered only once safe, as on the loop
  auto first = h.take();
  auto second = h.take();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->items, 3u);
  ASSERT_EQ(large->calls, 1);
  EXPECT_EQ(large->result.status, ExportStatus::kOk);
  EXPECT_EQ(small->result.status, ExportStatus::kOk);
}

TEST(RequestProcessor, LargeUndecodableRequestIsAnInvalidArgumentFromThePool) {
  ProcessorHarness h;
  DeferredPool pool;
  h.processor->offload_large_requests(pool.runner());
  std::string body = large_traces(1);
  body.pop_back();  // the padding field now runs past the end
  auto answer = h.send(core::Signal::kTraces, body);
  EXPECT_EQ(answer->calls, 0);
  pool.run_all();
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kInvalidArgument);
}

TEST(RequestProcessor, LargeRequestWithInvalidSpansIsParsedAfterThePool) {
  ProcessorHarness h;
  DeferredPool pool;
  h.processor->offload_large_requests(pool.runner());
  auto request = traces(3);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_span_id("");
  std::string body = request.SerializeAsString();
  body += padding();
  auto answer = h.send(core::Signal::kTraces, body);
  pool.run_all();
  EXPECT_EQ(h.received("traces"), 2u);
  EXPECT_EQ(h.invalid(), 1u);
  auto batch = h.take();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->items, 2u);
  ASSERT_EQ(answer->calls, 1);
  ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(answer->result.body));
  EXPECT_EQ(response.partial_success().rejected_spans(), 1);
}

TEST(RequestProcessor, StopAnswersRequestsStillOnThePool) {
  ProcessorHarness h;
  DeferredPool pool;
  h.processor->offload_large_requests(pool.runner());
  auto answer = h.send(core::Signal::kTraces, large_traces(2));
  h.processor->stop();
  ASSERT_EQ(answer->calls, 1);
  EXPECT_EQ(answer->result.status, ExportStatus::kUnavailable);
  pool.run_all();  // the walk's result is ignored
  EXPECT_EQ(answer->calls, 1);
  EXPECT_EQ(h.received("traces"), 0u);
}

TEST(RequestProcessor, PoolWorkThatOutlivesTheProcessorIsHarmless) {
  ProcessorHarness h;
  DeferredPool pool;
  h.processor->offload_large_requests(pool.runner());
  auto answer = h.send(core::Signal::kTraces, large_traces(2));
  h.processor.reset();
  EXPECT_EQ(answer->calls, 1);
  pool.run_all();  // the walker is shared with the work; the completion finds nobody
  EXPECT_EQ(answer->calls, 1);
}

}  // namespace
}  // namespace vigil::collectors::otlp
