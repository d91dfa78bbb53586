#!/bin/bash
# run-unit.sh BIN...: run cmocka test binaries from the repo root and add up their results.
# Prints one line per binary and, at the end, `N passed, M failed`. With CARREL_UNIT_COUNTS=1 the
# last line is instead the machine-readable `UNIT_COUNTS <passed> <failed>` (used by run-all.sh).
# Exit status 0 iff nothing failed. A binary that crashes, times out or exits non-zero without
# reporting failures (e.g. an AddressSanitizer leak report at exit) counts as one more failure.
# CARREL_UNIT_TIMEOUT: seconds per binary (default 120).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
per_bin_timeout=${CARREL_UNIT_TIMEOUT:-120}

passed=0
failed=0
logdir=$(mktemp -d /tmp/carrel-unit.XXXXXX)
trap 'rm -rf "$logdir"' EXIT

if [ $# -eq 0 ]; then
  echo "unit: no test binaries given (tests/unit/test_*.c builds them)"
fi

for bin in "$@"; do
  name=$(basename "$bin")
  log=$logdir/$name.log
  if [ ! -x "$bin" ]; then
    echo "unit: FAIL $name: $bin is missing or not executable"
    failed=$((failed + 1))
    continue
  fi
  rc=0
  # Bare names would be looked up in PATH.
  case $bin in */*) path=$bin ;; *) path=./$bin ;; esac
  timeout -k 5 "$per_bin_timeout" "$path" </dev/null >"$log" 2>&1 || rc=$?
  p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" | tail -n1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$log" | tail -n1)
  p=${p:-0}
  f=${f:-0}
  extra=""
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    extra="timed out after ${per_bin_timeout}s"
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    extra="exited with status $rc"
  elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
    extra="printed no cmocka summary"
  fi
  if [ -n "$extra" ]; then
    f=$((f + 1))
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -eq 0 ]; then
    echo "unit: ok   $name ($p passed)"
  else
    echo "unit: FAIL $name ($p passed, $f failed${extra:+; $extra})"
    # The failing cases and their messages, then the tail of the output.
    grep -E '^\[  (FAILED|ERROR)  \]|^\[  FAILED  \]|[Ee]rror|ERROR|Assert|ASAN|Sanitizer|runtime error' "$log" |
      head -n 40 | sed 's/^/      /' || true
    if [ -n "$extra" ]; then
      tail -n 15 "$log" | sed 's/^/      | /'
    fi
  fi
done

if [ "${CARREL_UNIT_COUNTS:-}" = 1 ]; then
  echo "UNIT_COUNTS $passed $failed"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
