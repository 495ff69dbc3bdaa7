#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR/tests/fuzz for SECONDS each, starting from its seed
# corpus in tests/fuzz/corpus/<name> (new inputs go to a temporary directory, not the repo).
# Exits non-zero on the first crash, leak or timeout; the reproducer is left in WORK_DIR.
set -euo pipefail
BUILD_DIR=$(cd "${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}" && pwd)
SECONDS_EACH=${2:-30}
SRC=$(cd "$(dirname "$0")" && pwd)
WORK_DIR=$(mktemp -d /tmp/vigil-fuzz.XXXXXX)
status=0
for bin in "$BUILD_DIR"/tests/fuzz/fuzz_*; do
  name=$(basename "$bin"); name=${name#fuzz_}
  mkdir -p "$WORK_DIR/$name"
  echo "== fuzz_$name for ${SECONDS_EACH}s"
  if ! (cd "$WORK_DIR" && "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
          -print_final_stats=1 "$WORK_DIR/$name" "$SRC/corpus/$name" > "$WORK_DIR/$name.log" 2>&1); then
    echo "fuzz_$name FAILED; log and reproducer in $WORK_DIR:"
    tail -40 "$WORK_DIR/$name.log"
    status=1
  else
    grep -E '^Done|stat::number_of_executed_units' "$WORK_DIR/$name.log" | head -1
  fi
done
[[ $status -eq 0 ]] && rm -rf "$WORK_DIR"
exit $status
