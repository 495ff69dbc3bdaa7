// An OTLP test sink: receives what an OTLP exporter sends (vigil's [[exporters.otlp]]), decodes
// every request with code we did not write (the protobufjs classes that
// @opentelemetry/otlp-transformer@0.52.1 generated from the official OTLP protos, node's zlib for
// gzip, the zstd command for zstd, node's http2 or @grpc/grpc-js for gRPC), and prints one JSON
// line per request on stdout. It answers each request from a script (statuses, Retry-After,
// google.rpc.Status with RetryInfo, partial success, gRPC codes, Trailers-Only), then with
// success. See README.md ("sink.mjs").
//
// Usage: node sink.mjs --config JSON
//   {"endpoints": [{"name": "a", "transport": "http"|"grpc-js"|"h2grpc", "script": [...]}, ...]}
// Prints {"event":"listening","name":..,"port":..} per endpoint, then
//   {"event":"request","name":..,"time":ms,"transport":..,"path":..,"headers":{..},
//    "contentEncoding":..,"wireBytes":n,"messageBytes":n,"signal":..,"request":OTLP/JSON|null,
//    "errors":[..],"answer":{..}}
// The decoded request is OTLP/JSON (PROTOCOLS.md 1.3): lowerCamelCase keys, integer enums, hex
// ids, 64-bit integers as strings, other bytes as base64, fields at their default left out.

import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const protobuf = require('protobufjs');
const grpc = require('@grpc/grpc-js');

const collector = root.opentelemetry.proto.collector;
const SIGNALS = {
  traces: { request: collector.trace.v1.ExportTraceServiceRequest,
            response: collector.trace.v1.ExportTraceServiceResponse,
            service: 'opentelemetry.proto.collector.trace.v1.TraceService',
            rejected: 'rejectedSpans' },
  metrics: { request: collector.metrics.v1.ExportMetricsServiceRequest,
             response: collector.metrics.v1.ExportMetricsServiceResponse,
             service: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
             rejected: 'rejectedDataPoints' },
  logs: { request: collector.logs.v1.ExportLogsServiceRequest,
          response: collector.logs.v1.ExportLogsServiceResponse,
          service: 'opentelemetry.proto.collector.logs.v1.LogsService',
          rejected: 'rejectedLogRecords' },
};
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

// google.rpc.Status and RetryInfo are not in root.js: defined here by reflection from the
// published field numbers (google/rpc/status.proto, error_details.proto).
const rpc = protobuf.Root.fromJSON({ nested: {
  google: { nested: {
    protobuf: { nested: {
      Any: { fields: { typeUrl: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
      Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    } },
    rpc: { nested: {
      Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 },
                          details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } },
      RetryInfo: { fields: { retryDelay: { type: 'google.protobuf.Duration', id: 1 } } },
    } },
  } },
} });
const StatusType = rpc.lookupType('google.rpc.Status');
const RetryInfoType = rpc.lookupType('google.rpc.RetryInfo');
const RETRY_INFO_URL = 'type.googleapis.com/google.rpc.RetryInfo';

// ---------------------------------------------------------------------------------------------
// Decoding

function hex(bytes) { return Buffer.from(bytes).toString('hex'); }

// A decoded message as OTLP/JSON.
function toOtlpJson(type, message) {
  const object = type.toObject(message, { longs: String, enums: Number, bytes: String, json: true });
  return rewriteIds(object, (b64) => hex(Buffer.from(b64, 'base64')));
}

function rewriteIds(value, convert) {
  if (Array.isArray(value)) return value.map((v) => rewriteIds(v, convert));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = ID_FIELDS.has(k) && typeof v === 'string' ? convert(v) : rewriteIds(v, convert);
  }
  return out;
}

// The OTLP/JSON rules a sender must follow (PROTOCOLS.md 1.3), checked on the raw text.
function checkJsonRules(value, path, errors) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJsonRules(v, `${path}[${i}]`, errors));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    const p = `${path}.${k}`;
    if (k.includes('_')) errors.push(`${p}: key is not lowerCamelCase`);
    if (ID_FIELDS.has(k) && !(typeof v === 'string' && /^([0-9a-f]{2})*$/.test(v))) {
      errors.push(`${p}: id is not lowercase hex: ${JSON.stringify(v)}`);
    }
    if (['kind', 'severityNumber', 'aggregationTemporality', 'code'].includes(k) &&
        typeof v !== 'number') {
      errors.push(`${p}: enum is not an integer: ${JSON.stringify(v)}`);
    }
    if (/UnixNano$/.test(k) && typeof v !== 'string') {
      errors.push(`${p}: 64-bit integer is not a string: ${JSON.stringify(v)}`);
    }
    checkJsonRules(v, p, errors);
  }
}

function decodeBody(signal, contentType, bytes, errors) {
  const type = SIGNALS[signal].request;
  if (contentType === 'application/json') {
    const parsed = JSON.parse(bytes.toString('utf8'));
    checkJsonRules(parsed, '$', errors);
    const message = type.fromObject(rewriteIds(parsed, (h) => Buffer.from(h, 'hex')));
    return toOtlpJson(type, type.decode(type.encode(message).finish()));
  }
  return toOtlpJson(type, type.decode(bytes));
}

function decompress(encoding, bytes) {
  switch (encoding) {
    case '': case 'identity': return bytes;
    case 'gzip': return zlib.gunzipSync(bytes);
    case 'zstd': return execFileSync('zstd', ['-d', '-c', '-q'], { input: bytes, maxBuffer: 1 << 30 });
    default: throw new Error(`unknown encoding ${encoding}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Answers

function statusBytes(spec) {
  const details = [];
  if (spec.retryDelay !== undefined) {
    const seconds = Math.floor(spec.retryDelay);
    const nanos = Math.round((spec.retryDelay - seconds) * 1e9);
    details.push({ typeUrl: RETRY_INFO_URL,
                   value: RetryInfoType.encode({ retryDelay: { seconds, nanos } }).finish() });
  }
  return Buffer.from(StatusType.encode({ code: spec.code ?? 0, message: spec.message ?? '',
                                         details }).finish());
}

function statusJson(spec) {
  const out = { code: spec.code ?? 0, message: spec.message ?? '' };
  if (spec.retryDelay !== undefined) {
    out.details = [{ '@type': RETRY_INFO_URL, retryDelay: `${spec.retryDelay}s` }];
  }
  return out;
}

function responseMessage(signal, partial) {
  const type = SIGNALS[signal].response;
  const fields = {};
  if (partial) {
    fields.partialSuccess = { [SIGNALS[signal].rejected]: partial.rejected ?? 0,
                              errorMessage: partial.message ?? '' };
  }
  return type.fromObject(fields);
}

function emit(record) { process.stdout.write(JSON.stringify(record) + '\n'); }

// Fills the record's messageBytes and request from the message `unwrap` returns (decompressed,
// unframed), noting any failure among its errors.
function decodeInto(record, contentType, unwrap) {
  try {
    const message = unwrap();
    record.messageBytes = message.length;
    if (!record.signal) throw new Error(`unexpected path ${record.path}`);
    record.request = decodeBody(record.signal, contentType, message, record.errors);
  } catch (e) {
    record.errors.push(`decoding: ${e.message}`);
  }
}

// The endpoint's next scripted answer (success once the script is used up), recorded and
// printed with the request.
function answerFor(endpoint, record) {
  record.answer = endpoint.script.length > 0 ? endpoint.script.shift() : {};
  emit(record);
  return record.answer;
}

function now() { return performance.timeOrigin + performance.now(); }

// ---------------------------------------------------------------------------------------------
// OTLP/HTTP

function serveHttp(endpoint) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const time = now();
      const wire = Buffer.concat(chunks);
      const record = { event: 'request', name: endpoint.name, time, transport: 'http',
                       path: req.url, method: req.method, headers: req.headers,
                       contentEncoding: req.headers['content-encoding'] ?? '',
                       wireBytes: wire.length, errors: [] };
      const match = /\/v1\/(traces|metrics|logs)$/.exec(req.url);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
      record.signal = match ? match[1] : null;
      decodeInto(record, contentType, () => {
        if (!['application/x-protobuf', 'application/json'].includes(contentType)) {
          throw new Error(`unexpected content-type ${contentType}`);
        }
        return decompress(record.contentEncoding, wire);
      });
      const answer = answerFor(endpoint, record);
      const status = answer.status ?? 200;
      const headers = { ...(answer.headers ?? {}) };
      let payload = Buffer.alloc(0);
      const json = contentType === 'application/json';
      if (answer.raw !== undefined) {
        payload = Buffer.from(answer.raw);
      } else if (answer.rpcStatus) {
        headers['content-type'] = json ? 'application/json' : 'application/x-protobuf';
        payload = json ? Buffer.from(JSON.stringify(statusJson(answer.rpcStatus)))
                       : statusBytes(answer.rpcStatus);
      } else if (status === 200 && record.signal) {
        const type = SIGNALS[record.signal].response;
        const message = responseMessage(record.signal, answer.partialSuccess);
        headers['content-type'] = json ? 'application/json' : 'application/x-protobuf';
        payload = json ? Buffer.from(JSON.stringify(type.toObject(message, { longs: String })))
                       : Buffer.from(type.encode(message).finish());
      }
      headers['content-length'] = String(payload.length);
      res.writeHead(status, headers);
      res.end(payload);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

// ---------------------------------------------------------------------------------------------
// OTLP/gRPC with node's http2 and manual framing (any grpc-encoding, every answer shape)

function grpcSignal(path) {
  for (const [signal, s] of Object.entries(SIGNALS)) {
    if (path === `/${s.service}/Export`) return signal;
  }
  return null;
}

// One unary request's length-prefixed message, checked as gRPC servers check it.
function unframe(wire, encoding, record) {
  if (wire.length < 5) throw new Error(`${wire.length} bytes: no length prefix`);
  const flag = wire[0];
  const length = wire.readUInt32BE(1);
  if (wire.length !== 5 + length) {
    throw new Error(`prefix announces ${length} bytes, ${wire.length - 5} follow`);
  }
  const message = wire.subarray(5);
  record.compressed = flag === 1;
  if (flag === 0) return message;
  if (flag !== 1) throw new Error(`compressed flag ${flag}`);
  if (encoding === '' || encoding === 'identity') throw new Error('compressed flag without grpc-encoding');
  return decompress(encoding, message);
}

function grpcHeaders(answer) {
  const out = { 'grpc-status': String(answer.grpcStatus) };
  if (answer.grpcMessage) out['grpc-message'] = encodeURIComponent(answer.grpcMessage);
  if (answer.retryDelay !== undefined || answer.statusMessage !== undefined) {
    out['grpc-status-details-bin'] = statusBytes({ code: answer.grpcStatus,
                                                   message: answer.statusMessage ?? '',
                                                   retryDelay: answer.retryDelay })
      .toString('base64').replace(/=+$/, '');
  }
  return out;
}

function serveH2Grpc(endpoint) {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const time = now();
      const wire = Buffer.concat(chunks);
      const path = headers[':path'];
      const plain = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith(':')));
      const record = { event: 'request', name: endpoint.name, time, transport: 'h2grpc', path,
                       method: headers[':method'], headers: plain,
                       contentEncoding: headers['grpc-encoding'] ?? '', wireBytes: wire.length,
                       signal: grpcSignal(path), errors: [] };
      if (headers['content-type'] !== 'application/grpc' &&
          !String(headers['content-type']).startsWith('application/grpc+')) {
        record.errors.push(`content-type ${headers['content-type']}`);
      }
      if (headers.te !== 'trailers') record.errors.push(`te: ${headers.te}`);
      decodeInto(record, 'application/x-protobuf',
                 () => unframe(wire, record.contentEncoding, record));
      const answer = answerFor(endpoint, record);
      if (answer.httpStatus !== undefined) {  // a proxy that does not speak gRPC
        stream.respond({ ':status': answer.httpStatus, 'content-type': 'text/plain' });
        stream.end(answer.raw ?? 'not grpc');
        return;
      }
      const code = answer.grpcStatus ?? 0;
      if (code !== 0 && answer.trailersOnly !== false) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc',
                         ...grpcHeaders({ ...answer, grpcStatus: code }) }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' },
                     { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(grpcHeaders({ ...answer, grpcStatus: code })));
      if (code !== 0 || !record.signal) {
        stream.end();
        return;
      }
      const reply = Buffer.from(SIGNALS[record.signal].response
        .encode(responseMessage(record.signal, answer.partialSuccess)).finish());
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(reply.length, 1);
      stream.end(Buffer.concat([prefix, reply]));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

// ---------------------------------------------------------------------------------------------
// OTLP/gRPC with @grpc/grpc-js: a real gRPC server (identity and gzip only; it has no zstd)

function serveGrpcJs(endpoint) {
  const server = new grpc.Server();
  for (const [signal, s] of Object.entries(SIGNALS)) {
    const path = `/${s.service}/Export`;
    const definition = { Export: { path, requestStream: false, responseStream: false,
                                   requestSerialize: (b) => b, requestDeserialize: (b) => b,
                                   responseSerialize: (b) => b, responseDeserialize: (b) => b } };
    server.addService(definition, { Export: (call, callback) => {
      const time = now();
      const metadata = call.metadata.getMap();
      const headers = Object.fromEntries(Object.entries(metadata)
        .map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('base64') : String(v)]));
      const record = { event: 'request', name: endpoint.name, time, transport: 'grpc-js', path,
                       headers, contentEncoding: headers['grpc-encoding'] ?? '', signal,
                       errors: [] };
      decodeInto(record, 'application/x-protobuf', () => call.request);
      const answer = answerFor(endpoint, record);
      const code = answer.grpcStatus ?? 0;
      if (code === 0) {
        callback(null, Buffer.from(s.response.encode(responseMessage(signal, answer.partialSuccess))
          .finish()));
        return;
      }
      const trailers = new grpc.Metadata();
      if (answer.retryDelay !== undefined) {
        trailers.set('grpc-status-details-bin', statusBytes({ code, retryDelay: answer.retryDelay }));
      }
      callback({ code, details: answer.grpcMessage ?? '', metadata: trailers });
    } });
  }
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
}

// ---------------------------------------------------------------------------------------------

const { values: args } = parseArgs({ options: { config: { type: 'string' } } });
if (!args.config) {
  process.stderr.write('usage: node sink.mjs --config \'{"endpoints":[{"name":..,"transport":' +
                       '"http"|"grpc-js"|"h2grpc","script":[..]}]}\'\n');
  process.exit(2);
}
const config = JSON.parse(args.config);
const transports = { http: serveHttp, 'grpc-js': serveGrpcJs, h2grpc: serveH2Grpc };
for (const endpoint of config.endpoints) {
  endpoint.script = endpoint.script ?? [];
  const port = await transports[endpoint.transport](endpoint);
  emit({ event: 'listening', name: endpoint.name, port });
}
