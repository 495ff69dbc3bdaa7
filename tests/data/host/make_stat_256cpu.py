#!/usr/bin/python3
"""Writes edge/stat_256cpu: a /proc/stat of a 256-CPU host (deterministic figures).

Each CPU N has user = 1000000 + N, nice = 2000 + N, system = 300000 + N, idle = 9000000 + N,
iowait = 400 + N, irq = 50 + N, softirq = 6000 + N, steal = 70 + N, guest = 800 + N,
guest_nice = 9 + N ticks, so a test can check any CPU's values from its number. CPU 200 is
offline (no line), as on a host with CPUs taken down.
"""
import os

COLUMNS = [1000000, 2000, 300000, 9000000, 400, 50, 6000, 70, 800, 9]
OFFLINE = {200}


def main():
    online = [n for n in range(256) if n not in OFFLINE]
    total = [sum(base + n for n in online) for base in COLUMNS]
    lines = ["cpu  " + " ".join(str(v) for v in total)]
    for n in online:
        lines.append(f"cpu{n} " + " ".join(str(base + n) for base in COLUMNS))
    lines.append("intr 123456789 " + " ".join("0" for _ in range(1024)))
    lines += ["ctxt 987654321", "btime 1700000000", "processes 4242424",
              "procs_running 17", "procs_blocked 3",
              "softirq 1 2 3 4 5 6 7 8 9 10 11"]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "edge", "stat_256cpu")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
