#!/usr/bin/env bash
# Installs every build and test dependency of vigil on Debian 12. Idempotent: when everything
# is present it only checks (well under a second) and installs nothing.
set -euo pipefail

BUILD_PACKAGES=(
  cmake ninja-build g++ pkg-config
  libuv1-dev libprotobuf-dev protobuf-compiler libzstd-dev libcurl4-openssl-dev
  libtomlplusplus-dev libsnappy-dev zlib1g-dev libssl-dev libnghttp2-dev libhttp-parser-dev
  libfmt-dev rapidjson-dev libpcre2-dev libexpat1-dev
  lld-16  # links vigil in agent/link_order.txt's order (idle RSS; CMakeLists.txt VIGIL_LINK_ORDER)
)
TEST_PACKAGES=(
  googletest libgtest-dev libgmock-dev
  python3          # Debian's /usr/bin/python3 runs the integration tests
  zstd curl nghttp2-client  # OTLP conformance test: zstd bodies, gRPC calls (curl, nghttp)
  clang-16 libclang-rt-16-dev  # libFuzzer targets (clang 16: std::expected needs P0848)
  # Real peers of the integration tests (../shared/PEERS.md): Prometheus 2.42 with promtool,
  # node_exporter 1.5, VictoriaMetrics 1.79; botocore checks the CloudWatch test server's SigV4.
  prometheus prometheus-node-exporter victoria-metrics python3-botocore hyperfine
)

missing=()
for p in "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Node.js and npm run the OpenTelemetry JS SDK test (tests/integration/otel-js, node >= 18.19).
# A machine that has them already (from any source) keeps its own; otherwise Debian's.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all build and test dependencies are installed"
fi
