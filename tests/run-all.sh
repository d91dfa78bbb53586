#!/bin/bash
# shellcheck disable=SC2317,SC2016 # functions run from traps; bash -c programs in single quotes
# tests/run-all.sh [--only unit|integration|clients] [--filter REGEX] [--keep]
#
# Runs, in order:
#   unit         build/tests/test_* (cmocka) through tests/run-unit.sh
#   integration  every function test_* of tests/integration/test_*.sh, each in its own bash process
#                with its own temp dir, --root and bundle (see tests/integration/lib.sh), bounded by
#                CARREL_TEST_TIMEOUT seconds (default 60), followed by a leak check: mounts under
#                its temp dir, state dirs, processes, cgroups, netns and links named after its tag.
#                A leak fails the test (naming the leak) and is cleaned up.
#   clients      tests/clients/*.sh, each bounded by CARREL_CLIENT_TIMEOUT (default 1800). A lane
#                prints its own closing `N passed, M failed[, K skipped]` line (added to the totals)
#                and exits 0 iff nothing failed; exit 77 means the whole lane was skipped.
# The LAST line printed is `N passed, M failed` (plus `, K skipped`); exit 0 iff M is 0.
#   --filter REGEX   only integration tests whose "file:function" matches REGEX (e.g. lifecycle)
#   --keep           keep the temp dirs of failed integration tests
#   CARREL_BIN       runtime under test (default build/carrel)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

only=""
filter=""
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --only)
      [ $# -ge 2 ] || { echo "run-all.sh: --only needs unit, integration or clients" >&2; exit 2; }
      only=$2
      shift 2
      ;;
    --only=*) only=${1#--only=}; shift ;;
    --filter | -k)
      [ $# -ge 2 ] || { echo "run-all.sh: --filter needs a regular expression" >&2; exit 2; }
      filter=$2
      shift 2
      ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-all.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case $only in
  "" | unit | integration | clients) ;;
  *) echo "run-all.sh: --only takes unit, integration or clients, not '$only'" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "run-all.sh: must run as root: the tests create namespaces, mounts and cgroups (try: sudo $0)" >&2
  exit 1
fi

export CARREL_REPO=$repo
export CARREL_BIN=${CARREL_BIN:-$repo/build/carrel}
export CARREL_TEST_ROOTFS=${CARREL_TEST_ROOTFS:-$repo/build/test-rootfs}
test_timeout=${CARREL_TEST_TIMEOUT:-60}
client_timeout=${CARREL_CLIENT_TIMEOUT:-1800}
lib=$repo/tests/integration/lib.sh
# shellcheck source=tests/integration/lib.sh
source "$lib"

passed=0
failed=0
skipped=0
failures=()

say() { printf '%s\n' "$*"; }

# ---------------------------------------------------------------------------------------------
run_unit_layer() {
  local bins=() b out rc=0
  for b in build/tests/test_*; do
    [ -f "$b" ] && [ -x "$b" ] && bins+=("$b")
  done
  say "== unit (${#bins[@]} binaries)"
  if [ "${#bins[@]}" -eq 0 ]; then
    say "unit: no binaries in build/tests (make check builds them)"
    return
  fi
  out=$(CARREL_UNIT_COUNTS=1 "$repo/tests/run-unit.sh" "${bins[@]}") || rc=$?
  printf '%s\n' "$out" | grep -v '^UNIT_COUNTS ' || true
  local line p f
  line=$(printf '%s\n' "$out" | grep '^UNIT_COUNTS ' | tail -n1 || true)
  if [ -z "$line" ]; then
    say "unit: FAIL run-unit.sh printed no counts (exit $rc)"
    failed=$((failed + 1))
    failures+=("unit: run-unit.sh")
    return
  fi
  read -r _ p f <<<"$line"
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$f" -eq 0 ] || failures+=("unit: $f failed (see above)")
}

# ---------------------------------------------------------------------------------------------
# Integration

run_seq=0
integration_base=""

# leak_check TAG DIR: prints one line per leak and cleans it up.
leak_check() {
  local tag=$1 dir=$2 root=$2/root leaks=() x pids=()
  # State dirs first: `delete --force` is the runtime's own way to undo a container.
  if [ -d "$root" ]; then
    while read -r x; do
      leaks+=("state dir left: $root/$x")
      timeout -k 2 10 "$CARREL_BIN" --root "$root" delete --force "$x" </dev/null >/dev/null 2>&1 || true
    done < <(find "$root" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null)
  fi
  for x in $(__carrel_tagged_pids "$tag" "$dir"); do
    leaks+=("process left: pid $x ($(tr '\0' ' ' <"/proc/$x/cmdline" 2>/dev/null | cut -c1-80))")
    pids+=("$x")
  done
  if [ "${#pids[@]}" -gt 0 ]; then
    kill -KILL "${pids[@]}" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
      local alive=0
      for x in "${pids[@]}"; do pid_alive "$x" && alive=1; done
      [ "$alive" -eq 0 ] && break
      sleep 0.02
    done
  fi
  while read -r x; do
    [ -n "$x" ] || continue
    leaks+=("mount left: $x")
    umount -l "$x" 2>/dev/null || true
  done < <(__carrel_mounts_under "$dir")
  while read -r x; do
    [ -n "$x" ] || continue
    leaks+=("cgroup left: $x")
    local i
    for ((i = 0; i < 50; i++)); do
      rmdir "$x" 2>/dev/null && break
      sleep 0.02
    done
  done < <(__carrel_cgroups_named "$tag")
  while read -r x; do
    [ -n "$x" ] || continue
    leaks+=("netns left: $x")
    ip netns delete "$x" 2>/dev/null || true
  done < <(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -F -- "$tag" || true)
  while read -r x; do
    [ -n "$x" ] || continue
    leaks+=("network link left: $x")
    ip link delete "$x" 2>/dev/null || true
  done < <(ip -o link show 2>/dev/null | awk -F': ' '{ sub("@.*", "", $2); print $2 }' | grep -F -- "$tag" || true)
  for x in "${leaks[@]}"; do
    say "$x"
  done
}

remove_test_dir() {
  local dir=$1
  # Never rm -rf through a mount (a bind mount would take host files with it).
  if [ -n "$(__carrel_mounts_under "$dir")" ]; then
    say "warning: $dir kept: mounts remain under it"
    return
  fi
  rm -rf --one-file-system "$dir"
}

# run_one FILE FUNC
run_one() {
  local file=$1 fn=$2 name rc=0 t0 t1 secs leaks result
  name="$(basename "$file" .sh | sed 's/^test_//'):${fn#test_}"
  run_seq=$((run_seq + 1))
  local tag="ct$$x$run_seq"
  local dir
  dir=$(mktemp -d "$integration_base/$tag.XXXX")
  chmod 0755 "$dir"
  t0=$(__carrel_now_ms)
  # A new session: the test, its runtime calls and whatever they leave have no terminal, and the
  # timeout reaches the whole group.
  TEST_DIR=$dir TEST_TAG=$tag CARREL_TEST_TAG=$tag timeout -k 10 "$test_timeout" \
    setsid bash -c 'source "$1"; __carrel_run_test "$2" "$3"' carrel-test "$lib" "$file" "$fn" \
    </dev/null >"$dir.log" 2>&1 || rc=$?
  t1=$(__carrel_now_ms)
  secs=$(awk -v ms=$((t1 - t0)) 'BEGIN { printf "%.2f", ms / 1000 }')
  leaks=$(leak_check "$tag" "$dir")
  if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && ! grep -q '^FAIL' "$dir.log"; }; then
    echo "FAIL: timed out after ${test_timeout}s" >>"$dir.log"
    rc=1
  fi
  if [ -n "$leaks" ]; then
    printf '%s\n' "$leaks" | sed 's/^/LEAK: /' >>"$dir.log"
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then rc=1; fi
  fi
  case $rc in
    0)
      result=ok
      passed=$((passed + 1))
      ;;
    77)
      result=skip
      skipped=$((skipped + 1))
      ;;
    *)
      result=FAIL
      failed=$((failed + 1))
      ;;
  esac
  if [ "$result" = skip ]; then
    say "skip $name ($(grep -m1 '^SKIP: ' "$dir.log" | sed 's/^SKIP: //'))"
  else
    say "$(printf '%-4s' "$result") $name (${secs}s)"
  fi
  if [ "$result" = FAIL ]; then
    local why
    why=$( { grep -E '^(FAIL|LEAK): ' "$dir.log" || tail -n 5 "$dir.log"; } | head -n 8)
    failures+=("$name: $(printf '%s' "$why" | head -n1 | sed -E 's/^(FAIL|LEAK): //')")
    # The reason first, then the test's own output for context.
    printf '%s\n' "$why" | sed 's/^/     | /'
    grep -vE '^(FAIL|LEAK): ' "$dir.log" | tail -n 15 | sed 's/^/     : /' || true
  fi
  if [ "$keep" -eq 1 ] && [ "$result" = FAIL ]; then
    say "     kept: $dir ($dir.log)"
  else
    remove_test_dir "$dir"
    rm -f "$dir.log"
  fi
}

run_integration_layer() {
  local files=() f fn
  for f in tests/integration/test_*.sh; do
    [ -f "$f" ] && files+=("$repo/$f")
  done
  say "== integration (${#files[@]} files, runtime $CARREL_BIN)"
  [ "${#files[@]}" -gt 0 ] || return 0
  if [ ! -x "$CARREL_BIN" ]; then
    say "FAIL integration: $CARREL_BIN is missing (run make)"
    failed=$((failed + 1))
    failures+=("integration: $CARREL_BIN missing")
    return
  fi
  # The busybox rootfs every test copies: built once per run (quick when up to date).
  if ! CARREL_BUNDLE_CONFIG=template "$repo/rootfs-examples/make-busybox-bundle.sh" "$CARREL_TEST_ROOTFS" >/dev/null; then
    say "FAIL integration: could not build the test rootfs in $CARREL_TEST_ROOTFS"
    failed=$((failed + 1))
    failures+=("integration: test rootfs")
    return
  fi
  integration_base=$(mktemp -d /tmp/carrel-itest.XXXXXX)
  chmod 0755 "$integration_base"
  for f in "${files[@]}"; do
    while read -r fn; do
      [ -n "$fn" ] || continue
      if [ -n "$filter" ] && ! printf '%s\n' "$(basename "$f"):$fn" | grep -qE -- "$filter"; then
        continue
      fi
      run_one "$f" "$fn"
    done < <(grep -oE '^test_[A-Za-z0-9_]+ *\(\)' "$f" | sed 's/ *()$//')
  done
  rmdir "$integration_base" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
run_clients_layer() {
  local lanes=() f
  for f in tests/clients/*.sh; do
    [ -f "$f" ] && lanes+=("$f")
  done
  say "== clients (${#lanes[@]} lanes)"
  if [ "${#lanes[@]}" -eq 0 ]; then
    say "clients: no lanes in tests/clients (skipped)"
    return
  fi
  for f in "${lanes[@]}"; do
    local name rc=0 log line p fl s
    name=$(basename "$f" .sh)
    log=$(mktemp /tmp/carrel-client.XXXXXX)
    say "-- client lane $name"
    timeout -k 10 "$client_timeout" bash "$f" </dev/null 2>&1 | tee "$log" | sed 's/^/   /' || true
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n1 || true)
    rm -f "$log"
    if [ "$rc" -eq 77 ] && [ -z "$line" ]; then
      say "skip client lane $name"
      skipped=$((skipped + 1))
      continue
    fi
    if [ -z "$line" ]; then
      if [ "$rc" -eq 0 ]; then
        say "ok   client lane $name (no counts printed: counted as one test)"
        passed=$((passed + 1))
      else
        say "FAIL client lane $name (exit $rc, no counts printed)"
        failed=$((failed + 1))
        failures+=("client lane $name: exit $rc")
      fi
      continue
    fi
    line=${line#*: }
    p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
    fl=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
    s=0
    case $line in *skipped*) s=$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line") ;; esac
    passed=$((passed + p))
    failed=$((failed + fl))
    skipped=$((skipped + s))
    if [ "$fl" -gt 0 ]; then
      failures+=("client lane $name: $fl failed")
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
      say "FAIL client lane $name exited $rc although it counted no failure"
      failed=$((failed + 1))
      failures+=("client lane $name: exit $rc")
    fi
  done
}

# The default cgroup parent (/carrel) outlives its containers, as runc's and crun's parents do;
# the tests made it when it was not there, so they remove it (rmdir: only when empty).
carrel_parent_cgroups_before=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null || true)
cleanup_run() {
  local p
  for p in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null); do
    grep -qxF "$p" <<<"$carrel_parent_cgroups_before" || rmdir "$p" 2>/dev/null || true
  done
  if [ -n "$integration_base" ] && [ -d "$integration_base" ] && [ "$keep" -eq 0 ]; then

    local d
    for d in "$integration_base"/*/; do
      [ -d "$d" ] || continue
      if [ -z "$(__carrel_mounts_under "${d%/}")" ]; then rm -rf --one-file-system "$d"; fi
    done
    rm -f "$integration_base"/*.log
    rmdir "$integration_base" 2>/dev/null || true
  fi
}
trap cleanup_run EXIT
trap 'echo "run-all.sh: interrupted" >&2; exit 130' INT TERM

start=$(__carrel_now_ms)
if [ -z "$only" ] || [ "$only" = unit ]; then run_unit_layer; fi
if [ -z "$only" ] || [ "$only" = integration ]; then run_integration_layer; fi
if [ -z "$only" ] || [ "$only" = clients ]; then run_clients_layer; fi
end=$(__carrel_now_ms)

say ""
if [ "${#failures[@]}" -gt 0 ]; then
  say "Failed:"
  for f in "${failures[@]}"; do say "  $f"; done
fi
say "(took $(awk -v ms=$((end - start)) 'BEGIN { printf "%.1f", ms / 1000 }')s)"
summary="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || summary+=", $skipped skipped"
say "$summary"
[ "$failed" -eq 0 ]
