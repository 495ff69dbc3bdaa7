"""Helpers for the Prometheus pull endpoint's integration tests: a parser of text format 0.0.4
(independent of vigil's renderer), and the real peers (node_exporter, Prometheus) as processes."""

import os
import subprocess
import time
import urllib.error
import urllib.request

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


class Exposition:
    """A parsed text-format exposition: types by family, samples by (name, labels)."""

    def __init__(self):
        self.types = {}    # family name -> "counter" | "gauge" | ...
        self.helps = {}    # family name -> docstring (unescaped)
        self.samples = {}  # (name, frozenset of (label, value)) -> (value, timestamp_ms or None)

    def family_of(self, name):
        """The family a sample name belongs to (histogram/summary suffixes stripped)."""
        if name in self.types:
            return name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in self.types:
                return name[: -len(suffix)]
        return name

    def names(self):
        return {name for name, _ in self.samples}


def _unescape(text, quotes):
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "n":
                out.append("\n")
            elif n == "\\":
                out.append("\\")
            elif n == '"' and quotes:
                out.append('"')
            else:
                out.append(c + n)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _parse_labels(line, i):
    """Parses `{a="x",b="y"}` starting at line[i] == "{"; returns (labels dict, index after)."""
    labels = {}
    i += 1
    while True:
        while line[i] in " \t,":
            i += 1
        if line[i] == "}":
            return labels, i + 1
        eq = line.index("=", i)
        name = line[i:eq].strip()
        if line[eq + 1] != '"':
            raise ValueError(f"label value not quoted: {line!r}")
        j = eq + 2
        value = []
        while line[j] != '"':
            if line[j] == "\\":
                value.append(line[j:j + 2])
                j += 2
            else:
                value.append(line[j])
                j += 1
        if name in labels:
            raise ValueError(f"label {name} repeated: {line!r}")
        labels[name] = _unescape("".join(value), quotes=True)
        i = j + 1


def parse_value(text):
    if text in ("+Inf", "Inf"):
        return float("inf")
    if text == "-Inf":
        return float("-inf")
    return float(text)  # "NaN" included


def parse_text(body):
    """Parses text format 0.0.4 strictly enough for comparisons: every sample line must parse,
    and a name + label set may appear only once."""
    exp = Exposition()
    for line in body.split("\n"):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                exp.types[parts[2]] = parts[3].strip() if len(parts) > 3 else ""
            elif len(parts) >= 3 and parts[1] == "HELP":
                exp.helps[parts[2]] = _unescape(parts[3] if len(parts) > 3 else "", quotes=False)
            continue
        i = 0
        while i < len(line) and line[i] not in "{ \t":
            i += 1
        name = line[:i]
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = _parse_labels(line, i)
        fields = line[i:].split()
        value = parse_value(fields[0])
        timestamp = int(fields[1]) if len(fields) > 1 else None
        key = (name, frozenset(labels.items()))
        if key in exp.samples:
            raise ValueError(f"series repeated: {line!r}")
        exp.samples[key] = (value, timestamp)
    return exp


def write_vigil_config(directory, api_port, sections):
    """agent.toml in `directory`: data_dir there, the self API on `api_port`, host metrics every
    second, then `sections` (TOML text). Returns its path."""
    path = os.path.join(directory, "agent.toml")
    with open(path, "w") as f:
        f.write(f"""
[agent]
data_dir = "{directory}"
[agent.api]
listen = "127.0.0.1:{api_port}"
[collectors.host]
interval = "1s"
{sections}""")
    return path


def http_get(url, headers=None, timeout=10):
    """Returns (status, headers dict with lower-case names, body bytes)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def wait_until(predicate, timeout, what, proc=None):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {proc.returncode}")
        try:
            result = predicate()
            if result:
                return result
        except (OSError, ValueError, KeyError) as e:
            last_error = e
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last_error})")


class Peer:
    """A peer process (node_exporter, Prometheus) with its output in a file; stopped by PID."""

    def __init__(self, args, log_path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def start_node_exporter(port, workdir, extra=()):
    peer = Peer([NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}", *extra],
                os.path.join(workdir, "node_exporter.log"))
    wait_until(lambda: http_get(f"http://127.0.0.1:{port}/metrics")[0] == 200, 30,
               "node_exporter to answer", peer.proc)
    return peer
