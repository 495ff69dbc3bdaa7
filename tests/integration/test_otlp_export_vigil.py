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
from otlp_export_sink import (HOSTNAME, OPTIONAL_AGENT_KEYS, Agent, metric,  # noqa: E402
                              require_node, send_with_sdk)
from test_otlp_sdk import SIGNALS, compare, parse_stdout  # noqa: E402
from vigil_process import temp_dir  # noqa: E402


class VigilToVigilTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_node("test_otlp_export_vigil")

    def run_pair(self, protocol, compression, extra=""):
        """A -> B over `protocol`; returns how many requests A's exporter sent."""
        with temp_dir() as d:
            agents = {}
            try:
                agents["b"] = Agent(d, "[exporters.stdout]", name="b",
                                    resource={"it.b": "from-b"})
                b = agents["b"]
                target = b.grpc_port if protocol == "grpc" else b.http_port
                agents["a"] = Agent(d, (
                    f'[[exporters.otlp]]\nname = "to-b"\nprotocol = "{protocol}"\n'
                    f'compression = "{compression}"\n'
                    f'endpoint = "http://127.0.0.1:{target}"\n{extra}'),
                    name="a", resource={"it.a": "from-a"})
                run_id = f"it-v2v-{protocol.replace('/', '-')}-{compression}-{os.getpid()}"
                sent = send_with_sdk(f"http://127.0.0.1:{agents['a'].http_port}", run_id)
                total = sum(len(sent[s]) for s in SIGNALS)
                # A's receiver answered once B took everything; B prints it soon after.
                b.vigil.wait_for(lambda: len([l for l in b.vigil.stdout() if l.strip()]) >= total,
                                 30, f"{total} items on B's stdout")
                counters = agents["a"].metrics()
                sent_by_a = sum(metric(counters, "vigil_sent_items_total",
                                       component="otlp/to-b", signal=s) for s in SIGNALS)
                self.assertEqual(sent_by_a, total)
                requests = sum(_requests(counters).values())
                for name in ("a", "b"):
                    self.assertEqual(agents[name].stop(), 0,
                                     "\n".join(agents[name].vigil.stderr()))
            finally:
                for agent in agents.values():
                    agent.stop()
            got, problems = parse_stdout(agents["b"].vigil.stdout())
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
