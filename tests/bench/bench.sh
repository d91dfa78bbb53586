#!/bin/bash
# tests/bench/bench.sh: `make bench`. Compares carrel with runc and crun (Debian's) and with the
# kernel's own floor (unshare + chroot + exec) on one busybox bundle made by `carrel spec`, in
# interleaved runs in random order (tests/bench/timer.c), and prints a markdown table of medians,
# min-max and the medians of paired ratios. The table also goes to $BUILD/bench/results.md.
#
# Environment: BENCH_N (iterations of the single-container cases, default 50), BENCH_PAR_N
# (iterations of the parallel cases, default 3), BENCH_SEED, BENCH_CASES (a regex of the case names
# to run: baseline, run-true, run-limits, run-nonet, run-disk, lifecycle, exec, par50-time, par50-mem,
# par200-time, par200-mem, idle, memlimit, soak, density; default all), BENCH_QUICK=1 (a few iterations, to
# check the harness). Needs root. Every container, cgroup and namespace it makes is removed at
# the end, also on failure or Ctrl-C.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
B=$BUILD/bench
N=${BENCH_N:-50}
PAR_N=${BENCH_PAR_N:-3}
SEED=${BENCH_SEED:-$RANDOM}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  N=3
  PAR_N=1
fi
TAG=cb$$ # in every container id and so every cgroup name: what cleanup removes

die() {
  echo "bench: $*" >&2
  exit 1
}
note() { echo "bench: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root"
"$repo/tests/install-deps.sh" runc crun
[ -x "$BUILD/carrel" ] || die "$BUILD/carrel missing: run make"
[ -x "$B/timer" ] || die "$B/timer missing: run make bench"

mkdir -p "$B/bin"
# A frozen copy: other work may rebuild build/carrel while this runs.
cp "$BUILD/carrel" "$B/bin/carrel"
CARREL=$B/bin/carrel
RUNC=$(command -v runc)
CRUN=$(command -v crun)
# The runtimes' state roots are on a tmpfs, where engines keep them (/run/runc, /run/crun,
# /run/containerd: /run is a tmpfs on a standard host). This VM's /run is on its root ext4, where
# creating, replacing and removing the few state files costs every runtime more: the run-disk
# case measures that, with the roots under $B.
STATE=/dev/shm/carrel-bench.$$
DSTATE=$B/state.$$
SAMPLES=$B/samples.tsv
LOG=$B/bench.log
NOTES=()
: >"$SAMPLES"
: >"$LOG"
[ "$(stat -fc %T /dev/shm 2>/dev/null)" = tmpfs ] || {
  STATE=$B/state-tmpfs.$$
  NOTES+=("/dev/shm is not a tmpfs here: every state root is on $(stat -fc %T "$B"), as in the run-disk case")
}
rt_carrel=("$CARREL" --root "$STATE/carrel")
rt_runc=("$RUNC" --root "$STATE/runc")
rt_crun=("$CRUN" --root "$STATE/crun")
rtd_carrel=("$CARREL" --root "$DSTATE/carrel")
rtd_runc=("$RUNC" --root "$DSTATE/runc")
rtd_crun=("$CRUN" --root "$DSTATE/crun")
HOLDER=

# ---------------------------------------------------------------------------------------------
# Cleanup: every container in our state roots, crun's namespace holder, our cgroups.

crun_ns() { nsenter --mount="/proc/$HOLDER/ns/mnt" "$@"; }

cleanup() {
  local rc=$? id dir
  set +e
  for dir in "$STATE"/carrel/*/ "$STATE"/runc/*/ "$DSTATE"/carrel/*/ "$DSTATE"/runc/*/; do
    [ -d "$dir" ] || continue
    id=$(basename "$dir")
    timeout 10 "$([[ $dir == */carrel/* ]] && echo "$CARREL" || echo "$RUNC")" --root "${dir%/*/}" \
      delete --force "$id" >/dev/null 2>&1
  done
  if [ -n "$HOLDER" ] && [ -d "/proc/$HOLDER" ]; then
    for dir in "$STATE"/crun/*/ "$DSTATE"/crun/*/; do
      [ -d "$dir" ] || continue
      timeout 10 nsenter --mount="/proc/$HOLDER/ns/mnt" "$CRUN" --root "${dir%/*/}" delete --force "$(basename "$dir")" >/dev/null 2>&1
    done
    kill "$HOLDER" 2>/dev/null
    wait "$HOLDER" 2>/dev/null
  fi
  # Cgroups the runtimes made for our containers (children first). runc nests its memory cgroup
  # under ours, crun puts it at the root: search every hierarchy.
  local cg
  for _ in 1 2 3; do
    while IFS= read -r cg; do rmdir "$cg" 2>/dev/null; done < <(find /sys/fs/cgroup -depth -type d -name "$TAG-*" 2>/dev/null)
    [ -z "$(find /sys/fs/cgroup -type d -name "$TAG-*" 2>/dev/null | head -1)" ] && break
    sleep 0.2
  done
  if [ -n "$(find /sys/fs/cgroup -type d -name "$TAG-*" 2>/dev/null | head -1)" ]; then
    note "cgroups left behind: $(find /sys/fs/cgroup -type d -name "$TAG-*" | head -5 | tr '\n' ' ')"
  fi
  # carrel's default cgroup parent (/carrel), when the bench made it (rmdir: only when empty).
  for cg in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null); do
    grep -qxF "$cg" <<<"$CARREL_PARENTS_BEFORE" || rmdir "$cg" 2>/dev/null || true
  done
  rm -rf "$STATE" "$DSTATE" "$B/bundles.$$" "$B/plans.$$"
  exit "$rc"
}
CARREL_PARENTS_BEFORE=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name carrel 2>/dev/null || true)
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$STATE"/{carrel,runc,crun} "$DSTATE"/{carrel,runc,crun} "$B/plans.$$"

# ---------------------------------------------------------------------------------------------
# Bundles: one rootfs, one config from `carrel spec`, a few variations of it.

CARREL_BIN=$CARREL CARREL_BUNDLE_CONFIG=spec "$repo/rootfs-examples/make-busybox-bundle.sh" "$B/bundle" >/dev/null
ROOTFS=$B/bundle/rootfs
BUNDLES=$B/bundles.$$
# crun 1.8 rejects ociVersion 1.3.0 ("unknown version specified"): all runtimes get 1.0.2, which
# changes nothing else in what they do.
base=$(jq --arg root "$ROOTFS" '.ociVersion = "1.0.2" | .process.terminal = false
  | .root = {path: $root, readonly: true}' "$B/bundle/config.json")

mkbundle() { # NAME JQ-FILTER
  mkdir -p "$BUNDLES/$1"
  jq "$2" <<<"$base" >"$BUNDLES/$1/config.json"
}
mkbundle true '.process.args = ["/bin/true"]'
mkbundle limits '.process.args = ["/bin/true"] | .linux.resources.memory = {limit: 67108864}
  | .linux.resources.pids = {limit: 128}'
mkbundle nonet '.process.args = ["/bin/true"] | .linux.namespaces |= map(select(.type != "network"))'
mkbundle sleep '.process.args = ["/bin/sleep", "1000000"]'
mkbundle sleeplimit '.process.args = ["/bin/sleep", "1000000"] | .linux.resources.memory = {limit: 67108864}'

# ---------------------------------------------------------------------------------------------
# crun 1.8 refuses any container on this hybrid host; in a private mount namespace with a tmpfs
# over /sys/fs/cgroup/unified it sees pure v1. One long-lived namespace; the timer setns()es into
# it after fork, so the wrapper costs a setns (measured: the "baseline" case), not an unshare.

unshare --mount --propagation private sh -c \
  'mount -t tmpfs -o size=64m,mode=0755 tmpfs /sys/fs/cgroup/unified && exec sleep 1000000' &
HOLDER=$!
for _ in $(seq 100); do
  grep -q ' /sys/fs/cgroup/unified .* - tmpfs ' "/proc/$HOLDER/mountinfo" 2>/dev/null && break
  sleep 0.05
done
grep -q ' /sys/fs/cgroup/unified .* - tmpfs ' "/proc/$HOLDER/mountinfo" || die "crun namespace holder did not come up"
grep -q ' /sys/fs/cgroup/unified .* - tmpfs ' /proc/self/mountinfo && die "the tmpfs leaked into the host's mount namespace"
CRUN_NS=/proc/$HOLDER/ns/mnt
# crun's state lives under $STATE/crun (not /run/crun), seen the same from both namespaces.

# ---------------------------------------------------------------------------------------------
# Plans

plan() { echo "$B/plans.$$/$1"; }
cid() { echo "$TAG-$1-{v}-{i}"; } # container id in a plan: unique per case, variant, iteration
V_CARREL="variant carrel env=CARREL_REAPER=supervisor exclude=sleep,true"
V_CRUN="variant crun ns=$CRUN_NS exclude=sleep,true"
V_RUNC="variant runc exclude=sleep,true"
rt_of() { # VARIANT [disk]: the runtime command line in a plan (its state root on disk)
  case $1${2:-} in
    carrel) echo "${rt_carrel[*]}" ;;
    crun) echo "${rt_crun[*]}" ;;
    runc) echo "${rt_runc[*]}" ;;
    carreldisk) echo "${rtd_carrel[*]}" ;;
    crundisk) echo "${rtd_crun[*]}" ;;
    runcdisk) echo "${rtd_runc[*]}" ;;
  esac
}
header_of() {
  case $1 in
    carrel) echo "$V_CARREL" ;;
    crun) echo "$V_CRUN" ;;
    runc) echo "$V_RUNC" ;;
  esac
}

run_plan() { # NAME ITERATIONS WARMUP
  [[ $1 =~ ^(${BENCH_CASES:-.*})$ ]] || return 0
  note "case $1: $2 iterations"
  "$B/timer" -n "$2" -w "$3" -s "$SEED" "$(plan "$1")" >>"$SAMPLES" 2>>"$LOG" ||
    die "timer failed on case $1 (see $LOG)"
}

# fork+exec of /bin/true on the host and in crun's namespace: the wrapper's cost.
cat >"$(plan baseline)" <<EOF
case baseline
variant host
  step exec /bin/true
variant crun-ns ns=$CRUN_NS
  step exec /bin/true
EOF

# run /bin/true to completion; three bundles.
for c in true limits nonet; do
  {
    echo "case run-$c"
    if [ "$c" = true ]; then
      echo "variant floor"
      echo "  step run unshare --pid --fork --mount --uts --ipc --net --cgroup chroot $ROOTFS /bin/true"
    elif [ "$c" = nonet ]; then
      echo "variant floor"
      echo "  step run unshare --pid --fork --mount --uts --ipc --cgroup chroot $ROOTFS /bin/true"
    fi
    for r in carrel crun runc; do
      header_of "$r"
      echo "  step run $(rt_of "$r") run --bundle $BUNDLES/$c $(cid run$c)"
    done
  } >"$(plan run-$c)"
done

# run /bin/true with the state roots on this VM's disk (see STATE).
{
  echo "case run-disk"
  echo "variant floor"
  echo "  step run unshare --pid --fork --mount --uts --ipc --net --cgroup chroot $ROOTFS /bin/true"
  for r in carrel crun runc; do
    header_of "$r"
    echo "  step run $(rt_of "$r" disk) run --bundle $BUNDLES/true $(cid rundisk)"
  done
} >"$(plan run-disk)"

# create, start, delete as separate commands.
{
  echo "case lifecycle"
  for r in carrel crun runc; do
    header_of "$r"
    echo "  step create $(rt_of "$r") create --bundle $BUNDLES/true $(cid lc)"
    echo "  step start $(rt_of "$r") start $(cid lc)"
    echo "  until stopped $(rt_of "$r") state $(cid lc)"
    echo "  step delete $(rt_of "$r") delete $(cid lc)"
    echo "  total create+start+delete"
  done
} >"$(plan lifecycle)"

# exec /bin/true into a running container (one per runtime, made by setup).
exec_runtimes=(carrel crun runc)
probe=$TAG-probe
"${rt_carrel[@]}" run --detach --bundle "$BUNDLES/sleep" "$probe" >/dev/null 2>>"$LOG" || die "carrel run --detach failed (see $LOG)"
if ! out=$("${rt_carrel[@]}" exec "$probe" /bin/true 2>&1); then
  case $out in
    *"not implemented"*) NOTES+=("exec: carrel skipped: \`carrel exec\` says \"${out#carrel: }\"") ;;
    *) NOTES+=("exec: carrel skipped: \`carrel exec\` failed: ${out#carrel: }") ;;
  esac
  exec_runtimes=(crun runc)
fi
"${rt_carrel[@]}" delete --force "$probe" >/dev/null 2>>"$LOG" || true
{
  echo "case exec"
  for r in "${exec_runtimes[@]}"; do
    header_of "$r"
    echo "  setup $(rt_of "$r") run --detach --bundle $BUNDLES/sleep $TAG-exec-$r"
    echo "  step exec $(rt_of "$r") exec $TAG-exec-$r /bin/true"
    echo "  teardown $(rt_of "$r") delete --force $TAG-exec-$r"
  done
} >"$(plan exec)"

# COUNT containers created and started at once, then killed and deleted at once. The timed runs
# and the memory runs are separate: sampling /proc every 2 ms takes a core of the two.
for n in 50 200; do
  for mode in time mem; do
    {
      echo "case par$n-$mode"
      for r in carrel crun runc; do
        header_of "$r"
        pid="$TAG-p$n$mode-{v}-{i}-{j}"
        if [ $mode = time ]; then
          echo "  par create+start $n $(rt_of "$r") create --bundle $BUNDLES/sleep $pid ;; $(rt_of "$r") start $pid"
        else
          echo "  par create+start $n mem $(rt_of "$r") create --bundle $BUNDLES/sleep $pid ;; $(rt_of "$r") start $pid"
          echo "  snap idle$n"
        fi
        echo "  par kill+delete $n $(rt_of "$r") kill $pid KILL ;; $(rt_of "$r") delete --force $pid"
      done
    } >"$(plan par$n-$mode)"
  done
done

# ---------------------------------------------------------------------------------------------
# Run

LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
note "seed $SEED; timer log in $LOG"
run_plan baseline "$N" 2
run_plan run-true "$N" 2
run_plan run-limits "$N" 2
run_plan run-nonet "$N" 2
run_plan run-disk "$N" 2
run_plan lifecycle "$N" 2
run_plan exec "$N" 2
run_plan par50-time "$((PAR_N + 2))" 1
run_plan par50-mem 1 0
run_plan par200-time "$PAR_N" 1
run_plan par200-mem 1 0

# Smallest memory limit under which `run /bin/true` still succeeds: bisect, 4 KiB resolution.
# Only meaningful when the runtime applies the limit: checked on a created container.
applies_limit() { # RUNTIME-VARIANT
  local r=$1 id=$TAG-lim-$1 pid cgpath lim ok=1
  local -a rt
  read -r -a rt <<<"$(rt_of "$r")"
  [ "$r" = crun ] && rt=(nsenter --mount="$CRUN_NS" "${rt[@]}")
  timeout 20 "${rt[@]}" create --bundle "$BUNDLES/sleeplimit" "$id" >/dev/null 2>>"$LOG" || return 1
  pid=$("${rt[@]}" state "$id" 2>/dev/null | jq -r .pid)
  cgpath=$(sed -n 's/^[0-9]*:memory://p' "/proc/$pid/cgroup" 2>/dev/null)
  lim=$(cat "/sys/fs/cgroup/memory$cgpath/memory.limit_in_bytes" 2>/dev/null || echo none)
  [ "$lim" = 67108864 ] || ok=0
  timeout 20 "${rt[@]}" delete --force "$id" >/dev/null 2>>"$LOG" || true
  [ $ok = 1 ]
}
runs_under() { # RUNTIME-VARIANT KIB
  local r=$1 kib=$2 id=$TAG-bis-$1-$2 ok=0
  local -a rt
  read -r -a rt <<<"$(rt_of "$r")"
  [ "$r" = crun ] && rt=(nsenter --mount="$CRUN_NS" "${rt[@]}")
  mkbundle "bis-$r" ".process.args = [\"/bin/true\"] | .linux.resources.memory = {limit: $((kib * 1024))}"
  timeout 20 "${rt[@]}" run --bundle "$BUNDLES/bis-$r" "$id" </dev/null >/dev/null 2>>"$LOG" && ok=1
  timeout 10 "${rt[@]}" delete --force "$id" >/dev/null 2>&1 || true
  [ $ok = 1 ]
}
declare -A MINLIM
memlimit_runtimes=(carrel crun runc)
[[ memlimit =~ ^(${BENCH_CASES:-.*})$ ]] || memlimit_runtimes=()
for r in "${memlimit_runtimes[@]}"; do
  if ! applies_limit "$r"; then
    MINLIM[$r]=skip
    NOTES+=("memory floor: $r skipped: it does not apply linux.resources.memory.limit (yet)")
    [ "$r" = carrel ] && NOTES+=("run, memory+pids limit: carrel made no cgroup, so its row has no cgroup cost yet")
    continue
  fi
  lo=0 hi=65536 # KiB
  if ! runs_under "$r" "$hi"; then
    MINLIM[$r]=">64 MiB"
    continue
  fi
  while [ $((hi - lo)) -gt 4 ]; do
    mid=$(((lo + hi) / 2))
    if runs_under "$r" "$mid"; then hi=$mid; else lo=$mid; fi
  done
  MINLIM[$r]="$hi KiB"
done
note "memory floor bisect: carrel ${MINLIM[carrel]:-}, crun ${MINLIM[crun]:-}, runc ${MINLIM[runc]:-}"

# ---------------------------------------------------------------------------------------------
# Report

stat() { "$B/timer" stats "$SAMPLES" "$@"; } # CASE LABEL VARIANT -> n fails median min max
paired() { "$B/timer" paired "$SAMPLES" "$@"; }
ms() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else printf "%.2f", x / 1e6 }'; }
cell_ms() { # CASE LABEL VARIANT: "median (min-max)" in ms, and failures
  local n fails med min max
  read -r n fails med min max < <(stat "$@")
  if [ "$n" = 0 ]; then
    [ "$fails" = 0 ] && echo "-" || echo "failed ($fails)"
    return
  fi
  local s
  s="$(ms "$med") ($(ms "$min")–$(ms "$max"))"
  [ "$fails" = 0 ] || s="$s, $fails failed"
  echo "$s"
}
cell_kib() { # CASE LABEL VARIANT [DIVISOR]: median in MiB or KiB per unit
  local n fails med min max
  read -r n fails med min max < <(stat "$1" "$2" "$3")
  [ "$n" = 0 ] && { echo "-"; return; }
  awk -v x="$med" -v d="${4:-1}" 'BEGIN { v = x / d; if (d == 1) printf "%.1f MiB", v / 1024; else printf "%.0f KiB", v }'
}
ratio() { # CASE LABEL A B
  local r d n
  read -r r d n < <(paired "$@")
  echo "$r"
}
diff_ms() {
  local r d n
  read -r r d n < <(paired "$@")
  ms "$d"
}
# Median value (ns) of CASE LABEL VARIANT, for the target checks.
med() {
  local n fails m min max
  read -r n fails m min max < <(stat "$@")
  echo "$m"
}

row_time() { # TITLE CASE LABEL HAS-FLOOR
  local floor="-" fd="-"
  if [ "$4" = 1 ]; then
    floor=$(cell_ms "$2" "$3" floor)
    fd=$(diff_ms "$2" "$3" carrel floor)
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$floor" "$(cell_ms "$2" "$3" carrel)" \
    "$(cell_ms "$2" "$3" crun)" "$(cell_ms "$2" "$3" runc)" "$(ratio "$2" "$3" carrel crun)" \
    "$(ratio "$2" "$3" carrel runc)" "$fd"
}
row_mem() { # TITLE CASE LABEL [DIVISOR]
  printf '| %s | - | %s | %s | %s | %s | %s | - |\n' "$1" "$(cell_kib "$2" "$3" carrel "${4:-1}")" \
    "$(cell_kib "$2" "$3" crun "${4:-1}")" "$(cell_kib "$2" "$3" runc "${4:-1}")" \
    "$(ratio "$2" "$3" carrel crun)" "$(ratio "$2" "$3" carrel runc)"
}

# Targets of issue 8: "met", "NOT met" or "n/a".
check() { # DESCRIPTION AWK-CONDITION (x = value)
  local v=$2 cond=$3
  if [ -z "$v" ] || [ "$v" = "-" ]; then
    echo "- $1: n/a (no measurement)"
  elif awk -v x="$v" "BEGIN { exit !($cond) }"; then
    echo "- $1: met ($4)"
  else
    echo "- $1: NOT met ($4)"
  fi
}

report() {
  local note
  echo "## carrel vs crun vs runc ($(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs)"
  echo
  echo "carrel $("$CARREL" --version 2>/dev/null | head -1 | awk '{print $NF}'), $("$CRUN" --version | head -1), $("$RUNC" --version | head -1)."
  echo "Times in ms: median (min–max) of $N interleaved iterations in random order (parallel cases: $((PAR_N + 2)) for 50, $PAR_N for 200);"
  echo "ratios are medians of per-iteration ratios; \"carrel − floor\" is the median of per-iteration differences."
  echo "State roots on $(findmnt -no FSTYPE -T "$STATE" | tail -1) ($STATE), except in the \"state roots on disk\" row ($(findmnt -no FSTYPE -T "$DSTATE" | tail -1), under $B)."
  echo
  echo "| case | floor | carrel | crun | runc | carrel/crun | carrel/runc | carrel − floor |"
  echo "|---|---|---|---|---|---|---|---|"
  row_time "run /bin/true" run-true run 1
  row_time "run, memory+pids limit" run-limits run 0
  row_time "run, no network namespace" run-nonet run 1
  row_time "run, state roots on disk" run-disk run 1
  row_time "create" lifecycle create 0
  row_time "start" lifecycle start 0
  row_time "delete" lifecycle delete 0
  row_time "create+start+delete" lifecycle create+start+delete 0
  row_time "exec /bin/true" exec exec 0
  row_time "50 × create+start, parallel" par50-time create+start 0
  row_time "50 × kill+delete, parallel" par50-time kill+delete 0
  row_time "200 × create+start, parallel" par200-time create+start 0
  row_time "200 × kill+delete, parallel" par200-time kill+delete 0
  row_mem "peak RSS, 50 × create+start" par50-mem create+start.peak_rss_kib
  row_mem "peak PSS, 50 × create+start" par50-mem create+start.peak_pss_kib
  row_mem "peak RSS, 200 × create+start" par200-mem create+start.peak_rss_kib
  row_mem "peak PSS, 200 × create+start" par200-mem create+start.peak_pss_kib
  row_mem "RSS per idle container (200 running)" par200-mem idle200.rss_kib 200
  row_mem "PSS per idle container (200 running)" par200-mem idle200.pss_kib 200
  printf '| smallest memory limit for run /bin/true | - | %s | %s | %s | - | - | - |\n' \
    "${MINLIM[carrel]:--}" "${MINLIM[crun]:--}" "${MINLIM[runc]:--}"
  echo
  echo "Wrapper cost: fork+exec of /bin/true from the timer takes $(cell_ms baseline exec host) ms on the host and"
  echo "$(cell_ms baseline exec crun-ns) ms with the setns() into crun's private mount namespace (counted in crun's times)."
  echo "runc and crun leave no process per container once started: their idle memory is 0 (the rows count"
  echo "runtime processes only, never the container's own)."
  echo "Load average (1, 5, 15 min) before: $LOAD_BEFORE, after: $(cut -d" " -f1-3 /proc/loadavg) (other work on this machine adds noise)."
  for note in "${NOTES[@]}"; do echo "Note: $note."; done
  echo
  echo "### Targets (issue 8)"
  echo
  check "run at most 0.5x crun" "$(ratio run-true run carrel crun)" "x <= 0.5" "carrel/crun $(ratio run-true run carrel crun)"
  check "run within 2 ms of the floor" "$(diff_ms run-true run carrel floor)" "x <= 2" "+$(diff_ms run-true run carrel floor) ms"
  check "create+start+delete at most 0.5x crun" "$(ratio lifecycle create+start+delete carrel crun)" "x <= 0.5" \
    "carrel/crun $(ratio lifecycle create+start+delete carrel crun)"
  check "exec at most 0.5x crun" "$(ratio exec exec carrel crun)" "x <= 0.5" "carrel/crun $(ratio exec exec carrel crun)"
  check "50 parallel create+start at most 0.5x crun" "$(ratio par50-time create+start carrel crun)" "x <= 0.5" \
    "carrel/crun $(ratio par50-time create+start carrel crun)"
  local pc pr
  pc=$(med par50-mem create+start.peak_pss_kib carrel)
  pr=$(med par50-mem create+start.peak_pss_kib crun)
  check "peak memory (PSS, 50 parallel) at most crun's" "$([ "$pc" != - ] && [ "$pr" != - ] && awk -v a="$pc" -v b="$pr" 'BEGIN{print a - b}')" \
    "x <= 0" "carrel $pc KiB, crun $pr KiB"
  local ip ir
  ip=$(awk -v x="$(med par200-mem idle200.pss_kib carrel)" 'BEGIN { printf "%.0f", x / 200 }')
  ir=$(awk -v x="$(med par200-mem idle200.rss_kib carrel)" 'BEGIN { printf "%.0f", x / 200 }')
  check "supervisor at most 256 KiB PSS per idle container" "$ip" "x <= 256" "$ip KiB"
  check "supervisor at most 1 MiB RSS per idle container" "$ir" "x <= 1024" "$ir KiB"
  case ${MINLIM[carrel]:-} in
    skip) echo "- /bin/true under a 512 KiB memory limit: skipped (carrel does not apply memory limits yet)" ;;
    *" KiB") check "/bin/true under a 512 KiB memory limit" "${MINLIM[carrel]% KiB}" "x <= 512" "${MINLIM[carrel]}" ;;
    *) echo "- /bin/true under a 512 KiB memory limit: NOT met (${MINLIM[carrel]:-not measured})" ;;
  esac
}

report | tee "$B/results.md"
if grep -q FAIL "$SAMPLES"; then
  note "some iterations failed: $(grep -c FAIL "$SAMPLES") samples; see $LOG"
fi
