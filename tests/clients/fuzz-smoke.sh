#!/bin/bash
# Client lane: a short smoke run of every libFuzzer harness (tests/fuzz/, see docs/reliability.md).
# Builds them with clang -fsanitize=fuzzer,address,undefined into build-fuzz/ and runs each for
# FUZZ_SMOKE_SECONDS (default 7; seven harnesses, about a minute in all) from its seed corpus.
# Exit 77 when clang cannot build fuzzers.
# Prints `N passed, M failed` (one per harness). `make fuzz` is the long run.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
secs=${FUZZ_SMOKE_SECONDS:-7}

if ! command -v clang >/dev/null 2>&1 && ! ./tests/install-deps.sh clang libclang-rt-14-dev >/dev/null 2>&1; then
  echo "fuzz-smoke: clang is not available: skipped"
  exit 77
fi
if ! log=$(make -s fuzz-build 2>&1); then
  echo "fuzz-smoke: clang could not build the fuzzers: skipped"
  printf '%s\n' "$log" | grep -E 'error|cannot|not found' | head -n 5 | sed 's/^/   /'
  exit 77
fi
FUZZ_TAG=smoke exec ./tests/fuzz/run.sh "$secs"
