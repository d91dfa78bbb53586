# shellcheck shell=bash
# shellcheck disable=SC2317,SC2016,SC2119,SC2120,SC2012
# (functions run from traps or by name; jq programs in single quotes)
# tests/integration/lib.sh: helpers for the integration tests, sourced by tests/run-all.sh.
#
# A test file tests/integration/test_<area>.sh defines functions `test_<behaviour>`; run-all.sh
# runs each one as one test in its own bash process (set -eEuo pipefail) with its own temp dir and
# these variables:
#   TEST_DIR    the test's temp dir (mode 0755 so user-namespaced containers can reach the bundle)
#   TEST_ROOT   the --root the `carrel` helper passes: $TEST_DIR/root
#   BUNDLE      $TEST_DIR/bundle, filled by bundle_new (the runner calls it before the test)
#   TEST_TAG    short unique tag (ct<runner pid>x<n>); container ids, netns and link names made by
#               the test contain it, so the leak check can find what was left
#   ID          a container id for the test: $TEST_TAG (more: "$ID-b", "$ID-c", ...)
#   CARREL_BIN  the runtime under test (default build/carrel)
# A test passes when its function returns; it fails on the first failing command (set -e) or
# assertion, and is skipped by `skip REASON`. The EXIT trap deletes every container in TEST_ROOT
# and undoes what the track_* helpers recorded; the runner then checks for leaks.

CARREL_REPO=${CARREL_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CARREL_BIN=${CARREL_BIN:-$CARREL_REPO/build/carrel}
CARREL_TEST_ROOTFS=${CARREL_TEST_ROOTFS:-$CARREL_REPO/build/test-rootfs}
# Bound on one runtime command inside a test (the runner also bounds the whole test).
CARREL_CMD_TIMEOUT=${CARREL_CMD_TIMEOUT:-10}

# ---------------------------------------------------------------------------------------------
# Failing, skipping, asserting

# Where the assertion was called from: file:line of the first frame outside lib.sh.
__carrel_where() {
  local i
  for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
    if [ "${BASH_SOURCE[$i]}" != "${BASH_SOURCE[0]}" ]; then
      echo "$(basename "${BASH_SOURCE[$i]}"):${BASH_LINENO[$((i - 1))]}"
      return
    fi
  done
  echo "?"
}

fail() {
  echo "FAIL: $* [$(__carrel_where)]" >&2
  __CARREL_FAILED=1
  exit 1
}

skip() {
  echo "SKIP: $*" >&2
  exit 77
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

assert_ne() { # UNEXPECTED ACTUAL [WHAT]
  [ "$1" != "$2" ] || fail "${3:-value}: expected something other than '$1'"
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
  case $1 in
    *"$2"*) ;;
    *) fail "${3:-output}: expected to contain '$2', got: $(__carrel_show "$1")" ;;
  esac
}

assert_not_contains() { # HAYSTACK NEEDLE [WHAT]
  case $1 in
    *"$2"*) fail "${3:-output}: expected not to contain '$2', got: $(__carrel_show "$1")" ;;
  esac
}

assert_match() { # STRING ERE [WHAT]
  printf '%s\n' "$1" | grep -qE -- "$2" || fail "${3:-value}: expected to match /$2/, got: $(__carrel_show "$1")"
}

assert_file() { [ -e "$1" ] || fail "expected $1 to exist"; }
assert_no_file() {
  if [ -e "$1" ] || [ -L "$1" ]; then fail "expected $1 not to exist"; fi
}

__carrel_show() { # a value on one line, shortened
  local s=${1//$'\n'/\\n}
  [ ${#s} -le 600 ] || s="${s:0:600}..."
  printf "'%s'" "$s"
}

# assert_exit CODE CMD...: run CMD (stdin /dev/null); its exit status must be CODE, or any non-zero
# status when CODE is "nonzero". Leaves LAST_RC, LAST_OUT and LAST_ERR (its stdout and stderr).
assert_exit() {
  local want=$1
  shift
  LAST_RC=0
  "$@" </dev/null >"$TEST_DIR/.last.out" 2>"$TEST_DIR/.last.err" || LAST_RC=$?
  LAST_OUT=$(cat "$TEST_DIR/.last.out")
  LAST_ERR=$(cat "$TEST_DIR/.last.err")
  local ok=0
  if [ "$want" = nonzero ]; then
    [ "$LAST_RC" -ne 0 ] || ok=1
  else
    [ "$LAST_RC" -eq "$want" ] || ok=1
  fi
  if [ "$ok" -ne 0 ]; then
    local note=""
    [ "$LAST_RC" -eq 124 ] && note=" (timed out)"
    fail "exit status of '$*': expected $want, got $LAST_RC$note; stdout $(__carrel_show "$LAST_OUT"); stderr $(__carrel_show "$LAST_ERR")"
  fi
}

# assert_error_line [TEXT...]: LAST_ERR is the contract's error: exactly one line
# `carrel: <what>: <reason>`, containing each TEXT (case-insensitive).
assert_error_line() {
  local lines t
  lines=$(printf '%s\n' "$LAST_ERR" | grep -c . || true)
  [ "$lines" -eq 1 ] || fail "stderr: expected exactly one error line, got $lines: $(__carrel_show "$LAST_ERR")"
  assert_match "$LAST_ERR" '^carrel: .+' "error line"
  for t in "$@"; do
    printf '%s\n' "$LAST_ERR" | grep -qiF -- "$t" || fail "error line: expected to mention '$t', got $(__carrel_show "$LAST_ERR")"
  done
}

# wait_for SECONDS CMD...: poll CMD every 20 ms until it succeeds; fail after SECONDS.
wait_for() {
  local secs=$1
  shift
  local deadline now
  deadline=$(__carrel_now_ms)
  deadline=$((deadline + ${secs%.*} * 1000))
  while ! "$@" >/dev/null 2>&1; do
    now=$(__carrel_now_ms)
    [ "$now" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for: $*"
    sleep 0.02
  done
}

__carrel_now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

# The cgroup mount of `carrel spec`, which the tests' baseline config leaves out (config_set it).
cgroup_mount_ro='.mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
  "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'

# The container's /sys/fs/cgroup, printed by cgroup_tree_probe: its device number, its mount
# options, mkdir's error in it, then the hierarchies mounted below it ("cgroup pids", sorted).
cgroup_tree_probe='stat -c %d /sys/fs/cgroup; grep " /sys/fs/cgroup " /proc/self/mountinfo | cut -d" " -f6
mkdir /sys/fs/cgroup/carrel-probe 2>&1; grep " /sys/fs/cgroup/" /proc/self/mountinfo | sed "s/.* - //" | cut -d" " -f1,3 | sort'

# The host's hierarchies as cgroup_tree_probe lists them.
host_cgroup_hierarchies() {
  grep " /sys/fs/cgroup/" /proc/self/mountinfo | sed "s/.* - //" | cut -d" " -f1,3 | sort
}

# The container's view of /sys/fs/cgroup/pids, printed by own_cgroup_probe: "1" when the
# container's init is in the cgroup shown (its own), the number of "carrel" entries (the host's
# hierarchy would show carrel's parent), the mount's options, mkdir's error.
own_cgroup_probe='grep -x 1 /sys/fs/cgroup/pids/cgroup.procs; ls /sys/fs/cgroup/pids | grep -c "^carrel$"
grep " /sys/fs/cgroup/pids " /proc/self/mountinfo | cut -d" " -f6; mkdir /sys/fs/cgroup/pids/x 2>&1'

# assert_own_cgroup_read_only OUTPUT: what own_cgroup_probe printed shows the container's own
# cgroup, read-only.
assert_own_cgroup_read_only() {
  assert_eq 1 "$(sed -n 1p <<<"$1")" "the container's init in the cgroup.procs it sees"
  assert_eq 0 "$(sed -n 2p <<<"$1")" "carrel's parent cgroup visible in the container"
  assert_match "$(sed -n 3p <<<"$1")" '^ro,nosuid,nodev,noexec' "options of /sys/fs/cgroup/pids"
  assert_contains "$(sed -n 4p <<<"$1")" "Read-only file system" "mkdir in /sys/fs/cgroup/pids"
}

have_v1_pids() { [ "$(stat -fc %T /sys/fs/cgroup/pids 2>/dev/null)" = cgroupfs ]; }

# ---------------------------------------------------------------------------------------------
# The runtime

# carrel ARGS...: the runtime under test with the test's --root, bounded in time.
carrel() {
  timeout -k 3 "$CARREL_CMD_TIMEOUT" "$CARREL_BIN" --root "$TEST_ROOT" "$@"
}

# bundle_new [DIR]: a fresh bundle (default $BUNDLE) copied from the cached busybox bundle, with the
# tests' baseline config: writable root, no terminal, `true` as the process.
bundle_new() {
  local dir=${1:-$BUNDLE}
  [ -d "$CARREL_TEST_ROOTFS/rootfs" ] || CARREL_BUNDLE_CONFIG=template \
    "$CARREL_REPO/rootfs-examples/make-busybox-bundle.sh" "$CARREL_TEST_ROOTFS" >/dev/null
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -a "$CARREL_TEST_ROOTFS/rootfs" "$dir/rootfs"
  jq '.root.readonly = false | .process.terminal = false | .process.args = ["true"]' \
    "$CARREL_TEST_ROOTFS/config.json" >"$dir/config.json"
}

# config_set JQEXPR [JQ OPTIONS...]: edit $BUNDLE/config.json (BUNDLE=dir config_set ... for another).
config_set() {
  local cfg=$BUNDLE/config.json
  # The file first: after --args every word is a positional value.
  jq "$1" "$cfg" "${@:2}" >"$cfg.new" || fail "config_set: jq failed on: $1"
  [ -s "$cfg.new" ] || fail "config_set: jq produced nothing for: $1"
  mv "$cfg.new" "$cfg"
}

# set_args ARG...: process.args; sh_args SCRIPT: process.args = sh -c SCRIPT.
set_args() { config_set '.process.args = $a' --argjson a "$(json_array "$@")"; }

# json_array WORD...: a JSON array of strings (jq --args would take "-c" for an option).
json_array() {
  local json='[]' w
  for w in "$@"; do
    json=$(jq -c --arg w "$w" '. + [$w]' <<<"$json")
  done
  printf '%s\n' "$json"
}
sh_args() { set_args sh -c "$1"; }

# ct_create ID [CREATE OPTIONS...]: `carrel create`, which must succeed. The container's stdout
# and stderr (and the runtime's) go to $TEST_DIR/ID.out and ID.err.
ct_create() {
  local id=$1
  shift
  local rc=0
  carrel create --bundle "$BUNDLE" "$@" "$id" </dev/null >>"$TEST_DIR/$id.out" 2>>"$TEST_DIR/$id.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "create $id: exit $rc: $(__carrel_show "$(cat "$TEST_DIR/$id.err")")"
}

ct_start() {
  local rc=0
  carrel start "$1" </dev/null >>"$TEST_DIR/.start.out" 2>"$TEST_DIR/.start.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "start $1: exit $rc: $(__carrel_show "$(cat "$TEST_DIR/.start.err")")"
}

# ct_run_detached ID [RUN OPTIONS...]: `carrel run --detach`, which must succeed.
ct_run_detached() {
  local id=$1
  shift
  local rc=0
  carrel run --detach --bundle "$BUNDLE" "$@" "$id" </dev/null >>"$TEST_DIR/$id.out" 2>>"$TEST_DIR/$id.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "run --detach $id: exit $rc: $(__carrel_show "$(cat "$TEST_DIR/$id.err")")"
}

# ct_run ID [RUN OPTIONS...]: foreground `carrel run`; sets RUN_RC, RUN_OUT, RUN_ERR.
ct_run() {
  local id=$1
  shift
  RUN_RC=0
  carrel run --bundle "$BUNDLE" "$@" "$id" </dev/null >"$TEST_DIR/$id.out" 2>"$TEST_DIR/$id.err" || RUN_RC=$?
  RUN_OUT=$(cat "$TEST_DIR/$id.out")
  RUN_ERR=$(cat "$TEST_DIR/$id.err")
}

# run_ok ID: ct_run that must exit 0; prints nothing, leaves RUN_OUT.
run_ok() {
  ct_run "$@"
  [ "$RUN_RC" -eq 0 ] || fail "run $1: exit $RUN_RC; stdout $(__carrel_show "$RUN_OUT"); stderr $(__carrel_show "$RUN_ERR")"
}

ct_out() { cat "$TEST_DIR/$1.out" 2>/dev/null || true; }

ct_state() {
  local out rc=0
  out=$(carrel state "$1" 2>"$TEST_DIR/.state.err") || rc=$?
  [ "$rc" -eq 0 ] || fail "state $1: exit $rc: $(__carrel_show "$(cat "$TEST_DIR/.state.err")")"
  printf '%s\n' "$out" | jq -e . >/dev/null 2>&1 || fail "state $1: not JSON: $(__carrel_show "$out")"
  printf '%s\n' "$out"
}

ct_status() { ct_state "$1" | jq -r .status; }
ct_pid() { ct_state "$1" | jq -r '.pid // 0'; }

assert_status() { # ID STATUS
  local s
  s=$(ct_status "$1")
  [ "$s" = "$2" ] || fail "status of $1: expected $2, got $s"
}

status_is() { [ "$(carrel state "$1" 2>/dev/null | jq -r .status 2>/dev/null)" = "$2" ]; }

# wait_status ID STATUS [SECONDS]
wait_status() { wait_for "${3:-5}" status_is "$1" "$2"; }

# ---------------------------------------------------------------------------------------------
# Processes and namespaces

# pid_alive PID: exists and is not a zombie.
pid_alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ] && [ "${st%% *}" != X ]
}

pid_gone() { ! pid_alive "$1"; }

ppid_of() {
  local st f
  st=$(cat "/proc/$1/stat") || return 1
  st=${st##*) }
  read -r -a f <<<"$st"
  echo "${f[1]}"
}

ns_of() { readlink "/proc/$1/ns/$2"; } # PID TYPE

# ---------------------------------------------------------------------------------------------
# Tracking what a test makes outside the runtime, undone by the cleanup trap (reverse order)

track_pid() { echo "$1" >>"$TEST_DIR/.track-pids"; }
track_mount() { echo "$1" >>"$TEST_DIR/.track-mounts"; }
track_netns() { echo "$1" >>"$TEST_DIR/.track-netns"; }
track_link() { echo "$1" >>"$TEST_DIR/.track-links"; }
track_cgroup() { echo "$1" >>"$TEST_DIR/.track-cgroups"; }

# spawn CMD...: start CMD in the background with stdio on /dev/null, tracked; prints its PID.
spawn() {
  "$@" </dev/null >/dev/null 2>&1 &
  local pid=$!
  track_pid "$pid"
  echo "$pid"
}

__carrel_tac() { [ -f "$1" ] && tac "$1"; }

__carrel_cleanup() {
  local rc=$? id p m
  set +eE
  trap - ERR
  if [ -d "$TEST_ROOT" ]; then
    while read -r id; do
      timeout -k 2 10 "$CARREL_BIN" --root "$TEST_ROOT" delete --force "$id" </dev/null >/dev/null 2>&1
    done < <(find "$TEST_ROOT" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null)
  fi
  for p in $(__carrel_tac "$TEST_DIR/.track-pids"); do
    kill -KILL "$p" 2>/dev/null
  done
  for p in $(__carrel_tac "$TEST_DIR/.track-pids"); do
    wait "$p" 2>/dev/null
  done
  while read -r m; do
    [ -n "$m" ] && umount -l "$m" 2>/dev/null
  done < <(__carrel_tac "$TEST_DIR/.track-mounts")
  for p in $(__carrel_tac "$TEST_DIR/.track-netns"); do ip netns delete "$p" 2>/dev/null; done
  for p in $(__carrel_tac "$TEST_DIR/.track-links"); do ip link delete "$p" 2>/dev/null; done
  for p in $(__carrel_tac "$TEST_DIR/.track-cgroups"); do rmdir "$p" 2>/dev/null; done
  return "$rc"
}

__carrel_on_err() { # status, command
  [ -n "${__CARREL_FAILED:-}" ] && return
  # Only the test's own shell reports (background jobs and $(...) report through it).
  [ "$BASHPID" = "${__CARREL_MAIN_PID:-}" ] || return 0
  __CARREL_FAILED=1
  echo "FAIL: command exited $1: $2 [$(__carrel_where)]" >&2
}

# Entry point used by run-all.sh: __carrel_run_test FILE FUNCTION
__carrel_run_test() {
  local file=$1 fn=$2
  TEST_ROOT=$TEST_DIR/root
  BUNDLE=$TEST_DIR/bundle
  ID=$TEST_TAG
  export TEST_DIR TEST_ROOT BUNDLE ID TEST_TAG CARREL_BIN CARREL_REPO CARREL_TEST_ROOTFS
  __CARREL_MAIN_PID=$BASHPID
  set -eEuo pipefail
  trap '__carrel_on_err $? "$BASH_COMMAND"' ERR
  trap '__carrel_cleanup' EXIT
  trap 'echo "FAIL: interrupted (timeout?)" >&2; exit 143' TERM
  trap 'exit 130' INT
  cd "$TEST_DIR"
  # shellcheck disable=SC1090
  source "$file"
  bundle_new
  "$fn"
}

# ---------------------------------------------------------------------------------------------
# Leak detection (used by run-all.sh after each test, and by tests that check "nothing left")

# __carrel_tagged_pids TAG DIR: PIDs (one a line) of processes that belong to the test: its tag in
# their environment (the runtime's helpers inherit it), command line or cgroup paths, or a mount
# namespace other than ours whose mount table names DIR (the containers). Excludes this shell and
# its ancestors.
__carrel_tagged_pids() {
  local tag=$1 dir=$2 base re mine p f
  base=$(basename "$dir")
  # [c]t123x4: a pattern that does not match grep's own command line.
  re="(^|[^0-9A-Za-z])[${tag:0:1}]${tag:1}(\$|[^0-9])"
  mine=$(stat -L -c %i /proc/self/ns/mnt)
  local skip=" "
  p=$BASHPID
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    skip+="$p "
    p=$(ppid_of "$p" 2>/dev/null) || break
  done
  local cands
  cands=$(
    {
      grep -lszx "CARREL_TEST_TAG=[${tag:0:1}]${tag:1}" /proc/[0-9]*/environ
      grep -lszE -- "$re" /proc/[0-9]*/cmdline
      grep -lsE -- "$re" /proc/[0-9]*/cgroup
      stat -L -c '%i %n' /proc/[0-9]*/ns/mnt 2>/dev/null |
        awk -v m="$mine" '$1 != m { sub("/ns/mnt$", "/mountinfo", $2); print $2 }' |
        xargs -r grep -lsF -- "$base"
    } 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/.*|\1|p' | sort -un
  )
  for p in $cands; do
    case $skip in *" $p "*) continue ;; esac
    # Gone already (the greps and this function's subshells) or a zombie: not a leak.
    pid_alive "$p" || continue
    echo "$p"
  done
}

# __carrel_mounts_under DIR: mount points at or below DIR in our mount namespace, deepest first.
__carrel_mounts_under() {
  local dir=$1 mp
  awk '{ print $5 }' /proc/self/mountinfo | while read -r mp; do
    mp=$(printf '%b' "$mp") # \040 and friends
    case $mp in "$dir" | "$dir"/*) echo "$mp" ;; esac
  done | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-
}

# __carrel_cgroups_named TAG: cgroup directories whose name contains TAG, deepest first.
__carrel_cgroups_named() {
  find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d \( -name "*$1" -o -name "*$1[!0-9]*" \) 2>/dev/null |
    awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-
}

# assert_nothing_left ID: no state dir, no listing, no mounts under TEST_DIR, no processes of the
# test other than the ones it tracked.
assert_nothing_left() {
  local id=$1 left p
  [ ! -e "$TEST_ROOT/$id" ] || fail "state dir $TEST_ROOT/$id left behind: $(ls -A "$TEST_ROOT/$id" 2>/dev/null | tr '\n' ' ')"
  left=$(carrel list -q 2>/dev/null || true)
  assert_not_contains "$left" "$id" "carrel list -q"
  left=$(__carrel_mounts_under "$TEST_DIR")
  [ -z "$left" ] || fail "mounts left under the test dir: $left"
  left=""
  for p in $(__carrel_tagged_pids "$TEST_TAG" "$TEST_DIR"); do
    grep -qx "$p" "$TEST_DIR/.track-pids" 2>/dev/null && continue
    left+="$p($(cat "/proc/$p/comm" 2>/dev/null)) "
  done
  [ -z "$left" ] || fail "processes left: $left"
}

# A python receiver for --console-socket: prints the name and what the terminal shows.
console_receiver() { # SOCKET OUTFILE
  python3 "$CARREL_REPO/tests/helpers/console-receiver.py" "$1" 8 >"$2" 2>&1 &
  track_pid $!
  wait_for 5 test -S "$1"
}
