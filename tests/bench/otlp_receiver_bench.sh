#!/usr/bin/env bash
# Benchmark of the OTLP receiver (issue 5, acceptance 5): replays a pre-encoded
# ExportTraceServiceRequest (100 spans x 10 attributes, tests/data/otlp-bench/) over keep-alive
# connections into vigil with the null exporter, with wrk (http/protobuf, http/json) and h2load
# (grpc), and prints spans/s, CPU us per span, p50/p99 latency and peak RSS per protocol.
#
#   tests/bench/otlp_receiver_bench.sh BUILD_DIR        (e.g. build; vigil must be built)
#   env: DURATION=10 (s per run), REPEAT=3 (runs per protocol; medians are printed),
#        CONNECTIONS=8, STREAMS=16 (gRPC streams per connection), PROTOCOLS="http/protobuf http/json grpc"
#
# Installs wrk and nghttp2-client (h2load) with apt-get when they are missing. Not part of ctest.
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v h2load >/dev/null || missing+=(nghttp2-client)
if ((${#missing[@]} > 0)); then
  echo "bench: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

exec /usr/bin/python3 "$here/otlp_receiver_bench.py" "$build"
