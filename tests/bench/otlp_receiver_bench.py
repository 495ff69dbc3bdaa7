"""Driver of tests/bench/otlp_receiver_bench.sh (which installs wrk and h2load first).

For each protocol, REPEAT times: a fresh vigil ([collectors.otlp] -> [exporters.null]) takes
DURATION seconds of load; figures come from vigil itself where they can:
  spans/s           vigil_sent_items_total{component="null"} delta / wall time of the load
  CPU us per span   (utime + stime of every vigil thread, /proc/PID/stat) delta / spans
  p50, p99          client-side request latency (wrk's histogram; h2load's per-request log)
  peak RSS          VmHWM of the fresh process after the run (/proc/PID/status)
The medians over the runs are printed, one figure per line with its target and the ratio.
"""

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(SOURCE_DIR, "tests", "data", "otlp-bench")
SPANS_PER_REQUEST = 100
GRPC_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Targets of issue 5 (acceptance 5); None: no target, figure only.
CPU_TARGET_US = {"http/protobuf": 1.0, "grpc": 1.0, "http/json": None}
RSS_TARGET_MIB = 32.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise KeyError("VmHWM")


def sent_spans(api):
    with urllib.request.urlopen(f"http://127.0.0.1:{api}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("vigil_sent_items_total{") and 'component="null"' in line \
                    and 'signal="traces"' in line:
                return int(float(line.rsplit(" ", 1)[1]))
    return 0


class Vigil:
    def __init__(self, binary, workdir):
        self.api, self.http, self.grpc = free_port(), free_port(), free_port()
        config = os.path.join(workdir, "bench.toml")
        with open(config, "w") as f:
            f.write(f'[agent]\ndata_dir = "{workdir}"\nlog_level = "warn"\n'
                    f'[agent.api]\nlisten = "127.0.0.1:{self.api}"\n'
                    f'[collectors.otlp]\nhttp_listen = "127.0.0.1:{self.http}"\n'
                    f'grpc_listen = "127.0.0.1:{self.grpc}"\n'
                    '[exporters.null]\n')
        self.log = open(os.path.join(workdir, "vigil.log"), "w")
        self.proc = subprocess.Popen([binary, "run", "-c", config], stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: vigil exited ({self.proc.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.api}/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("bench: vigil not ready after 20 s")
            time.sleep(0.05)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def run_wrk(port, body, content_type, duration, connections):
    env = dict(os.environ, BENCH_BODY=body, BENCH_CONTENT_TYPE=content_type)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
         "-s", os.path.join(os.path.dirname(__file__), "otlp_bench.lua"),
         f"http://127.0.0.1:{port}/v1/traces"], env=env, capture_output=True, text=True, check=True)
    line = next(l for l in out.stdout.splitlines() if l.startswith("BENCH "))
    fields = dict(kv.split("=") for kv in line.split()[1:])
    failed = int(fields["non2xx"]) + int(fields["socket_errors"])
    return {"ok_requests": int(fields["requests"]) - int(fields["non2xx"]), "failed": failed,
            "p50_ms": int(fields["p50_us"]) / 1000, "p99_ms": int(fields["p99_us"]) / 1000}


def run_h2load(port, body, duration, connections, streams, workdir):
    log = os.path.join(workdir, "h2load.log")
    out = subprocess.run(
        ["h2load", "-t1", f"-c{connections}", f"-m{streams}", f"-D{duration}", "-d", body,
         "-H", "content-type: application/grpc", "-H", "te: trailers", f"--log-file={log}",
         f"http://127.0.0.1:{port}{GRPC_PATH}"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench: h2load failed: {out.stderr}\n{out.stdout}")
    durations, ok, failed = [], 0, 0
    with open(log) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            if parts[1] == "200":
                ok += 1
            else:
                failed += 1
            durations.append(int(parts[2]))
    durations.sort()

    def pct(p):
        return durations[min(len(durations) - 1, int(len(durations) * p / 100))] / 1000 if durations else 0

    return {"ok_requests": ok, "failed": failed, "p50_ms": pct(50), "p99_ms": pct(99)}


def one_run(binary, protocol, duration, connections, streams, grpc_body):
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as workdir:
        vigil = Vigil(binary, workdir)
        try:
            pid = vigil.proc.pid
            spans0, cpu0, t0 = sent_spans(vigil.api), cpu_seconds(pid), time.monotonic()
            if protocol == "grpc":
                client = run_h2load(vigil.grpc, grpc_body, duration, connections, streams, workdir)
            else:
                proto = protocol == "http/protobuf"
                client = run_wrk(vigil.http,
                                 os.path.join(DATA, "traces_100x10.binpb" if proto else "traces_100x10.json"),
                                 "application/x-protobuf" if proto else "application/json",
                                 duration, connections)
            spans1, cpu1, t1 = sent_spans(vigil.api), cpu_seconds(pid), time.monotonic()
            rss = vm_hwm_mib(pid)
        finally:
            vigil.stop()
    spans = spans1 - spans0
    if spans <= 0:
        raise SystemExit(f"bench: {protocol}: vigil forwarded nothing ({client})")
    return {"spans_per_s": spans / (t1 - t0), "cpu_us_per_span": (cpu1 - cpu0) * 1e6 / spans,
            "p50_ms": client["p50_ms"], "p99_ms": client["p99_ms"], "rss_mib": rss,
            "client_spans": client["ok_requests"] * SPANS_PER_REQUEST, "vigil_spans": spans,
            "failed_requests": client["failed"]}


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    binary = os.path.join(build, "vigil")
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"bench: no vigil binary at {binary}")
    duration = int(os.environ.get("DURATION", "10"))
    repeat = int(os.environ.get("REPEAT", "3"))
    connections = int(os.environ.get("CONNECTIONS", "8"))
    streams = int(os.environ.get("STREAMS", "16"))
    protocols = os.environ.get("PROTOCOLS", "http/protobuf http/json grpc").split()

    with open(os.path.join(DATA, "traces_100x10.binpb"), "rb") as f:
        message = f.read()
    with tempfile.NamedTemporaryFile(prefix="vigil-bench-grpc-", delete=False) as f:
        f.write(b"\x00" + len(message).to_bytes(4, "big") + message)  # a Length-Prefixed-Message
        grpc_body = f.name
    print(f"# OTLP receiver benchmark: {SPANS_PER_REQUEST} spans x 10 attributes per request "
          f"({len(message)} bytes protobuf, {os.path.getsize(os.path.join(DATA, 'traces_100x10.json'))} "
          f"bytes JSON); {connections} keep-alive connections"
          f" ({streams} streams each for grpc); {repeat} x {duration} s per protocol; medians; "
          f"{os.cpu_count()} CPUs shared with the load generator")
    try:
        for protocol in protocols:
            runs = [one_run(binary, protocol, duration, connections, streams, grpc_body)
                    for _ in range(repeat)]

            def med(key):
                return statistics.median(r[key] for r in runs)

            def spread(key, fmt):
                return "runs " + " ".join(fmt.format(r[key]) for r in runs)

            cpu_target = CPU_TARGET_US[protocol]
            cpu = med("cpu_us_per_span")
            rss = med("rss_mib")
            print(f"{protocol:14} spans_per_s       {med('spans_per_s'):12.0f}"
                  f"                        {spread('spans_per_s', '{:.0f}')}")
            if cpu_target is not None:
                print(f"{protocol:14} cpu_us_per_span   {cpu:12.3f}   target <= {cpu_target:5.2f}"
                      f"   ratio {cpu / cpu_target:5.2f}   {spread('cpu_us_per_span', '{:.3f}')}")
            else:
                print(f"{protocol:14} cpu_us_per_span   {cpu:12.3f}   (no target)"
                      f"                {spread('cpu_us_per_span', '{:.3f}')}")
            print(f"{protocol:14} latency_p50_ms    {med('p50_ms'):12.2f}"
                  f"                        {spread('p50_ms', '{:.2f}')}")
            print(f"{protocol:14} latency_p99_ms    {med('p99_ms'):12.2f}"
                  f"                        {spread('p99_ms', '{:.2f}')}")
            print(f"{protocol:14} peak_rss_mib      {rss:12.1f}   target <= {RSS_TARGET_MIB:5.1f}"
                  f"   ratio {rss / RSS_TARGET_MIB:5.2f}   {spread('rss_mib', '{:.1f}')}")
            failed = sum(r["failed_requests"] for r in runs)
            mismatch = [(r["client_spans"], r["vigil_spans"]) for r in runs]
            print(f"{protocol:14} failed_requests   {failed:12d}"
                  f"   (client-acknowledged vs vigil-forwarded spans per run: {mismatch})")
            sys.stdout.flush()
    finally:
        os.unlink(grpc_body)


if __name__ == "__main__":
    main()
