"""`vigil run` with agent.toml.example: serves its API, prints OTLP JSON lines, reloads on
SIGHUP (keeping the old config when the new one is broken) and drains on SIGTERM with exit 0."""

import json
import os
import re
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_process import SOURCE_DIR, Vigil, free_port, http_get, run_vigil, temp_dir  # noqa: E402


def example_config(api_port, interval="1s"):
    """agent.toml.example with only its ports and the scrape interval changed (so the test is
    fast and cannot collide with another process on 8686, 4317, 4318 or 9464)."""
    with open(os.path.join(SOURCE_DIR, "agent.toml.example")) as f:
        text = f.read()
    replacements = {
        'listen = "127.0.0.1:8686"': f'listen = "127.0.0.1:{api_port}"',
        'listen = "127.0.0.1:9464"': f'listen = "127.0.0.1:{free_port()}"',
        'http_listen = "127.0.0.1:4318"': f'http_listen = "127.0.0.1:{free_port()}"',
        'grpc_listen = "127.0.0.1:4317"': f'grpc_listen = "127.0.0.1:{free_port()}"',
        'interval = "10s"': f'interval = "{interval}"',
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def metrics_lines(vigil):
    out = []
    for line in vigil.stdout():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def internal_lines(vigil):
    return [line for line in metrics_lines(vigil)
            if line["resourceMetrics"][0]["scopeMetrics"][0]["scope"].get("name") == "vigil"]


class AgentRunTest(unittest.TestCase):
    def test_run_serve_reload_and_drain(self):
        with temp_dir() as d:
            port = free_port()
            path = os.path.join(d, "agent.toml")
            with open(path, "w") as f:
                f.write(example_config(port))
            vigil = Vigil(["run", "-c", path])
            try:
                base = f"http://127.0.0.1:{port}"
                vigil.wait_for(lambda: http_get(base + "/readyz")[0] == 200 if _up(base) else False,
                               20, "/readyz 200")
                self.assertEqual(http_get(base + "/healthz"), (200, "ok\n"))
                # libcurl and libcrypto are loaded on first use: nothing in the example sends a
                # request, checks a bearer token or signs, so neither is mapped.
                with open(f"/proc/{vigil.proc.pid}/maps") as f:
                    mapped = {line.split()[-1] for line in f if "/" in line}
                for library in ("libcurl", "libcrypto", "libssl"):
                    self.assertFalse([m for m in mapped if library in os.path.basename(m)],
                                     f"{library} is mapped: {sorted(mapped)}")

                # The internal collector's metrics arrive on stdout as OTLP JSON lines (the
                # host collector's go to the pull endpoint only: the example's stdout takes
                # `from = ["internal", "otlp"]`).
                vigil.wait_for(lambda: len(internal_lines(vigil)) > 0, 20, "JSON lines on stdout")
                self.assertEqual([l for l in metrics_lines(vigil)
                                  if l not in internal_lines(vigil)], [],
                                 "only the internal collector's metrics on stdout")
                line = internal_lines(vigil)[0]
                rm = line["resourceMetrics"]
                self.assertEqual(len(rm), 1)
                attrs = {a["key"]: a["value"] for a in rm[0]["resource"]["attributes"]}
                self.assertIn("host.name", attrs)
                self.assertEqual(attrs["os.type"], {"stringValue": "linux"})
                metric = rm[0]["scopeMetrics"][0]["metrics"][0]
                self.assertTrue(metric["name"].startswith(("vigil_", "process_")), metric["name"])

                # /metrics: Prometheus text with self-metrics, including what stdout sent.
                vigil.wait_for(lambda: _sent(base) > 0, 20, "vigil_sent_items_total > 0")
                status, text = http_get(base + "/metrics")
                self.assertEqual(status, 200)
                for name in ("vigil_build_info", "process_resident_memory_bytes",
                             "process_cpu_seconds_total", "process_open_fds",
                             "vigil_queue_bytes", "vigil_received_items_total"):
                    self.assertRegex(text, rf"(?m)^{name}[{{ ]", name)
                status, body = http_get(base + "/status")
                self.assertEqual(status, 200)
                doc = json.loads(body)
                self.assertTrue(doc["ready"])
                self.assertEqual(sorted(e["id"] for e in doc["pipeline"]["exporters"]),
                                 ["prometheus", "stdout"])
                self.assertEqual(sorted(c["id"] for c in doc["pipeline"]["collectors"]),
                                 ["host", "internal", "otlp"])

                # SIGHUP with a broken file: logged, the old configuration keeps running.
                with open(path, "w") as f:
                    f.write("[agent\nbroken = \n")
                before = len(vigil.stdout())
                vigil.signal(signal.SIGHUP)
                vigil.wait_for(lambda: any("reload failed" in l for l in vigil.stderr()), 10,
                               "the reload failure in the log")
                self.assertTrue(any(re.search(r"agent\.toml:1:\d+: syntax error", l)
                                    for l in vigil.stderr()), "\n".join(vigil.stderr()))
                self.assertEqual(http_get(base + "/healthz"), (200, "ok\n"))
                vigil.wait_for(lambda: len(vigil.stdout()) > before + 1, 10,
                               "more output after the failed reload")

                # SIGHUP with a good new file: reloaded (new API port).
                port2 = free_port()
                with open(path, "w") as f:
                    f.write(example_config(port2))
                vigil.signal(signal.SIGHUP)
                vigil.wait_for(lambda: any("reloaded" in l for l in vigil.stderr()), 20,
                               "the reload")
                base2 = f"http://127.0.0.1:{port2}"
                vigil.wait_for(lambda: _up(base2) and http_get(base2 + "/readyz")[0] == 200, 10,
                               "/readyz on the new port")
                self.assertIn('vigil_config_reloads_total{result="failure"} 1',
                              http_get(base2 + "/metrics")[1])
                self.assertIn('vigil_config_reloads_total{result="success"} 1',
                              http_get(base2 + "/metrics")[1])
            finally:
                code = vigil.stop(timeout=40)
            self.assertEqual(code, 0, "\n".join(vigil.stderr()))
            self.assertTrue(any("drained" in l for l in vigil.stderr()), "\n".join(vigil.stderr()))

    def test_embedded_default_is_the_example(self):
        # `vigil check` without -c validates the built-in copy of agent.toml.example.
        r = run_vigil(["check"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[exporters.stdout]", r.stdout)
        self.assertIn("is valid", r.stderr)

    def test_check_reports_errors_with_position(self):
        with temp_dir() as d:
            path = os.path.join(d, "bad.toml")
            with open(path, "w") as f:
                f.write('[agent]\nshutdown_timeout = 10\n\n[exporters.stdout]\n')
            r = run_vigil(["check", "-c", path])
            self.assertEqual(r.returncode, 1)
            self.assertIn(f'{path}:2:20: agent.shutdown_timeout: expected a duration like "10s", got 10',
                          r.stderr)
            r = run_vigil(["run", "-c", path])
            self.assertEqual(r.returncode, 1)

    def test_check_refuses_an_address_in_use(self):
        import socket
        with socket.socket() as s, temp_dir() as d:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            path = os.path.join(d, "agent.toml")
            with open(path, "w") as f:
                f.write(f'[agent.api]\nlisten = "127.0.0.1:{port}"\n\n[exporters.stdout]\n')
            r = run_vigil(["check", "-c", path])
            self.assertEqual(r.returncode, 1)
            self.assertRegex(r.stderr, rf"{re.escape(path)}:2:10: agent\.api\.listen: cannot bind "
                             rf"127\.0\.0\.1:{port}: Address already in use")
            r = run_vigil(["run", "-c", path])
            self.assertEqual(r.returncode, 1)
            self.assertIn("address already in use", r.stderr)

    def test_cli_usage_and_version(self):
        r = run_vigil(["version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^vigil \d+\.\d+\.\d+")
        self.assertEqual(run_vigil(["frobnicate"]).returncode, 2)
        self.assertEqual(run_vigil(["run", "--bogus"]).returncode, 2)
        for cmd in (["--help"], ["run", "--help"], ["check", "--help"]):
            r = run_vigil(cmd)
            self.assertEqual(r.returncode, 0)
            self.assertIn("Usage", r.stdout)
        self.assertIn("Exit codes", run_vigil(["--help"]).stdout)


def _up(base):
    try:
        return http_get(base + "/healthz", timeout=1)[0] == 200
    except OSError:
        return False


def _sent(base):
    status, text = http_get(base + "/metrics")
    total = 0.0
    for m in re.finditer(r'(?m)^vigil_sent_items_total\{[^}]*component="stdout"[^}]*\} (\S+)$', text):
        total += float(m.group(1))
    return total


if __name__ == "__main__":
    unittest.main(verbosity=2)
