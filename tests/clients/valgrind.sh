#!/bin/bash
# Client lane: memory errors and leaks under valgrind memcheck. Every unit test binary, then a full
# CLI lifecycle (create, start, state, list, kill, delete, run) where only the CLI process is
# checked (the supervisor and init it forks run silently; nothing follows exec). One test per
# binary and per command: it fails on any memcheck error or any definite/indirect leak.
# Valgrind 3.19 (Debian 12) does not implement pidfd_open and openat2 (ENOSYS): under it a forked
# container init cannot build its rootfs, and kill finds no process. Such a command still has its
# CLI checked on the path it took; the exit status is then only reported. The containers the
# lifecycle needs are made by the CLI without valgrind.
# Prints `N passed, M failed`; exit 77 when valgrind is missing. Needs root (creates containers).
#   CARREL_BIN  runtime (default build/carrel; its -shared twin when there is one)
#   VALGRIND_KEEP=1  keep the logs
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
bin=${CARREL_BIN:-$repo/build/carrel}

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind: not installed: skipped"
  exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "valgrind: needs root for the CLI lifecycle: skipped"
  exit 77
fi

# memcheck replaces malloc through the shared libc: the default build is static, and make check
# and make valgrind link its dynamic twin next to it (carrel-shared), which is what runs here.
[ -x "$bin-shared" ] && bin=$bin-shared
if ! readelf -d "$bin" 2>/dev/null | grep -q 'NEEDED.*libc\.so'; then
  echo "FAIL valgrind: $bin is linked statically and there is no $bin-shared (run make valgrind)"
  echo "0 passed, 1 failed"
  exit 1
fi

work=$(mktemp -d /tmp/carrel-valgrind.XXXXXX)
chmod 0755 "$work"
root=$work/root
passed=0
failed=0

cleanup() {
  local id pid
  for id in $(ls "$root" 2>/dev/null); do
    timeout -k 2 10 "$bin" --root "$root" delete --force "$id" >/dev/null 2>&1
  done
  # A supervisor forked under valgrind outlives the aborted create of "cli:create": the CLI cannot
  # stop it without pidfd_open, which valgrind lacks, and its state is gone. It runs with our
  # --root on its command line.
  for pid in $(pgrep -f -- "--root $root "); do
    kill -KILL "$pid" 2>/dev/null
  done
  [ "${VALGRIND_KEEP:-}" = 1 ] && echo "valgrind: logs kept in $work" || rm -rf --one-file-system "$work"
}
trap cleanup EXIT

VG=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect
  --error-exitcode=1 --trace-children=no --child-silent-after-fork=yes --num-callers=30)

# check NAME LOG RC: one test's verdict from valgrind's own summary in LOG.
check() {
  local name=$1 log=$2 rc=$3 errs def ind
  errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n1)
  def=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n1 | tr -d ,)
  ind=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n1 | tr -d ,)
  if [ -z "$errs" ]; then
    failed=$((failed + 1))
    echo "FAIL $name: no valgrind summary (exit $rc)"
    tail -n 5 "$log" | sed 's/^/     | /'
  elif [ "$errs" -ne 0 ] || [ "${def:-0}" -ne 0 ] || [ "${ind:-0}" -ne 0 ] || [ "$rc" -ne 0 ]; then
    failed=$((failed + 1))
    echo "FAIL $name: $errs errors, ${def:-0} bytes definitely and ${ind:-0} indirectly lost (exit $rc)"
    grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall param|Mismatched|[0-9,]+ (\(|bytes))|^==[0-9]+==    (at|by) ' "$log" |
      head -n 24 | sed 's/^/     | /'
  else
    passed=$((passed + 1))
    echo "ok   $name"
  fi
}

# Unit tests.
for t in build/tests/test_*; do
  [ -x "$t" ] || continue
  # Its children load seccomp filters that refuse the syscalls valgrind itself makes.
  [ "$(basename "$t")" = test_seccomp ] && continue

  name=unit:$(basename "$t")
  log=$work/$(basename "$t").log
  rc=0
  timeout -k 5 600 "${VG[@]}" --log-file="$log" "$t" >"$log.out" 2>&1 </dev/null || rc=$?
  check "$name" "$log" "$rc"
done

# The CLI lifecycle, in a busybox bundle.
if ! CARREL_BUNDLE_CONFIG=template ./rootfs-examples/make-busybox-bundle.sh build/test-rootfs >/dev/null 2>&1; then
  echo "FAIL cli: could not build the test rootfs"
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
fi
bundle=$work/bundle
mkdir -p "$bundle"
cp -a build/test-rootfs/rootfs "$bundle/rootfs"
jq '.root.readonly = false | .process.terminal = false | .process.args = ["sleep", "30"]' \
  build/test-rootfs/config.json >"$bundle/config.json"
id=vg$$

# vg NAME EXPECTED_RC ARGS...: run the CLI under valgrind (commands are bounded; valgrind is slow).
vg() {
  local name=$1 want=$2 rc=0 log
  shift 2
  log=$work/cli-$name.log
  timeout -k 5 120 "${VG[@]}" --log-file="$log" "$bin" --root "$root" "$@" </dev/null >"$log.out" 2>&1 || rc=$?
  if [ "$rc" -ne "$want" ] && ! grep -q 'ERROR SUMMARY: [1-9]' "$log"; then
    if grep -q 'unhandled amd64-linux syscall' "$log"; then
      echo "     cli:$name exited $rc (expected $want): valgrind lacks a syscall: $(head -c 160 "$log.out")"
    else
      failed=$((failed + 1))
      echo "FAIL cli:$name: exit $rc, expected $want: $(head -c 300 "$log.out")"
      return
    fi
  fi
  check "cli:$name" "$log" 0
}
# native ARGS...: the same CLI without valgrind, to make the containers the checks need.
native() { timeout -k 3 20 "$bin" --root "$root" "$@" </dev/null >>"$work/native.out" 2>&1; }
wait_stopped() {
  for _ in $(seq 50); do
    [ "$("$bin" --root "$root" state "$1" 2>/dev/null | jq -r .status)" = stopped ] && return 0
    sleep 0.1
  done
}

vg create 0 create --bundle "$bundle" "$id-vg" # the init fails under valgrind: the abort path
native delete --force "$id-vg" || true
native create --bundle "$bundle" "$id" || echo "FAIL could not create $id without valgrind"
vg create-existing 1 create --bundle "$bundle" "$id" # the whole parse and validation path
vg start 0 start "$id"
vg state 0 state "$id"
vg list 0 list
vg list-json 0 list --format json
vg kill 0 kill "$id" KILL
native kill "$id" KILL || true
wait_stopped "$id"
vg delete 0 delete "$id"
jq '.process.args = ["sh", "-c", "exit 3"]' "$bundle/config.json" >"$bundle/config.json.new" &&
  mv "$bundle/config.json.new" "$bundle/config.json"
vg run 3 run --bundle "$bundle" "$id-run"
native delete --force "$id-run" || true
# Stopped first: under valgrind delete cannot open a pidfd, and would take the process for gone.
native create --bundle "$bundle" "$id-f"
native kill "$id-f" KILL || true
wait_stopped "$id-f"
vg delete-force 0 delete --force "$id-f"
native delete --force "$id-f" || true
vg delete-force-unknown 0 delete --force "$id-none"
vg state-unknown 1 state "$id-none"
echo '{' >"$work/bad.json"
mkdir -p "$work/badbundle" && cp "$work/bad.json" "$work/badbundle/config.json"
vg create-bad-config 1 create --bundle "$work/badbundle" "$id-bad"
vg spec 0 spec --bundle "$work"
vg features 0 features

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
