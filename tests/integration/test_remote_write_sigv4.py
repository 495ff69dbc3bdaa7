"""auth = "sigv4" on remote write (Amazon Managed Prometheus): every request reaches a local
stand-in of an AMP workspace signed for service "aps" in the configured region, and the stand-in
recomputes each signature with botocore (cloudwatch_server.botocore_authorization) over the
request exactly as received, snappy body included. A stand-in holding another secret refuses
with 403, which vigil treats as permanent (not retried)."""

import http.server
import os
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import cloudwatch_server  # noqa: E402
import otlp_requests as otlp  # noqa: E402
import remote_write_support as rw  # noqa: E402
from vigil_process import Vigil, free_port, temp_dir  # noqa: E402

RUN = uuid.uuid4().hex[:12]
ACCESS_KEY = "AKIDEXAMPLERW000001"
SECRET_KEY = "rw-secret/" + uuid.uuid4().hex
REGION = "eu-west-1"
PATH = "/workspaces/ws-1234/api/v1/remote_write"


class Workspace(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, secret):
        super().__init__(("127.0.0.1", 0), Handler)
        self.secret = secret
        self.lock = threading.Lock()
        self.verdicts = []  # (signature ok, decoded series)


class Handler(rw.TestReceiverHandler):
    def do_POST(self):
        body = self.read_body()
        auth = self.headers.get("Authorization", "")
        m = cloudwatch_server.AUTH_RE.match(auth)
        ok = False
        if m and self.path == PATH:
            key, _, region, service, signed, _ = m.groups()
            headers = {name: ",".join(self.headers.get_all(name) or []) for name in signed.split(";")}
            expected = cloudwatch_server.botocore_authorization(
                "POST", f"http://{self.headers.get('Host')}{self.path}", headers, body, key,
                self.server.secret, None, "aps", REGION, self.headers.get("X-Amz-Date", ""))
            ok = (key == ACCESS_KEY and region == REGION and service == "aps" and
                  "content-encoding" in signed.split(";") and expected == auth)
        series = rw.decode_write_request(rw.snappy_decompress(body))
        with self.server.lock:
            self.server.verdicts.append((ok, series))
        if ok:
            self.answer(204)
        else:
            self.answer(403, b'{"message":"signature mismatch"}')


def run_once(secret):
    """Sends one gauge through vigil to a workspace that holds `secret`; returns
    (verdicts, dropped, retries, stderr) once vigil has exited 0."""
    workspace = Workspace(secret)
    threading.Thread(target=workspace.serve_forever, daemon=True).start()
    try:
        with temp_dir() as work:
            api, http_port, grpc_port = free_port(), free_port(), free_port()
            exporter = (
                '[[exporters.prometheus_remote_write]]\nname = "amp"\n'
                f'url = "http://127.0.0.1:{workspace.server_address[1]}{PATH}"\n'
                f'auth = "sigv4"\nregion = "{REGION}"\n'
                'access_key_id = "${RW_ACCESS_KEY}"\nsecret_access_key = "${RW_SECRET_KEY}"\n'
                f'external_labels = {{ rw_run = "{RUN}" }}\n'
                '[exporters.prometheus_remote_write.retry]\ninitial_interval = "100ms"\n')
            config = os.path.join(work, "agent.toml")
            with open(config, "w") as f:
                f.write(otlp.receiver_config(work, api, http_port, grpc_port, exporter=exporter))
            env = dict(os.environ, RW_ACCESS_KEY=ACCESS_KEY, RW_SECRET_KEY=SECRET_KEY)
            for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                         "AWS_SESSION_TOKEN"):
                env.pop(name, None)
            vigil = Vigil(["run", "-c", config], env=env)
            try:
                otlp.wait_ready(api, vigil.proc)
                body = rw.metrics_request({"service.name": "amp-test"}, [
                    rw.gauge("rw.signed", "", [rw.number_point(3.25, rw.now_ns())])])
                otlp.post(http_port, "/v1/metrics", body, content_type=otlp.JSON)
                component = "prometheus_remote_write/amp"
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    sent = otlp.self_metric(api, "vigil_sent_items_total", component=component)
                    dropped = otlp.self_metric(api, "vigil_dropped_items_total",
                                               component=component)
                    if sent + dropped >= 1:
                        break
                    time.sleep(0.05)
                time.sleep(0.5)  # room for a retry that must not happen
                retries = otlp.self_metric(api, "vigil_retries_total", component=component)
            finally:
                exit_code = vigil.stop()
            with workspace.lock:
                verdicts = list(workspace.verdicts)
            stderr = "\n".join(vigil.stderr())
            if exit_code != 0:
                raise AssertionError(f"vigil exited {exit_code}:\n{stderr}")
            return verdicts, dropped, retries, stderr
    finally:
        workspace.shutdown()
        workspace.server_close()


class RemoteWriteSigV4(unittest.TestCase):
    def test_requests_are_signed_for_aps(self):
        verdicts, dropped, retries, stderr = run_once(SECRET_KEY)
        self.assertEqual(len(verdicts), 1, stderr)
        ok, series = verdicts[0]
        self.assertTrue(ok, stderr)
        names = [dict(labels)["__name__"] for labels, _ in series]
        self.assertIn("rw_signed", names)
        self.assertEqual(dropped, 0)
        self.assertEqual(retries, 0)
        self.assertNotIn(SECRET_KEY, stderr)

    def test_a_wrong_signature_is_refused_and_not_retried(self):
        verdicts, dropped, retries, stderr = run_once("another-secret")
        self.assertEqual([ok for ok, _ in verdicts], [False])
        self.assertEqual(dropped, 1)  # the batch's one point
        self.assertEqual(retries, 0)
        self.assertIn("HTTP 403 Forbidden", stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
