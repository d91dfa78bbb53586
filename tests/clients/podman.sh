#!/bin/bash
# shellcheck disable=SC2016,SC2317 # container scripts in single quotes; cases run by name
# tests/clients/podman.sh: Podman 4 (Debian's, with conmon) drives carrel as its OCI runtime,
# unmodified: `podman --runtime build/carrel ...`. Everything Podman keeps lives in a temp dir
# (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, runroot, graphroot, tmp_dir); containers go under a
# --cgroup-parent of our own; the image is imported from a tarball of the tests' busybox rootfs
# (nothing is pulled). Prints `N passed, M failed[, K skipped]`; exit 77 when Podman is missing.
# CLIENT_FILTER=REGEX runs only the matching cases.
set -euo pipefail
LANE_FILE=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=tests/clients/support/lib.sh
source "$(dirname "$LANE_FILE")/support/lib.sh"

IMG=localhost/carrel-busybox:latest

# What every case sees (cases run in their own bash).
lane_env() {
  export CONTAINERS_CONF=$PT/containers.conf CONTAINERS_STORAGE_CONF=$PT/storage.conf TMPDIR=$PT/tmp
  # conmon writes an "oom" file into its working directory when a container is OOM-killed: keep
  # that in the lane's temp dir, not the caller's (the repository, under make check).
  cd "$PT"
}


# pm ARGS...: podman with carrel as the runtime, bounded.
pm() { timeout -k 5 60 podman --runtime "$CARREL_BIN" --cgroup-manager cgroupfs --events-backend file "$@"; }
# prun ARGS...: `podman run` with this host's needs (see HOST-NOTES: rlimits, network, cgroups).
prun() {
  pm run --cgroup-parent "$CGP" --network none \
    --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$@"
}
# The cgroup directory (hierarchy CONTROLLER, v1) of a running container.
ct_cgroup() { # NAME CONTROLLER
  local pid path
  pid=$(pm inspect --format '{{.State.Pid}}' "$1")
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    echo "/sys/fs/cgroup$path"
  else
    path=$(grep -E "^[0-9]+:([^:]*,)?$2(,[^:]*)?:" "/proc/$pid/cgroup" | cut -d: -f3)
    echo "/sys/fs/cgroup/$2$path"
  fi
}
v2() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }

# ---------------------------------------------------------------------------------------------
case_run_rm_returns_exit_codes_and_output() {
  expect_rc 0 prun --rm "$IMG" sh -c 'echo hello-podman'
  expect_eq hello-podman "$OUT" "output"
  expect_rc 3 prun --rm "$IMG" sh -c 'exit 3'
  # PID 1 of a pid namespace cannot be killed from inside: a child is.
  expect_rc 137 prun --rm "$IMG" sh -c 'sh -c "kill -KILL \$\$"; exit $?'
  expect_rc 127 prun --rm "$IMG" /no/such/program
  expect_rc 0 pm ps -aq
  expect_eq "" "$OUT" "containers left after --rm"
}

case_detached_exec_logs_stop_rm() {
  expect_rc 0 prun -d --name d1 "$IMG" sh -c 'trap "echo got-TERM; exit 0" TERM; echo started; while :; do sleep 0.2; done'
  sleep 0.5
  expect_rc 0 pm exec d1 sh -c 'echo in-exec; cat /proc/1/comm'
  expect_eq $'in-exec\nsh' "$OUT" "exec output"
  expect_rc 5 pm exec d1 sh -c 'exit 5'
  expect_rc 0 pm exec --user 1000 --workdir /tmp -e X=y d1 sh -c 'echo $(id -u) $(pwd) $X'
  expect_eq "1000 /tmp y" "$OUT" "exec with user, workdir, env"
  expect_rc 0 pm exec -d d1 sleep 1
  expect_rc 0 pm top d1
  expect_contains sleep "$OUT" "podman top"
  expect_rc 0 pm stop -t 5 d1
  expect_rc 0 pm logs d1
  expect_eq $'started\ngot-TERM' "$OUT" "logs"
  expect_rc 0 pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' d1
  expect_eq "exited 0" "$OUT" "state after stop"
  expect_rc 0 pm rm d1
}

case_interactive_tty_run_and_exec() {
  command -v script >/dev/null || skip "script(1) missing"
  # script(1) gives podman a terminal; its stdin must stay open (CI runs us with </dev/null, and
  # script ends the session at stdin's EOF, before the container prints anything).
  local rc=0 out
  out=$(timeout 40 script -qec "podman --runtime $CARREL_BIN --cgroup-manager cgroupfs run --rm -it --network none --cgroup-parent $CGP --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 $IMG sh -c 'tty; exit 2'" /dev/null < <(sleep 40)) || rc=$?
  expect_eq 2 "$rc" "exit status of run -it"
  expect_contains /dev/pts/ "$out" "tty in the container"
  expect_rc 0 prun -d --name t1 "$IMG" sleep 60
  rc=0
  out=$(timeout 40 script -qec "podman --runtime $CARREL_BIN exec -it t1 sh -c 'tty; exit 6'" /dev/null < <(sleep 40)) || rc=$?
  expect_eq 6 "$rc" "exit status of exec -it"
  expect_contains /dev/pts/ "$out" "tty of the exec"
  pm rm -f -t 0 t1 >/dev/null
}

case_kill_with_signals() {
  expect_rc 0 prun -d --name k1 "$IMG" sh -c 'trap "echo got-USR1" USR1; echo up; while :; do sleep 0.2; done'
  sleep 0.5
  expect_rc 0 pm kill -s USR1 k1
  sleep 0.5
  expect_rc 0 pm logs k1
  expect_contains got-USR1 "$OUT" "logs after SIGUSR1"
  expect_rc 0 pm kill -s KILL k1
  expect_rc 0 pm wait k1
  expect_eq 137 "$OUT" "exit code after SIGKILL"
  expect_rc 0 pm rm k1
}

case_pause_and_unpause() {
  expect_rc 0 prun -d --name pa "$IMG" sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/tick; sleep 0.05; done'
  sleep 0.3
  expect_rc 0 pm pause pa
  expect_rc 0 pm inspect --format '{{.State.Status}}' pa
  expect_eq paused "$OUT" "status"
  local a b
  expect_rc 0 pm unpause pa
  expect_rc 0 pm exec pa cat /tmp/tick
  a=$OUT
  sleep 0.3
  expect_rc 0 pm exec pa cat /tmp/tick
  b=$OUT
  [ "$a" != "$b" ] || fail "the container does not run after unpause"
  pm rm -f -t 0 pa >/dev/null
}

case_memory_pids_and_cpu_limits() {
  expect_rc 0 prun -d --name lim --memory 64m --pids-limit 50 --cpus 0.5 "$IMG" sleep 60
  local mem pids cpu
  mem=$(ct_cgroup lim memory)
  pids=$(ct_cgroup lim pids)
  cpu=$(ct_cgroup lim cpu)
  case $mem in *conmon*) fail "the container runs in conmon's cgroup ($mem): carrel made no cgroup" ;; esac
  if v2; then
    expect_eq 67108864 "$(cat "$mem/memory.max")" "memory.max"
    expect_eq 50 "$(cat "$pids/pids.max")" "pids.max"
    expect_eq "50000 100000" "$(cat "$cpu/cpu.max")" "cpu.max"
  else
    expect_eq 67108864 "$(cat "$mem/memory.limit_in_bytes")" "memory.limit_in_bytes"
    expect_eq 50 "$(cat "$pids/pids.max")" "pids.max"
    expect_eq 50000 "$(cat "$cpu/cpu.cfs_quota_us")" "cpu.cfs_quota_us"
  fi
  # The limit holds: a process over 64 MiB is killed.
  expect_rc 137 prun --rm --memory 32m --memory-swap 32m "$IMG" sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived'
  pm rm -f -t 0 lim >/dev/null
}

case_capabilities_add_drop_and_privileged() {
  expect_rc 0 prun --rm --cap-drop all --cap-add NET_ADMIN "$IMG" grep CapEff /proc/self/status
  expect_eq "CapEff:	0000000000001000" "$OUT" "capabilities with only NET_ADMIN"
  expect_rc 1 prun --rm --cap-drop CHOWN "$IMG" sh -c 'touch /f; chown 5 /f'
  expect_contains "ermitted" "$OUT" "chown without CAP_CHOWN"
  expect_rc 0 prun --rm --privileged "$IMG" sh -c 'grep CapEff /proc/self/status; ls /dev | wc -l'
  local eff
  eff=$(head -n1 <<<"$OUT" | awk '{print $2}')
  (((0x$eff & 0x200000) != 0)) || fail "no CAP_SYS_ADMIN with --privileged: $OUT"
}

case_read_only_user_env_workdir_hostname() {
  expect_rc 0 prun --rm --read-only "$IMG" sh -c 'touch /x 2>&1; touch /tmp/y && echo tmp-writable'
  expect_contains "Read-only file system" "$OUT"
  expect_contains tmp-writable "$OUT"
  expect_rc 0 prun --rm --user 1000:1000 -e FOO=bar --workdir /tmp --hostname hh "$IMG" \
    sh -c 'echo $(id -u):$(id -g) $FOO $(pwd) $(hostname)'
  expect_eq "1000:1000 bar /tmp hh" "$OUT"
}

case_volumes_and_tmpfs() {
  mkdir -p "$PT/vol"
  echo from-host >"$PT/vol/f"
  expect_rc 0 prun --rm -v "$PT/vol:/data" --tmpfs /scratch:size=1m "$IMG" \
    sh -c 'cat /data/f; echo from-ct > /data/g; grep " /scratch " /proc/mounts'
  expect_contains from-host "$OUT"
  expect_contains "tmpfs /scratch tmpfs" "$OUT"
  expect_eq from-ct "$(cat "$PT/vol/g")" "file written through the volume"
  expect_rc 1 prun --rm -v "$PT/vol:/data:ro" "$IMG" sh -c 'touch /data/h'
  expect_contains "Read-only" "$OUT"
  expect_rc 0 pm volume create v1
  expect_rc 0 prun --rm -v v1:/v "$IMG" sh -c 'echo kept > /v/k'
  expect_rc 0 prun --rm -v v1:/v "$IMG" cat /v/k
  expect_eq kept "$OUT" "named volume content"
  pm volume rm -f v1 >/dev/null
}

case_ulimit_and_sysctl() {
  expect_rc 0 pm run --rm --cgroup-parent "$CGP" --network none --ulimit nofile=1000:1000 \
    --ulimit nproc=32768:32768 "$IMG" sh -c 'ulimit -n; ulimit -u'
  expect_eq $'1000\n32768' "$OUT" "rlimits"
  expect_rc 0 prun --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.msgmax=4096 "$IMG" \
    sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax'
  expect_eq $'1\n4096' "$OUT" "sysctls"
}

case_seccomp_profile() {
  cat >"$PT/seccomp.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
  expect_rc 1 prun --rm --security-opt "seccomp=$PT/seccomp.json" "$IMG" mkdir /tmp/x
  expect_contains "not permitted" "$OUT"
  expect_rc 0 prun --rm "$IMG" grep Seccomp: /proc/self/status
  expect_contains 2 "$OUT" "default profile is a filter"
  expect_rc 0 prun --rm --security-opt seccomp=unconfined "$IMG" grep Seccomp: /proc/self/status
  expect_contains 0 "$OUT" "unconfined"
}

case_device() {
  expect_rc 0 prun --rm --device /dev/zero:/dev/myzero "$IMG" sh -c 'head -c 3 /dev/myzero | od -An -tx1'
  expect_eq "00 00 00" "$(xargs <<<"$OUT")" "bytes from the device"
}

case_init_process() {
  [ -x /usr/libexec/podman/catatonit ] || skip "catatonit missing (tests/install-deps.sh catatonit)"
  expect_rc 0 prun --rm --init "$IMG" cat /proc/1/comm
  case $OUT in catatonit | podman-init) ;; *) fail "pid 1 with --init: expected catatonit (podman-init), got $OUT" ;; esac
}

case_network_none_and_host() {
  expect_rc 0 prun --rm "$IMG" ls /sys/class/net
  expect_eq lo "$OUT" "interfaces with --network none"
  expect_rc 0 pm run --rm --cgroup-parent "$CGP" --network host --ulimit nofile=20000:20000 \
    --ulimit nproc=32768:32768 "$IMG" readlink /proc/self/ns/net
  expect_eq "$(readlink /proc/self/ns/net)" "$OUT" "network namespace with --network host"
}

case_pod_shares_namespaces() {
  [ -x /usr/libexec/podman/catatonit ] || skip "catatonit missing: podman builds its pause image from it"
  expect_rc 0 pm pod create --name pod1 --cgroup-parent "$CGP" --network none --share ipc,uts,net
  expect_rc 0 pm run -d --pod pod1 --name pa1 --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$IMG" sleep 60
  expect_rc 0 pm run -d --pod pod1 --name pa2 --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$IMG" sleep 60
  local a b ns
  for ns in ipc uts net; do
    a=$(pm exec pa1 readlink "/proc/self/ns/$ns")
    b=$(pm exec pa2 readlink "/proc/self/ns/$ns")
    expect_eq "$a" "$b" "$ns namespace shared in the pod"
  done
  a=$(pm exec pa1 readlink /proc/self/ns/mnt)
  b=$(pm exec pa2 readlink /proc/self/ns/mnt)
  [ "$a" != "$b" ] || fail "the pod's containers share a mount namespace"
  expect_rc 0 pm pod rm -f -t 0 pod1
}

case_uidmap() {
  expect_rc 0 prun --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$IMG" \
    sh -c 'id -u; cat /proc/self/uid_map'
  expect_eq 0 "$(head -n1 <<<"$OUT")" "uid in the container"
  expect_contains 100000 "$OUT" "uid_map"
}

# Rootless: a throwaway user (removed afterwards) runs podman with carrel.
case_unprivileged_user() {
  command -v useradd >/dev/null || skip "useradd missing"
  local u=carrelpm$$ home=$PT/home
  useradd -M -d "$home" -s /bin/sh "$u" || fail "useradd"
  echo "$u" >"$PT/user"
  mkdir -p "$home/run" "$home/storage"
  chmod 755 "$PT"
  cat >"$home/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "$home/run/storage"
graphroot = "$home/storage"
CONF
  cat >"$home/containers.conf" <<CONF
[containers]
netns = "none"
default_capabilities = ["CHOWN","DAC_OVERRIDE","FOWNER","FSETID","KILL","NET_BIND_SERVICE","SETFCAP","SETGID","SETPCAP","SETUID","SYS_CHROOT"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$home/run/tmp"
CONF
  cp "$PT/busybox.tar" "$home/busybox.tar"
  chown -R "$u:" "$home"
  mkdir -p "$home/run/tmp"
  chown -R "$u:" "$home"
  local env="TMPDIR=$home/run/tmp HOME=$home XDG_RUNTIME_DIR=$home/run CONTAINERS_CONF=$home/containers.conf CONTAINERS_STORAGE_CONF=$home/storage.conf"
  expect_rc 0 timeout 60 su -s /bin/sh "$u" -c "cd $home && env $env podman import $home/busybox.tar localhost/bb"
  expect_rc 0 timeout 60 su -s /bin/sh "$u" -c "cd $home && env $env podman --runtime $CARREL_BIN run --rm localhost/bb sh -c 'id -u; echo rootless-ok'"
  expect_contains rootless-ok "$OUT"
}

# ---------------------------------------------------------------------------------------------
lane_after_case() {
  pm rm -a -f -t 0 >/dev/null 2>&1 || true
  pm pod rm -a -f -t 0 >/dev/null 2>&1 || true
}

cleanup() {
  set +e
  lane_env
  if [ -f "$PT/user" ]; then
    local u
    u=$(cat "$PT/user")
    timeout 30 su -s /bin/sh "$u" -c "HOME=$PT/home XDG_RUNTIME_DIR=$PT/home/run CONTAINERS_CONF=$PT/home/containers.conf CONTAINERS_STORAGE_CONF=$PT/home/storage.conf podman system reset -f" >/dev/null 2>&1
    for p in $(pgrep -u "$u" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done # the throwaway user's, by pid
    userdel "$u" 2>/dev/null
  fi
  local ids
  ids=$(pm ps -a -q --no-trunc 2>/dev/null)
  pm rm -a -f -t 0 >/dev/null 2>&1
  pm pod rm -a -f -t 0 >/dev/null 2>&1
  pm volume rm -a -f >/dev/null 2>&1
  pm rmi -a -f >/dev/null 2>&1
  # State carrel keeps under its default root for these containers (podman passes no --root).
  for id in $ids $(cat "$PT/ids" 2>/dev/null); do
    "$CARREL_BIN" delete --force "$id" >/dev/null 2>&1
  done
  # conmon processes of ours (their command lines name our temp dir), by pid.
  local p
  for p in $(pgrep -f "conmon.*$PT" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  findmnt -rn -o TARGET | grep -F "$PT" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$PT"
  find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name "${CGP#/}" 2>/dev/null | while read -r d; do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}

main() {
  [ "$(id -u)" -eq 0 ] || { echo "podman lane: needs root"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }
  if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
    echo "podman lane: podman/conmon missing (tests/install-deps.sh podman conmon catatonit)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 77
  fi
  [ -x "$CARREL_BIN" ] || { echo "podman lane: $CARREL_BIN missing (run make)"; echo "0 passed, 1 failed"; exit 1; }
  CARREL_BIN=$(readlink -f "$CARREL_BIN")
  PT=$(mktemp -d /tmp/carrel-podman.XXXXXX)
  CGP=/carrel-podman-$$
  export PT CGP CARREL_BIN IMG
  trap cleanup EXIT
  mkdir -p "$PT/tmp" "$PT/run" "$PT/graph"
  cat >"$PT/containers.conf" <<CONF
[containers]
default_capabilities = ["CHOWN","DAC_OVERRIDE","FOWNER","FSETID","KILL","NET_BIND_SERVICE","SETFCAP","SETGID","SETPCAP","SETUID","SYS_CHROOT"]
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$PT/tmp"
lock_type = "file"
CONF
  cat >"$PT/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "$PT/run"
graphroot = "$PT/graph"
CONF
  lane_env
  local rootfs=${CARREL_TEST_ROOTFS:-$CARREL_REPO/build/test-rootfs}
  [ -d "$rootfs/rootfs" ] || CARREL_BUNDLE_CONFIG=template "$CARREL_REPO/rootfs-examples/make-busybox-bundle.sh" "$rootfs" >/dev/null
  tar -C "$rootfs/rootfs" -cf "$PT/busybox.tar" .
  if ! timeout 120 podman import --change 'CMD ["sh"]' "$PT/busybox.tar" "$IMG" >/dev/null 2>"$PT/import.err"; then
    echo "podman lane: podman import failed: $(cat "$PT/import.err")"
    echo "0 passed, 1 failed"
    exit 1
  fi
  # shellcheck disable=SC2046 # one word per case name
  run_cases $(declare -F | awk '{print $3}' | grep '^case_')
  summary
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
