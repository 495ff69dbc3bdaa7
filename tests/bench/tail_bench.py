"""Benchmark of the tail collector (issue 4, acceptance 5); run through tail_bench.sh.

1. One file of SIZE_MIB MiB of ~200-byte access-log lines, read from its beginning into the null
   exporter: MiB/s, lines/s, CPU seconds (per GiB), peak RSS; the same run measures
   `cat FILE > /dev/null` and `wc -l FILE` as the floor.
2. FILES files written concurrently (one `cat` loop per file, SIZE_MIB in total) while vigil
   follows them: the same figures, from the writers' start until vigil has read every byte.
Each scenario runs REPEAT times on a fresh vigil (fresh data_dir); medians are printed with every
run's value after them. The page cache is warm (the file is read once before), as for a log
file that was just written.
"""

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

GIB = 1 << 30
MIB = 1 << 20
TARGET_MIB_S = 1024
TARGET_CPU_S_PER_GIB = 1.0
TARGET_RSS_MIB = 32


def access_log_block(size):
    """Varied ~200-byte combined-log-format lines, `size` bytes at least."""
    rng = random.Random(4)
    paths = ["/api/v1/items", "/api/v1/users/profile", "/static/js/app.bundle.js", "/healthz",
             "/login", "/api/v2/orders/search"]
    agents = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/119.0 Safari/537.36", "curl/7.88.1", "Go-http-client/1.1",
              "python-requests/2.28.1"]
    out = []
    total = 0
    while total < size:
        line = (f'10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)} - - '
                f'[22/Nov/2026:{rng.randrange(24):02d}:{rng.randrange(60):02d}:'
                f'{rng.randrange(60):02d} +0000] "GET {rng.choice(paths)}/{rng.randrange(10**6)}'
                f'?page={rng.randrange(100)} HTTP/1.1" {rng.choice([200, 200, 200, 304, 404, 500])} '
                f'{rng.randrange(10**5)} "https://www.example.com/search?q=item{rng.randrange(10**4)}" '
                f'"{rng.choice(agents)}"\n')
        out.append(line)
        total += len(line)
    return "".join(out).encode(), len(out)


def write_file(path, block, size):
    with open(path, "wb") as f:
        written = 0
        while written < size:
            f.write(block)
            written += len(block)
    return written


def timed(cmd):
    """Wall seconds and CPU seconds (user + system) of a command."""
    before = os.times()
    start = time.monotonic()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system -
                                                          before.children_system)
    return wall, cpu


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Agent:
    def __init__(self, binary, workdir, pattern):
        self.port = free_port()
        data = os.path.join(workdir, "data")
        shutil.rmtree(data, ignore_errors=True)
        config = os.path.join(workdir, "bench.toml")
        with open(config, "w") as f:
            f.write(f"""
[agent]
data_dir = "{data}"
[agent.api]
listen = "127.0.0.1:{self.port}"
[[collectors.tail]]
name = "bench"
paths = [{json.dumps(pattern)}]
start_at = "beginning"
[exporters.null]
""")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([binary, "run", "-c", config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def metric(self, name, labels=""):
        """The first sample of `name` whose labels contain `labels` ('k="v"')."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as r:
                text = r.read().decode()
        except OSError:
            return 0.0
        for line in text.splitlines():
            if (line.startswith(name + "{") or line.startswith(name + " ")) and labels in line:
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def wait_read(self, size, timeout=600):
        deadline = time.monotonic() + timeout
        while self.metric("vigil_tail_read_bytes_total") < size:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("vigil did not read everything")
            time.sleep(0.01)
        return time.monotonic()

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.proc.terminate()
        self.proc.wait(60)


def one_file_run(binary, workdir, path, size, lines):
    agent = Agent(binary, workdir, path)
    try:
        # Timed from the end of the first scan (reading starts right after it): the process's
        # start-up is not the collector's throughput.
        while agent.metric("vigil_tail_scans_total") < 1:
            time.sleep(0.005)
        agent.started = time.monotonic()
        end = agent.wait_read(size)
        # Everything read was also handed to the exporter (and acknowledged).
        while agent.metric("vigil_sent_items_total", 'signal="logs"') < lines:
            time.sleep(0.01)
        wall = end - agent.started
        cpu = agent.cpu_seconds()
        return {"mib_s": size / MIB / wall, "lines_s": lines / wall, "cpu_s": cpu,
                "cpu_s_per_gib": cpu / (size / GIB), "peak_rss_mib": agent.peak_rss_mib()}
    finally:
        agent.stop()


def many_files_run(binary, workdir, files, block, size):
    logs = os.path.join(workdir, "many")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    block_path = os.path.join(workdir, "block")
    with open(block_path, "wb") as f:
        f.write(block)
    per_file = max(1, size // files // len(block))
    total = per_file * len(block) * files
    agent = Agent(binary, workdir, os.path.join(logs, "*.log"))
    try:
        while agent.metric("vigil_tail_scans_total") < 1:
            time.sleep(0.01)
        started = time.monotonic()
        writers = [subprocess.Popen(
            ["sh", "-c", f'for i in $(seq {per_file}); do cat "{block_path}"; done >> "{logs}/f{i:03d}.log"'])
            for i in range(files)]
        for w in writers:
            w.wait()
        writers_done = time.monotonic() - started
        end = agent.wait_read(total)
        wall = end - started
        cpu = agent.cpu_seconds()
        lines = agent.metric("vigil_tail_lines_total")
        return {"mib_s": total / MIB / wall, "lines_s": lines / wall, "cpu_s": cpu,
                "cpu_s_per_gib": cpu / (total / GIB), "peak_rss_mib": agent.peak_rss_mib(),
                "writers_s": writers_done, "total_mib": total / MIB}
    finally:
        agent.stop()


def report(name, runs, key, unit, target=None, better="higher"):
    values = [r[key] for r in runs]
    median = statistics.median(values)
    line = f"{name}.{key} {median:.2f} {unit}"
    if target is not None:
        ok = median >= target if better == "higher" else median <= target
        line += f"  (target {'>=' if better == 'higher' else '<='} {target}: {'ok' if ok else 'MISSED'})"
    line += "  runs: " + ", ".join(f"{v:.2f}" for v in values)
    print(line, flush=True)


def main():
    build = sys.argv[1]
    binary = os.path.abspath(os.path.join(build, "vigil"))
    size = int(os.environ.get("SIZE_MIB", "1024")) * MIB
    repeat = int(os.environ.get("REPEAT", "3"))
    files = int(os.environ.get("FILES", "100"))
    workdir = tempfile.mkdtemp(prefix="vigil-tail-bench-", dir=os.environ.get("WORKDIR"))
    try:
        block, block_lines = access_log_block(8 * MIB)
        path = os.path.join(workdir, "access.log")
        written = write_file(path, block, size)
        lines = block_lines * (written // len(block))
        print(f"file: {written / MIB:.0f} MiB, {lines} lines of {written / lines:.0f} bytes on "
              f"average; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
        timed(f"cat {path} > /dev/null")  # warm the page cache
        floors = []
        for _ in range(repeat):
            cat_wall, cat_cpu = timed(f"cat {path} > /dev/null")
            wc_wall, wc_cpu = timed(f"wc -l {path}")
            floors.append({"cat_mib_s": written / MIB / cat_wall, "cat_cpu_s": cat_cpu,
                           "wc_mib_s": written / MIB / wc_wall, "wc_cpu_s": wc_cpu})
        runs = [one_file_run(binary, workdir, path, written, lines) for _ in range(repeat)]
        report("floor", floors, "cat_mib_s", "MiB/s")
        report("floor", floors, "cat_cpu_s", "CPU-s")
        report("floor", floors, "wc_mib_s", "MiB/s")
        report("floor", floors, "wc_cpu_s", "CPU-s")
        report("one_file", runs, "mib_s", "MiB/s", TARGET_MIB_S)
        report("one_file", runs, "lines_s", "lines/s")
        report("one_file", runs, "cpu_s", "CPU-s")
        report("one_file", runs, "cpu_s_per_gib", "CPU-s/GiB", TARGET_CPU_S_PER_GIB, "lower")
        report("one_file", runs, "peak_rss_mib", "MiB", TARGET_RSS_MIB, "lower")
        cat_median = statistics.median(f["cat_mib_s"] for f in floors)
        print(f"one_file.ratio_to_cat {statistics.median(r['mib_s'] for r in runs) / cat_median:.2f}",
              flush=True)
        os.unlink(path)

        # 1 MiB per cat: each file gets several appends, as a live log does.
        small = block[:block.rindex(b"\n", 0, MIB) + 1]
        many = [many_files_run(binary, workdir, files, small, size) for _ in range(repeat)]
        print(f"{files} files written concurrently by {files} cat loops, "
              f"{many[0]['total_mib']:.0f} MiB in total:", flush=True)
        report(f"files_{files}", many, "writers_s", "s (the writers alone)")
        report(f"files_{files}", many, "mib_s", "MiB/s")
        report(f"files_{files}", many, "lines_s", "lines/s")
        report(f"files_{files}", many, "cpu_s_per_gib", "CPU-s/GiB", TARGET_CPU_S_PER_GIB, "lower")
        report(f"files_{files}", many, "peak_rss_mib", "MiB", TARGET_RSS_MIB, "lower")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
