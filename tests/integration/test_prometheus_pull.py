"""The Prometheus pull endpoint ([exporters.prometheus]) against Prometheus' own tools
(issue #3, acceptance 3 and 4).

One vigil runs the host collector (1 s interval), its internal metrics and an OTLP receiver,
with two pull endpoints: "plain" (the defaults) and "stamped" (send_timestamps = true). An
OTLP/JSON request adds a histogram, a summary, a counter and a gauge whose texts need escaping,
so the standard OTLP-to-Prometheus translation is exercised beside node_exporter's names.

- Text 0.0.4 goes through `promtool check metrics`, which must report nothing, except its
  camelCase lint on names that node_exporter itself produces from /proc/meminfo field names
  (node_memory_MemFree_bytes, ...): dashboards depend on those exact names, and the test shows
  promtool reports the same complaint for each of them on node_exporter's own output.
- OpenMetrics: `promtool check metrics` parses text 0.0.4 only (fed OpenMetrics, it reads
  `# UNIT` and `# EOF` as comments and counters' `_total` samples as untyped families of their
  own), so it cannot judge OpenMetrics. The strongest checks Prometheus 2.42 offers are its
  OpenMetrics parser: offline, `promtool tsdb create-blocks-from openmetrics` (which needs a
  timestamp on every sample, hence the "stamped" endpoint) must accept the whole exposition and
  ingest exactly one series per sample line; live, a real Prometheus scrapes both endpoints, and
  Prometheus 2.42 asks for OpenMetrics first, so every scrape is parsed by that parser (vigil's
  own counter of OpenMetrics scrapes proves it), and a parse error would mark the target down.
- PromQL over the Prometheus HTTP API: rate(node_cpu_seconds_total[30s]) (and [5s]) is
  non-empty for every CPU, and each CPU's modes sum to about 1 (tolerances at the query).
"""

import gzip
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from prometheus_exposition import (NODE_EXPORTER, PROMETHEUS, PROMTOOL, Peer,  # noqa: E402
                                   http_get, parse_text, start_node_exporter, wait_until,
                                   write_vigil_config)
from vigil_process import Vigil, free_port, temp_dir  # noqa: E402

PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT = "text/plain; version=0.0.4; charset=utf-8"

# Texts that need escaping in HELP and label values.
HELP = 'Request "latency"\nby route \\ path.'
ROUTE = '/a "b"\\c\nd'


def otlp_metrics_json(now_ns):
    start = str(now_ns - 60 * 10**9)
    now = str(now_ns)
    attrs = lambda **kv: [{"key": k, "value": {"stringValue": v}} for k, v in kv.items()]  # noqa
    return json.dumps({"resourceMetrics": [{
        "resource": {"attributes": attrs(**{"service.name": "checkout",
                                            "service.instance.id": "i-1",
                                            "deployment.environment": "test"})},
        "scopeMetrics": [{"scope": {"name": "app", "version": "1.2"}, "metrics": [
            {"name": "app.request.duration", "unit": "s", "description": HELP,
             "histogram": {"aggregationTemporality": 2, "dataPoints": [{
                 "attributes": attrs(route=ROUTE), "startTimeUnixNano": start,
                 "timeUnixNano": now, "count": "6", "sum": 1.9,
                 "bucketCounts": ["2", "3", "1", "0"], "explicitBounds": [0.1, 0.5, 1]}]}},
            {"name": "app.requests", "unit": "{request}", "description": "Requests served.",
             "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": [{
                 "attributes": attrs(code="200"), "startTimeUnixNano": start,
                 "timeUnixNano": now, "asInt": "42"}]}},
            {"name": "app.temperature", "unit": "Cel", "description": "Room temperature.",
             "gauge": {"dataPoints": [{"timeUnixNano": now, "asDouble": -3.5}]}},
            # Seconds, not "ms": the translation keeps a metric's unit as given (unit word
            # "milliseconds"), and promtool lints any non-base unit.
            {"name": "app.db.latency", "unit": "s", "description": "DB latency.",
             "summary": {"dataPoints": [{
                 "startTimeUnixNano": start, "timeUnixNano": now, "count": "10", "sum": 0.0555,
                 "quantileValues": [{"quantile": 0.5, "value": 0.0045},
                                    {"quantile": 0.99, "value": 0.02}]}]}},
        ]}]}]}).encode()


def promtool_complaints(text):
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=60)
    lines = (r.stdout + r.stderr).decode().splitlines()
    return r.returncode, [line for line in lines if line.strip()]


def sample_lines(body):
    return [line for line in body.split("\n") if line and not line.startswith("#")]


def series_of(line):
    """A sample line without its value and timestamp (no label value holds a raw "}")."""
    return line[: line.rindex("}") + 1] if "}" in line else line.split(" ")[0]


class PrometheusPullTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = temp_dir()
        d = cls.tmp.name
        cls.api_port, cls.plain_port, cls.stamped_port, cls.otlp_port = (
            free_port(), free_port(), free_port(), free_port())
        config = write_vigil_config(d, cls.api_port, f"""
[collectors.internal]
interval = "1s"
[collectors.otlp]
http_listen = "127.0.0.1:{cls.otlp_port}"
grpc_listen = ""
[[exporters.prometheus]]
name = "plain"
listen = "127.0.0.1:{cls.plain_port}"
[[exporters.prometheus]]
name = "stamped"
listen = "127.0.0.1:{cls.stamped_port}"
send_timestamps = true
""")
        cls.vigil = Vigil(["run", "-c", config])
        try:
            cls.vigil.wait_for(lambda: _serves(cls.plain_port, b"\nnode_cpu_seconds_total{") and
                               _serves(cls.stamped_port, b"\nnode_cpu_seconds_total{"), 30,
                               "host metrics on both pull endpoints")
            # The receiver answers 200 once both endpoints have stored the batch.
            request = urllib.request.Request(
                f"http://127.0.0.1:{cls.otlp_port}/v1/metrics",
                data=otlp_metrics_json(time.time_ns()),
                headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(request, timeout=10) as r:
                assert r.status == 200, r.status
        except BaseException:
            cls.vigil.stop()
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.vigil.stop()
        cls.tmp.cleanup()

    def get(self, port, accept=None, encoding=None):
        headers = {}
        if accept:
            headers["Accept"] = accept
        if encoding:
            headers["Accept-Encoding"] = encoding
        status, response_headers, body = http_get(f"http://127.0.0.1:{port}/metrics", headers)
        self.assertEqual(status, 200)
        return response_headers, body

    def test_text_format_passes_promtool(self):
        headers, body = self.get(self.plain_port)
        self.assertEqual(headers["content-type"], TEXT)
        text = body.decode()
        for expected in ("# TYPE node_cpu_seconds_total counter\n",
                         "# TYPE app_request_duration_seconds histogram\n",
                         "# HELP app_request_duration_seconds "
                         'Request "latency"\\nby route \\\\ path.\n',
                         'route="/a \\"b\\"\\\\c\\nd"',
                         "# TYPE app_requests_total counter\n",
                         "# TYPE app_db_latency_seconds summary\n",
                         "app_temperature_celsius{",
                         "target_info{"):
            self.assertIn(expected, text)
        # The exposition reads back (an independent parser) with the escapes undone.
        parsed = parse_text(text)
        self.assertEqual(parsed.helps["app_request_duration_seconds"], HELP)
        buckets = {dict(labels).get("le"): value for (name, labels), (value, _) in
                   parsed.samples.items() if name == "app_request_duration_seconds_bucket"}
        self.assertEqual(buckets, {"0.1": 2, "0.5": 5, "1": 6, "+Inf": 6})
        routes = {dict(labels).get("route") for (name, labels) in parsed.samples
                  if name == "app_request_duration_seconds_count"}
        self.assertEqual(routes, {ROUTE})

        code, complaints = promtool_complaints(text)
        camel = re.compile(r"^(\S+) metric names should be written in 'snake_case' not "
                           r"'camelCase'$")
        flagged = [c for c in complaints if not camel.match(c)]
        self.assertEqual(flagged, [], "promtool check metrics complained")
        if complaints:
            # Only node_exporter's own meminfo names may be flagged, and node_exporter's output
            # must draw the same complaint for each.
            with temp_dir() as d:
                port = free_port()
                node_exporter = start_node_exporter(
                    port, d, ["--collector.disable-defaults", "--collector.meminfo"])
                try:
                    _, _, ne_body = http_get(f"http://127.0.0.1:{port}/metrics")
                finally:
                    node_exporter.stop()
            _, ne_complaints = promtool_complaints(ne_body.decode())
            for c in complaints:
                name = camel.match(c).group(1)
                self.assertTrue(name.startswith("node_memory_"), c)
                self.assertIn(c, ne_complaints, f"{c}: node_exporter's output has no such name")
            print(f"\npromtool: {len(complaints)} camelCase lints, all on node_exporter's own "
                  f"node_memory_* names (node_exporter draws {len(ne_complaints)} such lints)")
        self.assertIn(code, (0, 3) if complaints else (0,))

    def test_openmetrics_accepted_by_prometheus_parser(self):
        headers, body = self.get(self.stamped_port, accept=PROMETHEUS_ACCEPT)
        self.assertEqual(headers["content-type"], OPENMETRICS)
        om = body.decode()
        self.assertTrue(om.endswith("\n# EOF\n"), om[-200:])
        for expected in ("# TYPE node_cpu_seconds counter\n# UNIT node_cpu_seconds seconds\n",
                         "# TYPE app_request_duration_seconds histogram\n",
                         "# HELP app_request_duration_seconds "
                         'Request \\"latency\\"\\nby route \\\\ path.\n',
                         "app_requests_created{"):
            self.assertIn(expected, om)
        lines = sample_lines(om)
        with temp_dir() as d:
            path = os.path.join(d, "exposition.om")
            with open(path, "w") as f:
                f.write(om)
            r = subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", path,
                                os.path.join(d, "blocks")], capture_output=True, timeout=120)
        output = (r.stdout + r.stderr).decode()
        self.assertEqual(r.returncode, 0, output)
        # BLOCK ULID  MIN TIME  MAX TIME  DURATION  NUM SAMPLES  NUM CHUNKS  NUM SERIES  SIZE
        rows = [line.split() for line in output.splitlines() if re.match(r"^[0-9A-Z]{26}\s", line)]
        self.assertTrue(rows, output)
        self.assertEqual(sum(int(row[6]) for row in rows), len(lines), output)

        # The same series without timestamps on the default endpoint. vigil's own metrics are
        # left out: the internal collector (every 1 s) adds series about each endpoint as it is
        # scraped, so the two reads may differ there by a series or two.
        def steady(names):
            return sorted(n for n in names if not n.startswith(("vigil_", "process_")))
        _, plain = self.get(self.plain_port, accept=PROMETHEUS_ACCEPT)
        self.assertEqual(steady(map(series_of, sample_lines(plain.decode()))),
                         steady(map(series_of, lines)))

    def test_gzip_when_accepted(self):
        headers, body = self.get(self.plain_port, encoding="gzip")
        self.assertEqual(headers.get("content-encoding"), "gzip")
        text = gzip.decompress(body).decode()
        _, plain = self.get(self.plain_port)
        self.assertLess(len(body), len(plain) / 3)
        self.assertEqual(set(parse_text(text).samples), set(parse_text(plain.decode()).samples))
        headers, _ = self.get(self.plain_port, encoding="gzip;q=0")
        self.assertNotIn("content-encoding", headers)

    def test_prometheus_scrapes_and_queries(self):
        with temp_dir() as d:
            port = free_port()
            config = os.path.join(d, "prometheus.yml")
            with open(config, "w") as f:
                f.write(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vigil
    static_configs: [{{targets: ["127.0.0.1:{self.plain_port}"]}}]
  - job_name: vigil_ts
    static_configs: [{{targets: ["127.0.0.1:{self.stamped_port}"]}}]
""")
            prometheus = Peer([PROMETHEUS, f"--config.file={config}",
                               f"--storage.tsdb.path={os.path.join(d, 'data')}",
                               f"--web.listen-address=127.0.0.1:{port}"],
                              os.path.join(d, "prometheus.log"))
            try:
                self._query_prometheus(port, prometheus)
            except AssertionError:
                print(prometheus.log()[-4000:])
                raise
            finally:
                prometheus.stop()

    def _query_prometheus(self, port, prometheus):
        base = f"http://127.0.0.1:{port}"

        def query(q):
            url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            status, _, body = http_get(url)
            doc = json.loads(body)
            self.assertEqual(doc.get("status"), "success", (q, doc))
            return doc["data"]["result"]

        wait_until(lambda: http_get(f"{base}/-/ready")[0] == 200, 60, "Prometheus ready",
                   prometheus.proc)
        started = time.monotonic()

        def targets_up():
            _, _, body = http_get(f"{base}/api/v1/targets")
            active = json.loads(body)["data"]["activeTargets"]
            return len(active) == 2 and all(t["health"] == "up" for t in active) and active

        wait_until(targets_up, 30, "both targets scraped and up", prometheus.proc)
        # The query is rate(node_cpu_seconds_total[30s]): wait until 30 s of 1 s
        # scrapes are stored, so the window is full.
        wait_until(lambda: len(query('node_cpu_seconds_total{job="vigil"}[32s]')[0]["values"])
                   >= 31, 90, "32 s of scrapes", prometheus.proc)
        for target in targets_up():
            self.assertEqual(target["lastError"], "", target)

        with open("/proc/stat") as f:
            cpus = sum(1 for line in f if re.match(r"^cpu\d+ ", line))
        for window in ("5s", "30s"):
            rates = query(f'rate(node_cpu_seconds_total{{job="vigil"}}[{window}])')
            self.assertTrue(rates, f"rate(node_cpu_seconds_total[{window}]) is empty")
            self.assertEqual({r["metric"]["cpu"] for r in rates}, {str(i) for i in range(cpus)})
            self.assertTrue({"user", "system", "idle"} <= {r["metric"]["mode"] for r in rates})

        # Each CPU's modes sum to 1 second per second; the tolerances are what the timing of
        # the reads explains over a 30 s window (29 intervals):
        # - vigil stamps a scrape's points with its scheduled boundary, and reads /proc when its
        #   timer fires: on time on a quiet host, up to an interval (1 s) late on a loaded one
        #   (it keeps the boundary for reads up to an interval late). With the collector's
        #   timestamps (job vigil_ts) the rate divides the kernel's counts by the boundaries'
        #   distance, so the two end reads' lateness differs by less than 1 s: 1/29 = 3.4%;
        #   USER_HZ = 100 ticks add at most one tick per mode (~8 modes) over 29 s: 0.3%. 5%.
        # - Without timestamps (job vigil) Prometheus stamps samples with its scrape time while
        #   the values change at vigil's ticks: two 1 s clocks of unrelated phase, so a window
        #   of k scrape intervals holds k - 1, k or k + 1 collection intervals (1/29), plus the
        #   lateness above (1/29), plus the ticks: 2/29 + 0.3% = 7.2%. 8%.
        sums = {}
        for job, delta in (("vigil_ts", 0.05), ("vigil", 0.08)):
            per_cpu = query(f'sum by (cpu) (rate(node_cpu_seconds_total{{job="{job}"}}[30s]))')
            self.assertEqual(len(per_cpu), cpus, per_cpu)
            for r in per_cpu:
                self.assertAlmostEqual(float(r["value"][1]), 1.0, delta=delta, msg=(job, r))
            sums[job] = ", ".join(f"cpu{r['metric']['cpu']}={float(r['value'][1]):.3f}"
                                  for r in per_cpu)

        # The OTLP metrics by the standard rules, with the scrape's job/instance kept apart
        # (Prometheus renames exposed job/instance to exported_*).
        requests = query('app_requests_total{job="vigil"}')
        self.assertEqual(len(requests), 1, requests)
        self.assertEqual(requests[0]["metric"]["exported_job"], "checkout")
        self.assertEqual(requests[0]["metric"]["exported_instance"], "i-1")
        self.assertEqual(requests[0]["value"][1], "42")
        median = query('histogram_quantile(0.5, app_request_duration_seconds_bucket{job="vigil"})')
        self.assertEqual(len(median), 1, median)
        self.assertEqual(median[0]["metric"]["route"], ROUTE)
        self.assertAlmostEqual(float(median[0]["value"][1]), 0.1 + 0.4 * (3 - 2) / 3, places=6)

        # Prometheus 2.42 negotiated OpenMetrics for its scrapes.
        _, _, self_metrics = http_get(f"http://127.0.0.1:{self.api_port}/metrics")
        m = re.search(rb'vigil_prometheus_scrapes_total\{component="prometheus/plain",'
                      rb'format="openmetrics"\} (\d+)', self_metrics)
        self.assertTrue(m and int(m.group(1)) >= 10, self_metrics[-3000:])
        print(f"\nPrometheus scraped both endpoints for {time.monotonic() - started:.0f} s; "
              f"{len(rates)} node_cpu rate series; per-CPU mode sums over [30s]: "
              f"with timestamps {sums['vigil_ts']}; without {sums['vigil']}")


def _serves(port, needle):
    try:
        status, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
    except OSError:
        return False
    return status == 200 and needle in body


if __name__ == "__main__":
    for tool in (PROMETHEUS, PROMTOOL, NODE_EXPORTER):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"{tool} is missing: packaging/install-deps.sh installs it")
    unittest.main()
