#!/usr/bin/env bash
# The two commands of the README:
#   packaging/dev.sh run    install what is missing, build, run vigil with agent.toml.example
#   packaging/dev.sh test   install what is missing, build, run the whole test suite
#                           (unit + integration, then the unit tests under ASan+UBSan)
# Build directories: build/ (Release) and build-asan/ (sanitizers). JOBS overrides parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}

configure_and_build() {  # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
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
    (cd build && ctest --output-on-failure -j "$JOBS")
    echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    configure_and_build build-asan -DVIGIL_SANITIZE=ON
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
       ctest --output-on-failure -L unit -j "$JOBS")
    ;;
  *)
    echo "usage: packaging/dev.sh run | test" >&2
    exit 2
    ;;
esac
