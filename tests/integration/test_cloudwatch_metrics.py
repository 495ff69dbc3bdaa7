"""vigil's CloudWatch exporter (PutMetricData and EMF) against the botocore-checked test server.

Metrics enter through vigil's OTLP receiver (OTLP/JSON); every request that reaches the server
had its SigV4 signature recomputed by botocore and its body checked against PutMetricData's
documented formats and limits (cloudwatch_server.py). The tests assert what CloudWatch would
store: names, values, dimensions, units, timestamps, storage resolution, and how datums are
split into requests.
"""

import collections
import json
import os
import sys
import unittest

from cloudwatch_harness import (COMPONENT, HOSTNAME, CloudWatchTestCase, counter, gauge,
                                histogram, metrics_request, now_ns, number_point, wait_until)

SECOND = 1_000_000_000


class CloudWatchMetricsTest(CloudWatchTestCase):
    def start(self, exporter_toml="", dimensions='["device", "service.name"]', **kwargs):
        return super().start(f'namespace = "Vigil/IT"\ndimensions = {dimensions}\n' + exporter_toml,
                             **kwargs)

    def datums_named(self, name):
        return [d for d in self.server.datums() if d["name"] == name]

    def test_values_dimensions_units_timestamps(self):
        v = self.start()
        t0 = now_ns() - 120 * SECOND
        start = t0 - 3600 * SECOND
        self.assertEqual(v.post("metrics", metrics_request([
            gauge("system.filesystem.usage", "By",
                  [number_point(1234.5, t0, {"device": "sda1", "mode": "rw"})]),
            counter("system.network.io", "By",
                    [number_point(1_000_000, t0, {"device": "eth0"}, start)]),
            histogram("http.server.duration", "ms", [{
                "timeUnixNano": str(t0), "startTimeUnixNano": str(t0 - 10 * SECOND),
                "count": "6", "sum": 170, "bucketCounts": ["0", "3", "2", "1"],
                "explicitBounds": [10, 20, 40], "min": 12, "max": 55,
                "attributes": [{"key": "http.route", "value": {"stringValue": "/a"}}]}]),
        ], resource={"service.name": "checkout"})), 200)
        self.assertEqual(v.post("metrics", metrics_request([
            counter("system.network.io", "By",
                    [number_point(1_004_096, t0 + 10 * SECOND, {"device": "eth0"}, start)]),
        ], resource={"service.name": "checkout"})), 200)
        wait_until(lambda: self.datums_named("system.network.io"), 30, "the counter's delta", v)

        requests = self.server.snapshot()["metric_requests"]
        self.assertTrue(all(r["namespace"] == "Vigil/IT" and r["gzip"] for r in requests), requests)

        [fs] = self.datums_named("system.filesystem.usage")
        self.assertEqual(fs["value"], 1234.5)
        self.assertEqual(fs["unit"], "Bytes")
        # host first, then the allowlist in its order; "mode" is not allowed.
        self.assertEqual(fs["dimension_order"], ["host", "device", "service.name"])
        self.assertEqual(fs["dimensions"], {"host": HOSTNAME, "device": "sda1",
                                            "service.name": "checkout"})
        self.assertEqual(round(fs["timestamp"] * 1000), t0 // 1_000_000)
        self.assertEqual(fs["storage_resolution"], 60)

        # The first counter point was only a baseline: one datum, the 10 s delta, high resolution.
        [net] = self.datums_named("system.network.io")
        self.assertEqual(net["value"], 4096)
        self.assertEqual(net["unit"], "Bytes")
        self.assertEqual(net["dimensions"], {"host": HOSTNAME, "device": "eth0",
                                             "service.name": "checkout"})
        self.assertEqual(round(net["timestamp"] * 1000), (t0 + 10 * SECOND) // 1_000_000)
        self.assertEqual(net["storage_resolution"], 1)

        # A delta histogram: one value per non-empty bucket (open ends at the known min/max).
        [h] = self.datums_named("http.server.duration")
        self.assertEqual(h["unit"], "Milliseconds")
        self.assertEqual(h["values"], [15.0, 30.0, 47.5])
        self.assertEqual(h["counts"], [3.0, 2.0, 1.0])
        self.assertEqual(h["storage_resolution"], 1)  # its interval: 10 s
        self.assertEqual(v.counter("vigil_sent_items_total", component=COMPONENT,
                                   signal="metrics"), 4)

    def test_host_metrics_reach_cloudwatch_as_deltas(self):
        # The host collector every second: CPU time counters become per-interval deltas whose
        # sum over CPUs and states is the elapsed time times the number of CPUs.
        v = self.start(dimensions='["state"]', collectors_toml="""
[collectors.host]
interval = "1s"
scrapers = ["cpu", "memory"]
""")
        cpus = os.cpu_count()

        def cpu_times():
            by_time = collections.defaultdict(float)
            for d in self.datums_named("system.cpu.time"):
                by_time[round(d["timestamp"] * 1000)] += d["value"]
            return sorted(by_time.items())

        wait_until(lambda: len(cpu_times()) >= 3, 60, "three intervals of CPU time", v)
        times = cpu_times()
        for (t_prev, _), (t, total) in zip(times, times[1:]):
            elapsed = (t - t_prev) / 1000
            self.assertAlmostEqual(total / (elapsed * cpus), 1.0, delta=0.25,
                                   msg=f"{total} s of CPU time in {elapsed} s on {cpus} CPUs")
        cpu = self.datums_named("system.cpu.time")
        self.assertTrue(all(d["unit"] == "Seconds" and d["value"] >= 0 for d in cpu))
        self.assertTrue(all(d["storage_resolution"] == 1 for d in cpu))  # 1 s apart
        self.assertTrue({"user", "system", "idle"} <= {d["dimensions"]["state"] for d in cpu})
        self.assertTrue(all(set(d["dimensions"]) == {"host", "state"} for d in cpu))
        memory = self.datums_named("system.memory.usage")
        self.assertTrue(memory)
        self.assertTrue(all(d["unit"] == "Bytes" for d in memory))
        used = [d["value"] for d in memory if d["dimensions"].get("state") == "used"]
        self.assertTrue(used and all(0 < u < 1 << 50 for u in used), used)

    def test_2500_datums_make_three_requests(self):
        v = self.start()
        t0 = now_ns() - 60 * SECOND
        points = [number_point(float(i), t0, {"device": f"d{i:04}"}) for i in range(2500)]
        self.assertEqual(v.post("metrics", metrics_request([gauge("disk.queue", "{request}", points)])),
                         200)
        wait_until(lambda: len(self.server.datums()) >= 2500, 30, "2500 datums", v)
        requests = self.server.snapshot()["metric_requests"]
        self.assertEqual([len(r["datums"]) for r in requests], [1000, 1000, 500])
        self.assertTrue(all(r["body_bytes"] <= 1_000_000 for r in requests))
        values = sorted(d["value"] for d in self.server.datums())
        self.assertEqual(values, [float(i) for i in range(2500)])
        self.assertTrue(all(d["unit"] == "Count" for d in self.server.datums()))
        self.assertEqual(len(self.server.calls_of("PutMetricData")), 3)

    def test_requests_are_split_by_size(self):
        v = self.start(dimensions='["device", "a", "b", "c", "d", "e", "f", "g", "h"]')
        t0 = now_ns() - 60 * SECOND
        long = "x" * 1000
        attrs = {k: long for k in "abcdefgh"}
        points = [number_point(float(i), t0, {"device": str(i), **attrs}) for i in range(300)]
        self.assertEqual(v.post("metrics", metrics_request([gauge("wide", "1", points)])), 200)
        wait_until(lambda: len(self.server.datums()) >= 300, 30, "300 wide datums", v)
        requests = self.server.snapshot()["metric_requests"]
        self.assertGreaterEqual(len(requests), 3)
        self.assertTrue(all(r["body_bytes"] <= 1_000_000 for r in requests),
                        [r["body_bytes"] for r in requests])
        self.assertTrue(all(len(r["datums"]) < 1000 for r in requests))
        self.assertEqual(sum(len(r["datums"]) for r in requests), 300)

    def test_emf_mode_sends_embedded_metric_format_log_events(self):
        v = self.start('metrics_mode = "emf"\nemf_log_group = "/vigil/emf"\n'
                       'emf_log_stream = "{host}-metrics"\nretention_days = 14\n')
        t0 = now_ns() - 60 * SECOND
        self.assertEqual(v.post("metrics", metrics_request([
            gauge("mem.used", "By", [number_point(100, t0, {"device": "a"}),
                                     number_point(200, t0, {"device": "b"})]),
            gauge("mem.free", "By", [number_point(5, t0, {"device": "a"})]),
        ])), 200)
        wait_until(lambda: self.server.stream_events("/vigil/emf", f"{HOSTNAME}-metrics"), 30,
                   "EMF events", v)
        [request] = self.server.snapshot()["log_requests"]
        self.assertTrue(request["emf"], "x-amzn-logs-format: json/emf")
        events = [json.loads(m) for _, m in request["events"]]
        self.assertEqual(len(events), 2)  # one per dimension set
        by_device = {e["device"]: e for e in events}
        a = by_device["a"]
        self.assertEqual(a["_aws"]["Timestamp"], t0 // 1_000_000)
        [directive] = a["_aws"]["CloudWatchMetrics"]
        self.assertEqual(directive["Namespace"], "Vigil/IT")
        self.assertEqual(directive["Dimensions"], [["host", "device"]])
        self.assertEqual(sorted(m["Name"] for m in directive["Metrics"]), ["mem.free", "mem.used"])
        self.assertTrue(all(m["Unit"] == "Bytes" for m in directive["Metrics"]))
        self.assertEqual((a["host"], a["mem.used"], a["mem.free"]), (HOSTNAME, 100, 5))
        self.assertEqual(by_device["b"]["mem.used"], 200)
        # The group was created on demand, with the retention asked for.
        self.assertEqual(self.server.snapshot()["log_groups"]["/vigil/emf"]["retention"], 14)
        self.assertEqual(self.server.calls_of("PutMetricData"), [])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[1:])
