#!/bin/bash
# tests/bench/soak.sh [N]: N sequential `carrel run` of a busybox container (default 10000), then
# checks that nothing grew: mounts, cgroups, network links, open files (system-wide file-nr),
# processes, state directories, kernel memory (Slab) and available memory. Prints the figures at
# 10 checkpoints and at the end, and one verdict line; exit 0 iff every run succeeded and nothing
# grew beyond its tolerance (fds: 64 handles, memory: 32 MiB, the rest: 0). Root only.
#   CARREL_BIN  runtime (default build/carrel)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
n=${1:-10000}
bin=${CARREL_BIN:-$repo/build/carrel}
case $n in '' | *[!0-9]*) echo "soak: N must be a number, got '$n'" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "soak: must run as root" >&2; exit 1; }
[ -x "$bin" ] || { echo "soak: $bin is missing (run make)" >&2; exit 1; }

work=$(mktemp -d /tmp/carrel-soak.XXXXXX)
chmod 0755 "$work"
root=$work/root
parents_before=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null || true)
cleanup() {
  local cg
  rm -rf --one-file-system "$work"
  # carrel's default cgroup parent (/carrel), when the soak made it (rmdir: only when empty).
  for cg in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null); do
    grep -qxF "$cg" <<<"$parents_before" || rmdir "$cg" 2>/dev/null || true
  done
}
trap cleanup EXIT
CARREL_BUNDLE_CONFIG=template ./rootfs-examples/make-busybox-bundle.sh build/test-rootfs >/dev/null
mkdir -p "$work/bundle"
cp -a build/test-rootfs/rootfs "$work/bundle/rootfs"
jq '.root.readonly = false | .process.terminal = false | .process.args = ["true"]' \
  build/test-rootfs/config.json >"$work/bundle/config.json"

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# Ids carry a tag; the runtime's processes inherit SOAK_TAG in their environment. Other work on the
# host changes system-wide counts, so the verdict is on what carries the tag (plus kernel memory);
# the system-wide counts are printed alongside.
tag=sk$$x
export SOAK_TAG=$tag
# Processes carrying the tag that are not this script's own helpers (its descendants).
tagged_pids() {
  local p q i mine
  for p in $(grep -lsz "^SOAK_TAG=$tag\$" /proc/[0-9]*/environ 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/.*|\1|p'); do
    q=$p
    mine=0
    for ((i = 0; i < 6 && q > 1; i++)); do
      [ "$q" = $$ ] && mine=1 && break
      q=$(awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$q/stat" 2>/dev/null) || break
    done
    [ "$mine" -eq 0 ] && [ -e "/proc/$p" ] && echo "$p"
  done
}
# One line: mounts cgroups links procs fds statedirs | sys_mounts sys_cgroups sys_files unrecl_kb avail_kb
measure() {
  local pids fds=0 p
  sync
  echo 2 >/proc/sys/vm/drop_caches 2>/dev/null || true # reclaimable slab (dentries, inodes) out of the way
  pids=$(tagged_pids)
  for p in $pids; do fds=$((fds + $(ls "/proc/$p/fd" 2>/dev/null | wc -l))); done
  printf '%s %s %s %s %s %s %s %s %s %s %s\n' \
    "$(grep -c -- "$work" /proc/self/mountinfo)" \
    "$(find /sys/fs/cgroup -mindepth 1 -type d -name "*$tag*" 2>/dev/null | wc -l)" \
    "$(ip -o link show 2>/dev/null | grep -c -- "$tag")" \
    "$(printf '%s\n' "$pids" | grep -c .)" \
    "$fds" \
    "$(find "$root" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" \
    "$(wc -l </proc/self/mountinfo)" \
    "$(find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | wc -l)" \
    "$(awk '{ print $1 - $2 }' /proc/sys/fs/file-nr)" \
    "$(meminfo SUnreclaim)" \
    "$(meminfo MemAvailable)"
}

fmt='%8s %6s %7s %5s %5s %4s %5s | %10s %11s %9s %10s %10s\n'
# shellcheck disable=SC2059
printf "$fmt" runs mounts cgroups links procs fds state sys-mounts sys-cgroups sys-files unrecl-kB avail-kB
# shellcheck disable=SC2059,SC2086
show() { printf "$fmt" "$1" $2; }

# Warm up (first-use allocations in the kernel), then the baseline.
for i in 1 2 3; do "$bin" --root "$root" run --bundle "$work/bundle" "$tag-warm-$i" </dev/null >/dev/null 2>&1 || true; done
base=$(measure)
show 0 "$base"
fails=0
step=$(((n + 9) / 10))
t0=$(date +%s.%N)
for ((i = 1; i <= n; i++)); do
  if ! out=$(timeout -k 5 30 "$bin" --root "$root" run --bundle "$work/bundle" "$tag-$i" </dev/null 2>&1); then
    fails=$((fails + 1))
    [ "$fails" -le 5 ] && echo "run $i failed: $out"
    timeout -k 2 10 "$bin" --root "$root" delete --force "$tag-$i" >/dev/null 2>&1 || true
  fi
  if [ $((i % step)) -eq 0 ] || [ "$i" -eq "$n" ]; then
    show "$i" "$(measure)"
  fi
done
t1=$(date +%s.%N)
sleep 1 # let the last supervisor leave and RCU free namespaces
last=$(measure)
show end "$last"

read -r -a b <<<"$base"
read -r -a l <<<"$last"
names=(mounts cgroups links processes fds state-dirs)
bad=""
for k in 0 1 2 3 4 5; do
  d=$((l[k] - b[k]))
  [ "$d" -le 0 ] || bad+="${names[$k]} +$d "
done
slab=$((l[9] - b[9]))
avail=$(((b[10] - l[10]) / 1024))
# Kernel objects are freed lazily (RCU); more than 32 MiB of unreclaimable slab is a leak.
[ "$slab" -le 32768 ] || bad+="unreclaimable-slab +${slab}kB "
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
rate=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
echo "soak: $n runs in ${secs}s ($rate/s), $fails failed; growth of what the runs made: mounts $((l[0] - b[0])), cgroups $((l[1] - b[1])), links $((l[2] - b[2])), processes $((l[3] - b[3])), fds $((l[4] - b[4])), state dirs $((l[5] - b[5])); host-wide: mounts $((l[6] - b[6])), cgroups $((l[7] - b[7])), open files $((l[8] - b[8])), unreclaimable slab ${slab} kB, available memory $((-avail)) MiB"
if [ "$fails" -eq 0 ] && [ -z "$bad" ]; then
  echo "soak: PASS"
else
  msg=""
  [ -z "$bad" ] || msg+=" grew: $bad"
  [ "$fails" -eq 0 ] || msg+=" $fails runs failed"
  echo "soak: FAIL$msg"
  exit 1
fi
