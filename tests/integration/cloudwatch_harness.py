"""Shared pieces of the CloudWatch integration tests: the real vigil binary with an OTLP receiver
in front and a [[exporters.cloudwatch]] pointed at cloudwatch_server.CloudWatchServer, OTLP/JSON
request builders, and a reader of vigil's /metrics."""

import http.client
import json
import os
import re
import tempfile
import threading
import time
import unittest

from cloudwatch_server import CloudWatchServer
from vigil_process import Vigil, free_port, http_get

ACCESS_KEY = "AKIDVIGILTEST"
SECRET_KEY = "vigil/secret+KEY/example"
HOSTNAME = "vigil-it"
COMPONENT = "cloudwatch/cw"


def clean_env(extra=None):
    """The environment without the caller's AWS settings (no profile, IMDS or region leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials"
    env["AWS_CONFIG_FILE"] = "/nonexistent/config"
    env.update(extra or {})
    return env


class CloudWatchVigil:
    """vigil with an OTLP/HTTP receiver and one CloudWatch exporter ("cw")."""

    def __init__(self, tmp, server, exporter_toml="", data_dir=None, explicit_keys=True,
                 retry_toml=None, ack_timeout="60s", env=None, collectors_toml=""):
        self.http_port = free_port()
        self.api_port = free_port()
        self.data_dir = data_dir or os.path.join(tmp, "data")
        keys = ('access_key_id = "${CW_ACCESS_KEY}"\nsecret_access_key = "${CW_SECRET_KEY}"\n'
                if explicit_keys else "")
        retry = retry_toml if retry_toml is not None else (
            'initial_interval = "100ms"\nmax_interval = "400ms"\n')
        config = f"""
[agent]
hostname = "{HOSTNAME}"
data_dir = "{self.data_dir}"
shutdown_timeout = "10s"

[agent.api]
listen = "127.0.0.1:{self.api_port}"

[collectors.otlp]
http_listen = "127.0.0.1:{self.http_port}"
grpc_listen = ""
ack_timeout = "{ack_timeout}"
{collectors_toml}
[[exporters.cloudwatch]]
name = "cw"
region = "{server.region}"
endpoint = "{server.url}"
{keys}{exporter_toml}

[exporters.cloudwatch.retry]
{retry}
"""
        self.config_path = os.path.join(tmp, f"agent-{self.http_port}.toml")
        with open(self.config_path, "w") as f:
            f.write(config)
        variables = {"CW_ACCESS_KEY": ACCESS_KEY, "CW_SECRET_KEY": SECRET_KEY}
        self.vigil = Vigil(["run", "-c", self.config_path], env=clean_env({**variables, **(env or {})}))
        self.vigil.wait_for(self._ready, 60, "vigil ready")

    def _ready(self):
        try:
            return http_get(f"http://127.0.0.1:{self.api_port}/readyz", timeout=2)[0] == 200
        except OSError:
            return False

    def post(self, signal, payload, timeout=90):
        """POSTs an OTLP/JSON request; returns the HTTP status (200 once it was delivered)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        try:
            conn.request("POST", f"/v1/{signal}", body=json.dumps(payload).encode(),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            return r.status
        finally:
            conn.close()

    def post_async(self, signal, payload):
        """POSTs in the background (the answer waits for delivery, which a fault may delay)."""
        result = {}
        thread = threading.Thread(target=lambda: result.setdefault(
            "status", self.post(signal, payload)), daemon=True)
        thread.start()
        return thread, result

    def metrics_text(self):
        status, body = http_get(f"http://127.0.0.1:{self.api_port}/metrics")
        assert status == 200, body
        return body

    def counter(self, name, **labels):
        """Sum of the samples of `name` whose labels include `labels`."""
        total = 0.0
        for line in self.metrics_text().splitlines():
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
            if not m or m.group(1) != name:
                continue
            found = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(m.group(4))
        return total

    def wait_for(self, predicate, timeout, what):
        self.vigil.wait_for(predicate, timeout, what)

    def stderr(self):
        return "\n".join(self.vigil.stderr())

    def stop(self):
        return self.vigil.stop()


class CloudWatchTestCase(unittest.TestCase):
    """A test server per test, and vigil started by start() with an exporter pointed at it."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="vigil-cw-")
        self.server = CloudWatchServer().start()
        self.vigil = None

    def tearDown(self):
        if self.vigil is not None:
            self.vigil.stop()
        self.server.stop()
        self.tmp.cleanup()

    def start(self, exporter_toml="", **kwargs):
        if self.vigil is not None:
            self.vigil.stop()
        self.vigil = CloudWatchVigil(self.tmp.name, self.server, exporter_toml, **kwargs)
        return self.vigil


def wait_until(predicate, timeout, what, vigil=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" +
                         (f"; vigil stderr:\n{vigil.stderr()}" if vigil else ""))


# -- OTLP/JSON builders ------------------------------------------------------------------------

def now_ns():
    return time.time_ns()


def attributes(attrs):
    return [{"key": k, "value": {"stringValue": v}} for k, v in (attrs or {}).items()]


def number_point(value, time_ns, attrs=None, start_ns=None):
    p = {"timeUnixNano": str(time_ns), "asDouble": value, "attributes": attributes(attrs)}
    if start_ns is not None:
        p["startTimeUnixNano"] = str(start_ns)
    return p


def gauge(name, unit, points):
    return {"name": name, "unit": unit, "gauge": {"dataPoints": points}}


def counter(name, unit, points, monotonic=True, temporality=2):
    return {"name": name, "unit": unit,
            "sum": {"dataPoints": points, "aggregationTemporality": temporality,
                    "isMonotonic": monotonic}}


def histogram(name, unit, points, temporality=1):
    return {"name": name, "unit": unit,
            "histogram": {"dataPoints": points, "aggregationTemporality": temporality}}


def metrics_request(metrics, resource=None):
    return {"resourceMetrics": [{"resource": {"attributes": attributes(resource)},
                                 "scopeMetrics": [{"scope": {"name": "it"}, "metrics": metrics}]}]}


def log_record(body, time_ns, attrs=None):
    r = {"body": {"stringValue": body}, "attributes": attributes(attrs)}
    if time_ns is not None:
        r["timeUnixNano"] = str(time_ns)
    return r


def logs_request(records, resource=None):
    return {"resourceLogs": [{"resource": {"attributes": attributes(resource)},
                              "scopeLogs": [{"scope": {"name": "it"}, "logRecords": records}]}]}
