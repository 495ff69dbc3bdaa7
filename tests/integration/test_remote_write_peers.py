"""Remote write into a real Prometheus 2.42 (--web.enable-remote-write-receiver) and a real
VictoriaMetrics 1.79, both fed by one vigil with two [[exporters.prometheus_remote_write]].

vigil receives OTLP metrics (gauges, a monotonic counter, a non-monotonic sum, a unit-"1" gauge,
a histogram, a summary and a delta counter sent in two requests) and, when the host collector is
built, scrapes host metrics. The test then asks each receiver with PromQL over its HTTP API and
checks the exact label sets and values written (node_exporter names and labels for the host
metrics), target_info, and histogram_quantile over the written buckets."""

import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import otlp_requests as otlp  # noqa: E402
import remote_write_support as rw  # noqa: E402
from vigil_process import Vigil, free_port, run_vigil, temp_dir  # noqa: E402

RUN = uuid.uuid4().hex[:12]
RESOURCE = {"service.name": "rw-app", "service.namespace": "shop", "service.instance.id": "inst-1",
            "deployment.environment": "test"}
COMMON = {"job": "shop/rw-app", "instance": "inst-1", "otel_scope_name": "rw-test",
          "otel_scope_version": "1.0", "rw_run": RUN}


def host_collector_available(work_dir):
    """Whether this build has [collectors.host] (vigil check accepts the section)."""
    path = os.path.join(work_dir, "probe.toml")
    with open(path, "w") as f:
        f.write('[collectors.host]\n[exporters.null]\n')
    return run_vigil(["check", "-c", path]).returncode == 0


def vigil_config(work_dir, api_port, http_port, grpc_port, peers, with_host):
    exporters = ""
    for peer in peers:
        exporters += (f'[[exporters.prometheus_remote_write]]\nname = "{peer.name}"\n'
                      f'url = "{peer.write_url()}"\nmax_samples_per_send = 50\n'
                      f'external_labels = {{ rw_run = "{RUN}" }}\n'
                      '[exporters.prometheus_remote_write.retry]\ninitial_interval = "200ms"\n\n')
    host = '[collectors.host]\ninterval = "2s"\n\n' if with_host else ""
    return (otlp.receiver_config(work_dir, api_port, http_port, grpc_port,
                                 otlp_extra='ack_timeout = "30s"\n', exporter=host + exporters,
                                 agent_extra='hostname = "rw-host"\n')
            .replace('hostname = "conformance-host"\n', ""))


def send_otlp(http_port, base_ns):
    second = 1_000_000_000
    start = base_ns - 60 * second
    metrics = [
        rw.gauge("rw.temperature", "Cel",
                 [rw.number_point(21.5, base_ns, attributes={"room": "kitchen"})]),
        rw.cumulative_sum("rw.requests", "{request}",
                          [rw.number_point(42, base_ns, start, {"code": "200"})]),
        rw.cumulative_sum("rw.queue.items", "{item}", [rw.number_point(-3, base_ns, start)],
                          monotonic=False),
        rw.gauge("rw.cpu.utilization", "1", [rw.number_point(0.375, base_ns)]),
        rw.histogram("rw.latency", "s", [0.1, 0.5, 1.0], [10, 20, 30, 40], 100.0, base_ns, start,
                     {"route": "/checkout"}),
        rw.summary("rw.rpc.duration", "s", [(0.5, 0.2), (0.99, 0.9)], 50, 12.5, base_ns, start),
        rw.cumulative_sum("rw.events", "{event}",
                          [rw.number_point(5, base_ns, base_ns - 10 * second)], delta=True),
    ]
    rw.post_metrics(http_port, rw.metrics_request(RESOURCE, metrics))
    # The second delta of rw.events: the exporters keep the running total (5 + 7).
    later = [rw.cumulative_sum("rw.events", "{event}",
                               [rw.number_point(7, base_ns + second, base_ns)], delta=True)]
    rw.post_metrics(http_port, rw.metrics_request(RESOURCE, later))


def expected_series():
    """(name, extra labels, value) of every OTLP series the test wrote."""
    out = [
        ("rw_temperature_celsius", {"room": "kitchen"}, 21.5),
        ("rw_requests_total", {"code": "200"}, 42.0),
        ("rw_queue_items", {}, -3.0),
        ("rw_cpu_utilization_ratio", {}, 0.375),
        ("rw_latency_seconds_sum", {"route": "/checkout"}, 100.0),
        ("rw_latency_seconds_count", {"route": "/checkout"}, 100.0),
        ("rw_rpc_duration_seconds", {"quantile": "0.5"}, 0.2),
        ("rw_rpc_duration_seconds", {"quantile": "0.99"}, 0.9),
        ("rw_rpc_duration_seconds_sum", {}, 12.5),
        ("rw_rpc_duration_seconds_count", {}, 50.0),
        ("rw_events_total", {}, 12.0),
    ]
    for le, count in (("0.1", 10), ("0.5", 30), ("1", 60), ("+Inf", 100)):
        out.append(("rw_latency_seconds_bucket", {"route": "/checkout", "le": le}, float(count)))
    return out


class RemoteWritePeers(unittest.TestCase):
    def test_prometheus_and_victoria_metrics(self):
        with temp_dir() as work:
            peers = [rw.start_prometheus(work)]
            try:
                peers.append(rw.start_victoria_metrics(work))
                with_host = host_collector_available(work)
                api, http_port, grpc_port = free_port(), free_port(), free_port()
                config = os.path.join(work, "agent.toml")
                with open(config, "w") as f:
                    f.write(vigil_config(work, api, http_port, grpc_port, peers, with_host))
                vigil = Vigil(["run", "-c", config])
                try:
                    otlp.wait_ready(api, vigil.proc)
                    base_ns = rw.now_ns() - 30 * 1_000_000_000
                    send_otlp(http_port, base_ns)
                    for peer in peers:
                        with self.subTest(peer=peer.name):
                            self.check_otlp_series(peer)
                            self.check_histogram_quantile(peer)
                            self.check_target_info(peer)
                            if with_host:
                                self.check_host_metrics(peer)
                    if not with_host:
                        print("host collector not in this build: host metrics not checked")
                    for peer in peers:
                        component = f"prometheus_remote_write/{peer.name}"
                        self.assertEqual(otlp.self_metric(api, "vigil_dropped_items_total",
                                                          component=component), 0)
                finally:
                    exit_code = vigil.stop()
                self.assertEqual(exit_code, 0, "\n".join(vigil.stderr()))
            finally:
                for peer in peers:
                    peer.stop()

    def check_otlp_series(self, peer):
        for name, extra, value in expected_series():
            selector = f'{name}{{rw_run="{RUN}"' + "".join(
                f',{k}="{v}"' for k, v in extra.items()) + "}"
            result = peer.wait_query(selector)
            self.assertEqual(len(result), 1, f"{peer.name}: {selector}: {result}")
            labels, got = result[0]
            self.assertEqual(labels, {"__name__": name, **COMMON, **extra}, f"{peer.name}: {name}")
            self.assertEqual(got, value, f"{peer.name}: {selector}")
        # Nothing else of ours: exactly these series (plus target_info) were written.
        everything = peer.wait_query(f'{{__name__=~"rw_.*",rw_run="{RUN}"}}')
        self.assertEqual(len(everything), len(expected_series()),
                         f"{peer.name}: {sorted(m['__name__'] for m, _ in everything)}")

    def check_histogram_quantile(self, peer):
        # rank 50 of 100 falls in (0.5, 1] holding ranks 31..60: 0.5 + 0.5 * (50 - 30) / 30.
        result = peer.wait_query(
            f'histogram_quantile(0.5, rw_latency_seconds_bucket{{rw_run="{RUN}"}})')
        self.assertEqual(len(result), 1)
        self.assertAlmostEqual(result[0][1], 0.5 + 0.5 * 20 / 30, places=9, msg=peer.name)
        result = peer.wait_query(
            f'histogram_quantile(0.05, rw_latency_seconds_bucket{{rw_run="{RUN}"}})')
        self.assertAlmostEqual(result[0][1], 0.05, places=9, msg=peer.name)

    def check_target_info(self, peer):
        result = peer.wait_query(f'target_info{{rw_run="{RUN}",job="shop/rw-app"}}')
        self.assertEqual(len(result), 1)
        labels, value = result[0]
        self.assertEqual(value, 1.0)
        for k, v in {"instance": "inst-1", "deployment_environment": "test",
                     "host_name": "rw-host"}.items():
            self.assertEqual(labels.get(k), v, f"{peer.name}: target_info {labels}")
        self.assertNotIn("service_name", labels)

    def check_host_metrics(self, peer):
        cpus = peer.wait_query(f'node_cpu_seconds_total{{rw_run="{RUN}"}}', count=8)
        modes = set()
        for labels, value in cpus:
            self.assertEqual(set(labels), {"__name__", "cpu", "mode", "rw_run"}, labels)
            self.assertGreaterEqual(value, 0)
            modes.add(labels["mode"])
        with open("/proc/stat") as f:
            online = {line.split()[0][3:] for line in f
                      if line.startswith("cpu") and line[3].isdigit()}
        self.assertEqual({l["cpu"] for l, _ in cpus}, online)
        self.assertTrue({"user", "system", "idle", "iowait", "irq", "softirq"} <= modes, modes)
        with open("/proc/meminfo") as f:
            mem_total = next(int(line.split()[1]) * 1024 for line in f
                             if line.startswith("MemTotal:"))
        result = peer.wait_query(f'node_memory_MemTotal_bytes{{rw_run="{RUN}"}}')
        self.assertEqual(result[0][0], {"__name__": "node_memory_MemTotal_bytes", "rw_run": RUN})
        self.assertEqual(result[0][1], mem_total)
        load = peer.wait_query(f'node_load1{{rw_run="{RUN}"}}')
        self.assertEqual(set(load[0][0]), {"__name__", "rw_run"})
        info = peer.wait_query(f'target_info{{rw_run="{RUN}",host_name="rw-host",job=""}}')
        self.assertEqual(len(info), 1, info)


if __name__ == "__main__":
    unittest.main(verbosity=2)
