#!/bin/bash
# tests/fuzz/run.sh SECONDS [HARNESS...]: run the libFuzzer harnesses build-fuzz/fuzz_* (all, or the
# named ones, e.g. `spec state`) for SECONDS each. Seeds: tests/fuzz/corpus/<name>/ (read only);
# inputs the fuzzer finds go to build-fuzz/corpus/<name>/, crashes and leaks to
# build-fuzz/artifacts/<name>/. Prints one line per harness with its execution count, then
# `N passed, M failed`; exit 0 iff no harness found anything.
#   FUZZ_JOBS=N   parallel fuzzing processes per harness (default 1; the machine has 2 cores)
#   FUZZ_ARGS     more libFuzzer options (e.g. -runs=10000000)
#   FUZZ_TAG      suffix of the log names (build-fuzz/fuzz_<name>[.TAG].log), for runs side by side
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
secs=${1:-60}
shift || true
jobs=${FUZZ_JOBS:-1}

names=()
if [ $# -gt 0 ]; then
  for n in "$@"; do names+=("${n#fuzz_}"); done
else
  for b in build-fuzz/fuzz_*; do
    [ -x "$b" ] && names+=("$(basename "$b" | sed 's/^fuzz_//')")
  done
fi
if [ "${#names[@]}" -eq 0 ]; then
  echo "fuzz: no harness in build-fuzz/ (run make fuzz-build)"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
for n in "${names[@]}"; do
  bin=build-fuzz/fuzz_$n
  work=build-fuzz/corpus/$n
  art=build-fuzz/artifacts/$n
  log=build-fuzz/fuzz_$n${FUZZ_TAG:+.$FUZZ_TAG}.log
  mkdir -p "$work" "$art"
  seeds=()
  [ -d "tests/fuzz/corpus/$n" ] && seeds+=("tests/fuzz/corpus/$n")
  opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536
    -dict=tests/fuzz/json.dict -artifact_prefix="$art/" -print_final_stats=1)
  rc=0
  t0=$SECONDS
  if [ "$jobs" -gt 1 ]; then
    # -fork keeps one merged corpus and survives crashes in a child; counts are summed at the end.
    # shellcheck disable=SC2086
    "$bin" -fork="$jobs" -ignore_crashes=0 "${opts[@]}" ${FUZZ_ARGS:-} "$work" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  else
    # shellcheck disable=SC2086
    "$bin" "${opts[@]}" ${FUZZ_ARGS:-} "$work" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  fi
  took=$((SECONDS - t0))
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | awk '{ s += $1 } END { print s + 0 }')
  if [ "$execs" -eq 0 ]; then
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
  fi
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok   fuzz_$n: ${execs:-0} executions in ${took}s, no finding"
  else
    failed=$((failed + 1))
    echo "FAIL fuzz_$n: exit $rc after ${execs:-?} executions in ${took}s (log $log, artifacts $art/)"
    grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written' "$log" | head -n 8 | sed 's/^/     | /'
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
