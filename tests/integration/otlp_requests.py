"""Hand-built OTLP requests and raw clients for the receiver's conformance and back-pressure tests.

Requests are written in protobuf text format and encoded by `protoc` (a build dependency), or
written byte by byte with the tiny wire encoder below when they must hold what text format
cannot (unknown field numbers). Responses are read by a tiny wire decoder written here, so the
tests do not rely on vigil's own code to check vigil's answers. HTTP goes through http.client;
gRPC through `curl --http2-prior-knowledge`, which shows the response headers and trailers.
"""

import fcntl
import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import zlib

from vigil_process import BINARY, SOURCE_DIR, free_port, http_get

PROTO_DIR = os.path.join(SOURCE_DIR, "agent", "proto")

# signal -> (request message, its .proto, HTTP path, gRPC method path, response message)
SIGNALS = {
    "traces": ("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
               "opentelemetry/proto/collector/trace/v1/trace_service.proto", "/v1/traces",
               "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
               "opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse"),
    "metrics": ("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest",
                "opentelemetry/proto/collector/metrics/v1/metrics_service.proto", "/v1/metrics",
                "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
                "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse"),
    "logs": ("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest",
             "opentelemetry/proto/collector/logs/v1/logs_service.proto", "/v1/logs",
             "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
             "opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse"),
}

PROTOBUF = "application/x-protobuf"
JSON = "application/json"

# gRPC status codes (PROTOCOLS.md 2.3).
GRPC_OK = 0
GRPC_INVALID_ARGUMENT = 3
GRPC_RESOURCE_EXHAUSTED = 8
GRPC_UNIMPLEMENTED = 12
GRPC_UNAVAILABLE = 14
GRPC_UNAUTHENTICATED = 16


# ---------------------------------------------------------------------------------------------
# protoc


def protoc_encode(signal, text):
    """Encodes a request given in protobuf text format with protoc."""
    message, proto, *_ = SIGNALS[signal]
    r = subprocess.run(["protoc", "-I", PROTO_DIR, f"--encode={message}", proto],
                       input=text.encode(), capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"protoc --encode failed: {r.stderr.decode()}\n{text[:2000]}")
    return r.stdout


def protoc_decode(signal, data, response=False):
    """Decodes a request (or response) to text format with protoc; unknown fields show as numbers."""
    message, proto, _, _, response_message = SIGNALS[signal]
    r = subprocess.run(
        ["protoc", "-I", PROTO_DIR, f"--decode={response_message if response else message}", proto],
        input=data, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"protoc --decode failed: {r.stderr.decode()}")
    return r.stdout.decode()


def text_bytes(raw):
    """A bytes value as a text-format string literal (octal escapes)."""
    return '"' + "".join(f"\\{b:03o}" for b in raw) + '"'


def text_string(s):
    return json.dumps(s)  # JSON string escapes are valid text-format escapes for ASCII


# ---------------------------------------------------------------------------------------------
# Protobuf wire format, by hand (PROTOCOLS.md 3.6)


def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tag(number, wire_type):
    return varint((number << 3) | wire_type)


def f_varint(number, value):
    return tag(number, 0) + varint(value)


def f_fixed64(number, value):
    return tag(number, 1) + value.to_bytes(8, "little")


def f_fixed32(number, value):
    return tag(number, 5) + value.to_bytes(4, "little")


def f_bytes(number, value):
    if isinstance(value, str):
        value = value.encode()
    return tag(number, 2) + varint(len(value)) + value


def read_varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def decode_fields(data):
    """[(field number, wire type, value)]: ints for varint/fixed, bytes for length-delimited."""
    fields = []
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        if wire_type == 0:
            value, pos = read_varint(data, pos)
        elif wire_type == 1:
            value = int.from_bytes(data[pos:pos + 8], "little")
            pos += 8
        elif wire_type == 2:
            length, pos = read_varint(data, pos)
            value = bytes(data[pos:pos + length])
            if len(value) != length:
                raise ValueError("truncated length-delimited field")
            pos += length
        elif wire_type == 5:
            value = int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        else:
            raise ValueError(f"wire type {wire_type}")
        if pos > len(data):
            raise ValueError("truncated field")
        fields.append((number, wire_type, value))
    return fields


def parse_status(data):
    """google.rpc.Status: code = 1 (int32), message = 2 (string), details = 3 (Any: type_url 1, value 2)."""
    status = {"code": 0, "message": "", "details": []}
    for number, wire_type, value in decode_fields(data):
        if number == 1 and wire_type == 0:
            status["code"] = value
        elif number == 2 and wire_type == 2:
            status["message"] = value.decode()
        elif number == 3 and wire_type == 2:
            any_fields = {n: v for n, _, v in decode_fields(value)}
            status["details"].append((any_fields.get(1, b"").decode(), any_fields.get(2, b"")))
        else:
            raise ValueError(f"unexpected field {number} (wire type {wire_type}) in google.rpc.Status")
    return status


def parse_export_response(data):
    """Export*ServiceResponse: partial_success = 1 {rejected_* = 1 (int64), error_message = 2}.

    Returns None when partial_success is absent, else {"rejected": n, "error_message": text}.
    """
    partial = None
    for number, wire_type, value in decode_fields(data):
        if number != 1 or wire_type != 2:
            raise ValueError(f"unexpected field {number} (wire type {wire_type}) in the response")
        partial = {"rejected": 0, "error_message": ""}
        for n, w, v in decode_fields(value):
            if n == 1 and w == 0:
                partial["rejected"] = v
            elif n == 2 and w == 2:
                partial["error_message"] = v.decode()
            else:
                raise ValueError(f"unexpected field {n} (wire type {w}) in partial_success")
    return partial


def parse_json_export_response(body, signal):
    """The JSON response: None when partialSuccess is absent, else {"rejected", "error_message"}."""
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise ValueError(f"response is not a JSON object: {body!r}")
    unknown = set(doc) - {"partialSuccess"}
    if unknown:
        raise ValueError(f"unexpected keys {unknown} in {body!r}")
    if "partialSuccess" not in doc:
        return None
    key = {"traces": "rejectedSpans", "metrics": "rejectedDataPoints", "logs": "rejectedLogRecords"}[signal]
    ps = doc["partialSuccess"]
    # 64-bit integers may be strings or numbers.
    return {"rejected": int(ps.get(key, 0)), "error_message": ps.get("errorMessage", "")}


# ---------------------------------------------------------------------------------------------
# Requests


TRACE_ID = bytes.fromhex("5b8efff798038103d269b633813fc60c")
BASE_TIME = 1_700_000_000_000_000_000


def span_id(seq):
    """A valid, distinct span id per sequence number."""
    return (0x1000_0000_0000_0000 + seq).to_bytes(8, "big")


def trace_request_text(seqs, service="conformance", attributes_per_span=1, invalid=()):
    """ExportTraceServiceRequest text: one span per sequence number with int attribute `seq`.

    Spans whose seq is in `invalid` get a 15-byte trace_id (the receiver must reject them).
    """
    spans = []
    for seq in seqs:
        trace_id = TRACE_ID[:15] if seq in invalid else TRACE_ID
        attrs = [f'attributes {{ key: "seq" value {{ int_value: {seq} }} }}']
        for i in range(1, attributes_per_span):
            attrs.append(f'attributes {{ key: "attr.{i}" value {{ string_value: "value-{i}-{seq}" }} }}')
        spans.append(
            "spans { "
            f"trace_id: {text_bytes(trace_id)} span_id: {text_bytes(span_id(seq))} "
            f'name: "span-{seq}" kind: SPAN_KIND_SERVER '
            f"start_time_unix_nano: {BASE_TIME + seq} end_time_unix_nano: {BASE_TIME + seq + 1000} "
            + " ".join(attrs) + " status { code: STATUS_CODE_OK } }")
    return ("resource_spans { resource { attributes { key: \"service.name\" value { string_value: "
            f"{text_string(service)} }} }} }} scope_spans {{ scope {{ name: \"conf\" version: \"1.0\" }} "
            + " ".join(spans) + " } }")


def trace_request(seqs, **kwargs):
    return protoc_encode("traces", trace_request_text(seqs, **kwargs))


def trace_request_json(seqs, service="conformance", invalid=()):
    spans = []
    for seq in seqs:
        spans.append({
            "traceId": ("0" * 32) if seq in invalid else TRACE_ID.hex(),
            "spanId": span_id(seq).hex(),
            "name": f"span-{seq}",
            "kind": 2,
            "startTimeUnixNano": str(BASE_TIME + seq),
            "endTimeUnixNano": str(BASE_TIME + seq + 1000),
            "attributes": [{"key": "seq", "value": {"intValue": str(seq)}}],
            "status": {"code": 1},
        })
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "conf", "version": "1.0"}, "spans": spans}]}]}).encode()


def logs_request_text(seqs, invalid=()):
    records = []
    for seq in seqs:
        ids = f"trace_id: {text_bytes(TRACE_ID[:15] if seq in invalid else TRACE_ID)} "
        records.append(
            f"log_records {{ time_unix_nano: {BASE_TIME + seq} severity_number: SEVERITY_NUMBER_INFO "
            f'severity_text: "INFO" body {{ string_value: "log-{seq}" }} {ids}'
            f"span_id: {text_bytes(span_id(seq))} "
            f'attributes {{ key: "seq" value {{ int_value: {seq} }} }} }}')
    return ('resource_logs { resource { attributes { key: "service.name" value { string_value: '
            '"conformance" } } } scope_logs { scope { name: "conf" } ' + " ".join(records) + " } }")


def metrics_request_text(seqs):
    points = " ".join(
        f"data_points {{ attributes {{ key: \"seq\" value {{ int_value: {seq} }} }} "
        f"time_unix_nano: {BASE_TIME + seq} as_int: {seq} }}" for seq in seqs)
    return ('resource_metrics { resource { attributes { key: "service.name" value { string_value: '
            '"conformance" } } } scope_metrics { scope { name: "conf" } metrics { name: "conf.gauge" '
            f'unit: "1" gauge {{ {points} }} }} }} }}')


# ---------------------------------------------------------------------------------------------
# Compression


def gzip_bytes(data):
    return gzip.compress(data, compresslevel=6)


def zstd_bytes(data):
    r = subprocess.run(["zstd", "-q", "-c", "-3"], input=data, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"zstd failed: {r.stderr.decode()}")
    return r.stdout


def gzip_of_zeros(total, chunk=1 << 20):
    """A gzip member holding `total` zero bytes (a multiple of `chunk`), built without compressing
    them all: one chunk is deflated and ended with a full flush, which resets the compressor's
    history, so the same bytes deflate every further chunk; the trailer's CRC-32 is computed
    chunk by chunk. Never more than `chunk` bytes in memory besides the result."""
    assert total % chunk == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate
    zeros = bytes(chunk)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush(zlib.Z_FINISH)  # the last (empty) block
    crc = 0
    for _ in range(total // chunk):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, mtime 0
    trailer = crc.to_bytes(4, "little") + (total & 0xFFFFFFFF).to_bytes(4, "little")
    return header + block * (total // chunk) + final + trailer


def zstd_of_zeros(total):
    """zstd of `total` zero bytes, streamed through the zstd tool (frame without a content size)."""
    with subprocess.Popen(["zstd", "-q", "-c", "-3"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as p:
        out = []
        reader = threading.Thread(target=lambda: out.append(p.stdout.read()))
        reader.start()
        zeros = bytes(1 << 20)
        left = total
        while left > 0:
            n = min(len(zeros), left)
            p.stdin.write(zeros[:n])
            left -= n
        p.stdin.close()
        reader.join()
        if p.wait() != 0:
            raise RuntimeError("zstd failed")
        return out[0]


# ---------------------------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value (the last one wins)
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        return f"<{self.status} {self.headers} {self.body[:300]!r}>"


class HttpClient:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, path, body=b"", content_type=PROTOBUF, encoding=None, headers=None,
                method="POST"):
        h = {}
        if content_type is not None:
            h["Content-Type"] = content_type
        if encoding is not None:
            h["Content-Encoding"] = encoding
        h.update(headers or {})
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body if method != "GET" else None, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                result = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
                if r.will_close:
                    self.close()
                return result
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                # The server may close an idle keep-alive connection; a fresh one answers.
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def post(port, path, body=b"", content_type=PROTOBUF, encoding=None, headers=None, method="POST",
         timeout=30):
    """One request on a fresh connection."""
    client = HttpClient(port, timeout)
    try:
        return client.request(path, body, content_type, encoding, headers, method)
    finally:
        client.close()


def wait_listening(port, timeout=20, proc=None):
    """Waits until 127.0.0.1:port accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"vigil exited ({proc.returncode}) before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


# ---------------------------------------------------------------------------------------------
# gRPC through curl


def grpc_frame(message, compressed=False):
    """A Length-Prefixed-Message: flag byte, 4-byte big-endian length, message."""
    return bytes([1 if compressed else 0]) + len(message).to_bytes(4, "big") + message


def grpc_unframe(data):
    """Splits a response body into its messages [(compressed flag, bytes)]."""
    out = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 5:
            raise ValueError(f"truncated gRPC message prefix: {data[pos:]!r}")
        flag = data[pos]
        length = int.from_bytes(data[pos + 1:pos + 5], "big")
        message = data[pos + 5:pos + 5 + length]
        if len(message) != length:
            raise ValueError("truncated gRPC message")
        out.append((flag, message))
        pos += 5 + length
    return out


class GrpcResult:
    def __init__(self, http_status, header_blocks, body):
        self.http_status = http_status
        # Every header block curl saw: the response headers, then (if any) the trailers.
        self.header_blocks = header_blocks
        self.headers = header_blocks[0] if header_blocks else {}
        self.trailers = header_blocks[1] if len(header_blocks) > 1 else {}
        self.body = body
        # Trailers-Only: one HEADERS frame with grpc-status, no body.
        self.trailers_only = len(header_blocks) == 1 and "grpc-status" in self.headers
        status_block = self.trailers if len(header_blocks) > 1 else self.headers
        self.status = int(status_block["grpc-status"]) if "grpc-status" in status_block else None
        self.message = status_block.get("grpc-message", "")
        self.status_details = status_block.get("grpc-status-details-bin")

    def messages(self):
        return grpc_unframe(self.body)

    def __repr__(self):
        return (f"<grpc http={self.http_status} status={self.status} message={self.message!r} "
                f"blocks={self.header_blocks} body={self.body[:200]!r}>")


def _parse_header_dump(text):
    """curl -D output: blocks starting with a status line, then name: value lines; trailers
    follow the body as name: value lines after the first block's blank line."""
    blocks = []
    http_status = None
    current = None
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if line.startswith("HTTP/"):
            http_status = int(line.split()[1])
            current = {}
            blocks.append(current)
        elif line == "":
            current = None
        elif ":" in line:
            if current is None:  # trailers: header lines after the blank line ending a block
                current = {}
                blocks.append(current)
            name, value = line.split(":", 1)
            current[name.strip().lower()] = value.strip()
    return http_status, blocks


def grpc_call(port, path, message, compressed=False, headers=None, raw_body=None, timeout=30):
    """One unary call: POST with prior-knowledge h2c; returns a GrpcResult."""
    body = raw_body if raw_body is not None else grpc_frame(message, compressed)
    with tempfile.TemporaryDirectory(prefix="vigil-grpc-") as d:
        request_file = os.path.join(d, "request")
        header_file = os.path.join(d, "headers")
        body_file = os.path.join(d, "body")
        with open(request_file, "wb") as f:
            f.write(body)
        args = ["curl", "-sS", "--http2-prior-knowledge", "-X", "POST", "--max-time", str(timeout),
                "-H", "content-type: application/grpc", "-H", "te: trailers", "-H", "Expect:",
                "-H", "user-agent: vigil-conformance/1", "--data-binary", f"@{request_file}",
                "-D", header_file, "-o", body_file]
        if compressed:
            args += ["-H", "grpc-encoding: gzip"]
        for name, value in (headers or {}).items():
            args += ["-H", f"{name}: {value}"]
        args.append(f"http://127.0.0.1:{port}{path}")
        r = subprocess.run(args, capture_output=True, timeout=timeout + 10)
        if r.returncode != 0:
            raise RuntimeError(f"curl exited {r.returncode}: {r.stderr.decode()}")
        with open(header_file, encoding="latin-1") as f:
            http_status, blocks = _parse_header_dump(f.read())
        with open(body_file, "rb") as f:
            response_body = f.read()
    return GrpcResult(http_status, blocks, response_body)


def grpc_call_nghttp(port, path, message, timeout=30):
    """One unary call with nghttp (nghttp2-client), for requests the server answers while the
    client is still uploading: it sends Trailers-Only and RST_STREAM(NO_ERROR), as RFC 9113
    8.1 allows, which curl 7.88 reports as an error. Returns every response header and trailer
    received ({name: value}); the body is discarded."""
    with tempfile.NamedTemporaryFile(prefix="vigil-grpc-") as f:
        f.write(grpc_frame(message))
        f.flush()
        r = subprocess.run(["nghttp", "-v", "-n", "-t", str(timeout), "-d", f.name,
                            "-H", "content-type: application/grpc", "-H", "te: trailers",
                            f"http://127.0.0.1:{port}{path}"],
                           capture_output=True, timeout=timeout + 10)
    received = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        # "[  0.010] recv (stream_id=13) grpc-status: 8"
        if "] recv (stream_id=" in line:
            name, _, value = line.split(") ", 1)[1].partition(": ")
            received[name] = value
    if ":status" not in received:
        raise RuntimeError(f"nghttp got no response: {r.stdout.decode()[-2000:]}")
    return received


# ---------------------------------------------------------------------------------------------
# Process figures


def proc_status_kib(pid, field):
    """A kB figure from /proc/PID/status (VmHWM, VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


# ---------------------------------------------------------------------------------------------
# vigil's stdout exporter output


def spans_from_lines(lines):
    """(resource attrs, scope, span) for every stdout line that holds a span."""
    out = []
    for line in lines:
        if not line.startswith('{"resourceSpans"'):
            continue
        doc = json.loads(line)
        rs = doc["resourceSpans"][0]
        ss = rs["scopeSpans"][0]
        for span in ss["spans"]:
            out.append((rs.get("resource", {}).get("attributes", []), ss.get("scope", {}), span))
    return out


def attr_value(attributes, key):
    for kv in attributes:
        if kv["key"] == key:
            return kv["value"]
    return None


def span_seq(span):
    v = attr_value(span.get("attributes", []), "seq")
    return int(v["intValue"]) if v is not None else None


# ---------------------------------------------------------------------------------------------
# Running vigil


def receiver_config(data_dir, api_port, http_port, grpc_port, otlp_extra="", exporter=None,
                    agent_extra=""):
    """A config with the OTLP receiver and one exporter (default: stdout)."""
    exporter = exporter if exporter is not None else "[exporters.stdout]\n"
    return (f'[agent]\ndata_dir = "{data_dir}"\nhostname = "conformance-host"\n'
            f'shutdown_timeout = "5s"\n{agent_extra}\n'
            f'[agent.api]\nlisten = "127.0.0.1:{api_port}"\n\n'
            f'[collectors.otlp]\nhttp_listen = "127.0.0.1:{http_port}"\n'
            f'grpc_listen = "127.0.0.1:{grpc_port}"\n{otlp_extra}\n' + exporter)


def wait_ready(api_port, proc, timeout=20):
    """Waits for /readyz 200 (every component started, listeners bound)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"vigil exited ({proc.returncode}) before it was ready")
        try:
            if http_get(f"http://127.0.0.1:{api_port}/readyz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"vigil not ready after {timeout}s")


def self_metric(api_port, name, **labels):
    """Sum of a self-metric's samples whose labels include `labels`."""
    _, text = http_get(f"http://127.0.0.1:{api_port}/metrics")
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        series, value = line.rsplit(" ", 1)
        if all(f'{k}="{v}"' in series for k, v in labels.items()):
            total += float(value)
    return total


F_SETPIPE_SZ = 1031


class PipedVigil:
    """vigil whose stdout is a pipe that the test reads only once told to: while nobody reads,
    the stdout exporter's writes stall when the pipe is full (a blocked downstream)."""

    def __init__(self, args, env=None, pipe_size=None):
        read_fd, write_fd = os.pipe()
        if pipe_size is not None:
            fcntl.fcntl(write_fd, F_SETPIPE_SZ, pipe_size)
        self.proc = subprocess.Popen([BINARY] + args, stdout=write_fd, stderr=subprocess.PIPE,
                                     env=env or os.environ.copy())
        os.close(write_fd)
        self._read_fd = read_fd
        self._out = bytearray()
        self._stderr = []
        self._lock = threading.Lock()
        self._reader = None
        self._stderr_thread = threading.Thread(target=self._pump_stderr, daemon=True)
        self._stderr_thread.start()

    def _pump_stderr(self):
        for line in self.proc.stderr:
            with self._lock:
                self._stderr.append(line.decode(errors="replace").rstrip("\n"))

    def _read(self):
        while True:
            chunk = os.read(self._read_fd, 1 << 16)
            if not chunk:
                return
            with self._lock:
                self._out += chunk

    def start_reading(self):
        if self._reader is None:
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()

    def stdout_lines(self):
        """Complete lines read so far."""
        with self._lock:
            text = bytes(self._out)
        return text.decode(errors="replace").split("\n")[:-1]

    def stderr(self):
        with self._lock:
            return list(self._stderr)

    def stop(self, timeout=30):
        self.start_reading()  # a draining vigil must be able to write what it still holds
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(5)
            self._stderr_thread.join(5)
            os.close(self._read_fd)
            self.proc.stderr.close()


def parse_lines(lines):
    """(parsed JSON documents, count of lines that do not parse: torn by a failed write)."""
    docs, torn = [], 0
    for line in lines:
        if not line.startswith("{"):
            if line:
                torn += 1
            continue
        try:
            docs.append(json.loads(line))
        except ValueError:
            torn += 1
    return docs, torn


def seqs_in(lines):
    """Sequence numbers (attribute `seq`) of every span, log record and data point printed."""
    docs, _ = parse_lines(lines)
    seqs = []
    for doc in docs:
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    seqs.append(span_seq(span))
        for rl in doc.get("resourceLogs", []):
            for sl in rl.get("scopeLogs", []):
                for record in sl.get("logRecords", []):
                    v = attr_value(record.get("attributes", []), "seq")
                    seqs.append(int(v["intValue"]) if v else None)
    return seqs
