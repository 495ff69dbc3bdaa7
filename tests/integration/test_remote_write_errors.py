"""Remote write's answers to receiver errors, end to end (PROTOCOLS.md 4.1): 5xx and 429 are
retried with back-off (429's Retry-After honoured); 400 and other 4xx are not retried: the data
is dropped, counted in vigil_dropped_items_total{reason="permanent_error"} and the receiver's body
logged. Shown against a Python test server that answers what each path is told to, and against a
real Prometheus 2.42 refusing an out-of-order sample.

The test server decodes every request with its own snappy and protobuf decoders and checks the
headers remote write requires."""

import http.server
import os
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import otlp_requests as otlp  # noqa: E402
import remote_write_support as rw  # noqa: E402
from vigil_process import Vigil, free_port, temp_dir  # noqa: E402

RUN = uuid.uuid4().hex[:12]

# path -> answers in order (status, headers, body); the last one repeats.
SCRIPTS = {
    "/flaky": [(503, {}, b"try later"), (500, {}, b"oops"), (204, {}, b"")],
    "/throttled": [(429, {"Retry-After": "2"}, b"slow down"), (204, {}, b"")],
    "/bad": [(400, {}, b"out of order sample for series rw_gauge")],
    "/gone": [(404, {}, b"no such tenant")],
    "/ok": [(204, {}, b"")],
}


class Receiver(http.server.ThreadingHTTPServer):
    """Records every request (time, headers, decoded series) per path and answers its script."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.seen = {path: [] for path in SCRIPTS}
        self.problems = []


class Handler(rw.TestReceiverHandler):
    def do_POST(self):
        body = self.read_body()
        server = self.server
        problems = []
        for name, value in (("Content-Encoding", "snappy"),
                            ("Content-Type", "application/x-protobuf"),
                            ("X-Prometheus-Remote-Write-Version", "0.1.0")):
            if self.headers.get(name) != value:
                problems.append(f"{name}: {self.headers.get(name)!r}")
        if not (self.headers.get("User-Agent") or "").startswith("vigil/"):
            problems.append(f"User-Agent: {self.headers.get('User-Agent')!r}")
        try:
            series = rw.decode_write_request(rw.snappy_decompress(body))
        except ValueError as e:
            series = []
            problems.append(f"undecodable body: {e}")
        with server.lock:
            server.problems.extend(problems)
            seen = server.seen.setdefault(self.path, [])
            seen.append((time.monotonic(), series))
            script = SCRIPTS.get(self.path, [(404, {}, b"unknown path")])
            status, headers, answer = script[min(len(seen), len(script)) - 1]
        self.answer(status, answer, headers)


def exporter(name, url, extra=""):
    return (f'[[exporters.prometheus_remote_write]]\nname = "{name}"\nurl = "{url}"\n'
            f'external_labels = {{ rw_run = "{RUN}" }}\n{extra}'
            '[exporters.prometheus_remote_write.retry]\ninitial_interval = "100ms"\n'
            'max_interval = "200ms"\n\n')


def start_vigil(work, exporters):
    api, http_port, grpc_port = free_port(), free_port(), free_port()
    config = os.path.join(work, "agent.toml")
    with open(config, "w") as f:
        f.write(otlp.receiver_config(work, api, http_port, grpc_port,
                                     otlp_extra='ack_timeout = "30s"\n', exporter=exporters))
    vigil = Vigil(["run", "-c", config])
    otlp.wait_ready(api, vigil.proc)
    return vigil, api, http_port


def gauge_request(value, t_ns):
    return rw.metrics_request({"service.name": "rw-errors"},
                              [rw.gauge("rw.gauge", "", [rw.number_point(value, t_ns)])])


def metric(api, name, **labels):
    return otlp.self_metric(api, name, **labels)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class RemoteWriteErrors(unittest.TestCase):
    def test_retries_and_drops_against_a_test_server(self):
        receiver = Receiver()
        thread = threading.Thread(target=receiver.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{receiver.server_address[1]}"
        try:
            with temp_dir() as work:
                exporters = "".join(exporter(path.strip("/"), base + path) for path in SCRIPTS)
                vigil, api, http_port = start_vigil(work, exporters)
                try:
                    # One OTLP request of one point reaches every exporter.
                    answer = otlp.post(http_port, "/v1/metrics", gauge_request(7.5, rw.now_ns()),
                                       content_type=otlp.JSON)
                    self.assertEqual(answer.status, 200, answer)
                    c = lambda name: f"prometheus_remote_write/{name}"  # noqa: E731

                    def delivered(name):
                        return metric(api, "vigil_sent_items_total", component=c(name)) == 1
                    wait_until(lambda: delivered("flaky") and delivered("throttled") and
                               delivered("ok"), 30, "the retried exporters to deliver")
                    wait_until(lambda: metric(api, "vigil_dropped_items_total",
                                              component=c("gone")) == 1, 30, "404 drop")
                    time.sleep(1.0)  # room for a retry that must not happen
                    counters = {
                        name.strip("/"): {
                            "retries": metric(api, "vigil_retries_total",
                                              component=c(name.strip("/"))),
                            "dropped": metric(api, "vigil_dropped_items_total",
                                              component=c(name.strip("/")),
                                              reason="permanent_error"),
                            "sent": metric(api, "vigil_sent_items_total",
                                           component=c(name.strip("/"))),
                        } for name in SCRIPTS}
                    with receiver.lock:
                        seen = {path: list(v) for path, v in receiver.seen.items()}
                        problems = list(receiver.problems)
                finally:
                    exit_code = vigil.stop()
                stderr = "\n".join(vigil.stderr())
        finally:
            receiver.shutdown()
            receiver.server_close()

        self.assertEqual(exit_code, 0, stderr)
        self.assertEqual(problems, [])
        # Every attempt carried the same series: the gauge, and target_info for the resource's
        # other attributes (the agent's host.name and os.type).
        for path, requests in seen.items():
            for _, series in requests:
                self.assertEqual(len(series), 2, path)
                labels, samples = series[0]
                self.assertEqual(labels, [("__name__", "rw_gauge"), ("job", "rw-errors"),
                                          ("otel_scope_name", "rw-test"),
                                          ("otel_scope_version", "1.0"), ("rw_run", RUN)], path)
                self.assertEqual([v for _, v in samples], [7.5], path)
                labels, samples = series[1]
                self.assertEqual(labels[0], ("__name__", "target_info"), path)
                self.assertIn(("host_name", "conformance-host"), labels, path)
        # 5xx: retried until accepted (503, 500, then 204).
        self.assertEqual(len(seen["/flaky"]), 3)
        self.assertEqual(counters["flaky"], {"retries": 2, "dropped": 0, "sent": 1})
        # 429: retried after the Retry-After it named (2 s), not the 100 ms back-off.
        self.assertEqual(len(seen["/throttled"]), 2)
        gap = seen["/throttled"][1][0] - seen["/throttled"][0][0]
        self.assertGreaterEqual(gap, 1.9, gap)
        self.assertEqual(counters["throttled"], {"retries": 1, "dropped": 0, "sent": 1})
        # 400 and 404: one request each, never retried; the body is in the log.
        self.assertEqual(len(seen["/bad"]), 1)
        self.assertEqual(len(seen["/gone"]), 1)
        self.assertEqual(len(seen["/ok"]), 1)
        self.assertEqual(counters["bad"], {"retries": 0, "dropped": 1, "sent": 0})
        self.assertEqual(counters["gone"], {"retries": 0, "dropped": 1, "sent": 0})
        self.assertEqual(counters["ok"], {"retries": 0, "dropped": 0, "sent": 1})
        self.assertIn("out of order sample for series rw_gauge", stderr)
        self.assertIn("no such tenant", stderr)

    def test_out_of_order_sample_refused_by_prometheus(self):
        with temp_dir() as work:
            prometheus = rw.start_prometheus(work)
            try:
                vigil, api, http_port = start_vigil(
                    work, exporter("prom", prometheus.write_url()))
                component = "prometheus_remote_write/prom"
                try:
                    now = rw.now_ns()
                    otlp.post(http_port, "/v1/metrics", gauge_request(1.0, now),
                              content_type=otlp.JSON)
                    prometheus.wait_query(f'rw_gauge{{rw_run="{RUN}"}}')
                    # A minute older than what Prometheus has for the series: out of order.
                    otlp.post(http_port, "/v1/metrics", gauge_request(2.0, now - 60_000_000_000),
                              content_type=otlp.JSON)
                    wait_until(lambda: metric(api, "vigil_dropped_items_total",
                                              component=component, reason="permanent_error") == 1,
                               30, "the out-of-order batch to be dropped")
                    time.sleep(1.0)
                    self.assertEqual(metric(api, "vigil_retries_total", component=component), 0)
                    self.assertEqual(metric(api, "vigil_sent_items_total", component=component), 1)
                    self.assertEqual(metric(api, "vigil_prometheus_remote_write_requests_total",
                                            component=component, status="400"), 1)
                    result = prometheus.query(f'rw_gauge{{rw_run="{RUN}"}}')
                    self.assertEqual([v for _, v in result], [1.0])
                finally:
                    exit_code = vigil.stop()
                stderr = "\n".join(vigil.stderr())
                self.assertIn("HTTP 400 Bad Request: out of order sample", stderr)
                self.assertEqual(exit_code, 0, stderr)
            finally:
                prometheus.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
