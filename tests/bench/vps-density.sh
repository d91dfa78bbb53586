#!/bin/bash
# tests/bench/vps-density.sh [N]: start as many busybox-init VPSes as fit, at most N (default 500),
# and report the start time per VPS and the host memory an idle VPS costs (supervisor, init,
# its services, its ext4 mount and loop device: the drop of MemAvailable, and the PSS of its
# processes). Also what each idle VPS takes of the host-wide limits that could end the count before
# memory does (tasks incl. kernel threads against pid_max, ptys against kernel.pty.max minus
# kernel.pty.reserve, loop devices, mounts), and the count each limit allows. Stops early when
# MemAvailable falls under 15% or a start fails. Everything is destroyed at the end (8 at a time:
# a graceful stop waits about 2 s), also on failure or Ctrl-C. Needs root. Called by `make bench`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CARREL_BIN=${CARREL_BIN:-$repo/build/carrel}
N=${1:-500}
[ "$(id -u)" -eq 0 ] || { echo "vps-density: needs root" >&2; exit 1; }
command -v mkfs.ext4 >/dev/null || "$repo/tests/install-deps.sh" e2fsprogs
work=$(mktemp -d /tmp/carrel-vps-density.XXXXXX)
chmod 755 "$work" # the VPSes' roots (unprivileged ids) pass through it
export CARREL_DATA_DIR=$work/data
export CARREL_VPS_TEMPLATE_CACHE=${CARREL_VPS_TEMPLATE_CACHE:-$repo/build/vps-templates}
c() { "$CARREL_BIN" --root "$work/root" "$@"; }
names=()

cleanup() {
  if [ "${#names[@]}" -gt 0 ]; then
    # Each destroy in its own shell that always succeeds: xargs stops reading its input when a
    # command dies of a signal or exits 255, and the VPSes after it would be left running.
    printf '%s\n' "${names[@]}" |
      xargs -r -P 8 -I{} sh -c '"$0" --root "$1" vps destroy --force "$2" >"$1.destroy.$2" 2>&1 ||
        echo "vps-density: destroy $2 failed (exit $?): $(tail -n 3 "$1.destroy.$2")" >&2; exit 0' \
        "$CARREL_BIN" "$work/root" {} || true
  fi
  # Never into a disk still mounted (a failed destroy): those files are a VPS's.
  rm -rf --one-file-system "$work"
  # The loop devices the kernel made for this run's disks (LOOP_CTL_GET_FREE adds one when none
  # is free) outlive their detach, and so do kernel worker threads that serve them: after 500,
  # every pivot_root on the host was slower (it walks every thread). Remove those that did not
  # exist before.
  python3 - "$loops_before" <<'PY' || true
import fcntl, glob, os, sys
before = set(sys.argv[1].split())
ctl = os.open("/dev/loop-control", os.O_RDWR)
for dev in glob.glob("/dev/loop[0-9]*"):
    if dev not in before:
        try:
            fcntl.ioctl(ctl, 0x4C81, int(dev[len("/dev/loop"):]))  # LOOP_CTL_REMOVE; EBUSY if attached
        except OSError:
            pass
PY
  # carrel's default cgroup parent (/carrel), when this run made it (rmdir: only when empty).
  local cg
  for cg in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null); do
    grep -qxF "$cg" <<<"$parents_before" || rmdir "$cg" 2>/dev/null || true
  done
}
loops_before=$(echo /dev/loop[0-9]*)
parents_before=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null || true)
trap cleanup EXIT
trap 'exit 130' INT TERM

mem_avail_kb() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
tasks() { local ts=(/proc/[0-9]*/task/[0-9]*); echo "${#ts[@]}"; } # threads, kernel threads too
ptys() { cat /proc/sys/kernel/pty/nr; }
loops() { losetup -a | wc -l; }
mounts() { wc -l </proc/self/mounts; }
mem_total_kb() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# PSS (kB) of a VPS: its supervisor and every process of its cgroup.
pss_of() {
  local st pids p sum=0 v
  st=$(c state "vps-$1")
  pids="$(jq -r .supervisorPid <<<"$st") $(c ps "vps-$1" -q 2>/dev/null || c ps "vps-$1" 2>/dev/null | awk 'NR > 1 { print $2 }')"
  for p in $pids; do
    v=$(awk '/^Pss:/ { s += $2 } END { print s + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    sum=$((sum + v))
  done
  echo "$sum"
}

echo "vps-density: creating up to $N busybox VPSes in $work"
c vps create d0 --template busybox --disk 16M >/dev/null # builds the template cache once
names+=(d0)
for ((i = 1; i < N; i++)); do
  c vps create "d$i" --template busybox --disk 16M >/dev/null
  names+=("d$i")
done
sync
echo 1 >/proc/sys/vm/drop_caches 2>/dev/null || true
sleep 1
before=$(mem_avail_kb)
tasks0=$(tasks) ptys0=$(ptys) loops0=$(loops) mounts0=$(mounts)
floor=$(($(mem_total_kb) * 15 / 100))
started=0
t0=$(now_ms)
for n in "${names[@]}"; do
  if [ "$(mem_avail_kb)" -lt "$floor" ]; then
    echo "vps-density: stopping at $started: MemAvailable under 15%"
    break
  fi
  if ! c vps start "$n" >/dev/null 2>"$work/start.err"; then
    echo "vps-density: start $n failed: $(cat "$work/start.err")"
    break
  fi
  started=$((started + 1))
done
t1=$(now_ms)
[ "$started" -gt 0 ] || { echo "vps-density: no VPS started" >&2; exit 1; }
# Let them boot and go idle.
sleep $((3 + started / 100))
after=$(mem_avail_kb)
tasks1=$(tasks) ptys1=$(ptys) loops1=$(loops) mounts1=$(mounts)
pss_total=0
sample=$((started < 20 ? started : 20))
for ((i = 0; i < sample; i++)); do pss_total=$((pss_total + $(pss_of "d$i"))); done
printf '\n| VPSes started | start time per VPS | host memory per idle VPS (MemAvailable drop) | PSS per VPS (supervisor + processes, %d sampled) |\n' "$sample"
printf '|---|---|---|---|\n'
printf '| %d | %d ms | %d KiB | %d KiB |\n' "$started" $(((t1 - t0) / started)) $(((before - after) / started)) \
  $((pss_total / sample))

# What each VPS takes of the host-wide limits, and how many VPSes each limit would allow.
pid_max=$(cat /proc/sys/kernel/pid_max)
threads_max=$(cat /proc/sys/kernel/threads-max)
task_cap=$((pid_max < threads_max ? pid_max : threads_max))
pty_cap=$(($(cat /proc/sys/kernel/pty/max) - $(cat /proc/sys/kernel/pty/reserve)))
per() { awk -v d="$1" -v n="$started" 'BEGIN { printf "%.2f", d / n }'; }
allows() { # CAP USED_BEFORE DELTA: VPSes that fit under CAP
  awk -v c="$1" -v b="$2" -v d="$3" -v n="$started" 'BEGIN { if (d <= 0) print "-"; else printf "%d", (c - b) * n / d }'
}
printf '\n| per idle VPS | tasks (pid_max %d) | ptys (pty.max - pty.reserve = %d) | loop devices | mounts | MemAvailable (down to 15%%) |\n' \
  "$task_cap" "$pty_cap"
printf '|---|---|---|---|---|---|\n'
printf '| used | %s | %s | %s | %s | %d KiB |\n' "$(per $((tasks1 - tasks0)))" "$(per $((ptys1 - ptys0)))" \
  "$(per $((loops1 - loops0)))" "$(per $((mounts1 - mounts0)))" $(((before - after) / started))
printf '| VPSes that limit allows | %s | %s | - | - | %s |\n' "$(allows "$task_cap" "$tasks0" $((tasks1 - tasks0)))" \
  "$(allows "$pty_cap" "$ptys0" $((ptys1 - ptys0)))" "$(allows "$before" "$floor" $((before - after)))"
