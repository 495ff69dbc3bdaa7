"""auth = "sigv4" on the OTLP exporter (AWS X-Ray's OTLP endpoint, https://xray.<region>.
amazonaws.com/v1/traces, service "xray"): every request reaches a local stand-in signed in the
configured region, and the stand-in recomputes each signature with botocore
(cloudwatch_server.botocore_authorization) over the request exactly as received: the gzip body
(compressed first, then signed), Content-Encoding and the session token among the signed
headers. The span arrives intact (gunzipped by Python, decoded by protoc). A stand-in holding
another secret answers 403, which the exporter treats as permanent: dropped, not retried."""

import gzip
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import cloudwatch_server  # noqa: E402
from otlp_export_sink import Agent, metric  # noqa: E402
from vigil_process import SOURCE_DIR, temp_dir  # noqa: E402

ACCESS_KEY = "AKIDEXAMPLEOTLP00001"
SECRET_KEY = "otlp-secret/" + uuid.uuid4().hex
SESSION_TOKEN = "otlp-session-" + uuid.uuid4().hex
REGION = "us-west-2"
SPAN_NAME = "signed-span-" + uuid.uuid4().hex[:8]


class XRayStandIn(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, secret):
        super().__init__(("127.0.0.1", 0), Handler)
        self.secret = secret
        self.lock = threading.Lock()
        self.verdicts = []  # (signature ok, why, plain body)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization", "")
        m = cloudwatch_server.AUTH_RE.match(auth)
        ok, why = False, "no SigV4 Authorization header"
        if m:
            key, _, region, service, signed, _ = m.groups()
            names = signed.split(";")
            headers = {n: ",".join(self.headers.get_all(n) or []) for n in names}
            expected = cloudwatch_server.botocore_authorization(
                "POST", f"http://{self.headers.get('Host')}{self.path}", headers, body, key,
                self.server.secret, self.headers.get("X-Amz-Security-Token"), "xray", REGION,
                self.headers.get("X-Amz-Date", ""))
            checks = {
                "path": self.path == "/v1/traces",
                "key": key == ACCESS_KEY,
                "region": region == REGION,
                "service": service == "xray",
                "content-encoding signed": "content-encoding" in names,
                "token signed": "x-amz-security-token" in names and
                                self.headers.get("X-Amz-Security-Token") == SESSION_TOKEN,
                "signature": expected == auth,
            }
            failed = [k for k, v in checks.items() if not v]
            ok, why = not failed, ", ".join(failed)
        plain = gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body
        with self.server.lock:
            self.server.verdicts.append((ok, why, plain))
        answer = b"" if ok else b'{"message":"The request signature we calculated does not match"}'
        self.send_response(200 if ok else 403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def span_request():
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "name": SPAN_NAME, "kind": 2, "startTimeUnixNano": "1700000000000000000",
            "endTimeUnixNano": "1700000000500000000",
            # Enough attributes to pass the 1 KiB compression threshold.
            "attributes": [{"key": f"attr.{i}", "value": {"stringValue": "v" * 40}}
                           for i in range(30)]}
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "sigv4-it"}}]},
        "scopeSpans": [{"scope": {"name": "it"}, "spans": [span]}]}]}).encode()


def run_once(secret):
    """One span through vigil to a stand-in that holds `secret`; returns (verdicts, counters,
    stderr)."""
    stand_in = XRayStandIn(secret)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    try:
        with temp_dir() as work:
            env = dict(os.environ, IT_ACCESS_KEY=ACCESS_KEY, IT_SECRET_KEY=SECRET_KEY,
                       IT_SESSION_TOKEN=SESSION_TOKEN, HOME=work)
            for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                         "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
                env.pop(name, None)
            agent = Agent(work, f"""
[[exporters.otlp]]
name = "xray"
endpoint = "http://127.0.0.1:{stand_in.server_address[1]}"
signals = ["traces"]
auth = "sigv4"
service = "xray"
region = "{REGION}"
access_key_id = "${{IT_ACCESS_KEY}}"
secret_access_key = "${{IT_SECRET_KEY}}"
session_token = "${{IT_SESSION_TOKEN}}"
[exporters.otlp.retry]
initial_interval = "100ms"
""", env=env)
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{agent.http_port}/v1/traces", data=span_request(),
                    headers={"Content-Type": "application/json"})
                try:
                    urllib.request.urlopen(request, timeout=30).read()
                except OSError:
                    pass  # a refused export is answered with an error; the stand-in saw it

                def counters():
                    text = agent.metrics()
                    return {k: metric(text, name, component="otlp/xray", **labels)
                            for k, (name, labels) in {
                                "sent": ("vigil_sent_items_total", {"signal": "traces"}),
                                "dropped": ("vigil_dropped_items_total",
                                            {"reason": "permanent_error"}),
                                "retries": ("vigil_retries_total", {})}.items()}
                agent.vigil.wait_for(lambda: counters()["sent"] + counters()["dropped"] >= 1, 30,
                                     "the span to be sent or dropped")
                time.sleep(0.5)  # room for a retry that must not happen
                final = counters()
            finally:
                agent.stop()
            with stand_in.lock:
                verdicts = list(stand_in.verdicts)
            return verdicts, final, "\n".join(agent.vigil.stderr())
    finally:
        stand_in.shutdown()
        stand_in.server_close()


def protoc_decode(body):
    r = subprocess.run(
        ["protoc", "-I", os.path.join(SOURCE_DIR, "agent", "proto"),
         "--decode=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
         "opentelemetry/proto/collector/trace/v1/trace_service.proto"],
        input=body, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"protoc --decode failed: {r.stderr.decode()}")
    return r.stdout.decode()


class OtlpExportSigV4Test(unittest.TestCase):
    def test_requests_are_signed_for_xray(self):
        verdicts, counters, stderr = run_once(SECRET_KEY)
        self.assertEqual(len(verdicts), 1, stderr)
        ok, why, plain = verdicts[0]
        self.assertTrue(ok, f"signature check failed: {why}\n{stderr}")
        self.assertIn(f'name: "{SPAN_NAME}"', protoc_decode(plain))
        self.assertEqual(counters, {"sent": 1, "dropped": 0, "retries": 0})
        self.assertNotIn(SECRET_KEY, stderr)
        self.assertNotIn(SESSION_TOKEN, stderr)

    def test_a_wrong_signature_is_refused_and_not_retried(self):
        verdicts, counters, stderr = run_once("another-secret")
        self.assertEqual(len(verdicts), 1, stderr)
        self.assertFalse(verdicts[0][0])
        self.assertEqual(counters, {"sent": 0, "dropped": 1, "retries": 0})
        self.assertIn("HTTP 403 Forbidden", stderr)


if __name__ == "__main__":
    unittest.main()
