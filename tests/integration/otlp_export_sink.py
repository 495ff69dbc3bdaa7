"""Helpers for the OTLP exporter's integration tests (test_otlp_export*.py): the Node test sink
(otel-js/sink.mjs, which decodes what vigil sends with @opentelemetry/otlp-transformer@0.52.1's
generated protobufjs code and answers from a script), the OpenTelemetry JS SDK client
(otel-js/send.mjs) that feeds vigil's receiver, and vigil's self-metrics."""

import json
import os
import re
import shutil
import subprocess
import threading
import time
import unittest

from vigil_process import SOURCE_DIR, Vigil, free_port, http_get

JS_DIR = os.path.join(SOURCE_DIR, "tests", "integration", "otel-js")
NODE = shutil.which("node")
HOSTNAME = "vigil-it-host.example"
AGENT_ATTRS = {"host.name": HOSTNAME, "os.type": "linux"}
OPTIONAL_AGENT_KEYS = ("container.id",)


def require_node(test_name):
    """Skips (with the reason printed) without node; fails when the npm packages are missing."""
    if NODE is None:
        print(f"SKIP {test_name}: node is not installed (packaging/install-deps.sh installs it)")
        raise unittest.SkipTest("node is not installed")
    for package in ("@opentelemetry/otlp-transformer/build/src/generated/root.js",
                    "@grpc/grpc-js/package.json",
                    "@opentelemetry/exporter-trace-otlp-grpc/package.json"):
        if not os.path.isfile(os.path.join(JS_DIR, "node_modules", package)):
            raise AssertionError(f"npm package file {package} missing in {JS_DIR}/node_modules: "
                                 f"run `npm ci --no-audit --no-fund` there (packaging/dev.sh test does)")


class NodeSink:
    """otel-js/sink.mjs with the given endpoints ({"name", "transport", "script"}); collects the
    JSON lines it prints."""

    def __init__(self, endpoints):
        self.records = []
        self.ports = {}
        self._lock = threading.Lock()
        self._stderr = []
        self.proc = subprocess.Popen(
            [NODE, os.path.join(JS_DIR, "sink.mjs"), "--config",
             json.dumps({"endpoints": endpoints})],
            cwd=JS_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self._threads:
            t.start()
        self.wait_for(lambda: len(self.ports) == len(endpoints), 30, "the sink to listen")

    def _read_stdout(self):
        for line in self.proc.stdout:
            doc = json.loads(line)
            with self._lock:
                if doc["event"] == "listening":
                    self.ports[doc["name"]] = doc["port"]
                else:
                    self.records.append(doc)

    def _read_stderr(self):
        for line in self.proc.stderr:
            with self._lock:
                self._stderr.append(line.rstrip("\n"))

    def requests(self, name=None):
        with self._lock:
            return [r for r in self.records if name is None or r["name"] == name]

    def stderr(self):
        with self._lock:
            return "\n".join(self._stderr)

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"the sink exited ({self.proc.returncode}) while waiting for "
                                     f"{what}:\n{self.stderr()}")
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; sink stderr:\n"
                             f"{self.stderr()}")

    def url(self, name):
        return f"http://127.0.0.1:{self.ports[name]}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for t in self._threads:
            t.join(5)
        self.proc.stdout.close()
        self.proc.stderr.close()


def send_with_sdk(endpoint, run_id, protocol="http/protobuf"):
    """Runs otel-js/send.mjs against vigil's receiver; returns the document of what it sent."""
    proc = subprocess.run(
        [NODE, os.path.join(JS_DIR, "send.mjs"), "--protocol", protocol, "--endpoint", endpoint,
         "--run-id", run_id], cwd=JS_DIR, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"send.mjs failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout)


# Fields of current OTLP that @opentelemetry/otlp-transformer@0.52.1's schema (OTLP 1.3) does not
# have: its decoder drops them as unknown, so they are not compared with it (the vigil-to-vigil
# test compares them).
NEWER_THAN_DECODER = {"spans": {"flags"}, "links": {"flags"}, "logRecords": {"eventName"},
                      "metrics": {"metadata"}}


def without_newer_fields(value, parent=None):
    if isinstance(value, list):
        return [without_newer_fields(v, parent) for v in value]
    if isinstance(value, dict):
        drop = NEWER_THAN_DECODER.get(parent, set())
        return {k: without_newer_fields(v, k) for k, v in value.items() if k not in drop}
    return value


def metrics_text(api_base):
    status, body = http_get(f"{api_base}/metrics")
    if status != 200:
        raise AssertionError(f"/metrics answered {status}")
    return body


def metric(text, name, **labels):
    """The value of one sample of vigil's /metrics (0 when absent)."""
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return 0.0


def wait_ready(vigil, api_base, timeout=30):
    def ready():
        try:
            return http_get(f"{api_base}/readyz", timeout=2)[0] == 200
        except OSError:
            return False
    vigil.wait_for(ready, timeout, "/readyz 200")


class Agent:
    """A vigil with an OTLP receiver on free ports and the given exporters, started and ready.
    `resource`: its [agent.resource]; `env`: its environment (for ${VAR} in the config);
    `before_start`: called with the config's path before vigil starts."""

    def __init__(self, work_dir, exporters, name="agent", resource=None, env=None,
                 before_start=None):
        self.api, self.http_port, self.grpc_port = free_port(), free_port(), free_port()
        self.api_base = f"http://127.0.0.1:{self.api}"
        data_dir = os.path.join(work_dir, name)
        os.makedirs(data_dir, exist_ok=True)
        attrs = "\n".join(f'"{k}" = "{v}"' for k, v in (resource or {}).items())
        self.config_path = os.path.join(work_dir, f"{name}.toml")
        with open(self.config_path, "w") as f:
            f.write(f"""
[agent]
hostname = "{HOSTNAME}"
data_dir = "{data_dir}"
shutdown_timeout = "10s"
[agent.resource]
{attrs}
[agent.api]
listen = "127.0.0.1:{self.api}"
[collectors.otlp]
http_listen = "127.0.0.1:{self.http_port}"
grpc_listen = "127.0.0.1:{self.grpc_port}"
ack_timeout = "60s"
{exporters}
""")
        if before_start is not None:
            before_start(self.config_path)
        self.vigil = Vigil(["run", "-c", self.config_path], env=env)
        try:
            wait_ready(self.vigil, self.api_base)
        except BaseException:
            self.vigil.stop()
            raise

    def metrics(self):
        return metrics_text(self.api_base)

    def stop(self):
        """Stops vigil (once); returns its exit code."""
        if self.vigil.proc.returncode is None:
            return self.vigil.stop()
        return self.vigil.proc.returncode
