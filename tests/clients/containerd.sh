#!/bin/bash
# shellcheck disable=SC2016,SC2317 # container scripts in single quotes; cases run by name
# tests/clients/containerd.sh: containerd 1.6 (Debian's) with its runc v2 shim drives carrel:
# `ctr run --runc-binary build/carrel ...`. A private containerd (config, root, state, sockets and
# TMPDIR in a temp dir) runs in a private mount namespace with a tmpfs over /run (containerd 1.6
# keeps shim sockets and fifos under /run/containerd whatever its config says), so the host keeps
# nothing. The image is a one-layer OCI layout the lane builds from the tests' busybox rootfs.
# Prints `N passed, M failed[, K skipped]`; exit 77 when containerd is missing.
set -euo pipefail
LANE_FILE=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=tests/clients/support/lib.sh
source "$(dirname "$LANE_FILE")/support/lib.sh"

IMG=localhost/carrel-busybox:latest

lane_env() { export TMPDIR=$CT/tmp; }

c() { timeout -k 5 60 ctr --address "$CT/containerd.sock" --namespace "$NS" "$@"; }
crun_() { c run --runc-binary "$CARREL_BIN" "$@"; }
task_status() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
wait_task() { # ID STATUS
  local i
  for i in $(seq 1 100); do
    [ "$(task_status "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "task $1: expected $2, is '$(task_status "$1")'"
}
task_pid() { c task ls | awk -v id="$1" '$1 == id { print $2 }'; }
cleanup_ct() { # ID
  c task kill -s SIGKILL "$1" >/dev/null 2>&1 || true
  c task delete -f "$1" >/dev/null 2>&1 || true
  c container delete "$1" >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------------------------
case_run_rm_returns_output_and_exit_code() {
  expect_rc 0 crun_ --rm "$IMG" r1 sh -c 'echo hello-containerd'
  expect_eq hello-containerd "$OUT" "output"
  expect_rc 3 crun_ --rm "$IMG" r2 sh -c 'exit 3'
  expect_rc 0 c container ls -q
  expect_eq "" "$OUT" "containers left after --rm"
}

case_detached_run_exec_ps_kill_delete() {
  expect_rc 0 crun_ -d "$IMG" d1 sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
  wait_task d1 RUNNING
  expect_rc 0 c task exec --exec-id e1 d1 sh -c 'echo in-exec; cat /proc/1/comm'
  expect_eq $'in-exec\nsh' "$OUT" "exec output"
  expect_rc 4 c task exec --exec-id e2 d1 sh -c 'exit 4'
  expect_rc 0 c task exec --exec-id e3 --user 1000 --cwd /tmp d1 sh -c 'echo $(id -u) $(pwd)'
  expect_eq "1000 /tmp" "$OUT" "exec with user and cwd"
  expect_rc 0 c task ps d1
  expect_contains "$(task_pid d1)" "$OUT" "task ps lists the init"
  expect_rc 0 c task kill d1
  wait_task d1 STOPPED
  expect_rc 0 c task delete d1
  expect_rc 0 c container delete d1
}

case_kill_with_signals() {
  expect_rc 0 crun_ -d "$IMG" k1 sh -c 'trap "touch /tmp/usr1" USR1; while :; do sleep 0.2; done'
  wait_task k1 RUNNING
  expect_rc 0 c task kill -s SIGUSR1 k1
  local i
  for i in $(seq 1 50); do
    c task exec --exec-id "t$i" k1 test -e /tmp/usr1 >/dev/null 2>&1 && break
    sleep 0.1
  done
  expect_rc 0 c task exec --exec-id chk k1 test -e /tmp/usr1
  expect_rc 0 c task kill -s SIGKILL k1
  wait_task k1 STOPPED
  expect_rc 0 c task delete k1
  expect_contains 137 "$OUT" "exit status after SIGKILL"
  cleanup_ct k1
}

case_pause_and_resume() {
  expect_rc 0 crun_ -d "$IMG" p1 sleep 60
  wait_task p1 RUNNING
  expect_rc 0 c task pause p1
  wait_task p1 PAUSED
  expect_rc 0 c task resume p1
  wait_task p1 RUNNING
  cleanup_ct p1
}

case_memory_limit() {
  expect_rc 0 crun_ -d --memory-limit 67108864 "$IMG" m1 sleep 60
  wait_task m1 RUNNING
  local pid path
  pid=$(task_pid m1)
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    expect_eq 67108864 "$(cat "/sys/fs/cgroup$path/memory.max")" "memory.max"
  else
    path=$(grep -E '^[0-9]+:memory:' "/proc/$pid/cgroup" | cut -d: -f3)
    expect_eq "/$NS/m1" "$path" "the task's memory cgroup"
    expect_eq 67108864 "$(cat "/sys/fs/cgroup/memory$path/memory.limit_in_bytes")" "memory.limit_in_bytes"
  fi
  cleanup_ct m1
}

case_runtime_error_reaches_the_user() {
  expect_rc 1 crun_ --rm "$IMG" e1 /no/such/program
  expect_contains "/no/such/program" "$OUT" "ctr's error"
  case $OUT in *"unable to retrieve OCI runtime error"*) fail "the shim could not read carrel's log: $OUT" ;; esac
  cleanup_ct e1
}

case_terminal_run_and_exec() {
  command -v script >/dev/null || skip "script(1) missing"
  local rc=0 out
  out=$(timeout 40 script -qec "ctr --address $CT/containerd.sock --namespace $NS run --rm -t --runc-binary $CARREL_BIN $IMG t1 sh -c 'tty; exit 2'" /dev/null) || rc=$?
  expect_eq 2 "$rc" "exit status of run -t"
  expect_contains /dev/pts/ "$out" "tty in the container"
  expect_rc 0 crun_ -d "$IMG" t2 sleep 60
  wait_task t2 RUNNING
  rc=0
  out=$(timeout 40 script -qec "ctr --address $CT/containerd.sock --namespace $NS task exec -t --exec-id x t2 sh -c 'tty; exit 5'" /dev/null) || rc=$?
  expect_eq 5 "$rc" "exit status of exec -t"
  expect_contains /dev/pts/ "$out" "tty of the exec"
  cleanup_ct t2
}

case_nothing_left_in_carrel_root() {
  expect_rc 0 crun_ --rm "$IMG" n1 true
  local left
  left=$(ls /run/containerd/runc/"$NS" 2>/dev/null || true)
  expect_eq "" "$left" "state left under the shim's --root"
}

# ---------------------------------------------------------------------------------------------
lane_after_case() {
  local id
  for id in $(c container ls -q 2>/dev/null); do cleanup_ct "$id"; done
}

cleanup() {
  set +e
  local id p
  for id in $(c container ls -q 2>/dev/null); do cleanup_ct "$id"; done
  c image rm "$IMG" >/dev/null 2>&1
  c namespace rm "$NS" >/dev/null 2>&1
  # Shims (started by our containerd; their command lines name our namespace), then containerd.
  for p in $(pgrep -f "containerd-shim-runc-v2 -namespace $NS " 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  if [ -n "${CTRD_PID:-}" ]; then
    kill -TERM "$CTRD_PID" 2>/dev/null
    for p in $(seq 1 50); do kill -0 "$CTRD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CTRD_PID" 2>/dev/null
    wait "$CTRD_PID" 2>/dev/null
  fi
  findmnt -rn -o TARGET | grep -F "$CT" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$CT"
  find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name "$NS" 2>/dev/null | while read -r d; do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}

# Inside the private mount namespace.
lane_main() {
  mount --make-rprivate / 2>/dev/null || true
  mount -t tmpfs -o mode=0755,size=64m tmpfs /run
  CT=$(mktemp -d /tmp/carrel-ctrd.XXXXXX)
  NS=carrel-ctr-$$
  export CT NS CARREL_BIN IMG
  trap cleanup EXIT
  mkdir -p "$CT/tmp" "$CT/root" "$CT/state"
  cat >"$CT/config.toml" <<CONF
version = 2
root = "$CT/root"
state = "$CT/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$CT/containerd.sock"
[ttrpc]
  address = "$CT/containerd.ttrpc.sock"
[debug]
  address = "$CT/debug.sock"
[metrics]
  address = ""
CONF
  lane_env
  containerd --config "$CT/config.toml" >"$CT/containerd.log" 2>&1 &
  CTRD_PID=$!
  local i
  for i in $(seq 1 100); do
    [ -S "$CT/containerd.sock" ] && c version >/dev/null 2>&1 && break
    sleep 0.1
  done
  if ! c version >/dev/null 2>&1; then
    echo "containerd lane: containerd did not start: $(tail -n 5 "$CT/containerd.log")"
    echo "0 passed, 1 failed"
    exit 1
  fi
  local rootfs=${CARREL_TEST_ROOTFS:-$CARREL_REPO/build/test-rootfs}
  [ -d "$rootfs/rootfs" ] || CARREL_BUNDLE_CONFIG=template "$CARREL_REPO/rootfs-examples/make-busybox-bundle.sh" "$rootfs" >/dev/null
  "$(dirname "$LANE_FILE")/support/make-oci-image.sh" "$rootfs/rootfs" "$CT/image.tar" "$IMG"
  if ! c image import "$CT/image.tar" >"$CT/import.log" 2>&1; then
    echo "containerd lane: ctr image import failed: $(cat "$CT/import.log")"
    echo "0 passed, 1 failed"
    exit 1
  fi
  # shellcheck disable=SC2046 # one word per case name
  run_cases $(declare -F | awk '{print $3}' | grep '^case_')
  summary
}

main() {
  [ "$(id -u)" -eq 0 ] || { echo "containerd lane: needs root"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }
  if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null || ! command -v containerd-shim-runc-v2 >/dev/null; then
    echo "containerd lane: containerd missing (tests/install-deps.sh containerd)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 77
  fi
  [ -x "$CARREL_BIN" ] || { echo "containerd lane: $CARREL_BIN missing (run make)"; echo "0 passed, 1 failed"; exit 1; }
  CARREL_BIN=$(readlink -f "$CARREL_BIN")
  export CARREL_BIN
  exec unshare --mount --propagation private -- bash "$LANE_FILE" --in-namespace
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  if [ "${1:-}" = "--in-namespace" ]; then
    lane_main
  else
    main "$@"
  fi
fi
