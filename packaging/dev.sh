#!/usr/bin/env bash
# The two commands of the README:
#   packaging/dev.sh run    install what is missing, build, run vigil with agent.toml.example
#   packaging/dev.sh test   install what is missing (also `npm ci` in tests/integration/otel-js
#                           when its package-lock.json changed), build, run the whole test suite
#                           (unit + integration, the unit tests under ASan+UBSan, then every
#                           libFuzzer target for FUZZ_SECONDS each, default 20; 0 skips them)
# Build directories: build/ (Release), build-asan/ (sanitizers), build-fuzz/ (clang-16,
# libFuzzer). JOBS overrides parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}

configure_and_build() {  # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

js_test_deps() {  # the npm packages of tests/integration/otel-js, per its package-lock.json
  local dir=tests/integration/otel-js
  local stamp=$dir/node_modules/.vigil-lock-stamp want
  want="$(node --version) $(cat $dir/package.json $dir/package-lock.json | sha256sum | cut -d' ' -f1)"
  if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    echo "npm: $dir/node_modules is up to date"
    return
  fi
  (cd $dir && npm ci --no-audit --no-fund)
  echo "$want" >"$stamp"
}

case "${1:-}" in
  run)
    packaging/install-deps.sh
    configure_and_build build
    exec build/vigil run -c agent.toml.example
    ;;
  test)
    packaging/install-deps.sh
    configure_and_build build
    js_test_deps
    (cd build && ctest --output-on-failure -j "$JOBS")
    echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    configure_and_build build-asan -DVIGIL_SANITIZE=ON
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
       ctest --output-on-failure -L unit -j "$JOBS")
    if [[ "${FUZZ_SECONDS:-20}" != 0 ]]; then
      echo "== fuzz targets, ${FUZZ_SECONDS:-20}s each"
      CC=clang-16 CXX=clang++-16 configure_and_build build-fuzz -DVIGIL_FUZZ=ON \
        -DVIGIL_BUILD_TESTS=OFF
      tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-20}"
    fi
    ;;
  *)
    echo "usage: packaging/dev.sh run | test" >&2
    exit 2
    ;;
esac
