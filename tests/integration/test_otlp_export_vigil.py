"""Acceptance 3 of the OTLP exporter: vigil to vigil.

Agent A receives spans, logs and metrics from the real OpenTelemetry JS SDK (otel-js/send.mjs)
and exports them with [[exporters.otlp]] over each protocol to agent B's OTLP receiver; B prints
them with [exporters.stdout]. B's output must equal what A received, item by item and field by
field (test_otlp_sdk.compare), with the resource attributes both agents add ([agent.resource]
differs between them, so each one's addition is seen). One run cuts A's batches with a small
max_request_size, so B reassembles the items from many requests."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from otlp_export_sink import (HOSTNAME, OPTIONAL_AGENT_KEYS, metric, metrics_text,  # noqa: E402
                              require_node, send_with_sdk, wait_ready)
from test_otlp_sdk import SIGNALS, compare, parse_stdout  # noqa: E402
from vigil_process import Vigil, free_port, temp_dir  # noqa: E402


def agent_config(name, data_dir, api, http_port, grpc_port, resource, exporter):
    return f"""
[agent]
hostname = "{HOSTNAME}"
data_dir = "{data_dir}/{name}"
shutdown_timeout = "10s"
[agent.resource]
"it.{name}" = "{resource}"
[agent.api]
listen = "127.0.0.1:{api}"
[collectors.otlp]
http_listen = "127.0.0.1:{http_port}"
grpc_listen = "127.0.0.1:{grpc_port}"
ack_timeout = "60s"
{exporter}
"""


class VigilToVigilTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_node("test_otlp_export_vigil")

    def run_pair(self, protocol, compression, extra=""):
        with temp_dir() as d:
            for name in ("a", "b"):
                os.makedirs(os.path.join(d, name))
            ports = {n: (free_port(), free_port(), free_port()) for n in ("a", "b")}
            b_api, b_http, b_grpc = ports["b"]
            target = b_grpc if protocol == "grpc" else b_http
            exporter_a = (f'[[exporters.otlp]]\nname = "to-b"\nprotocol = "{protocol}"\n'
                          f'compression = "{compression}"\n'
                          f'endpoint = "http://127.0.0.1:{target}"\n{extra}')
            configs = {
                "a": agent_config("a", d, *ports["a"], "from-a", exporter_a),
                "b": agent_config("b", d, *ports["b"], "from-b", "[exporters.stdout]"),
            }
            agents = {}
            try:
                for name in ("b", "a"):
                    path = os.path.join(d, f"{name}.toml")
                    with open(path, "w") as f:
                        f.write(configs[name])
                    agents[name] = Vigil(["run", "-c", path])
                    wait_ready(agents[name], f"http://127.0.0.1:{ports[name][0]}")
                run_id = f"it-v2v-{protocol.replace('/', '-')}-{compression}-{os.getpid()}"
                sent = send_with_sdk(f"http://127.0.0.1:{ports['a'][1]}", run_id)
                total = sum(len(sent[s]) for s in SIGNALS)
                # A's receiver answered once B took everything; B prints it soon after.
                b = agents["b"]
                b.wait_for(lambda: len([l for l in b.stdout() if l.strip()]) >= total, 30,
                           f"{total} items on B's stdout")
                counters = metrics_text(f"http://127.0.0.1:{ports['a'][0]}")
                sent_by_a = sum(metric(counters, "vigil_sent_items_total",
                                       component="otlp/to-b", signal=s) for s in SIGNALS)
                self.assertEqual(sent_by_a, total)
                requests = sum(v for k, v in _requests(counters).items())
                for name in ("a", "b"):
                    self.assertEqual(agents[name].stop(), 0, "\n".join(agents[name].stderr()))
            finally:
                for agent in agents.values():
                    if agent.proc.returncode is None:
                        agent.stop()
            got, problems = parse_stdout(agents["b"].stdout())
            problems += compare({s: sent[s] for s in SIGNALS}, got, agent_attrs={
                "host.name": HOSTNAME, "os.type": "linux", "it.a": "from-a", "it.b": "from-b"},
                optional_agent_keys=OPTIONAL_AGENT_KEYS)
            if problems:
                self.fail(f"{protocol} ({compression}) {extra}: {len(problems)} problem(s):\n" +
                          "\n".join(problems))
            return requests

    def test_http_protobuf(self):
        self.run_pair("http/protobuf", "zstd")

    def test_http_json(self):
        self.run_pair("http/json", "gzip")

    def test_grpc(self):
        self.run_pair("grpc", "gzip")

    def test_grpc_cut_by_max_request_size(self):
        whole = self.run_pair("grpc", "zstd")
        cut = self.run_pair("grpc", "zstd", 'max_request_size = "1KiB"')
        self.assertGreater(cut, whole, "max_request_size should have cut batches into more requests")


def _requests(counters_text):
    """vigil_otlp_export_requests_total of A's exporter, by status."""
    out = {}
    for line in counters_text.splitlines():
        if line.startswith("vigil_otlp_export_requests_total{") and 'component="otlp/to-b"' in line:
            out[line.split("}")[0]] = float(line.rsplit(" ", 1)[1])
    return out


if __name__ == "__main__":
    unittest.main()
