"""The host collector with `root_path` pointed at a fixture tree (issue #3, acceptance 5): the real
vigil binary scrapes tests/data/host/root with the stdout exporter, and every point it prints is
checked against a value this test computes from the fixture files with its own parsers, and
every value the fixture implies is printed. The fixture's figures are ones this machine cannot
have (31415926 kB of memory, a boot time in 2009, devices named vigil0 and "vig lan", ...), so
a single value read from the real /proc or /sys would show as a point not in the fixture or a
wrong value.

File system figures come from statvfs of the fixture's mount points under root_path (as they
would from /host/<mount point> in a container); the test compares them with os.statvfs of the
same directories. They sit on a disk other processes write to, so free space may move between
the two reads: free and available bytes are allowed to differ by 1 GiB, free inodes by 100000.
Everything else must be exact.
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_process import SOURCE_DIR, Vigil, temp_dir  # noqa: E402

ROOT = os.path.join(SOURCE_DIR, "tests", "data", "host", "root")
USER_HZ = os.sysconf("SC_CLK_TCK")
GIB = 1 << 30

# node_exporter 1.5's defaults (the collector's too).
DISK_EXCLUDE = re.compile(r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$")
FSTYPE_EXCLUDE = re.compile(
    r"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
    r"iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
    r"sysfs|tracefs)$")
MOUNTPOINT_EXCLUDE = re.compile(
    r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)")


def fixture(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


class Expected:
    """(metric, attributes) -> (kind, value); kind is gauge, counter or updown."""

    def __init__(self):
        self.points = {}

    def add(self, metric, attrs, kind, value):
        key = (metric, tuple(sorted(attrs.items())))
        assert key not in self.points, key
        self.points[key] = (kind, value)


def expect_cpu_and_system(e):
    states = ["user", "nice", "system", "idle", "iowait", "interrupt", "softirq", "steal"]
    stat = {}
    for line in fixture("proc/stat").splitlines():
        fields = line.split()
        if re.fullmatch(r"cpu\d+", fields[0]):
            cpu = fields[0][3:]
            ticks = [int(v) for v in fields[1:]]
            for state, v in zip(states, ticks):
                e.add("system.cpu.time", {"cpu": cpu, "state": state}, "counter", v / USER_HZ)
            e.add("system.cpu.guest_time", {"cpu": cpu, "state": "user"}, "counter",
                  ticks[8] / USER_HZ)
            e.add("system.cpu.guest_time", {"cpu": cpu, "state": "nice"}, "counter",
                  ticks[9] / USER_HZ)
        elif fields[0] != "cpu":
            stat[fields[0]] = int(fields[1])
    e.add("system.boot_time", {}, "gauge", stat["btime"])
    e.add("system.context_switches", {}, "counter", stat["ctxt"])
    e.add("system.processes.created", {}, "counter", stat["processes"])
    e.add("system.interrupts", {}, "counter", stat["intr"])
    e.add("system.processes.count", {"status": "running"}, "updown", stat["procs_running"])
    e.add("system.processes.count", {"status": "blocked"}, "updown", stat["procs_blocked"])
    e.add("system.uptime", {}, "gauge", float(fixture("proc/uptime").split()[0]))
    nr = fixture("proc/sys/fs/file-nr").split()
    e.add("system.filefd.allocated", {}, "gauge", int(nr[0]))
    e.add("system.filefd.maximum", {}, "gauge", int(nr[2]))
    load = fixture("proc/loadavg").split()
    for window, v in zip(["1m", "5m", "15m"], load):
        e.add(f"system.cpu.load_average.{window}", {}, "gauge", float(v))
    return stat["btime"]


def expect_memory(e):
    fields = {}
    for line in fixture("proc/meminfo").splitlines():
        name, rest = line.split(":", 1)
        parts = rest.split()
        if len(parts) == 2:
            fields[name] = int(parts[0]) * 1024
            e.add("system.memory.meminfo", {"field": name}, "gauge", fields[name])
        else:
            e.add("system.memory.meminfo.count", {"field": name}, "gauge", int(parts[0]))
    states = {"free": "MemFree", "buffers": "Buffers", "cached": "Cached",
              "slab_reclaimable": "SReclaimable", "slab_unreclaimable": "SUnreclaim"}
    for state, field in states.items():
        e.add("system.memory.usage", {"state": state}, "updown", fields[field])
    e.add("system.memory.usage", {"state": "used"}, "updown",
          fields["MemTotal"] - sum(fields[f] for f in states.values()))


def expect_disks(e):
    for line in fixture("proc/diskstats").splitlines():
        fields = line.split()
        dev, s = fields[2], [int(v) for v in fields[3:]]
        if DISK_EXCLUDE.search(dev):
            continue
        d = {"device": dev}

        def add(metric, direction, kind, value):
            attrs = dict(d, direction=direction) if direction else d
            e.add(metric, attrs, kind, value)

        add("system.disk.operations", "read", "counter", s[0])
        add("system.disk.operations", "write", "counter", s[4])
        add("system.disk.merged", "read", "counter", s[1])
        add("system.disk.merged", "write", "counter", s[5])
        add("system.disk.io", "read", "counter", s[2] * 512)
        add("system.disk.io", "write", "counter", s[6] * 512)
        add("system.disk.operation_time", "read", "counter", s[3] / 1000)
        add("system.disk.operation_time", "write", "counter", s[7] / 1000)
        add("system.disk.pending_operations", None, "updown", s[8])
        add("system.disk.io_time", None, "counter", s[9] / 1000)
        add("system.disk.weighted_io_time", None, "counter", s[10] / 1000)
        if len(s) >= 15:
            add("system.disk.operations", "discard", "counter", s[11])
            add("system.disk.merged", "discard", "counter", s[12])
            add("system.disk.discarded_sectors", None, "counter", s[13])
            add("system.disk.operation_time", "discard", "counter", s[14] / 1000)
        if len(s) >= 17:
            add("system.disk.operations", "flush", "counter", s[15])
            add("system.disk.operation_time", "flush", "counter", s[16] / 1000)


def expect_network(e):
    both = {"io": (0, 8), "packets": (1, 9), "errors": (2, 10), "dropped": (3, 11),
            "fifo": (4, 12), "compressed": (6, 15)}
    single = {"frame": 5, "multicast": 7, "collisions": 13, "carrier": 14}
    for line in fixture("proc/net/dev").splitlines()[2:]:
        name, numbers = line.rsplit(":", 1)
        dev, v = name.strip(), [int(x) for x in numbers.split()]
        for metric, (rx, tx) in both.items():
            e.add(f"system.network.{metric}", {"device": dev, "direction": "receive"}, "counter",
                  v[rx])
            e.add(f"system.network.{metric}", {"device": dev, "direction": "transmit"},
                  "counter", v[tx])
        for metric, column in single.items():
            e.add(f"system.network.{metric}", {"device": dev}, "counter", v[column])


def expect_pressure(e):
    for resource in ("cpu", "memory", "io"):
        totals = {}
        for line in fixture(f"proc/pressure/{resource}").splitlines():
            kind, *pairs = line.split()
            totals[kind] = int(dict(p.split("=") for p in pairs)["total"]) / 1e6
        e.add("system.pressure.waiting", {"resource": resource}, "counter", totals["some"])
        if resource != "cpu":
            e.add("system.pressure.stalled", {"resource": resource}, "counter", totals["full"])


def unescape(field):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mounts():
    """(attributes, path under ROOT, read_only) of every mount not excluded."""
    out = []
    for line in fixture("proc/1/mountinfo").splitlines():
        fields = line.split()
        sep = fields.index("-")
        point, fstype, source = unescape(fields[4]), fields[sep + 1], unescape(fields[sep + 2])
        if FSTYPE_EXCLUDE.search(fstype) or MOUNTPOINT_EXCLUDE.search(point):
            continue
        ro = "ro" in fields[5].split(",") or "ro" in fields[sep + 3].split(",")
        out.append(({"device": source, "type": fstype, "mountpoint": point},
                    ROOT + point if point != "/" else ROOT + "/", ro))
    return out


def expect_cgroup(e):
    cg = os.path.join("sys", "fs", "cgroup")
    cpu = dict(line.split() for line in fixture(f"{cg}/cpu.stat").splitlines())
    e.add("container.cpu.usage.total", {}, "counter", int(cpu["usage_usec"]) / 1e6)
    e.add("container.cpu.time", {"state": "user"}, "counter", int(cpu["user_usec"]) / 1e6)
    e.add("container.cpu.time", {"state": "system"}, "counter", int(cpu["system_usec"]) / 1e6)
    e.add("container.cpu.throttling_data.periods", {}, "counter", int(cpu["nr_periods"]))
    e.add("container.cpu.throttling_data.throttled_periods", {}, "counter",
          int(cpu["nr_throttled"]))
    e.add("container.cpu.throttling_data.throttled_time", {}, "counter",
          int(cpu["throttled_usec"]) / 1e6)
    current = int(fixture(f"{cg}/memory.current"))
    e.add("container.memory.usage", {}, "updown", current)
    limit = fixture(f"{cg}/memory.max").strip()
    if limit != "max":
        e.add("container.memory.limit", {}, "updown", int(limit))
    mem = dict(line.split() for line in fixture(f"{cg}/memory.stat").splitlines())
    for key in ("anon", "file", "kernel_stack", "slab", "sock", "shmem", "file_mapped",
                "file_dirty", "file_writeback", "active_anon", "inactive_anon", "active_file",
                "inactive_file", "unevictable"):
        e.add(f"container.memory.{key}", {}, "gauge", int(mem[key]))
    e.add("container.memory.working_set", {}, "gauge", current - int(mem["inactive_file"]))
    e.add("container.memory.pgfault", {}, "counter", int(mem["pgfault"]))
    e.add("container.memory.pgmajfault", {}, "counter", int(mem["pgmajfault"]))
    for line in fixture(f"{cg}/io.stat").splitlines():
        dev, *pairs = line.split()
        v = {k: int(x) for k, x in (p.split("=") for p in pairs)}
        for direction, prefix in (("read", "r"), ("write", "w"), ("discard", "d")):
            e.add("container.disk.io", {"device": dev, "direction": direction}, "counter",
                  v[prefix + "bytes"])
            e.add("container.disk.operations", {"device": dev, "direction": direction},
                  "counter", v[prefix + "ios"])
    e.add("container.pids.count", {}, "updown", int(fixture(f"{cg}/pids.current")))
    pids_max = fixture(f"{cg}/pids.max").strip()
    if pids_max != "max":
        e.add("container.pids.limit", {}, "updown", int(pids_max))


def parse_point(line):
    """(time, metric name, kind, attributes, value, start) of a stdout line (one point)."""
    rm = line["resourceMetrics"][0]
    metric = rm["scopeMetrics"][0]["metrics"][0]
    if "gauge" in metric:
        kind, point = "gauge", metric["gauge"]["dataPoints"][0]
    else:
        s = metric["sum"]
        assert s["aggregationTemporality"] == 2, metric["name"]
        kind = "counter" if s.get("isMonotonic") else "updown"
        point = s["dataPoints"][0]
    attrs = {a["key"]: a["value"]["stringValue"] for a in point.get("attributes", [])}
    value = int(point["asInt"]) if "asInt" in point else float(point["asDouble"])
    return (int(point["timeUnixNano"]), metric["name"], kind, attrs, value,
            int(point.get("startTimeUnixNano", "0")), rm)


class HostRootPathTest(unittest.TestCase):
    def test_every_figure_comes_from_the_fixture(self):
        expected = Expected()
        btime = expect_cpu_and_system(expected)
        expect_memory(expected)
        expect_disks(expected)
        expect_network(expected)
        expect_pressure(expected)
        expect_cgroup(expected)
        fs = mounts()
        self.assertEqual([m[0]["mountpoint"] for m in fs], ["/", "/data dir", "/run/vigil",
                                                            "/missing"])

        with temp_dir() as d:
            config = os.path.join(d, "agent.toml")
            with open(config, "w") as f:
                f.write(f"""[agent]
hostname = "fixture-host"
data_dir = "{d}"
[agent.api]
enabled = false
[collectors.host]
interval = "1s"
root_path = "{ROOT}"
[exporters.stdout]
""")
            vigil = Vigil(["run", "-c", config])
            try:
                def scrapes():
                    by_time = {}
                    for text in vigil.stdout():
                        if text.startswith("{"):
                            p = parse_point(json.loads(text))
                            by_time.setdefault(p[0], []).append(p)
                    return by_time

                # Two scrapes printed: the first is then complete (one exporter, in order).
                vigil.wait_for(lambda: len(scrapes()) >= 2, 30, "two scrapes on stdout")
                by_time = scrapes()
                first = by_time[min(by_time)]
            finally:
                self.assertEqual(vigil.stop(), 0)

        # Statvfs of the same directories, for the file system figures.
        for attrs, path, ro in fs:
            if not os.path.isdir(path):
                expected.add("system.filesystem.device_error", attrs, "gauge", 1)
                expected.add("system.filesystem.readonly", attrs, "gauge", int(ro))
                continue
            st = os.statvfs(path)
            expected.add("system.filesystem.size", attrs, "gauge", st.f_blocks * st.f_frsize)
            expected.add("system.filesystem.free", attrs, "gauge", st.f_bfree * st.f_frsize)
            expected.add("system.filesystem.available", attrs, "gauge", st.f_bavail * st.f_frsize)
            expected.add("system.filesystem.inodes", attrs, "gauge", st.f_files)
            expected.add("system.filesystem.inodes.free", attrs, "gauge", st.f_ffree)
            expected.add("system.filesystem.readonly", attrs, "gauge", int(ro))
            expected.add("system.filesystem.device_error", attrs, "gauge", 0)

        got = {}
        for _, metric, kind, attrs, value, start, rm in first:
            key = (metric, tuple(sorted(attrs.items())))
            self.assertNotIn(key, got, "a series printed twice in one scrape")
            got[key] = (kind, value, start)
            res = {a["key"]: a["value"]["stringValue"] for a in rm["resource"]["attributes"]}
            self.assertEqual(res["host.name"], "fixture-host")
            self.assertEqual(res["os.type"], "linux")
            self.assertEqual(rm["scopeMetrics"][0]["scope"]["name"], "host")

        missing = sorted(set(expected.points) - set(got))
        extra = sorted(set(got) - set(expected.points))
        self.assertEqual(missing, [], "series the fixture implies but vigil did not print")
        self.assertEqual(extra, [], "series vigil printed that the fixture does not have")

        for key, (kind, want) in expected.points.items():
            got_kind, value, start = got[key]
            self.assertEqual(got_kind, kind, key)
            if kind == "gauge":
                self.assertEqual(start, 0, key)
            else:
                # The first scrape: every counter started at the fixture's boot time.
                self.assertEqual(start, btime * 10**9, key)
            metric = key[0]
            if metric in ("system.filesystem.free", "system.filesystem.available"):
                self.assertAlmostEqual(value, want, delta=GIB, msg=key)
            elif metric == "system.filesystem.inodes.free":
                self.assertAlmostEqual(value, want, delta=100000, msg=key)
            elif isinstance(want, float):
                self.assertAlmostEqual(value, want, places=9, msg=key)
            else:
                self.assertEqual(value, want, key)
        print(f"{len(got)} points, all from {ROOT}")


if __name__ == "__main__":
    unittest.main()
