"""Shared by the tail collector's integration tests (test_tail_*.py): an OTLP/HTTP log sink that
records every line it receives, writers of numbered lines, vigil's configuration, and the checks
(every line exactly once, in order per file; duplicates bounded after a crash).

Every line the writers produce has a fixed width and says where it came from:

    <fid: 8 characters> <seq: 9 digits> <padding>\n

`fid` names one physical file generation (a rotated-away file and its replacement have different
fids), `seq` counts from 0 within it, so line `seq` of a file starts at byte seq * LINE_WIDTH:
a checkpoint offset converts to a line count exactly.

The sink is the real OTLP exporter's backend: vigil sends OTLP/HTTP with JSON bodies
(protocol = "http/json", no compression; Python's standard library has no protobuf decoder), the
sink decodes each request with json and answers 200, or 503 with Retry-After while paused.
"""

import contextlib
import http.server
import json
import os
import re
import signal
import struct
import threading
import time
import zlib

from vigil_process import Vigil, free_port, http_get

LINE_WIDTH = 64
LINE_RE = re.compile(r"^([A-Za-z0-9_.]{8}) (\d{9}) \.*$")


def line_text(fid, seq):
    assert len(fid) == 8, fid
    head = f"{fid} {seq:09d} "
    return (head + "." * (LINE_WIDTH - 1 - len(head)) + "\n").encode()


class LogSink:
    """An OTLP/HTTP logs receiver (JSON) that records (request number, file path, fid, seq) for
    every log record, in arrival order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records = []  # (request_no, path, fid, seq)
        self.requests = 0
        self.refused = 0
        self.paused = False
        self.bad = []  # bodies that did not look like our lines
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) != length:
                    return  # the client went away mid-request: nothing was received
                with sink.lock:
                    paused = sink.paused
                if paused:
                    with sink.lock:
                        sink.refused += 1
                    self._answer(503, b'{"code":14,"message":"paused"}', [("Retry-After", "1")])
                    return
                if self.path != "/v1/logs" or self.headers.get("Content-Encoding"):
                    self._answer(400, b'{"message":"unexpected request"}')
                    return
                sink._record(json.loads(body))
                self._answer(200, b"{}")

            def _answer(self, status, body, headers=()):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # vigil killed mid-request (the restart tests): nothing was received

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _record(self, request):
        rows = []
        for rl in request.get("resourceLogs", []):
            for sl in rl.get("scopeLogs", []):
                for record in sl.get("logRecords", []):
                    body = record.get("body", {}).get("stringValue", "")
                    path = ""
                    for kv in record.get("attributes", []):
                        if kv["key"] == "log.file.path":
                            path = kv["value"]["stringValue"]
                    m = LINE_RE.match(body)
                    if m is None:
                        rows.append((None, path, body, None))
                    else:
                        rows.append((None, path, m.group(1), int(m.group(2))))
        with self.lock:
            self.requests += 1
            for _, path, fid, seq in rows:
                if seq is None:
                    self.bad.append(fid)
                else:
                    self.records.append((self.requests, path, fid, seq))

    def pause(self):
        with self.lock:
            self.paused = True

    def resume(self):
        with self.lock:
            self.paused = False

    def snapshot(self):
        with self.lock:
            return list(self.records), self.requests

    def count(self):
        with self.lock:
            return len(self.records)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Stream:
    """Lines of one fid appended to one file through one descriptor (O_APPEND, one write per
    line, so a line is never torn by the writer)."""

    def __init__(self, path, fid):
        self.path = path
        self.fid = fid
        self.next_seq = 0
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def write(self, n=1):
        data = b"".join(line_text(self.fid, self.next_seq + i) for i in range(n))
        os.write(self.fd, data)
        self.next_seq += n

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class SteadyWriter:
    """Writes `rate` lines per second to each active stream from a background thread."""

    def __init__(self, rate):
        self.rate = rate
        self.lock = threading.Lock()
        self.streams = {}  # name -> Stream
        self.paused = set()
        self.written = {}  # fid -> lines written
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def add(self, name, path, fid):
        with self.lock:
            self.streams[name] = Stream(path, fid)
            self.written[fid] = 0

    def replace(self, name, path, fid):
        """Closes the stream's file and continues with a new file (or a new fid)."""
        with self.lock:
            self.streams[name].close()
            self.streams[name] = Stream(path, fid)
            self.written[fid] = 0

    def pause(self, name):
        with self.lock:
            self.paused.add(name)

    def resume(self, name):
        with self.lock:
            self.paused.discard(name)

    def close_stream(self, name):
        with self.lock:
            self.streams.pop(name).close()

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        self.thread.join(10)
        with self.lock:
            for s in self.streams.values():
                s.close()

    def totals(self):
        with self.lock:
            return dict(self.written)

    def _run(self):
        # Lines are due at `rate` per second per stream; each tick writes what is due, so the
        # rate holds even when a tick is late.
        tick = min(0.005, 1.0 / self.rate)
        started = time.monotonic()
        ticks_written = 0
        while not self.stop_event.is_set():
            due = int((time.monotonic() - started) * self.rate)
            n = min(due - ticks_written, max(1, self.rate // 10))
            if n > 0:
                with self.lock:
                    for name, s in self.streams.items():
                        if name not in self.paused:
                            s.write(n)
                            self.written[s.fid] = s.next_seq
                ticks_written += n
            time.sleep(tick)


def agent_config(data_dir, api_port, sink_port, paths, tail_extra="", exporter_extra=""):
    paths_toml = ", ".join(json.dumps(p) for p in paths)
    return f"""
[agent]
data_dir = "{data_dir}"
shutdown_timeout = "20s"
log_level = "info"
[agent.api]
listen = "127.0.0.1:{api_port}"

[[collectors.tail]]
name = "t"
paths = [{paths_toml}]
start_at = "beginning"
flush_interval = "50ms"
rotate_wait = "3s"
poll_interval = "100ms"
{tail_extra}

[[exporters.otlp]]
name = "sink"
endpoint = "http://127.0.0.1:{sink_port}"
protocol = "http/json"
compression = "none"
timeout = "5s"
{exporter_extra}
[exporters.otlp.retry]
initial_interval = "100ms"
max_interval = "1s"
"""


class TailAgent:
    """vigil with a tail collector and an OTLP exporter into `sink`; restartable."""

    def __init__(self, workdir, sink, paths, tail_extra="", exporter_extra=""):
        self.data_dir = os.path.join(workdir, "data")
        self.api_port = free_port()
        self.config_path = os.path.join(workdir, "agent.toml")
        with open(self.config_path, "w") as f:
            f.write(agent_config(self.data_dir, self.api_port, sink.port, paths, tail_extra,
                                 exporter_extra))
        self.checkpoint_path = os.path.join(self.data_dir, "tail", "t.checkpoint")
        self.vigil = None

    def start(self):
        self.vigil = Vigil(["run", "-c", self.config_path])
        self.vigil.wait_for(self.ready, 30, "vigil ready")
        return self

    def ready(self):
        try:
            return http_get(f"http://127.0.0.1:{self.api_port}/readyz", timeout=2)[0] == 200
        except OSError:
            return False

    @property
    def pid(self):
        return self.vigil.proc.pid

    def metrics(self):
        """Self-metrics as {name{labels}: value}."""
        status, text = http_get(f"http://127.0.0.1:{self.api_port}/metrics", timeout=5)
        assert status == 200, status
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, value = line.rsplit(" ", 1)
                out[key] = float(value)
        return out

    def metric(self, name, **labels):
        total = 0.0
        for key, value in self.metrics().items():
            if key == name or key.startswith(name + "{"):
                if all(f'{k}="{v}"' in key for k, v in labels.items()):
                    total += value
        return total

    def rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def sanitized(self):
        """Built with AddressSanitizer (its runtime is mapped into the process)."""
        with open(f"/proc/{self.pid}/maps") as f:
            return "libasan" in f.read()

    def stop(self, timeout=60):
        code = self.vigil.stop(timeout)
        self.vigil = None
        return code

    def kill(self):
        self.vigil.proc.send_signal(signal.SIGKILL)
        self.vigil.proc.wait(10)
        self.vigil.stop(5)
        self.vigil = None

    def stderr(self):
        return "\n".join(self.vigil.stderr()) if self.vigil else ""


def decode_checkpoint(data):
    """Decodes one tail checkpoint copy (format in collectors/tail/checkpoint_store.h) with
    independent code: (generation, {path: offset}), or None when it is torn or not one."""
    if len(data) < 28 or data[:8] != b"VIGILTCK":
        return None
    (crc,) = struct.unpack_from("<I", data, len(data) - 4)
    if zlib.crc32(data[:-4]) & 0xFFFFFFFF != crc:
        return None
    version, generation, count = struct.unpack_from("<IQI", data, 8)
    assert version == 1, version
    pos = 24
    out = {}
    for _ in range(count):
        dev, ino, offset, fp_hash, fp_len, flags, path_len = struct.unpack_from("<QQQQIBI", data, pos)
        pos += struct.calcsize("<QQQQIBI")
        out[data[pos:pos + path_len].decode()] = offset
        pos += path_len
    assert pos == len(data) - 4
    return generation, out


def read_checkpoint(path):
    """The newer valid copy of the checkpoint at `path` (the durable file, or its
    acknowledgement copy `path`.ack): {path: offset}; {} when there is none."""
    best = None
    for candidate in (path, path + ".ack"):
        if os.path.exists(candidate):
            with open(candidate, "rb") as f:
                decoded = decode_checkpoint(f.read())
            if decoded is not None and (best is None or decoded[0] > best[0]):
                best = decoded
    return best[1] if best else {}


def wait_until(predicate, timeout, what, agent=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if agent is not None and agent.vigil is not None and agent.vigil.proc.poll() is not None:
            raise AssertionError(f"vigil exited while waiting for {what}:\n{agent.stderr()}")
        time.sleep(0.05)
    detail = f"\nvigil stderr:\n{agent.stderr()}" if agent is not None else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")


def per_fid(records):
    """fid -> seqs in arrival order."""
    out = {}
    for _, _, fid, seq in records:
        out.setdefault(fid, []).append(seq)
    return out


def delivered_all(sink, written):
    """True once every written line of every fid has arrived at least once."""
    got = per_fid(sink.snapshot()[0])
    return all(len(set(got.get(fid, []))) >= n for fid, n in written.items())


def assert_exactly_once_in_order(test, records, written):
    """Every line of every fid exactly once, and each fid's lines in the order written."""
    got = per_fid(records)
    test.assertEqual(sorted(got), sorted(fid for fid, n in written.items() if n > 0),
                     "fids received vs written")
    for fid, n in written.items():
        if n == 0:
            continue
        seqs = got[fid]
        missing = sorted(set(range(n)) - set(seqs))
        dups = len(seqs) - len(set(seqs))
        test.assertEqual(missing, [], f"{fid}: {len(missing)} of {n} lines lost")
        test.assertEqual(dups, 0, f"{fid}: {dups} duplicated lines")
        test.assertEqual(seqs, list(range(n)), f"{fid}: out of order")


def expect_exactly_once(test, sink, agent, written, timeout=30):
    """Waits until every written line arrived, lets any duplicate arrive too, then checks every
    line came exactly once, in order per file. Returns the records."""
    wait_until(lambda: delivered_all(sink, written), timeout, "every line delivered", agent)
    time.sleep(0.5)
    records, _ = sink.snapshot()
    assert_exactly_once_in_order(test, records, written)
    test.assertEqual(sink.bad, [])
    return records


@contextlib.contextmanager
def cleaned_up(sink, agent, writer=None):
    """Stops the writer, vigil (resumed first if a test left it stopped) and the sink."""
    try:
        yield
    finally:
        if writer is not None:
            writer.stop()
        if agent.vigil is not None:
            if agent.vigil.proc.poll() is None:
                os.kill(agent.pid, signal.SIGCONT)
            agent.stop()
        sink.close()
