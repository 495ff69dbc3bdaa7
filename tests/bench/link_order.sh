#!/usr/bin/env bash
# Writes agent/link_order.txt: the functions (of vigil and of the libraries it links, but glibc)
# that run while it starts with agent.toml.example and then idles, serving its Prometheus
# endpoint (the load of idle_footprint.sh). lld places them first in the text (CMakeLists.txt,
# VIGIL_LINK_ORDER), so the pages the kernel maps around them are few. Regenerate after changes
# that move much code; a stale list only costs idle RSS (idle_footprint.sh shows it), never
# correctness.
#
#   tests/bench/link_order.sh BUILD_DIR      (vigil must be built there; needs valgrind)
#   env: SCRAPES=3 (scrapes of /metrics, 10 s apart, after start-up)
#
# callgrind lists every function that executed at least one instruction, so rarely-run start-up
# code is not missed the way a sampling profiler would miss it.
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
scrapes=${SCRAPES:-3}
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
vigil=$(cd "$build" && pwd)/vigil
out=$source_dir/agent/link_order.txt
[[ -x $vigil ]] || { echo "no vigil binary in $build" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind missing (apt-get install valgrind)" >&2; exit 2; }

work=$(mktemp -d /tmp/vigil-order.XXXXXX)
trap 'pkill -TERM -f "$work/agent.toml" 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
api=$(free_port); pull=$(free_port); http=$(free_port); grpc=$(free_port)
sed -e "s/127.0.0.1:8686/127.0.0.1:$api/" -e "s/127.0.0.1:9464/127.0.0.1:$pull/" \
    -e "s/127.0.0.1:4318/127.0.0.1:$http/" -e "s/127.0.0.1:4317/127.0.0.1:$grpc/" \
    -e "s|^data_dir = .*|data_dir = \"$work\"|" \
    "$source_dir/agent.toml.example" > "$work/agent.toml"

valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" --demangle=no \
  "$vigil" run -c "$work/agent.toml" > /dev/null 2> "$work/vigil.log" &
runner=$!

scrape() {
  curl -sf -o /dev/null -H "Accept: $1" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$pull/metrics"
}
for _ in $(seq 1 600); do scrape 'text/plain' && break; sleep 0.1; done
scrape 'text/plain' || { echo "vigil does not serve /metrics:" >&2; cat "$work/vigil.log" >&2; exit 1; }
openmetrics='application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'
for _ in $(seq 1 "$scrapes"); do
  sleep 10
  scrape "$openmetrics"
  scrape 'text/plain;version=0.0.4'
done
kill -TERM "$(pgrep -f "vigil run -c $work/agent.toml" | head -1)"
wait "$runner" || true

# callgrind names a function once as "fn=(id) name" and then by "(id)"; "ob=" says which object
# the following functions belong to. Recursion levels appear as name'2.
python3 - "$work/callgrind.out" "$vigil" > "$work/order.txt" <<'EOF'
import re, sys
out, binary = sys.argv[1], sys.argv[2]
objects, names, found, current = {}, {}, set(), None
# The binary and the libraries it may link statically; glibc and valgrind's own stay out.
def keep(obj):
    return obj == binary or (obj.startswith("/") and not re.search(r"/(libc|libm|ld-linux[^/]*|vgpreload[^/]*)\.so", obj))
for line in open(out, encoding="utf-8", errors="replace"):
    m = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
    if m:
        if m.group(3):
            objects[m.group(2)] = m.group(3)
        if m.group(1) == "ob":
            current = objects[m.group(2)]
        continue
    m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
    if m:
        if m.group(3):
            names[m.group(2)] = re.sub(r"'\d+$", "", m.group(3))
        if m.group(1) == "fn" and current is not None and keep(current):
            found.add(names[m.group(2)])
for name in sorted(found):
    if not name.startswith(("0x", "(")):
        print(name)
EOF
count=$(wc -l < "$work/order.txt")
((count > 200)) || { echo "only $count functions found: is $vigil the binary that ran?" >&2; exit 1; }
{
  echo "# Functions of vigil that run at start and at idle with agent.toml.example, in symbol order."
  echo "# Written by tests/bench/link_order.sh; read by lld (CMakeLists.txt, VIGIL_LINK_ORDER)."
  cat "$work/order.txt"
} > "$out"
echo "wrote $out: $count functions"
