// Sends spans, log records and metrics to an OTLP receiver with the real OpenTelemetry JS SDK
// exporters, then prints ONE JSON document on stdout describing exactly what was sent:
//
//   {"runId": ..., "protocol": ..., "compression": ...,
//    "traces":  [ExportTraceServiceRequest, ...],    one span per request
//    "logs":    [ExportLogsServiceRequest, ...],     one log record per request
//    "metrics": [ExportMetricsServiceRequest, ...]}  one data point per request
//
// Each entry is in OTLP/JSON form (PROTOCOLS.md 1.3: lowerCamelCase keys, integer enums, hex ids,
// 64-bit integers as decimal strings, bytes as base64), the same single-item shape vigil's stdout
// exporter prints. The entries are built by this script's own converter from the objects the SDK
// handed to its exporters (captured by a wrapper around each exporter), not by the SDK's OTLP
// serializer, so they state what the application produced independently of the encoding on the
// wire. Every export must succeed; otherwise the script exits 1 (after printing the document).
//
// Usage: node send.mjs --protocol http/protobuf|http/json|grpc --endpoint URL --run-id ID
//                      [--compression none|gzip] [--timeout-ms N]
//   --endpoint: the base URL, e.g. http://127.0.0.1:4318 (HTTP: /v1/traces, /v1/logs and
//   /v1/metrics are appended) or http://127.0.0.1:4317 (gRPC).

import { parseArgs } from 'node:util';

import { context, trace, diag, DiagLogLevel, SpanKind, SpanStatusCode, ValueType }
  from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, AggregationType, DataPointType,
         AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';

import * as traceProto from '@opentelemetry/exporter-trace-otlp-proto';
import * as traceHttp from '@opentelemetry/exporter-trace-otlp-http';
import * as traceGrpc from '@opentelemetry/exporter-trace-otlp-grpc';
import * as logsProto from '@opentelemetry/exporter-logs-otlp-proto';
import * as logsHttp from '@opentelemetry/exporter-logs-otlp-http';
import * as logsGrpc from '@opentelemetry/exporter-logs-otlp-grpc';
import * as metricsProto from '@opentelemetry/exporter-metrics-otlp-proto';
import * as metricsHttp from '@opentelemetry/exporter-metrics-otlp-http';
import * as metricsGrpc from '@opentelemetry/exporter-metrics-otlp-grpc';

const { values: args } = parseArgs({
  options: {
    protocol: { type: 'string' },
    endpoint: { type: 'string' },
    'run-id': { type: 'string' },
    compression: { type: 'string', default: 'none' },
    'timeout-ms': { type: 'string', default: '10000' },
  },
});
const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'];
if (!PROTOCOLS.includes(args.protocol) || !args.endpoint || !args['run-id'] ||
    !['none', 'gzip'].includes(args.compression)) {
  process.stderr.write('usage: node send.mjs --protocol http/protobuf|http/json|grpc ' +
                       '--endpoint URL --run-id ID [--compression none|gzip]\n');
  process.exit(2);
}
const protocol = args.protocol;
const runId = args['run-id'];
const base = args.endpoint.replace(/\/+$/, '');
const timeoutMillis = Number(args['timeout-ms']);

// SDK diagnostics (export failures, dropped data) go to stderr, which the test shows on failure.
diag.setLogger({
  error: (...a) => process.stderr.write(`otel error: ${a.join(' ')}\n`),
  warn: (...a) => process.stderr.write(`otel warn: ${a.join(' ')}\n`),
  info: () => {}, debug: () => {}, verbose: () => {},
}, DiagLogLevel.WARN);

// ---------------------------------------------------------------------------------------------
// Exporters

function exporterOptions(signal) {
  const url = protocol === 'grpc' ? base : `${base}/v1/${signal}`;
  return { url, compression: args.compression, timeoutMillis };
}
const modules = {
  'http/protobuf': [traceProto, logsProto, metricsProto],
  'http/json': [traceHttp, logsHttp, metricsHttp],
  grpc: [traceGrpc, logsGrpc, metricsGrpc],
}[protocol];

const failures = [];
const exportCounts = { traces: 0, logs: 0, metrics: 0 };

// Wraps an SDK exporter: converts what the SDK hands over (before the real exporter serializes
// it) and records whether the export succeeded.
class Capturing {
  constructor(signal, inner, convert, sink) {
    this.signal = signal; this.inner = inner; this.convert = convert; this.sink = sink;
    if (inner.selectAggregationTemporality) {
      this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    }
    if (inner.selectAggregation) this.selectAggregation = inner.selectAggregation.bind(inner);
  }
  export(items, done) {
    const converted = this.convert(items);
    this.inner.export(items, (result) => {
      exportCounts[this.signal] += 1;
      if (result.code === 0) {
        this.sink.push(...converted);
      } else {
        failures.push(`${this.signal} export failed: ${result.error?.stack ?? result.error}`);
      }
      done(result);
    });
  }
  forceFlush() { return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve(); }
  shutdown() { return this.inner.shutdown(); }
}

// ---------------------------------------------------------------------------------------------
// Conversion of SDK objects to single-item OTLP/JSON requests

const nanos = (hr) => (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();

function anyValue(v) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  }
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (v !== null && typeof v === 'object') return { kvlistValue: { values: keyValues(v) } };
  return {};  // null / undefined: an AnyValue with no member set
}
function keyValues(attrs) {
  return Object.keys(attrs ?? {}).map((key) => ({ key, value: anyValue(attrs[key]) }));
}
function resourceJson(resource) {
  const out = { attributes: keyValues(resource.attributes) };
  return out;
}
function scopeJson(scope, attributes) {
  const out = { name: scope.name };
  if (scope.version) out.version = scope.version;
  if (attributes && Object.keys(attributes).length > 0) out.attributes = keyValues(attributes);
  return out;
}
// Span.flags / Link.flags: W3C trace flags plus "has is_remote" (0x100) and "is remote" (0x200)
// as the SDK reports them (PROTOCOLS.md 3.3).
const spanFlags = (traceFlags, isRemote) => (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);

function spanRequest(s) {
  const ctx = s.spanContext();
  const span = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    name: s.name,
    kind: s.kind + 1,  // API enum is offset by one from OTLP's (no UNSPECIFIED)
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: keyValues(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: nanos(e.time), name: e.name, attributes: keyValues(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => {
      const link = {
        traceId: l.context.traceId, spanId: l.context.spanId,
        attributes: keyValues(l.attributes), droppedAttributesCount: l.droppedAttributesCount ?? 0,
        flags: spanFlags(l.context.traceFlags, l.context.isRemote),
      };
      if (l.context.traceState) link.traceState = l.context.traceState.serialize();
      return link;
    }),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, ...(s.status.message ? { message: s.status.message } : {}) },
    flags: spanFlags(ctx.traceFlags, s.parentSpanContext?.isRemote),
  };
  if (s.parentSpanContext?.spanId) span.parentSpanId = s.parentSpanContext.spanId;
  if (ctx.traceState) span.traceState = ctx.traceState.serialize();
  const scope = s.instrumentationScope;
  return {
    resourceSpans: [{
      resource: resourceJson(s.resource),
      scopeSpans: [{
        scope: scopeJson(scope), spans: [span],
        ...(scope.schemaUrl ? { schemaUrl: scope.schemaUrl } : {}),
      }],
      ...(s.resource.schemaUrl ? { schemaUrl: s.resource.schemaUrl } : {}),
    }],
  };
}

function logRequest(r) {
  const rec = {
    timeUnixNano: nanos(r.hrTime),
    observedTimeUnixNano: nanos(r.hrTimeObserved),
    attributes: keyValues(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
  };
  if (r.severityNumber !== undefined) rec.severityNumber = r.severityNumber;
  if (r.severityText !== undefined) rec.severityText = r.severityText;
  if (r.body !== undefined) rec.body = anyValue(r.body);
  if (r.eventName !== undefined) rec.eventName = r.eventName;
  if (r.spanContext) {
    rec.traceId = r.spanContext.traceId;
    rec.spanId = r.spanContext.spanId;
    rec.flags = r.spanContext.traceFlags;
  }
  const scope = r.instrumentationScope;
  return {
    resourceLogs: [{
      resource: resourceJson(r.resource),
      scopeLogs: [{
        scope: scopeJson(scope, scope.attributes), logRecords: [rec],
        ...(scope.schemaUrl ? { schemaUrl: scope.schemaUrl } : {}),
      }],
      ...(r.resource.schemaUrl ? { schemaUrl: r.resource.schemaUrl } : {}),
    }],
  };
}

const TEMPORALITY = {
  [AggregationTemporality.DELTA]: 1, [AggregationTemporality.CUMULATIVE]: 2,
};

function metricRequests(resourceMetrics) {
  const out = [];
  const rm = resourceMetrics;
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      for (const dp of m.dataPoints) {
        const point = {
          attributes: keyValues(dp.attributes),
          startTimeUnixNano: nanos(dp.startTime),
          timeUnixNano: nanos(dp.endTime),
        };
        const metric = { name: m.descriptor.name };
        if (m.descriptor.description) metric.description = m.descriptor.description;
        if (m.descriptor.unit) metric.unit = m.descriptor.unit;
        const numberPoint = () => (m.descriptor.valueType === ValueType.INT
          ? { ...point, asInt: String(dp.value) } : { ...point, asDouble: dp.value });
        switch (m.dataPointType) {
          case DataPointType.GAUGE:
            metric.gauge = { dataPoints: [numberPoint()] };
            break;
          case DataPointType.SUM:
            metric.sum = { dataPoints: [numberPoint()],
                           aggregationTemporality: TEMPORALITY[m.aggregationTemporality],
                           isMonotonic: m.isMonotonic };
            break;
          case DataPointType.HISTOGRAM: {
            const h = dp.value;
            metric.histogram = {
              dataPoints: [{
                ...point, count: String(h.count),
                ...(h.sum !== undefined ? { sum: h.sum } : {}),
                bucketCounts: h.buckets.counts.map(String),
                explicitBounds: h.buckets.boundaries,
                ...(h.min !== undefined ? { min: h.min } : {}),
                ...(h.max !== undefined ? { max: h.max } : {}),
              }],
              aggregationTemporality: TEMPORALITY[m.aggregationTemporality],
            };
            break;
          }
          case DataPointType.EXPONENTIAL_HISTOGRAM: {
            const h = dp.value;
            metric.exponentialHistogram = {
              dataPoints: [{
                ...point, count: String(h.count),
                ...(h.sum !== undefined ? { sum: h.sum } : {}),
                scale: h.scale, zeroCount: String(h.zeroCount),
                positive: { offset: h.positive.offset,
                            bucketCounts: h.positive.bucketCounts.map(String) },
                negative: { offset: h.negative.offset,
                            bucketCounts: h.negative.bucketCounts.map(String) },
                ...(h.min !== undefined ? { min: h.min } : {}),
                ...(h.max !== undefined ? { max: h.max } : {}),
              }],
              aggregationTemporality: TEMPORALITY[m.aggregationTemporality],
            };
            break;
          }
          default:
            throw new Error(`unexpected data point type ${m.dataPointType}`);
        }
        out.push({
          resourceMetrics: [{
            resource: resourceJson(rm.resource),
            scopeMetrics: [{
              scope: scopeJson(sm.scope), metrics: [metric],
              ...(sm.scope.schemaUrl ? { schemaUrl: sm.scope.schemaUrl } : {}),
            }],
            ...(rm.resource.schemaUrl ? { schemaUrl: rm.resource.schemaUrl } : {}),
          }],
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What the application sends

const sent = { traces: [], logs: [], metrics: [] };

// Attribute values of every type the attribute API allows, with edge cases: empty string,
// unicode and characters JSON must escape, negative and large (2^53 - 1) integers, zero, doubles
// that need all 17 digits, the smallest normal double, homogeneous arrays of each type,
// an empty array.
const EVERY_TYPE = {
  'attr.string': 'héllo wörld ✓ 日本 🚀 "quoted" back\\slash tab\t newline\n',
  'attr.string.empty': '',
  'attr.bool.true': true,
  'attr.bool.false': false,
  'attr.int': 42,
  'attr.int.negative': -7,
  'attr.int.zero': 0,
  'attr.int.max_safe': Number.MAX_SAFE_INTEGER,
  'attr.int.min_safe': Number.MIN_SAFE_INTEGER,
  'attr.double': 3.141592653589793,
  'attr.double.tenth': 0.1,
  'attr.double.negative': -1234.5678,
  'attr.double.tiny': 2.2250738585072014e-308,  // (doubles from 2^53 up are integers in JS)
  'attr.array.string': ['a', '', 'ü'],
  'attr.array.bool': [true, false, true],
  'attr.array.int': [1, -2, 3, 9007199254740991],
  'attr.array.double': [1.5, -0.25, 1e-9],
  'attr.array.empty': [],
};

// Resources: the traces and metrics providers leave host.name to vigil; the logs provider sets
// host.name (and os.type) itself, which vigil must keep. All set service.name to the run id and
// deployment.environment.name, which the test's [agent.resource] also sets (the app's wins).
const commonResource = {
  'service.name': runId,
  'service.version': '1.2.3-it',
  'service.instance.id': `${runId}-instance`,
  'deployment.environment.name': 'app-env',
  'it.resource.int': 7,
  'it.resource.double': 0.5,
  'it.resource.bool': true,
  'it.resource.array': ['x', 'y'],
};
const SCHEMA = 'https://opentelemetry.io/schemas/1.26.0';
const traceResource = resourceFromAttributes({ ...commonResource, 'it.signal': 'traces' },
                                             { schemaUrl: SCHEMA });
const logResource = resourceFromAttributes({
  ...commonResource, 'it.signal': 'logs', 'host.name': `app-host-${runId}`, 'os.type': 'app-os',
});
const metricResource = resourceFromAttributes({ ...commonResource, 'it.signal': 'metrics' });

const [traceMod, logsMod, metricsMod] = modules;

const tracerProvider = new BasicTracerProvider({
  resource: traceResource,
  // Small limits so that the dropped counts are non-zero and must arrive as well.
  spanLimits: { attributeCountLimit: 32, eventCountLimit: 4, linkCountLimit: 3,
                attributePerEventCountLimit: 4, attributePerLinkCountLimit: 4 },
  spanProcessors: [new BatchSpanProcessor(
    new Capturing('traces', new traceMod.OTLPTraceExporter(exporterOptions('traces')),
                  (spans) => spans.map(spanRequest), sent.traces),
    { maxExportBatchSize: 512, scheduledDelayMillis: 60000 })],
});
const loggerProvider = new LoggerProvider({
  resource: logResource,
  logRecordLimits: { attributeCountLimit: 24 },
  processors: [new BatchLogRecordProcessor({
    exporter: new Capturing('logs', new logsMod.OTLPLogExporter(exporterOptions('logs')),
                            (records) => records.map(logRequest), sent.logs),
    maxExportBatchSize: 512, scheduledDelayMillis: 60000 })],
});
const metricExporter = new metricsMod.OTLPMetricExporter({
  ...exporterOptions('metrics'),
  // Delta for counters and histograms; the up-down counter stays cumulative under this
  // preference, so both temporalities are sent.
  temporalityPreference: AggregationTemporalityPreference.DELTA,
});
const metricReader = new PeriodicExportingMetricReader({
  exporter: new Capturing('metrics', metricExporter,
                          (rm) => metricRequests(rm), sent.metrics),
  exportIntervalMillis: 3600000,
  exportTimeoutMillis: timeoutMillis,
});
const meterProvider = new MeterProvider({
  resource: metricResource,
  readers: [metricReader],
  views: [{
    instrumentName: 'it.latency.exp',
    aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 20 } },
  }],
});

// --- spans --------------------------------------------------------------------------------------

const tracer = tracerProvider.getTracer('vigil-it.tracer', '0.9.1', { schemaUrl: SCHEMA });
const tracer2 = tracerProvider.getTracer('vigil-it.second-scope');  // no version, no schema
const nowSec = Math.floor(Date.now() / 1000) - 60;
const t = (ds, ns) => [nowSec + ds, ns];  // HrTime: exact nanoseconds, as sent

// A parent from another service (W3C traceparent), with tracestate: the child inherits the trace
// id and trace state, and its flags say the parent is remote.
const remoteParent = {
  traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
  traceFlags: 1, isRemote: true,
  traceState: undefined,
};
const { TraceState } = await import('@opentelemetry/core');
remoteParent.traceState = new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
const remoteCtx = trace.setSpanContext(context.active(), remoteParent);

const root = tracer.startSpan('GET /checkout ✓', {
  kind: SpanKind.SERVER, startTime: t(0, 123456789), attributes: EVERY_TYPE,
}, remoteCtx);
const rootCtx = trace.setSpan(context.active(), root);
root.addEvent('request.received', { 'event.string': 'v', 'event.int': 1, 'event.bool': true,
                                    'event.double': 0.75 }, t(0, 123456999));
root.addEvent('no-attributes', t(0, 200000000));
root.addEvent('too-many-attributes',  // 6 attributes, limit 4: 2 dropped
              { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }, t(0, 300000001));

const internal = tracer.startSpan('compute-cart', {
  kind: SpanKind.INTERNAL, startTime: t(0, 130000000),
  attributes: { 'cart.items': 3, 'cart.total': 99.95, 'cart.skus': ['a1', 'b2', 'c3'] },
}, rootCtx);
internal.end(t(0, 140000000));

const client = tracer.startSpan('POST payments', {
  kind: SpanKind.CLIENT, startTime: t(0, 150000000),
  attributes: { 'http.request.method': 'POST', 'server.port': 443 },
}, rootCtx);
client.addEvent('exception', { 'exception.type': 'TimeoutError',
                               'exception.message': 'deadline exceeded after 5 s' },
                t(0, 170000000));
client.setStatus({ code: SpanStatusCode.ERROR, message: 'payment gateway timed out: ü ✗' });
client.end(t(0, 180000000));

const producer = tracer.startSpan('orders publish', {
  kind: SpanKind.PRODUCER, startTime: t(0, 190000000),
  attributes: { 'messaging.system': 'kafka', 'messaging.batch.message_count': 2 },
}, rootCtx);
producer.setStatus({ code: SpanStatusCode.OK });
producer.end(t(0, 195000000));

// A consumer in a new trace, linked to the producer (local), to the remote parent (remote, with
// trace state) and two more: the link limit is 3, so one link is dropped.
const consumer = tracer2.startSpan('orders process', {
  kind: SpanKind.CONSUMER, startTime: t(1, 5),
  root: true,
  links: [
    { context: producer.spanContext(),
      attributes: { 'link.kind': 'producer', 'link.int': 5, 'link.double': 2.5,
                    'link.bool': false, 'link.array': [1, 2] } },
    { context: remoteParent, attributes: { 'link.kind': 'remote' } },
    { context: internal.spanContext(),
      attributes: { w: 1, x: 2, y: 3, z: 4, overflow: 5 } },  // limit 4: 1 attribute dropped
    { context: client.spanContext() },  // over the link limit: dropped
  ],
  attributes: Object.fromEntries(Array.from({ length: 34 }, (_, i) => [`many.${i}`, i])),
});  // 34 attributes, limit 32: 2 dropped
consumer.addLink({ context: root.spanContext(), attributes: { late: true } });  // dropped too
for (let i = 0; i < 6; i++) consumer.addEvent(`tick ${i}`, { i }, t(1, 1000 + i));  // 2 dropped
consumer.setStatus({ code: SpanStatusCode.ERROR });  // error without a message
consumer.end(t(1, 999999999));

// A span with nothing but a name and times: UNSET status, no attributes, default kind.
tracer.startSpan('bare', { startTime: t(2, 0) }, rootCtx).end(t(2, 1));

root.setStatus({ code: SpanStatusCode.OK });
root.end(t(0, 400000000));

// --- logs --------------------------------------------------------------------------------------

const logger = loggerProvider.getLogger('vigil-it.logger', '4.5.6', {
  schemaUrl: SCHEMA,
  attributes: { 'scope.attr.string': 'logger-scope', 'scope.attr.int': 11 },
});
const logger2 = loggerProvider.getLogger('vigil-it.logger.plain');
const LOG_ATTRS = {
  ...EVERY_TYPE,
  'attr.bytes': new Uint8Array([0, 1, 2, 253, 254, 255]),
  'attr.map': { k: 'v', n: 1, nested: { deep: [1, 'two', false] } },
  'attr.array.mixed': ['s', 1, 2.5, true, { m: 'x' }, [1, 2]],
};
const bodies = [
  [SeverityNumber.TRACE, 'TRACE', 'a plain string body ✓'],
  [SeverityNumber.DEBUG2, 'DEBUG2', 12345],
  [SeverityNumber.INFO, 'INFO', 2.75],
  [SeverityNumber.INFO4, 'INFO4', false],
  [SeverityNumber.WARN, 'WARN', { message: 'structured', code: 503, ok: false, ratio: 0.25,
                                  tags: ['a', 'b'], inner: { x: 'y' } }],
  [SeverityNumber.ERROR, 'ERROR', ['one', 2, 3.5, true, { k: 'v' }]],
  [SeverityNumber.FATAL4, 'FATAL4', new Uint8Array([222, 173, 190, 239])],
  [SeverityNumber.WARN2, 'warning (custom text)', ''],
];
bodies.forEach(([severityNumber, severityText, body], i) => {
  logger.emit({
    severityNumber, severityText, body,
    timestamp: t(3, 1000 * (i + 1)),
    observedTimestamp: t(3, 1000 * (i + 1) + 7),
    attributes: { 'log.index': i },
  });
});
// Trace context: a record emitted inside the client span.
logger.emit({
  severityNumber: SeverityNumber.ERROR, severityText: 'ERROR',
  body: 'payment failed', timestamp: t(3, 500000000),
  attributes: LOG_ATTRS,
  context: trace.setSpan(context.active(), client),
});
// An event record in the root span's context.
logger.emit({
  eventName: 'checkout.completed', severityNumber: SeverityNumber.INFO2, severityText: 'INFO2',
  body: { cart: 3 }, timestamp: t(3, 600000000), context: rootCtx,
});
// The least a record can have: no severity, no body, no attributes, no timestamp (the SDK sets
// the observed time).
logger2.emit({});
// Over the attribute limit (24): dropped count.
logger2.emit({
  severityNumber: SeverityNumber.DEBUG, body: 'many attributes', timestamp: t(3, 700000000),
  attributes: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, `v${i}`])),
});

// --- metrics -----------------------------------------------------------------------------------

const meter = meterProvider.getMeter('vigil-it.meter', '7.8.9', { schemaUrl: SCHEMA });
const gauge = meter.createObservableGauge('it.temperature', {
  description: 'An observable gauge (double)', unit: 'Cel',
});
gauge.addCallback((result) => {
  result.observe(21.5, { room: 'a', floor: 1 });
  result.observe(-3.25, { room: 'b', floor: 2, 'outdoor': true });
});
const intGauge = meter.createObservableGauge('it.queue.depth', {
  description: 'An observable gauge (int)', unit: '{item}', valueType: ValueType.INT,
});
intGauge.addCallback((result) => result.observe(17, { queue: 'q1' }));
const counter = meter.createCounter('it.requests', {
  description: 'A monotonic counter', unit: '{request}', valueType: ValueType.INT,
});
counter.add(5, { route: '/a', 'http.response.status_code': 200 });
counter.add(2, { route: '/a', 'http.response.status_code': 200 });
counter.add(1, { route: '/b', 'http.response.status_code': 500 });
const dcounter = meter.createCounter('it.bytes', { description: 'A double counter', unit: 'By' });
dcounter.add(1.5);
dcounter.add(0.25);
const updown = meter.createUpDownCounter('it.connections', {
  description: 'An up-down counter', unit: '{connection}', valueType: ValueType.INT,
});
updown.add(10, { pool: 'main' });
updown.add(-4, { pool: 'main' });
updown.add(-2, { pool: 'spare' });
const hist = meter.createHistogram('it.latency', {
  description: 'A histogram with explicit buckets', unit: 'ms',
  advice: { explicitBucketBoundaries: [0, 5, 10, 25, 50, 100] },
});
for (const v of [0, 3, 5, 7.5, 12, 30, 99.9, 100, 250]) hist.record(v, { route: '/a' });
hist.record(42, { route: '/b' });
const exp = meter.createHistogram('it.latency.exp', {
  description: 'An exponential histogram (View, max 20 buckets)', unit: 's',
});
// 0 goes to the zero bucket; the rest span a factor of 16, which forces the scale down to 2.
for (const v of [0, 1.5, 1.5, 1.6, 3, 6, 12, 24]) exp.record(v, { route: '/a' });

// ---------------------------------------------------------------------------------------------
// Flush and shut down every provider (the metric reader collects once on forceFlush and once
// more on shutdown; the counter's second delta comes from the add in between).

async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    failures.push(`${name}: ${e?.stack ?? e}`);
  }
}
await step('traces forceFlush', () => tracerProvider.forceFlush());
await step('logs forceFlush', () => loggerProvider.forceFlush());
await step('metrics forceFlush', () => meterProvider.forceFlush());
counter.add(3, { route: '/a', 'http.response.status_code': 200 });
await step('traces shutdown', () => tracerProvider.shutdown());
await step('logs shutdown', () => loggerProvider.shutdown());
await step('metrics shutdown', () => meterProvider.shutdown());

const doc = {
  runId, protocol, compression: args.compression,
  sdk: { api: '1.9.1', sdk: '2.12.0', exporters: '0.223.0' },
  exports: exportCounts,
  traces: sent.traces, logs: sent.logs, metrics: sent.metrics,
};
process.stdout.write(`${JSON.stringify(doc)}\n`);
if (failures.length > 0) {
  process.stderr.write(`${failures.join('\n')}\n`);
  process.exitCode = 1;
}
