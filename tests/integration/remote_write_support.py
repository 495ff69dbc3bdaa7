"""Helpers for the remote-write integration tests: real receivers (Prometheus 2.42 and
VictoriaMetrics 1.79, PEERS.md), PromQL over their HTTP API, OTLP/JSON metric requests for vigil's
receiver, and an independent decoder of what vigil sends (snappy block format and
prometheus.WriteRequest, written here from the format descriptions, not vigil's code)."""

import http.server
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import otlp_requests as otlp  # noqa: E402
from vigil_process import free_port  # noqa: E402

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
VICTORIA_METRICS = shutil.which("victoria-metrics") or "/usr/bin/victoria-metrics"


# ---------------------------------------------------------------------------------------------
# Snappy block format (PROTOCOLS.md 4.2) and prometheus.WriteRequest


def snappy_decompress(data):
    """Decodes the snappy block format: varint length, then literals and back-references."""
    length, pos = otlp.read_varint(data, 0)
    out = bytearray()
    while pos < len(data):
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            n = tag >> 2
            if n >= 60:
                extra = n - 59
                n = int.from_bytes(data[pos:pos + extra], "little")
                pos += extra
            n += 1
            out += data[pos:pos + n]
            pos += n
            continue
        if kind == 1:
            n = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:
            n = (tag >> 2) + 1
            offset = int.from_bytes(data[pos:pos + 2], "little")
            pos += 2
        else:
            n = (tag >> 2) + 1
            offset = int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        if offset == 0 or offset > len(out):
            raise ValueError("snappy: bad offset")
        for _ in range(n):  # byte by byte: a copy may overlap what it produces
            out.append(out[-offset])
    if len(out) != length:
        raise ValueError(f"snappy: {len(out)} bytes, the preamble said {length}")
    return bytes(out)


def decode_write_request(body):
    """[(labels as a list of (name, value) in wire order, [(timestamp_ms, value)])]."""
    import struct
    series = []
    for number, wire_type, ts in otlp.decode_fields(body):
        if number != 1 or wire_type != 2:
            continue
        labels, samples = [], []
        for n, w, v in otlp.decode_fields(ts):
            if n == 1 and w == 2:
                fields = {fn: fv for fn, fw, fv in otlp.decode_fields(v)}
                labels.append((fields.get(1, b"").decode(), fields.get(2, b"").decode()))
            elif n == 2 and w == 2:
                value, stamp = 0.0, 0
                for fn, fw, fv in otlp.decode_fields(v):
                    if fn == 1 and fw == 1:
                        value = struct.unpack("<d", fv.to_bytes(8, "little"))[0]
                    elif fn == 2 and fw == 0:
                        stamp = fv - (1 << 64) if fv >= 1 << 63 else fv
                samples.append((stamp, value))
        series.append((labels, samples))
    return series


# ---------------------------------------------------------------------------------------------
# Receivers


class TestReceiverHandler(http.server.BaseHTTPRequestHandler):
    """Base of the tests' own receivers: keep-alive, quiet, whole bodies, plain answers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def answer(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Peer:
    """A receiver process started by the test; stopped by its pid."""

    def __init__(self, name, args, port, ready_path, log_path):
        self.name = name
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{name} exited ({self.proc.returncode}):\n{self.log()}")
            try:
                with urllib.request.urlopen(self.base + ready_path, timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"{name} not ready after 60 s:\n{self.log()}")

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def write_url(self):
        return self.base + "/api/v1/write"

    def query(self, promql, at=None):
        """Instant query: [(labels dict, value float)]."""
        params = {"query": promql}
        if at is not None:
            params["time"] = f"{at:.3f}"
        url = self.base + "/api/v1/query?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as r:
            answer = json.loads(r.read())
        if answer.get("status") != "success":
            raise AssertionError(f"{self.name}: {promql}: {answer}")
        return [(item["metric"], float(item["value"][1])) for item in answer["data"]["result"]]

    def wait_query(self, promql, at=None, count=1, timeout=45):
        """Polls until the query returns at least `count` series."""
        deadline = time.monotonic() + timeout
        result = []
        while time.monotonic() < deadline:
            result = self.query(promql, at)
            if len(result) >= count:
                return result
            time.sleep(0.25)
        raise AssertionError(f"{self.name}: {promql} returned {result} after {timeout} s")


def start_prometheus(work_dir):
    port = free_port()
    config = os.path.join(work_dir, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1h\n")
    data = os.path.join(work_dir, "prometheus-data")
    return Peer("prometheus", [
        PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver",
        "--log.level=warn"], port, "/-/ready", os.path.join(work_dir, "prometheus.log"))


def start_victoria_metrics(work_dir):
    port = free_port()
    data = os.path.join(work_dir, "vm-data")
    return Peer("victoria-metrics", [
        VICTORIA_METRICS, f"-httpListenAddr=127.0.0.1:{port}", f"-storageDataPath={data}",
        "-retentionPeriod=1d", "-search.latencyOffset=1s", "-loggerLevel=WARN"], port, "/health",
        os.path.join(work_dir, "vm.log"))


# ---------------------------------------------------------------------------------------------
# OTLP/JSON metric requests (PROTOCOLS.md 1.3: 64-bit integers as strings)


def attrs(d):
    return [{"key": k, "value": {"stringValue": v}} for k, v in d.items()]


def number_point(value, t_ns, start_ns=None, attributes=None):
    p = {"timeUnixNano": str(t_ns), "attributes": attrs(attributes or {})}
    if start_ns is not None:
        p["startTimeUnixNano"] = str(start_ns)
    if isinstance(value, int):
        p["asInt"] = str(value)
    else:
        p["asDouble"] = value
    return p


def gauge(name, unit, points):
    return {"name": name, "unit": unit, "gauge": {"dataPoints": points}}


def cumulative_sum(name, unit, points, monotonic=True, delta=False):
    return {"name": name, "unit": unit,
            "sum": {"dataPoints": points, "isMonotonic": monotonic,
                    "aggregationTemporality": 1 if delta else 2}}


def histogram(name, unit, bounds, counts, total, t_ns, start_ns, attributes=None):
    return {"name": name, "unit": unit, "histogram": {
        "aggregationTemporality": 2,
        "dataPoints": [{"timeUnixNano": str(t_ns), "startTimeUnixNano": str(start_ns),
                        "attributes": attrs(attributes or {}), "count": str(sum(counts)),
                        "sum": total, "bucketCounts": [str(c) for c in counts],
                        "explicitBounds": bounds}]}}


def summary(name, unit, quantiles, count, total, t_ns, start_ns, attributes=None):
    return {"name": name, "unit": unit, "summary": {"dataPoints": [{
        "timeUnixNano": str(t_ns), "startTimeUnixNano": str(start_ns),
        "attributes": attrs(attributes or {}), "count": str(count), "sum": total,
        "quantileValues": [{"quantile": q, "value": v} for q, v in quantiles]}]}}


def metrics_request(resource, metrics, scope="rw-test", version="1.0"):
    return json.dumps({"resourceMetrics": [{
        "resource": {"attributes": attrs(resource)},
        "scopeMetrics": [{"scope": {"name": scope, "version": version}, "metrics": metrics}]}]
    }).encode()


def post_metrics(port, body):
    r = otlp.post(port, "/v1/metrics", body, content_type=otlp.JSON)
    if r.status != 200:
        raise AssertionError(f"vigil's receiver answered {r}")
    return r


def now_ns():
    """The current time, whole milliseconds (what remote write keeps)."""
    return (time.time_ns() // 1_000_000) * 1_000_000
