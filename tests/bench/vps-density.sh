#!/bin/bash
# tests/bench/vps-density.sh [N]: start as many busybox-init VPSes as fit, at most N (default 500),
# and report the start time per VPS and the host memory an idle VPS costs (supervisor, init,
# its services, its ext4 mount and loop device: the drop of MemAvailable, and the PSS of its
# processes). Stops early when MemAvailable falls under 15% or a start fails. Everything is
# destroyed at the end, also on failure or Ctrl-C. Needs root. Called by `make bench`.
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
  local n
  for n in "${names[@]}"; do c vps destroy --force "$n" </dev/null >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mem_avail_kb() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
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
pss_total=0
sample=$((started < 20 ? started : 20))
for ((i = 0; i < sample; i++)); do pss_total=$((pss_total + $(pss_of "d$i"))); done
printf '\n| VPSes started | start time per VPS | host memory per idle VPS (MemAvailable drop) | PSS per VPS (supervisor + processes, %d sampled) |\n' "$sample"
printf '|---|---|---|---|\n'
printf '| %d | %d ms | %d KiB | %d KiB |\n' "$started" $(((t1 - t0) / started)) $(((before - after) / started)) \
  $((pss_total / sample))
