# shellcheck shell=bash
# tests/clients/support/lib.sh: counting and bounding for the client lanes (podman.sh, containerd.sh).
# A lane defines functions case_<behaviour>; `run_cases` runs each in a subshell bounded by
# CLIENT_CASE_TIMEOUT seconds, prints ok/FAIL/SKIP lines and the closing `N passed, M failed[, K
# skipped]` line. Inside a case: `fail MSG`, `skip MSG`, `expect_eq WANT GOT WHAT`.

CARREL_REPO=${CARREL_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
CARREL_BIN=${CARREL_BIN:-$CARREL_REPO/build/carrel}
CLIENT_CASE_TIMEOUT=${CLIENT_CASE_TIMEOUT:-90}
CLIENT_FILTER=${CLIENT_FILTER:-}

c_passed=0
c_failed=0
c_skipped=0
c_failures=()

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "SKIP: $*" >&2
  exit 77
}
expect_eq() { [ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"; }
expect_contains() {
  case $2 in *"$1"*) ;; *) fail "${3:-output}: expected to contain '$1', got '$2'" ;; esac
}
# expect_rc WANT CMD...: CMD's exit status must be WANT; leaves OUT (stdout+stderr).
expect_rc() {
  local want=$1 rc=0
  shift
  OUT=$("$@" 2>&1 </dev/null) || rc=$?
  [ "$rc" = "$want" ] || fail "exit status of '$*': expected $want, got $rc; output: ${OUT:0:600}"
}

# run_cases FUNCTION...: each case in its own subshell, bounded; a case's output is shown on failure.
run_cases() {
  local fn rc log
  for fn in "$@"; do
    if [ -n "$CLIENT_FILTER" ] && ! grep -qE -- "$CLIENT_FILTER" <<<"$fn"; then
      continue
    fi
    log=$(mktemp)
    rc=0
    timeout -k 5 "$CLIENT_CASE_TIMEOUT" bash -c "set -eEuo pipefail; source '$LANE_FILE'; lane_env; ${fn}" >"$log" 2>&1 || rc=$?
    case $rc in
      0)
        echo "ok   ${fn#case_}"
        c_passed=$((c_passed + 1))
        ;;
      77)
        echo "SKIP ${fn#case_}: $(grep -m1 '^SKIP:' "$log" | cut -c7-)"
        c_skipped=$((c_skipped + 1))
        ;;
      *)
        [ "$rc" -eq 124 ] && echo "FAIL: timed out after ${CLIENT_CASE_TIMEOUT}s" >>"$log"
        echo "FAIL ${fn#case_}"
        sed 's/^/     | /' "$log" | tail -n 15
        c_failed=$((c_failed + 1))
        c_failures+=("${fn#case_}")
        ;;
    esac
    rm -f "$log"
    lane_after_case 2>/dev/null || true
  done
}

summary() {
  local line="$c_passed passed, $c_failed failed"
  [ "$c_skipped" -eq 0 ] || line+=", $c_skipped skipped"
  if [ "${#c_failures[@]}" -gt 0 ]; then
    echo "Failed: ${c_failures[*]}"
  fi
  echo "$line"
  [ "$c_failed" -eq 0 ]
}
