#!/usr/bin/python3
"""Writes the OTLP receiver benchmark's requests into tests/data/otlp-bench/ (run once; the
files are committed): an ExportTraceServiceRequest of 100 spans with 10 attributes each,
encoded by protoc from text format (traces_100x10.binpb),
and the same request in OTLP/JSON (traces_100x10.json). The attributes mix the value types an
instrumented HTTP server sets (strings, ints, a double, a bool).

Usage: tests/bench/make_otlp_bench_data.py [SOURCE_DIR]"""

import json
import os
import subprocess
import sys

SOURCE_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(SOURCE_DIR, "tests", "data", "otlp-bench")
SPANS = 100
BASE = 1_700_000_000_000_000_000


def attributes(i):
    """(key, JSON AnyValue, text AnyValue) x 10."""
    return [
        ("http.request.method", {"stringValue": "GET"}, 'string_value: "GET"'),
        ("url.path", {"stringValue": f"/api/v1/items/{i}"}, f'string_value: "/api/v1/items/{i}"'),
        ("http.response.status_code", {"intValue": "200"}, "int_value: 200"),
        ("server.address", {"stringValue": "shop.example.com"}, 'string_value: "shop.example.com"'),
        ("server.port", {"intValue": "8443"}, "int_value: 8443"),
        ("network.protocol.version", {"stringValue": "1.1"}, 'string_value: "1.1"'),
        ("user_agent.original", {"stringValue": "Mozilla/5.0 (X11; Linux x86_64)"},
         'string_value: "Mozilla/5.0 (X11; Linux x86_64)"'),
        ("client.address", {"stringValue": f"10.0.{i % 256}.7"}, f'string_value: "10.0.{i % 256}.7"'),
        ("app.cache.hit_ratio", {"doubleValue": 0.25 + i / 1000}, f"double_value: {0.25 + i / 1000!r}"),
        ("app.feature.enabled", {"boolValue": i % 2 == 0}, f"bool_value: {'true' if i % 2 == 0 else 'false'}"),
    ]


def ids(i):
    trace_id = bytes([0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e,
                      (i >> 8) & 0xFF, i & 0xFF])
    span_id = bytes([0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, (i >> 8) & 0xFF, (i & 0xFF) | 1])
    parent = bytes([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08])
    return trace_id, span_id, parent


def octal(raw):
    return '"' + "".join(f"\\{b:03o}" for b in raw) + '"'


def main():
    os.makedirs(OUT, exist_ok=True)
    text_spans, json_spans = [], []
    for i in range(SPANS):
        trace_id, span_id, parent = ids(i)
        attrs = attributes(i)
        start, end = BASE + i * 1_000_000, BASE + i * 1_000_000 + 250_000
        text_spans.append(
            f"  spans {{\n    trace_id: {octal(trace_id)}\n    span_id: {octal(span_id)}\n"
            f"    parent_span_id: {octal(parent)}\n    name: \"GET /api/v1/items/{{id}}\"\n"
            f"    kind: SPAN_KIND_SERVER\n    start_time_unix_nano: {start}\n"
            f"    end_time_unix_nano: {end}\n" +
            "".join(f"    attributes {{ key: \"{k}\" value {{ {t} }} }}\n" for k, _, t in attrs) +
            "    status { code: STATUS_CODE_OK }\n  }\n")
        json_spans.append({
            "traceId": trace_id.hex(), "spanId": span_id.hex(), "parentSpanId": parent.hex(),
            "name": "GET /api/v1/items/{id}", "kind": 2,
            "startTimeUnixNano": str(start), "endTimeUnixNano": str(end),
            "attributes": [{"key": k, "value": v} for k, v, _ in attrs],
            "status": {"code": 1}})
    resource = [("service.name", "shop-frontend"), ("service.version", "2.4.1"),
                ("deployment.environment.name", "production")]
    text = ("resource_spans {\n  resource {\n" +
            "".join(f"    attributes {{ key: \"{k}\" value {{ string_value: \"{v}\" }} }}\n"
                    for k, v in resource) +
            "  }\n  scope_spans {\n  scope { name: \"io.opentelemetry.http\" version: \"1.28.0\" }\n" +
            "".join(text_spans) + "  }\n}\n")
    doc = {"resourceSpans": [{
        "resource": {"attributes": [{"key": k, "value": {"stringValue": v}} for k, v in resource]},
        "scopeSpans": [{"scope": {"name": "io.opentelemetry.http", "version": "1.28.0"},
                        "spans": json_spans}]}]}
    proto_dir = os.path.join(SOURCE_DIR, "agent", "proto")
    binary = subprocess.run(
        ["protoc", "-I", proto_dir,
         "--encode=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
         "opentelemetry/proto/collector/trace/v1/trace_service.proto"],
        input=text.encode(), capture_output=True, check=True).stdout
    with open(os.path.join(OUT, "traces_100x10.binpb"), "wb") as f:
        f.write(binary)
    with open(os.path.join(OUT, "traces_100x10.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"{OUT}: binpb {len(binary)} bytes, json {os.path.getsize(os.path.join(OUT, 'traces_100x10.json'))} bytes")


if __name__ == "__main__":
    main()
