#!/usr/bin/env bash
# Idle footprint (issue 3, acceptance 7): vigil running agent.toml.example (host metrics every
# 10 s, served on its Prometheus pull endpoint) beside node_exporter 1.5, both measured in the
# same run for DURATION seconds, both scraped every 10 s by this script as Prometheus would
# (same Accept and Accept-Encoding headers), so each pays for serving its scrapes.
#
#   tests/bench/idle_footprint.sh BUILD_DIR      (vigil must be built there)
#   env: DURATION=60 (s), SCRAPE_EVERY=10 (s)
#
# Figures, one per line:
#   RSS from /proc/PID/status at the end: VmRSS, and its parts RssAnon (heap, stacks) and
#   RssFile (mapped files: the binary and shared libraries' pages); VmHWM (peak).
#   CPU: on-CPU time of all threads over the window from /proc/PID/task/*/schedstat
#   (nanoseconds; /proc/PID/stat's 10 ms ticks are too coarse for 0.02% of 60 s = 12 ms),
#   as a percentage of one core.
# The config is agent.toml.example with only its listen ports moved to free ones (so the run
# cannot collide with another process) and its stdout exporter's lines sent to /dev/null.
# Not part of ctest.
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
duration=${DURATION:-60}
every=${SCRAPE_EVERY:-10}
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
vigil=$(cd "$build" && pwd)/vigil
node_exporter=/usr/bin/prometheus-node-exporter
[[ -x $vigil ]] || { echo "no vigil binary in $build" >&2; exit 2; }
[[ -x $node_exporter ]] || { echo "$node_exporter missing (packaging/install-deps.sh)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl missing" >&2; exit 2; }

work=$(mktemp -d /tmp/vigil-idle.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

api=$(free_port); pull=$(free_port); http=$(free_port); grpc=$(free_port); ne=$(free_port)
config=$work/agent.toml
sed -e "s/127.0.0.1:8686/127.0.0.1:$api/" -e "s/127.0.0.1:9464/127.0.0.1:$pull/" \
    -e "s/127.0.0.1:4318/127.0.0.1:$http/" -e "s/127.0.0.1:4317/127.0.0.1:$grpc/" \
    -e "s|^data_dir = .*|data_dir = \"$work\"|" \
    "$source_dir/agent.toml.example" > "$config"
grep -q '^\[collectors.host\]' "$config" ||
  { echo "agent.toml.example has no [collectors.host] section" >&2; exit 2; }
grep -q '^\[exporters.prometheus\]' "$config" ||
  { echo "agent.toml.example has no [exporters.prometheus] section" >&2; exit 2; }

"$vigil" run -c "$config" > /dev/null 2> "$work/vigil.log" &
vigil_pid=$!; pids+=("$vigil_pid")
"$node_exporter" --web.listen-address="127.0.0.1:$ne" > "$work/node_exporter.log" 2>&1 &
ne_pid=$!; pids+=("$ne_pid")

accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
scrape() {
  curl -sf -o /dev/null -H "Accept: $accept" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$1/metrics"
}
for _ in $(seq 1 200); do
  scrape "$pull" && scrape "$ne" && break
  sleep 0.1
done
scrape "$pull" || { echo "vigil does not serve /metrics:" >&2; cat "$work/vigil.log" >&2; exit 1; }
scrape "$ne" || { echo "node_exporter does not answer" >&2; exit 1; }
# Let start-up work (first scrapes, page faults of first use) settle before the window.
sleep "$every"

cpu_ns() {  # on-CPU nanoseconds of every thread of $1
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'
}
status_kib() {  # field $2 of /proc/$1/status, in KiB
  awk -v f="$2:" '$1 == f {print $2}' /proc/"$1"/status
}

v0=$(cpu_ns "$vigil_pid"); n0=$(cpu_ns "$ne_pid"); t0=$(date +%s%N)
end=$(( $(date +%s) + duration ))
scrapes=0
while (( $(date +%s) < end )); do
  scrape "$pull" || echo "vigil scrape failed" >&2
  scrape "$ne" || echo "node_exporter scrape failed" >&2
  scrapes=$((scrapes + 1))
  left=$(( end - $(date +%s) ))
  (( left <= 0 )) && break
  sleep $(( left < every ? left : every ))
done
v1=$(cpu_ns "$vigil_pid"); n1=$(cpu_ns "$ne_pid"); t1=$(date +%s%N)

kill -0 "$vigil_pid" || { echo "vigil exited:" >&2; cat "$work/vigil.log" >&2; exit 1; }
wall_ns=$((t1 - t0))
figure() { printf '%-34s %12s %-6s %s\n' "$1" "$2" "$3" "${4:-}"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.2f", k / 1024}'; }
pct() { awk -v c="$1" -v w="$wall_ns" 'BEGIN {printf "%.4f", 100 * c / w}'; }

echo "# idle footprint: ${duration}s window, both scraped every ${every}s ($scrapes scrapes each)"
echo "# vigil: agent.toml.example (ports moved, stdout to /dev/null)"
for p in vigil node_exporter; do
  if [[ $p == vigil ]]; then pid=$vigil_pid; c=$((v1 - v0)); else pid=$ne_pid; c=$((n1 - n0)); fi
  note_rss=""; note_cpu=""
  [[ $p == vigil ]] && note_rss="target <= 6 MiB" && note_cpu="target <= 0.02%"
  figure "${p}_rss_mib" "$(mib "$(status_kib "$pid" VmRSS)")" MiB "$note_rss"
  figure "${p}_rss_anon_mib" "$(mib "$(status_kib "$pid" RssAnon)")" MiB
  figure "${p}_rss_file_mib" "$(mib "$(status_kib "$pid" RssFile)")" MiB
  figure "${p}_peak_rss_mib" "$(mib "$(status_kib "$pid" VmHWM)")" MiB
  figure "${p}_cpu_percent_of_a_core" "$(pct "$c")" % "$note_cpu"
done
figure ratio_rss_node_exporter_to_vigil \
  "$(awk -v a="$(status_kib "$ne_pid" VmRSS)" -v b="$(status_kib "$vigil_pid" VmRSS)" \
     'BEGIN {printf "%.2f", a / b}')" x
figure ratio_cpu_node_exporter_to_vigil \
  "$(awk -v a="$((n1 - n0))" -v b="$((v1 - v0))" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" x
