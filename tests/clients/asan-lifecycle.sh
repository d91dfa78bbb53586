#!/bin/bash
# Client lane: memory errors, leaks and undefined behaviour over a full CLI lifecycle, with the
# runtime built with -fsanitize=address,undefined (`make asan`'s build-asan/carrel). Valgrind 3.19
# cannot run the container init (no pidfd_open, no openat2; see valgrind.sh); ASan can, and the
# supervisor and the init are forks of the CLI, so every process of the runtime is instrumented
# until the container's execve. Every sanitizer report, from any of them, goes to a log file under
# the lane's temp dir (ASAN_OPTIONS/UBSAN_OPTIONS log_path); a test fails on a report that appeared
# during it, on a report printed to its stderr (a process that could not open the log, e.g. the
# init after pivot_root), or on an unexpected exit status. LeakSanitizer runs in processes that
# leave through exit(): the CLI of every command; the supervisor and the init leave with _exit or
# execve and are checked for memory errors and undefined behaviour only.
# One test per command; prints `N passed, M failed`. Exit 77 when the sanitizer build is not
# possible or not root. Bounded: every command has CMD_TIMEOUT (default 30 s).
#   ASAN_KEEP=1  keep the temp dir (logs, outputs)
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1
bin=$repo/build-asan/carrel
cmd_timeout=${CMD_TIMEOUT:-30}

if [ "$(id -u)" -ne 0 ]; then
  echo "asan-lifecycle: needs root for the lifecycle: skipped"
  exit 77
fi
# The flags of `make asan` (Makefile); only the runtime is built here, build/ is not touched.
if ! log=$(make -s BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
  LDFLAGS="-fsanitize=address,undefined" build-asan/carrel 2>&1); then
  echo "asan-lifecycle: could not build build-asan/carrel: skipped"
  printf '%s\n' "$log" | grep -E 'error|cannot|not found' | head -n 5 | sed 's/^/   /'
  exit 77
fi
if ! CARREL_BUNDLE_CONFIG=template ./rootfs-examples/make-busybox-bundle.sh build/test-rootfs >/dev/null 2>&1; then
  echo "FAIL asan-lifecycle: could not build the test rootfs"
  echo "0 passed, 1 failed"
  exit 1
fi

tag=asan$$
work=$(mktemp -d /tmp/carrel-asan.XXXXXX)
chmod 0755 "$work"
root=$work/root
san=$work/san # sanitizer logs: asan.PID, ubsan.PID
out=$work/out # each test's stdout and stderr
mkdir -p "$san" "$out"
passed=0
failed=0
seen=" "
bg_pids=()

export ASAN_OPTIONS=detect_leaks=1:log_path=$san/asan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$san/ubsan
# The runtime's own processes (CLI, supervisor) inherit it: the final check finds them.
export CARREL_ASAN_TAG=$tag

# The default cgroup parent (/carrel) outlives its containers; one this lane made goes with it.
parents_before=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null || true)
cleanup() {
  local id p
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
  for id in "$root"/*/; do
    [ -d "$id" ] || continue
    id=$(basename "$id")
    ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS='' timeout -k 2 15 "$bin" --root "$root" delete --force "$id" \
      </dev/null >/dev/null 2>&1
  done
  while read -r p; do
    [ -n "$p" ] && ! grep -qxF "$p" <<<"$parents_before" && rmdir "$p" 2>/dev/null
  done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null)
  if [ "${ASAN_KEEP:-}" = 1 ]; then
    echo "asan-lifecycle: kept $work"
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

# new_reports: sanitizer logs that appeared since the last call (marked as seen).
new_reports() {
  local f
  for f in "$san"/*; do
    [ -e "$f" ] || continue
    case $seen in *" $f "*) continue ;; esac
    seen+="$f "
    echo "$f"
  done
}

# verdict NAME WANT RC [WHY]: pass iff RC is WANT, WHY is empty and no sanitizer reported.
verdict() {
  local name=$1 want=$2 rc=$3 why=${4:-} reports f
  reports=$(new_reports)
  if [ -n "$reports" ]; then
    why="sanitizer report(s): $(for f in $reports; do printf '%s ' "$(basename "$f")"; done)"
  elif grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' \
    "$out/$name.err" 2>/dev/null; then
    why="sanitizer report on stderr"
  elif [ "$rc" -ne "$want" ]; then
    why="exit $rc, expected $want${why:+; $why}: $(head -c 240 "$out/$name.err" 2>/dev/null | tr '\n' ' ')"
  fi
  if [ -z "$why" ]; then
    passed=$((passed + 1))
    echo "ok   $name"
    return 0
  fi
  failed=$((failed + 1))
  echo "FAIL $name: $why"
  for f in $reports; do
    grep -E 'ERROR|SUMMARY|runtime error|^    #[0-9]+ ' "$f" | head -n 14 | sed "s|^|     $(basename "$f") |"
  done
  grep -E 'ERROR|SUMMARY|runtime error|^    #[0-9]+ ' "$out/$name.err" 2>/dev/null | head -n 14 | sed 's/^/     | /'
  return 1
}

# t NAME WANT [--out REGEX] [--file FILE REGEX] -- ARGS...: the ASan runtime with ARGS; its exit
# status must be WANT, its stdout must match REGEX, FILE must match its REGEX afterwards.
t() {
  local name=$1 want=$2 re="" file="" fre="" rc=0 why=""
  shift 2
  while [ "$1" != -- ]; do
    case $1 in
      --out) re=$2; shift 2 ;;
      --file) file=$2; fre=$3; shift 3 ;;
      *) echo "t: unknown option $1" >&2; return 1 ;;
    esac
  done
  shift # --
  timeout -k 3 "$cmd_timeout" "$bin" --root "$root" "$@" </dev/null >"$out/$name.out" 2>"$out/$name.err" || rc=$?
  if [ -n "$re" ] && ! grep -qE -- "$re" "$out/$name.out"; then
    why="stdout does not match /$re/: $(head -c 160 "$out/$name.out" | tr '\n' ' ')"
  elif [ -n "$file" ] && ! grep -qE -- "$fre" "$file" 2>/dev/null; then
    why="$(basename "$file") does not match /$fre/: $(head -c 160 "$file" 2>/dev/null | tr '\n' ' ')"
  fi
  verdict "$name" "$want" "$rc" "$why"
}

status_of() { "$bin" --root "$root" state "$1" 2>/dev/null | jq -r .status 2>/dev/null; }
wait_status() { # ID STATUS
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(status_of "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# A receiver for --console-socket: prints what the terminal shows (see tests/integration/lib.sh).
console_receiver() { # SOCKET OUTFILE
  python3 "$repo/tests/helpers/console-receiver.py" "$1" 10 >"$2" 2>&1 &
  bg_pids+=($!)
  local i
  for ((i = 0; i < 50; i++)); do
    [ -S "$1" ] && return 0
    sleep 0.1
  done
}

# The bundle: busybox, a long sleep, carrel's default seccomp profile (compiled, then cached).
bundle=$work/bundle
mkdir -p "$bundle"
cp -a build/test-rootfs/rootfs "$bundle/rootfs"
jq --slurpfile sc config/seccomp-default.json \
  '.root.readonly = false | .process.terminal = false | .process.args = ["sleep", "60"]
   | .linux.seccomp = $sc[0]' build/test-rootfs/config.json >"$bundle/config.json"
cfg() { # JQEXPR: a variant of the bundle's config.json
  jq "$1" "$bundle/config.json.orig" >"$bundle/config.json"
}
cp "$bundle/config.json" "$bundle/config.json.orig"
id=$tag

# Canary: the lane must see a leak in the CLI and a memory error in a process the CLI forks. A
# preloaded library leaks in its constructor and frees twice in every fork child; its reports go
# to a log directory of their own.
canary() {
  local dir=$work/canary rc=0 why="" leak err
  mkdir -p "$dir"
  cat >"$dir/canary.c" <<'EOF_C'
#include <pthread.h>
#include <stdlib.h>
void *volatile carrel_canary;
static void
in_child (void)
{
  void *p = malloc (8);
  free (p);
  free (p);
}
__attribute__ ((constructor)) static void
canary (void)
{
  carrel_canary = malloc (4242);
  carrel_canary = NULL;
  pthread_atfork (NULL, NULL, in_child);
}
EOF_C
  if ! cc -shared -fPIC -O0 -o "$dir/canary.so" "$dir/canary.c" -lpthread 2>"$out/canary.err"; then
    verdict canary 0 1 "could not build the canary library"
    return
  fi
  # Only the runtime gets the library (timeout forks); ASan wants to be first unless told otherwise.
  ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0:log_path=$dir/asan \
    timeout -k 3 "$cmd_timeout" env LD_PRELOAD="$dir/canary.so" "$bin" --root "$root" create --bundle "$bundle" \
    "$id-canary" </dev/null >"$out/canary.out" 2>"$out/canary.err" || rc=$?
  ASAN_OPTIONS=detect_leaks=0 timeout -k 2 15 "$bin" --root "$root" delete --force "$id-canary" >/dev/null 2>&1
  leak=$(grep -ls 'ERROR: LeakSanitizer' "$dir"/asan.* | head -n1)
  err=$(grep -ls 'ERROR: AddressSanitizer: attempting double-free' "$dir"/asan.* | head -n1)
  if [ -z "$leak" ]; then
    why="no leak report from the CLI"
  elif [ -z "$err" ]; then
    why="no double-free report from a forked process"
  elif [ "$leak" = "$err" ]; then
    why="both reports in one process's log ($leak)"
  fi
  : >"$out/canary.err"
  # The create fails (its child aborts): that is expected.
  verdict canary "$rc" "$rc" "$why"
}
canary

mkdir -p "$work/spec"
t spec 0 -- spec --bundle "$work/spec"
t features 0 --out '"ociVersionMax"' -- features

# The lifecycle of one container.
t create 0 -- create --bundle "$bundle" --pid-file "$work/pid" "$id"
t state-created 0 --out '"status": "created"' -- state "$id"
t create-existing-id 1 -- create --bundle "$bundle" "$id"
t start 0 -- start "$id"
t state-running 0 --out '"status": "running"' -- state "$id"
t list 0 --out "^$id +[0-9]+ +running" -- list
t list-json 0 --out "\"id\": *\"$id\"" -- list --format json
t list-quiet 0 --out "^$id\$" -- list -q
t ps 0 --out 'sleep 60' -- ps "$id"
t ps-json 0 --out '^\[[0-9]' -- ps --format json "$id"
t exec 3 --out '^in-container$' -- exec "$id" sh -c 'echo in-container; exit 3'
t exec-detach 0 -- exec -d --pid-file "$work/exec.pid" "$id" sleep 1
printf '{"args":["sh","-c","echo from-process-json"],"cwd":"/","env":["PATH=/bin"]}\n' >"$work/process.json"
t exec-process-json 0 --out '^from-process-json$' -- exec --process "$work/process.json" "$id"

# exec --tty: through script(1), then detached with a console socket.
if command -v script >/dev/null; then
  rc=0
  timeout -k 3 "$cmd_timeout" script -qec "$bin --root $root exec -t $id sh -c 'tty; exit 4'" /dev/null \
    >"$out/exec-tty.out" 2>"$out/exec-tty.err" </dev/null || rc=$?
  why=""
  grep -q '/dev/pts/' "$out/exec-tty.out" || why="no /dev/pts/ in the output"
  verdict exec-tty 4 "$rc" "$why"
fi
if command -v python3 >/dev/null; then
  console_receiver "$work/exec-console.sock" "$work/exec-console.out"
  t exec-tty-console-socket 0 -- exec -t -d --console-socket "$work/exec-console.sock" "$id" sh -c 'echo on-the-pty'
  for ((i = 0; i < 50; i++)); do
    grep -q on-the-pty "$work/exec-console.out" 2>/dev/null && break
    sleep 0.1
  done
  grep -q on-the-pty "$work/exec-console.out" || echo "     (exec-tty-console-socket: the receiver saw no output)"
fi

# shellcheck disable=SC2016 # expanded in the container
t exec-user-env-cwd 0 --out '^y 1000 /tmp$' -- exec -u 1000:1000 -e X=y --cwd /tmp "$id" sh -c 'echo $X $(id -u) $(pwd)'
t pause 0 -- pause "$id"
t state-paused 0 --out '"status": "paused"' -- state "$id"
t exec-while-paused 1 -- exec "$id" true
t resume 0 -- resume "$id"
t update 0 -- update --memory 268435456 --pids-limit 100 --cpu-shares 512 "$id"
printf '{"memory":{"limit":134217728},"pids":{"limit":64},"cpu":{"shares":256}}\n' >"$work/resources.json"
t update-resources-file 0 -- update --resources "$work/resources.json" "$id"
t update-bad-value 1 -- update --memory notanumber "$id"
printf '{"memory":{"limit":"many"}}\n' >"$work/bad-resources.json"
t update-bad-resources 1 -- update --resources "$work/bad-resources.json" "$id"
t events-stats 0 --out '"type": *"stats"' -- events --stats "$id"
t kill-all 0 -- kill --all "$id" CONT
t kill 0 -- kill "$id" KILL
wait_status "$id" stopped || echo "     ($id did not stop after kill)"
t state-stopped 0 --out '"status": "stopped"' -- state "$id"
t delete 0 -- delete "$id"
t state-deleted 1 -- state "$id"

# run: foreground with the exit status, detached then forced delete, with a terminal.
cfg '.process.args = ["sh", "-c", "echo run-out; exit 3"]'
t run 3 --out '^run-out$' -- run --bundle "$bundle" "$id-run"
cfg '.'
t run-detach 0 -- run -d --bundle "$bundle" "$id-d"
t delete-running 1 -- delete "$id-d"
t delete-force-running 0 -- delete --force "$id-d"
if command -v script >/dev/null; then
  cfg '.process.terminal = true | .process.args = ["sh", "-c", "tty; exit 5"]'
  # script(1) ends the session at its stdin's EOF: keep its stdin open for the run.
  exec {feed}< <(exec sleep "$cmd_timeout")
  feeder=$!
  bg_pids+=("$feeder")
  rc=0
  timeout -k 3 "$cmd_timeout" script -qec "$bin --root $root run --bundle $bundle $id-tty" /dev/null \
    >"$out/run-tty.out" 2>"$out/run-tty.err" <&"$feed" || rc=$?
  exec {feed}<&-
  kill "$feeder" 2>/dev/null
  why=""
  grep -q '/dev/pts/' "$out/run-tty.out" || why="no /dev/pts/ in the output"
  verdict run-tty 5 "$rc" "$why"
fi
if command -v python3 >/dev/null; then
  cfg '.process.terminal = true | .process.args = ["sh", "-c", "echo on-console"]'
  console_receiver "$work/create-console.sock" "$work/create-console.out"
  t create-console-socket 0 -- create --bundle "$bundle" --console-socket "$work/create-console.sock" "$id-c"
  t start-console-socket 0 -- start "$id-c"
  wait_status "$id-c" stopped || echo "     ($id-c did not stop)"
  t delete-console-socket 0 -- delete "$id-c"
fi

# Every kind of hook (each appends its name to a file), with the debug log in JSON.
hook() { # NAME: a hook that appends NAME to $work/hooks.log
  jq -nc --arg n "$1" --arg f "$work/hooks.log" \
    '{path: "/bin/sh", args: ["sh", "-c", "echo $0 >>\"$1\"", $n, $f], env: ["PATH=/bin:/usr/bin"], timeout: 10}'
}
hooks='{}'
for k in prestart createRuntime createContainer startContainer poststart poststop; do
  hooks=$(jq -c --arg k "$k" --argjson h "$(hook "$k")" '.[$k] = [$h]' <<<"$hooks")
done
# createContainer and startContainer run in the container's mount namespace, without $work.
hooks=$(jq -c '.createContainer[0].args[2] = "true" | .startContainer[0].args[2] = "true"' <<<"$hooks")
cfg ".hooks = $hooks | .process.args = [\"true\"]"
t run-hooks-debug 0 --file "$work/hooks.log" '^poststop$' -- --debug run --bundle "$bundle" "$id-h"
hooks=$(jq -c '.createRuntime[0].args[2] = "exit 3"' <<<"$hooks")
cfg ".hooks = $hooks"
t create-failing-hook-json-log 1 --file "$work/carrel.log" '"level": *"error".*createRuntime' -- \
  --log "$work/carrel.log" --log-format json create --bundle "$bundle" "$id-hf"

# Error paths.
cfg '.'
mkdir -p "$work/bad"
echo '{' >"$work/bad/config.json"
t create-bad-json 1 -- create --bundle "$work/bad" "$id-bad"
jq '.process.args = 7' "$bundle/config.json.orig" >"$work/bad/config.json"
t create-bad-field 1 -- create --bundle "$work/bad" "$id-bad"
jq '.root.path = "no-such-rootfs"' "$bundle/config.json.orig" >"$work/bad/config.json"
t create-missing-rootfs 1 -- create --bundle "$work/bad" "$id-bad"
cfg '.process.args = ["/no/such/program"]'
t run-missing-program 1 -- run --bundle "$bundle" "$id-np"
cfg '.'
t start-unknown 1 -- start "$id-none"
t kill-unknown 1 -- kill "$id-none" KILL
t delete-force-unknown 0 -- delete --force "$id-none"
t bad-option 1 -- create --no-such-option "$id-x"

# Nothing left, and no late report (a supervisor reports when it ends).
for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
bg_pids=()
for d in "$root"/*/; do
  [ -d "$d" ] && timeout -k 2 15 "$bin" --root "$root" delete --force "$(basename "$d")" >/dev/null 2>&1
done
sleep 0.5
left=""
for d in "$root"/*/; do [ -d "$d" ] && left+="state:$(basename "$d") "; done
while read -r c; do
  [ -n "$c" ] && left+="cgroup:$c "
done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name "*$tag*" 2>/dev/null)
for p in $(grep -lsE "(^|[^0-9A-Za-z])$tag" /proc/[0-9]*/cgroup; grep -lszx "CARREL_ASAN_TAG=$tag" /proc/[0-9]*/environ); do
  p=${p#/proc/}
  p=${p%%/*}
  [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
  [ -d "/proc/$p" ] && [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ] && left+="pid:$p($(cat "/proc/$p/comm" 2>/dev/null)) "
done
while read -r m; do
  case $m in "$work" | "$work"/*) left+="mount:$m " ;; esac
done < <(awk '{ print $5 }' /proc/self/mountinfo)
: >"$out/nothing-left.err"
verdict nothing-left-no-late-report 0 0 "${left:+left: $left}"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
