#!/usr/bin/env bash
# Benchmark of the tail collector (issue 4, acceptance 5): a generated file of ~200-byte
# access-log lines read from its beginning into the null exporter (MiB/s, lines/s, CPU seconds,
# peak RSS, with `cat FILE > /dev/null` and `wc -l FILE` measured in the same run as the floor),
# then FILES files written concurrently while vigil follows them. See tests/bench/README.md.
#
#   tests/bench/tail_bench.sh BUILD_DIR        (e.g. build; vigil must be built)
#   env: SIZE_MIB=1024 (file size), REPEAT=3 (runs per scenario; medians are printed),
#        FILES=100, WORKDIR=/tmp (needs SIZE_MIB of free space)
#
# Not part of ctest.
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/tail_bench.py" "$build"
