"""Acceptance 1 of the OTLP exporter: independent decoding, every protocol and compression.

The real OpenTelemetry JS SDK (otel-js/send.mjs) sends spans, logs and metrics to vigil's OTLP
receiver; vigil forwards them through eleven [[exporters.otlp]] (http/protobuf, http/json and gRPC,
each with none, gzip and zstd, plus gRPC gzip checked on the wire and a batch cut by
max_request_size) to the Node test sink (otel-js/sink.mjs), which decompresses with node's zlib
and the zstd command, speaks gRPC through @grpc/grpc-js or node's http2, and decodes every
request with the protobufjs code @opentelemetry/otlp-transformer@0.52.1 generated from the
official protos. Each exporter's stream is compared with what the SDK sent, item by item
(test_otlp_sdk.compare: canonical OTLP/JSON, vigil's resource attributes accounted for)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from otlp_export_sink import (AGENT_ATTRS, OPTIONAL_AGENT_KEYS, Agent, NodeSink,  # noqa: E402
                              metric, require_node, send_with_sdk, without_newer_fields)
from test_otlp_sdk import SIGNALS, compare, split_request  # noqa: E402
from vigil_process import run_vigil, temp_dir  # noqa: E402

THRESHOLD = 1024  # exporters/otlp: bodies below this go out uncompressed
SECRET = "it-secret-6f1d"

# name -> (protocol, compression, sink transport, extra TOML)
EXPORTERS = {
    "hp-none": ("http/protobuf", "none", "http", ""),
    "hp-gzip": ("http/protobuf", "gzip", "http", ""),
    "hp-zstd": ("http/protobuf", "zstd", "http", ""),
    "hj-none": ("http/json", "none", "http", ""),
    "hj-gzip": ("http/json", "gzip", "http", ""),
    "hj-zstd": ("http/json", "zstd", "http", "per-signal"),
    "g-none": ("grpc", "none", "grpc-js", ""),
    "g-gzip": ("grpc", "gzip", "grpc-js", ""),
    "g-zstd": ("grpc", "zstd", "h2grpc", ""),
    "g-gzip-wire": ("grpc", "gzip", "h2grpc", ""),
    "hp-split": ("http/protobuf", "gzip", "http", 'max_request_size = "2KiB"'),
}
CONTENT_TYPES = {"http/protobuf": "application/x-protobuf", "http/json": "application/json"}


def exporter_toml(name, sink):
    protocol, compression, _, extra = EXPORTERS[name]
    base = sink.url(name)
    lines = ['[[exporters.otlp]]', f'name = "{name}"', f'protocol = "{protocol}"',
             f'compression = "{compression}"']
    if extra == "per-signal":
        lines += [f'endpoint = "{base}/unused"'] + [
            f'{s}_endpoint = "{base}/custom/{s}/v1/{s}"' for s in ("traces", "metrics", "logs")]
    elif protocol == "grpc":
        lines.append(f'endpoint = "{base}"')
    else:
        lines.append(f'endpoint = "{base}/otlp/"')
        if extra:
            lines.append(extra)
    lines += ["[exporters.otlp.headers]", '"X-Vigil-Test" = "${VIGIL_IT_SECRET}"']
    return "\n".join(lines)



class OtlpExportIndependentDecodingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_node("test_otlp_export")

    def test_every_protocol_and_compression(self):
        sink = NodeSink([{"name": n, "transport": e[2]} for n, e in EXPORTERS.items()])
        env = dict(os.environ, VIGIL_IT_SECRET=SECRET)
        try:
            with temp_dir() as d:
                agent = Agent(d, "\n".join(exporter_toml(name, sink) for name in EXPORTERS),
                              env=env, before_start=lambda path: self.check_redacted(path, env))
                try:
                    run_id = f"it-export-{os.getpid()}"
                    sent = send_with_sdk(f"http://127.0.0.1:{agent.http_port}", run_id)
                    total = sum(len(sent[s]) for s in SIGNALS)
                    self.assertGreater(total, 30)
                    # The receiver answered once every exporter delivered: all is at the sink.
                    counters = agent.metrics()
                    for name in EXPORTERS:
                        got = sum(metric(counters, "vigil_sent_items_total",
                                         component=f"otlp/{name}", signal=s) for s in SIGNALS)
                        self.assertEqual(got, total, f"{name}: vigil_sent_items_total")
                        self.assertEqual(metric(counters, "vigil_dropped_items_total",
                                                component=f"otlp/{name}"), 0)
                    self.assertEqual(agent.stop(), 0, "\n".join(agent.vigil.stderr()))
                finally:
                    agent.stop()
            expected = without_newer_fields({s: sent[s] for s in SIGNALS})
            problems = []
            for name in EXPORTERS:
                problems += [f"{name}: {p}" for p in self.check_exporter(name, sink, expected)]
            if problems:
                self.fail(f"{len(problems)} problem(s):\n" + "\n".join(problems))
        finally:
            sink.stop()

    def check_redacted(self, path, env):
        r = run_vigil(["check", "-c", path], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(SECRET, r.stdout + r.stderr)
        self.assertIn('X-Vigil-Test = "<redacted>"', r.stdout)

    def check_exporter(self, name, sink, expected):
        protocol, compression, transport, extra = EXPORTERS[name]
        records = sink.requests(name)
        problems = []
        if not records:
            return ["no requests arrived"]
        got = {s: [] for s in SIGNALS}
        compressed = 0
        for r in records:
            where = f"{r['signal']} request ({r.get('messageBytes')} bytes)"
            problems += [f"{where}: {e}" for e in r["errors"]]
            if r.get("request") is None:
                continue
            got[r["signal"]] += split_request(r["signal"], r["request"])
            headers = r["headers"]
            if headers.get("x-vigil-test") != SECRET:
                problems.append(f"{where}: header X-Vigil-Test is {headers.get('x-vigil-test')!r}")
            if transport == "http":
                if extra == "per-signal":
                    want_path = f"/custom/{r['signal']}/v1/{r['signal']}"
                else:
                    want_path = f"/otlp/v1/{r['signal']}"
                if r["path"] != want_path or r["method"] != "POST":
                    problems.append(f"{where}: {r['method']} {r['path']}, expected POST {want_path}")
                if headers.get("content-type") != CONTENT_TYPES[protocol]:
                    problems.append(f"{where}: content-type {headers.get('content-type')}")
                if not headers.get("user-agent", "").startswith("vigil/"):
                    problems.append(f"{where}: user-agent {headers.get('user-agent')}")
                wire_codec = r["contentEncoding"] or "none"
            elif transport == "h2grpc":
                wire_codec = r["contentEncoding"] if r["compressed"] else "none"
                if r["compressed"] and r["contentEncoding"] != compression:
                    problems.append(f"{where}: grpc-encoding {r['contentEncoding']}")
            else:
                wire_codec = None  # grpc-js decompresses out of sight
            if wire_codec is not None:
                want = compression if r["messageBytes"] >= THRESHOLD else "none"
                if wire_codec != want:
                    problems.append(f"{where}: sent with {wire_codec}, expected {want} "
                                    f"(threshold {THRESHOLD} bytes)")
                compressed += wire_codec != "none"
            if "max_request_size" in extra:
                items = len(split_request(r["signal"], r["request"]))
                if r["messageBytes"] > 2048 and items > 1:
                    problems.append(f"{where}: {items} items in more than max_request_size")
        if compression != "none" and transport != "grpc-js" and compressed == 0:
            problems.append("no request was compressed: the test did not exercise compression")
        if "max_request_size" in extra and len(records) <= len(sink.requests("hp-none")):
            problems.append(f"max_request_size cut nothing ({len(records)} requests)")
        problems += compare(expected, got, agent_attrs=AGENT_ATTRS,
                            optional_agent_keys=OPTIONAL_AGENT_KEYS)
        return problems


if __name__ == "__main__":
    unittest.main()
