"""Helpers for integration tests: start the real vigil binary, read its output, free ports."""

import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

BINARY = os.environ.get("VIGIL_BINARY", "build/vigil")
SOURCE_DIR = os.environ.get("VIGIL_SOURCE_DIR", os.getcwd())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    """Returns (status, body text)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Vigil:
    """A running vigil process; stdout and stderr are collected line by line."""

    def __init__(self, args, env=None):
        self.stdout_lines = []
        self.stderr_lines = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            [BINARY] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env or os.environ.copy(), text=True, bufsize=1)
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout_lines), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr_lines), daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _pump(self, stream, lines):
        for line in stream:
            with self._lock:
                lines.append(line.rstrip("\n"))

    def stdout(self):
        with self._lock:
            return list(self.stdout_lines)

    def stderr(self):
        with self._lock:
            return list(self.stderr_lines)

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"vigil exited ({self.proc.returncode}) while waiting for {what}; "
                                     f"stderr:\n" + "\n".join(self.stderr()))
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; stderr:\n" +
                             "\n".join(self.stderr()))

    def signal(self, signum):
        self.proc.send_signal(signum)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for t in self._threads:
                t.join(5)
            self.proc.stdout.close()
            self.proc.stderr.close()


def run_vigil(args, timeout=30, env=None):
    """Runs vigil to completion; returns CompletedProcess with text output."""
    return subprocess.run([BINARY] + args, capture_output=True, text=True, timeout=timeout,
                          env=env or os.environ.copy())


def temp_dir():
    return tempfile.TemporaryDirectory(prefix="vigil-it-")
