"""Acceptance 2 of the OTLP exporter: retries and partial success, exactly as the OTLP spec says.

vigil receives three log records per scenario on its OTLP receiver and exports them with
[[exporters.otlp]]. The backend answers from a script:
- OTLP/HTTP: a Python stdlib server (one for http/protobuf, one for http/json) returning each
  retryable status (429, 502, 503, 504) and a range of permanent ones, Retry-After as seconds and
  as an HTTP date, a google.rpc.Status body with RetryInfo (encoded by protoc for protobuf),
  partial success and a partial-success warning;
- OTLP/gRPC: the Node sink (otel-js/sink.mjs over node's http2) returning each retryable and
  permanent gRPC code, RetryInfo in grpc-status-details-bin (which also makes
  RESOURCE_EXHAUSTED retryable), Trailers-Only and trailers after headers, a proxy's HTTP error
  without grpc-status, and partial success.
Each scenario checks the requests the backend saw (the same records again on each retry; the
delays asked for honoured), vigil's counters (/metrics: vigil_retries_total,
vigil_sent_items_total, vigil_failed_items_total, vigil_dropped_items_total{reason}) and the
server's message in vigil's log."""

import email.utils
import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from otlp_export_sink import Agent, NodeSink, metric, metrics_text, require_node  # noqa: E402
from vigil_process import SOURCE_DIR, temp_dir  # noqa: E402

PROTO_DIR = os.path.join(SOURCE_DIR, "agent", "proto")
ITEMS = 3  # log records per scenario
BACKOFF = 'initial_interval = "100ms"\nmax_interval = "200ms"\nmultiplier = 2.0'


def protoc_encode(message, proto, text):
    r = subprocess.run(["protoc", "-I", PROTO_DIR, f"--encode={message}", proto],
                       input=text.encode(), capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"protoc --encode failed: {r.stderr.decode()}")
    return r.stdout


class Answer:
    """One scripted OTLP/HTTP answer."""

    def __init__(self, status, retry_after=None, retry_after_date_in=None, rpc_status=None,
                 text=None, partial=None):
        self.status = status
        self.retry_after = retry_after                  # Retry-After: <seconds>
        self.retry_after_date_in = retry_after_date_in  # Retry-After: <HTTP date> this far ahead
        self.rpc_status = rpc_status                    # (code, message, retry delay or None)
        self.text = text                                # a text/plain body
        self.partial = partial                          # (rejected, message)

    def render(self, json_body):
        headers, body = {}, b""
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if self.retry_after_date_in is not None:
            headers["Retry-After"] = email.utils.formatdate(time.time() + self.retry_after_date_in,
                                                            usegmt=True)
        content_type = "application/json" if json_body else "application/x-protobuf"
        if self.rpc_status is not None:
            code, message, delay = self.rpc_status
            if json_body:
                doc = {"code": code, "message": message}
                if delay is not None:
                    doc["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                       "retryDelay": f"{delay}s"}]
                body = json.dumps(doc).encode()
            else:
                text = f"code: {code} message: {json.dumps(message)}"
                if delay is not None:
                    seconds = int(delay)
                    nanos = round((delay - seconds) * 1e9)
                    text += (" details { [type.googleapis.com/google.rpc.RetryInfo] { retry_delay "
                             f"{{ seconds: {seconds} nanos: {nanos} }} }} }}")
                body = protoc_encode("google.rpc.Status", "google/rpc/status.proto", text)
            headers["Content-Type"] = content_type
        elif self.text is not None:
            headers["Content-Type"] = "text/plain"
            body = self.text.encode()
        elif self.partial is not None:
            rejected, message = self.partial
            if json_body:
                body = json.dumps({"partialSuccess": {"rejectedLogRecords": str(rejected),
                                                      "errorMessage": message}}).encode()
            else:
                body = protoc_encode(
                    "opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse",
                    "opentelemetry/proto/collector/logs/v1/logs_service.proto",
                    f"partial_success {{ rejected_log_records: {rejected} "
                    f"error_message: {json.dumps(message)} }}")
            headers["Content-Type"] = content_type
        return self.status, headers, body


class ScriptedOtlpServer:
    """An OTLP/HTTP backend on 127.0.0.1 answering from a queue of Answers (then 200)."""

    def __init__(self, json_body):
        self.json_body = json_body
        self.script = []
        self.seen = []  # (monotonic time, path, content type, body)
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.seen.append((time.monotonic(), self.path,
                                       self.headers.get("Content-Type"), body))
                    answer = outer.script.pop(0) if outer.script else Answer(200)
                status, headers, payload = answer.render(outer.json_body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self):
        return self.server.server_address[1]

    def requests(self):
        with self.lock:
            return list(self.seen)

    def push(self, answers):
        with self.lock:
            self.script.extend(answers)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Scenario:
    def __init__(self, name, answers, requests, sent=0, permanent=0, rejected=0,
                 min_gap=None, max_gap=None, log=None):
        self.name = name
        self.answers = answers
        self.requests = requests  # what the backend must see
        self.sent = sent
        self.permanent = permanent
        self.rejected = rejected
        self.min_gap = min_gap  # seconds between attempts, at least (Retry-After, RetryInfo)
        self.max_gap = max_gap  # at most (our back-off, when the server asks for nothing)
        self.log = log

    def counters(self):
        """The counter deltas the scenario must cause."""
        failed_attempts = self.requests - 1 if self.sent or self.rejected else self.requests
        return {"sent": self.sent, "permanent": self.permanent, "rejected": self.rejected,
                "retries": self.requests - 1, "failed": ITEMS * failed_attempts}


def http_scenarios():
    out = [
        Scenario("429 with Retry-After in seconds", [Answer(429, retry_after=2)], 2, sent=ITEMS,
                 min_gap=1.9),
        Scenario("503 with Retry-After as an HTTP date", [Answer(503, retry_after_date_in=3)], 2,
                 sent=ITEMS, min_gap=1.9),
        Scenario("503 with RetryInfo in the Status body", [
            Answer(503, rpc_status=(14, "slow down", 1.5))], 2, sent=ITEMS, min_gap=1.4),
        Scenario("502 and 504 back off", [Answer(502), Answer(504)], 3, sent=ITEMS, max_gap=1.0),
        Scenario("400 is permanent", [Answer(400, rpc_status=(3, "bad log record xyz", None))], 1,
                 permanent=ITEMS, log="HTTP 400 Bad Request: bad log record xyz"),
        Scenario("401 with Retry-After and RetryInfo is still permanent", [
            Answer(401, rpc_status=(16, "token expired", 1), retry_after=1)], 1, permanent=ITEMS,
            log="HTTP 401 Unauthorized: token expired"),
        Scenario("partial success", [Answer(200, partial=(2, "two records rejected"))], 1,
                 sent=ITEMS - 2, rejected=2, log="two records rejected"),
        Scenario("partial success warning", [Answer(200, partial=(0, "deprecated field"))], 1,
                 sent=ITEMS, log="deprecated field"),
    ]
    for status in (403, 404, 405, 408, 413, 415, 500, 501):
        out.append(Scenario(f"{status} is permanent", [Answer(status, text=f"nope {status}")], 1,
                            permanent=ITEMS))
    return out


GRPC_CODES = {1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED",
              5: "NOT_FOUND", 6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED",
              9: "FAILED_PRECONDITION", 10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED",
              13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS", 16: "UNAUTHENTICATED"}


def grpc_scenarios():
    out = [
        Scenario("UNAVAILABLE with RetryInfo", [
            {"grpcStatus": 14, "grpcMessage": "draining", "retryDelay": 2}], 2, sent=ITEMS,
            min_gap=1.9),
        Scenario("RESOURCE_EXHAUSTED with RetryInfo is retried", [
            {"grpcStatus": 8, "grpcMessage": "quota", "retryDelay": 1.5}], 2, sent=ITEMS,
            min_gap=1.4),
        Scenario("RESOURCE_EXHAUSTED without RetryInfo is permanent", [
            {"grpcStatus": 8, "grpcMessage": "message too large"}], 1, permanent=ITEMS,
            log="gRPC RESOURCE_EXHAUSTED: message too large"),
        Scenario("INVALID_ARGUMENT", [{"grpcStatus": 3, "grpcMessage": "bad span 100%"}], 1,
                 permanent=ITEMS, log="gRPC INVALID_ARGUMENT: bad span 100%"),
        Scenario("UNAVAILABLE in trailers after headers", [
            {"grpcStatus": 14, "trailersOnly": False}], 2, sent=ITEMS, max_gap=1.0),
        Scenario("a proxy's 503 without grpc-status", [{"httpStatus": 503}], 2, sent=ITEMS),
        Scenario("a proxy's 400 without grpc-status", [{"httpStatus": 400, "raw": "proxy says no"}],
                 1, permanent=ITEMS, log="proxy says no"),
        Scenario("partial success", [{"partialSuccess": {"rejected": 1, "message": "one too old"}}],
                 1, sent=ITEMS - 1, rejected=1, log="one too old"),
    ]
    for code in (1, 4, 10, 11, 14, 15):
        out.append(Scenario(f"{GRPC_CODES[code]} is retried", [{"grpcStatus": code}], 2,
                            sent=ITEMS, max_gap=1.0))
    for code in (2, 5, 6, 7, 9, 12, 13, 16):
        out.append(Scenario(f"{GRPC_CODES[code]} is permanent", [{"grpcStatus": code}], 1,
                            permanent=ITEMS))
    return out


def logs_request(tag):
    records = [{"timeUnixNano": str(1_700_000_000_000_000_000 + i),
                "body": {"stringValue": f"{tag} record {i}"}} for i in range(ITEMS)]
    return json.dumps({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "retry-it"}}]},
        "scopeLogs": [{"scope": {"name": "it"}, "logRecords": records}]}]}).encode()


def post_in_background(port, body):
    def post():
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/logs", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=60).read()
        except OSError:  # the receiver's answer does not matter here; the exporter's work does
            pass
    t = threading.Thread(target=post, daemon=True)
    t.start()
    return t


class Backend:
    """What a scenario looks at for one exporter: its counters and the requests its backend saw
    ([(seconds, body)])."""

    def __init__(self, api_base, component, requests, push):
        self.api_base = api_base
        self.component = component
        self.requests = requests
        self.push = push

    def counters(self):
        text = metrics_text(self.api_base)
        c = self.component
        return {
            "sent": metric(text, "vigil_sent_items_total", component=c, signal="logs"),
            "failed": metric(text, "vigil_failed_items_total", component=c, signal="logs"),
            "retries": metric(text, "vigil_retries_total", component=c),
            "permanent": metric(text, "vigil_dropped_items_total", component=c,
                                reason="permanent_error"),
            "rejected": metric(text, "vigil_dropped_items_total", component=c, reason="rejected"),
        }


def check(s, index, backend, before, seen_before, log):
    where = f"{s.name} [{backend.component}]"
    problems = []
    got = backend.requests()[seen_before:]
    after = backend.counters()
    delta = {k: after[k] - before[k] for k in after}
    if len(got) != s.requests:
        problems.append(f"{where}: {len(got)} requests, expected {s.requests}")
    if any(body != got[0][1] for _, body in got):
        problems.append(f"{where}: a retry carried other records than the first attempt")
    if got and f"scenario-{index} record".encode() not in got[0][1]:
        problems.append(f"{where}: the request does not hold this scenario's records")
    if delta != s.counters():
        problems.append(f"{where}: counters moved {delta}, expected {s.counters()}")
    gaps = [round(b[0] - a[0], 3) for a, b in zip(got, got[1:])]
    if s.min_gap is not None and any(g < s.min_gap for g in gaps):
        problems.append(f"{where}: retried after {gaps} s, the server asked for {s.min_gap} s")
    if s.max_gap is not None and any(g > s.max_gap for g in gaps):
        problems.append(f"{where}: retried after {gaps} s; back-off should be < {s.max_gap} s")
    if s.log is not None and not any(s.log in line and backend.component in line
                                     for line in log):
        problems.append(f"{where}: no log line with {s.log!r}:\n" + "\n".join(log))
    return problems


class OtlpExportRetryTest(unittest.TestCase):
    def run_scenarios(self, vigil, http_port, backends, scenarios):
        problems = []
        for index, s in enumerate(scenarios):
            before = [b.counters() for b in backends]
            seen_before = [len(b.requests()) for b in backends]
            for b in backends:
                b.push(s.answers)
            lines_before = len(vigil.stderr())
            poster = post_in_background(http_port, logs_request(f"scenario-{index}"))
            for b, backend in enumerate(backends):
                def settled(backend=backend, start=before[b]):
                    now = backend.counters()
                    done = sum(now[k] - start[k] for k in ("sent", "permanent", "rejected"))
                    return done >= ITEMS
                vigil.wait_for(settled, 30, f"scenario {s.name!r} to settle")
            time.sleep(0.3)  # an extra request would show by now
            poster.join(30)
            log = vigil.stderr()[lines_before:]
            for b, backend in enumerate(backends):
                problems += check(s, index, backend, before[b], seen_before[b], log)
        return problems

    def run_vigil(self, exporters, make_backends, scenarios):
        with temp_dir() as d:
            agent = Agent(d, exporters)
            try:
                problems = self.run_scenarios(agent.vigil, agent.http_port,
                                              make_backends(agent.api_base), scenarios)
                if problems:
                    self.fail(f"{len(problems)} problem(s):\n" + "\n".join(problems))
            finally:
                agent.stop()

    def test_http(self):
        servers = {"proto": ScriptedOtlpServer(False), "json": ScriptedOtlpServer(True)}
        try:
            exporters = ""
            for name, server in servers.items():
                protocol = "http/json" if name == "json" else "http/protobuf"
                exporters += (f'[[exporters.otlp]]\nname = "{name}"\nprotocol = "{protocol}"\n'
                              f'compression = "none"\n'
                              f'endpoint = "http://127.0.0.1:{server.port}"\n'
                              f'[exporters.otlp.retry]\n{BACKOFF}\n')
            self.run_vigil(exporters, lambda api_base: [
                Backend(api_base, f"otlp/{name}",
                        lambda s=server: [(t, body) for t, _, _, body in s.requests()],
                        server.push)
                for name, server in servers.items()], http_scenarios())
            for name, server in servers.items():
                for _, path, content_type, _ in server.requests():
                    self.assertEqual(path, "/v1/logs")
                    self.assertEqual(content_type, "application/json" if name == "json"
                                     else "application/x-protobuf")
        finally:
            for server in servers.values():
                server.stop()

    def test_grpc(self):
        require_node("test_otlp_export_retry")
        scenarios = grpc_scenarios()
        # The sink takes its whole script at start: each scenario's answers, then the success
        # that ends a retried one.
        script = []
        for s in scenarios:
            script += s.answers + ([{}] if s.requests > len(s.answers) else [])
        sink = NodeSink([{"name": "grpc", "transport": "h2grpc", "script": script}])
        try:
            exporters = (f'[[exporters.otlp]]\nname = "grpc"\nprotocol = "grpc"\n'
                         f'endpoint = "{sink.url("grpc")}"\n[exporters.otlp.retry]\n{BACKOFF}\n')

            def requests():
                return [(r["time"] / 1000.0, json.dumps(r["request"], sort_keys=True).encode())
                        for r in sink.requests("grpc")]
            self.run_vigil(exporters, lambda api_base: [
                Backend(api_base, "otlp/grpc", requests, lambda answers: None)], scenarios)
            self.assertEqual([e for r in sink.requests("grpc") for e in r["errors"]], [])
        finally:
            sink.stop()


if __name__ == "__main__":
    unittest.main()
