# shellcheck shell=bash
# shellcheck disable=SC2016,SC2013 # container scripts and jq programs in single quotes; mount points are words
# Cgroups: the container's cgroup is made at create and removed at delete, each limit is in the
# files and has its effect, pause/resume, kill --all, update and events. Runs on the hybrid host
# (v1 controllers) and, unchanged, in the pure cgroup v2 VM lane (tests/vm/run-cgroup2-vm.sh).

# Slow hosts (the TCG VM lane) stretch every bounded wait by this factor.
TS=${CARREL_TIME_SCALE:-1}
waitf() { wait_for $(($1 * TS)) "${@:2}"; }

cg_is_v2() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }

# cg_dir CONTROLLER [PATH]: the directory of the container's cgroup (default /carrel/$ID) that
# holds CONTROLLER's files.
cg_dir() {
  local path=${2:-/carrel/$ID}
  if cg_is_v2; then
    echo "/sys/fs/cgroup$path"
  else
    echo "/sys/fs/cgroup/$1$path"
  fi
}

# cg_all_dirs PATH: every hierarchy's directory for PATH.
cg_all_dirs() {
  if cg_is_v2; then
    echo "/sys/fs/cgroup$1"
    return
  fi
  local m
  for m in $(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo); do
    echo "$m$1"
  done
}

# cg_read CONTROLLER FILE: a file of the container's cgroup (v1 name first, v2 name second).
cg_file() { # CONTROLLER V1FILE V2FILE
  if cg_is_v2; then cat "$(cg_dir "$1")/$3"; else cat "$(cg_dir "$1")/$2"; fi
}

# An empty resources object to fill with config_set.
set_resources() { config_set ".linux.resources = (.linux.resources // {}) + $1"; }

stats() { carrel events --stats "$1" | jq -c .; }
# stat_at_least ID JQPATH N: the stats value is >= N (for wait_for, which runs it again each time).
stat_at_least() { [ "$(stats "$1" | jq "$2")" -ge "$3" ]; }
file_changed() { [ "$(cat "$1" 2>/dev/null)" != "$2" ]; }
lines_at_least() { [ "$(grep -c "$2" "$1")" -ge "$3" ]; }

test_cgroup_is_created_entered_and_removed_with_the_container() {
  set_args sleep 30
  ct_create "$ID"
  local pid d
  pid=$(ct_pid "$ID")
  for d in $(cg_all_dirs "/carrel/$ID"); do
    [ -d "$d" ] || fail "cgroup $d missing after create"
    grep -qx "$pid" "$d/cgroup.procs" || fail "init $pid is not in $d/cgroup.procs: $(cat "$d/cgroup.procs")"
  done
  assert_contains "$(cat "/proc/$pid/cgroup")" "/carrel/$ID"
  assert_exit 0 carrel delete --force "$ID"
  for d in $(cg_all_dirs "/carrel/$ID"); do
    [ ! -e "$d" ] || fail "cgroup $d left after delete"
  done
}

# The init joins its v1 cgroups itself while the CLI makes them (early mode); CARREL_NO_EARLY=1
# takes the older order (the supervisor steps in and clones the init there). Both place the init,
# and what it forks, in every hierarchy's cgroup of the container, and in none of the host's.
cgroup_membership() { # ID
  local pid d
  pid=$(ct_pid "$1")
  for d in $(cg_all_dirs "/carrel/$1"); do
    grep -qx "$pid" "$d/cgroup.procs" || fail "init $pid is not in $d/cgroup.procs: $(cat "$d/cgroup.procs")"
  done
  local bad
  bad=$(grep -v ":/carrel/$1\$" "/proc/$pid/cgroup" || true)
  [ -z "$bad" ] || fail "init $pid outside /carrel/$1 in: $bad"
}

test_init_joins_every_hierarchy_with_and_without_early_join() {
  set_args sh -c 'sleep 30 & wait'
  ct_create "$ID"
  cgroup_membership "$ID"
  assert_exit 0 carrel delete --force "$ID"
  CARREL_NO_EARLY=1 ct_create "$ID-old"
  cgroup_membership "$ID-old"
  assert_exit 0 carrel delete --force "$ID-old"
  ct_run_detached "$ID-run"
  cgroup_membership "$ID-run"
  assert_exit 0 carrel delete --force "$ID-run"
}

# A foreground run's supervisor removes the cgroup while the CLI removes the state: when run has
# returned, both are gone, every time.
test_run_returns_with_its_cgroup_removed() {
  set_args true
  local i d
  for i in 1 2 3 4 5 6 7 8 9 10; do
    run_ok "$ID-$i"
    for d in $(cg_all_dirs "/carrel/$ID-$i"); do
      [ ! -e "$d" ] || fail "cgroup $d still there when run $i returned"
    done
    [ ! -e "$TEST_ROOT/$ID-$i" ] || fail "state of run $i still there when it returned"
  done
}

# A container's cgroup with a cgroup below it (a delegated subtree, made here from the host): the
# removal finds the child when the rmdir alone fails, and removes both, at delete and at the end
# of a foreground run.
test_cgroup_with_a_child_cgroup_is_removed() {
  local d
  set_args sleep 30
  ct_create "$ID"
  for d in $(cg_all_dirs "/carrel/$ID"); do mkdir "$d/sub"; done
  assert_exit 0 carrel delete --force "$ID"
  for d in $(cg_all_dirs "/carrel/$ID"); do
    [ ! -e "$d" ] || fail "cgroup $d (with a child) left after delete"
  done
  set_args sh -c 'until [ -e /tmp/go ]; do sleep 0.05; done'
  timeout -k 3 20 "$CARREL_BIN" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID-r" </dev/null >/dev/null 2>&1 &
  local cli=$!
  track_pid "$cli"
  wait_status "$ID-r" running 5
  for d in $(cg_all_dirs "/carrel/$ID-r"); do mkdir "$d/sub"; done
  touch "$BUNDLE/rootfs/tmp/go"
  wait "$cli" || fail "run exited $?"
  for d in $(cg_all_dirs "/carrel/$ID-r"); do
    [ ! -e "$d" ] || fail "cgroup $d (with a child) left when run returned"
  done
  assert_nothing_left "$ID-r"
}

# A process that joined a foreground run's cgroup from outside its pid namespace: the cgroup is
# not empty when the init is gone; it is emptied (the process killed) and removed when run returns.
test_run_removes_its_cgroup_with_a_process_from_outside() {
  local d cli sleeper
  set_args sh -c 'until [ -e /tmp/go ]; do sleep 0.05; done'
  timeout -k 3 20 "$CARREL_BIN" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
  cli=$!
  track_pid "$cli"
  wait_status "$ID" running 5
  sleep 60 &
  sleeper=$!
  track_pid "$sleeper"
  for d in $(cg_all_dirs "/carrel/$ID"); do echo "$sleeper" >"$d/cgroup.procs"; done
  touch "$BUNDLE/rootfs/tmp/go"
  wait "$cli" || fail "run exited $?"
  wait_for 5 pid_gone "$sleeper"
  for d in $(cg_all_dirs "/carrel/$ID"); do
    [ ! -e "$d" ] || fail "cgroup $d left when run returned"
  done
  assert_nothing_left "$ID"
}

test_failed_create_removes_the_cgroup() {
  set_resources '{"cpu": {"cpus": "4095"}}'
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  assert_error_line "cpuset.cpus"
  local d
  for d in $(cg_all_dirs "/carrel/$ID"); do
    [ ! -e "$d" ] || fail "cgroup $d left after a failed create"
  done
  assert_nothing_left "$ID"
}

test_absolute_cgroups_path_and_existing_cgroup_is_joined_not_deleted() {
  local d
  for d in $(cg_all_dirs "/$ID-outer"); do track_cgroup "$d"; done
  for d in $(cg_all_dirs "/$ID-outer/inner"); do track_cgroup "$d"; done
  for d in $(cg_all_dirs "/$ID-outer/inner"); do mkdir -p "$d"; done
  config_set '.linux.cgroupsPath = $p' --arg p "/$ID-outer/inner"
  set_args sleep 30
  ct_create "$ID"
  assert_contains "$(cat "/proc/$(ct_pid "$ID")/cgroup")" "/$ID-outer/inner"
  assert_exit 0 carrel delete --force "$ID"
  for d in $(cg_all_dirs "/$ID-outer/inner"); do
    [ -d "$d" ] || fail "$d was not made by carrel but was removed at delete"
  done
}

# The leaf is made first (one mkdir per hierarchy); under a v1 cpuset parent whose cpus are empty
# the leaf cannot run anything, and the parents are fixed level by level: the container runs, and
# the leaf is still carrel's to remove at delete.
test_leaf_under_a_parent_with_an_empty_cpuset_runs_and_is_removed() {
  local d cpuset=/sys/fs/cgroup/cpuset
  cg_is_v2 && skip "v1 cpuset only"
  [ -f "$cpuset/cpuset.cpus" ] || skip "no v1 cpuset hierarchy"
  [ "$(cat "$cpuset/cgroup.clone_children")" = 0 ] || skip "the root's children inherit their cpus"
  for d in $(cg_all_dirs "/$ID-cs"); do
    track_cgroup "$d"
    mkdir -p "$d"
  done
  [ -z "$(cat "$cpuset/$ID-cs/cpuset.cpus")" ] || skip "a new cpuset already has cpus here"
  config_set '.linux.cgroupsPath = $p' --arg p "/$ID-cs/leaf"
  set_args sleep 30
  ct_create "$ID"
  assert_contains "$(cat "/proc/$(ct_pid "$ID")/cgroup")" "cpuset:/$ID-cs/leaf"
  [ -n "$(cat "$cpuset/$ID-cs/cpuset.cpus")" ] || fail "the parent's empty cpuset was not filled"
  assert_exit 0 carrel delete --force "$ID"
  for d in $(cg_all_dirs "/$ID-cs/leaf"); do [ ! -e "$d" ] || fail "cgroup $d left"; done
}

# A parent level carrel makes gets cgroup.clone_children in the v1 cpuset hierarchy: the kernel
# gives the containers made under it their cpus and mems at mkdir (and the flag, as LXC's have).
# A parent made by someone else keeps the kernel's default, and so do the containers under it.
test_cpuset_parent_made_by_carrel_clones_to_its_children() {
  local d cpuset=/sys/fs/cgroup/cpuset
  cg_is_v2 && skip "v1 cpuset only"
  [ -f "$cpuset/cpuset.cpus" ] || skip "no v1 cpuset hierarchy"
  for d in $(cg_all_dirs "/$ID-own") $(cg_all_dirs "/$ID-theirs"); do track_cgroup "$d"; done
  mkdir "$cpuset/$ID-theirs"
  cat "$cpuset/cpuset.cpus" >"$cpuset/$ID-theirs/cpuset.cpus"
  cat "$cpuset/cpuset.mems" >"$cpuset/$ID-theirs/cpuset.mems"
  set_args sleep 30
  local leaf
  for leaf in "$ID-own/a" "$ID-own/b" "$ID-theirs/c"; do
    config_set '.linux.cgroupsPath = $p' --arg p "/$leaf"
    ct_create "${leaf##*/}"
    assert_contains "$(cat "/proc/$(ct_pid "${leaf##*/}")/cgroup")" "cpuset:/$leaf"
    assert_eq "$(cat "$cpuset/cpuset.cpus")" "$(cat "$cpuset/$leaf/cpuset.cpus")" "cpuset.cpus of $leaf"
    assert_eq "$(cat "$cpuset/cpuset.mems")" "$(cat "$cpuset/$leaf/cpuset.mems")" "cpuset.mems of $leaf"
  done
  assert_eq 1 "$(cat "$cpuset/$ID-own/cgroup.clone_children")" "cgroup.clone_children of the parent carrel made"
  assert_eq 0 "$(cat "$cpuset/$ID-theirs/cgroup.clone_children")" "cgroup.clone_children of the test's parent"
  assert_eq 0 "$(cat "$cpuset/$ID-theirs/c/cgroup.clone_children")" "cgroup.clone_children of a container under it"
  for leaf in a b c; do assert_exit 0 carrel delete --force "$leaf"; done
}

test_relative_cgroups_path_is_created_and_removed() {
  local d
  config_set '.linux.cgroupsPath = $p' --arg p "$ID-rel/leaf"
  set_args sleep 30
  ct_create "$ID"
  local cg
  cg=$(cat "/proc/$(ct_pid "$ID")/cgroup")
  assert_contains "$cg" "$ID-rel/leaf"
  # The parent stays (others may share it): the test removes it.
  local own
  own=$(sed -n 's/^0:://p' "/proc/$(ct_pid "$ID")/cgroup")
  if cg_is_v2; then track_cgroup "/sys/fs/cgroup${own%/leaf}"; else
    for d in $(cg_all_dirs "/$ID-rel"); do track_cgroup "$d"; done
  fi
  assert_exit 0 carrel delete --force "$ID"
  if cg_is_v2; then [ ! -e "/sys/fs/cgroup$own" ] || fail "leaf $own left"; else
    for d in $(cg_all_dirs "/$ID-rel/leaf"); do [ ! -e "$d" ] || fail "cgroup $d left"; done
  fi
}

test_memory_limit_is_written_and_a_memory_hog_is_oom_killed() {
  set_resources '{"memory": {"limit": 16777216, "swap": 16777216}}'
  sh_args 'dd if=/dev/zero of=/dev/null bs=64M count=1; echo "dd-exit-$?"'
  ct_create "$ID"
  assert_eq 16777216 "$(cg_file memory memory.limit_in_bytes memory.max)" "memory limit"
  if cg_is_v2; then
    [ ! -e "$(cg_dir memory)/memory.swap.max" ] || assert_eq 0 "$(cat "$(cg_dir memory)/memory.swap.max")" "swap.max"
  fi
  ct_start "$ID"
  wait_status "$ID" stopped $((20 * TS))
  assert_contains "$(ct_out "$ID")" "dd-exit-137"
}

test_events_reports_an_oom_kill() {
  set_resources '{"memory": {"limit": 16777216, "swap": 16777216}}'
  # The hog runs once `events` watches (a file in the rootfs says when).
  sh_args 'while [ ! -e /go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 30'
  ct_create "$ID"
  ct_start "$ID"
  carrel events --interval 30s "$ID" >"$TEST_DIR/events.out" 2>"$TEST_DIR/events.err" &
  local ev=$!
  track_pid "$ev"
  waitf 10 grep -q '"type":"stats"' "$TEST_DIR/events.out"
  touch "$BUNDLE/rootfs/go"
  waitf 20 grep -q '"type":"oom"' "$TEST_DIR/events.out"
  assert_eq "$ID" "$(grep '"type":"oom"' "$TEST_DIR/events.out" | head -n1 | jq -r .id)" "oom event id"
  assert_exit 0 carrel kill "$ID" KILL
  # events ends by itself when the container is gone.
  wait_status "$ID" stopped $((5 * TS))
  assert_exit 0 carrel delete "$ID"
  waitf 40 pid_gone "$ev"
}

test_pids_limit_stops_a_fork_loop() {
  set_resources '{"pids": {"limit": 8}}'
  sh_args 'for i in $(seq 30); do sleep 30 & done; echo not-reached'
  ct_create "$ID"
  assert_eq 8 "$(cg_file pids pids.max pids.max)" "pids.max"
  ct_start "$ID"
  waitf 20 grep -q "can't fork" "$TEST_DIR/$ID.err" "$TEST_DIR/$ID.out"
  assert_not_contains "$(ct_out "$ID")" "not-reached"
}

test_io_weight_is_written_where_the_host_has_a_weight_file() {
  set_resources '{"blockIO": {"weight": 300}}'
  set_args sleep 30
  local rc=0 dir
  carrel create --bundle "$BUNDLE" "$ID" 2>"$TEST_DIR/err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    # A host without any weight file: one clear line naming the field, nothing made.
    assert_contains "$(cat "$TEST_DIR/err")" "blockIO.weight"
    assert_nothing_left "$ID"
    skip "no io/blkio weight file on this host"
  fi
  if cg_is_v2; then
    dir=$(cg_dir io)
    if [ -f "$dir/io.weight" ]; then
      # 1..1000 (blkio) onto 1..10000 (io): 1 + (300 - 10) * 9999 / 990 = 2930.
      assert_eq "default 2930" "$(head -n1 "$dir/io.weight")" "io.weight"
    else
      assert_eq "default 300" "$(head -n1 "$dir/io.bfq.weight")" "io.bfq.weight"
    fi
  else
    dir=$(cg_dir blkio)
    if [ -f "$dir/blkio.weight" ]; then
      assert_eq 300 "$(cat "$dir/blkio.weight")" "blkio.weight"
    else
      assert_eq 300 "$(head -n1 "$dir/blkio.bfq.weight" | awk '{print $NF}')" "blkio.bfq.weight"
    fi
  fi
  assert_exit 0 carrel delete --force "$ID"
}

test_pids_limit_is_reached_not_exceeded() {
  set_resources '{"pids": {"limit": 8}}'
  # The inner shell dies at its failed fork; its sleeps stay, the outer one keeps the container.
  sh_args 'sh -c "for i in \$(seq 30); do sleep 30 & done" 2>/dev/null; sleep 30'
  ct_run_detached "$ID"
  waitf 20 stat_at_least "$ID" .data.pids.current 7
  sleep 0.2
  local cur
  cur=$(stats "$ID" | jq .data.pids.current)
  # 7 or 8: the outer shell (exec'd into its sleep) plus the 6 sleeps forked while the inner shell
  # held the 8th slot.
  if [ "$cur" -lt 7 ] || [ "$cur" -gt 8 ]; then fail "pids.current $cur, expected the limit 8 to stop it at 7-8"; fi
  assert_eq 8 "$(stats "$ID" | jq .data.pids.limit)" "stats pids.limit"
}

test_cpu_quota_throttles_a_cpu_hog() {
  set_resources '{"cpu": {"quota": 10000, "period": 100000, "shares": 512}}'
  sh_args 'while :; do :; done'
  ct_run_detached "$ID"
  if cg_is_v2; then
    assert_eq "10000 100000" "$(cat "$(cg_dir cpu)/cpu.max")" "cpu.max"
    assert_eq 20 "$(cat "$(cg_dir cpu)/cpu.weight")" "cpu.weight for 512 shares"
  else
    assert_eq 10000 "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" "cfs_quota_us"
    assert_eq 512 "$(cat "$(cg_dir cpu)/cpu.shares")" "cpu.shares"
  fi
  waitf 20 stat_at_least "$ID" .data.cpu.throttling.throttledPeriods 3
}

test_pause_freezes_and_resume_thaws() {
  sh_args 'i=0; while :; do i=$((i+1)); echo $i >/count; done'
  ct_run_detached "$ID"
  waitf 10 test -s "$BUNDLE/rootfs/count"
  assert_exit 0 carrel pause "$ID"
  assert_status "$ID" paused
  local a b
  a=$(cat "$BUNDLE/rootfs/count")
  sleep 0.3
  b=$(cat "$BUNDLE/rootfs/count")
  assert_eq "$a" "$b" "counter while paused"
  assert_exit 1 carrel pause "$ID"
  assert_error_line "paused"
  assert_exit 0 carrel resume "$ID"
  assert_status "$ID" running
  waitf 10 file_changed "$BUNDLE/rootfs/count" "$b"
  assert_exit 1 carrel resume "$ID"
  assert_error_line "running"
}

all_gone() {
  local p
  for p in "$@"; do pid_alive "$p" && return 1; done
  return 0
}

test_kill_all_signals_every_process() {
  # PID 1 has no TERM handler (ignored); the two sleeps die of TERM.
  sh_args 'sleep 60 & sleep 61 & wait; while :; do sleep 1; done'
  ct_run_detached "$ID"
  local dir
  dir=$(cg_dir pids)
  cg_is_v2 || dir=$(cg_dir freezer)
  waitf 10 lines_at_least "$dir/cgroup.procs" . 3
  local pid others
  pid=$(ct_pid "$ID")
  others=$(grep -vx "$pid" "$dir/cgroup.procs")
  assert_exit 0 carrel kill --all "$ID" TERM
  # shellcheck disable=SC2086 # one pid a word
  waitf 10 all_gone $others
  pid_alive "$pid" || fail "init died of an ignored TERM"
  assert_exit 0 carrel kill --all "$ID" KILL
  wait_status "$ID" stopped $((5 * TS))
  [ -z "$(cat "$dir/cgroup.procs" 2>/dev/null)" ] || fail "processes left in the cgroup: $(cat "$dir/cgroup.procs")"
}

test_update_changes_the_limits_of_a_running_container() {
  set_resources '{"memory": {"limit": 67108864}, "pids": {"limit": 50}}'
  set_args sleep 30
  ct_run_detached "$ID"
  assert_exit 0 carrel update --memory 96m --pids-limit 33 --cpu-quota 30000 --cpu-period 100000 --cpu-shares 2048 "$ID"
  assert_eq 100663296 "$(cg_file memory memory.limit_in_bytes memory.max)" "memory limit"
  assert_eq 33 "$(cg_file pids pids.max pids.max)" "pids.max"
  if cg_is_v2; then
    assert_eq "30000 100000" "$(cat "$(cg_dir cpu)/cpu.max")" "cpu.max"
  else
    assert_eq 30000 "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" "cfs_quota_us"
    assert_eq 2048 "$(cat "$(cg_dir cpu)/cpu.shares")" "cpu.shares"
  fi
  echo '{"pids": {"limit": 44}, "memory": {"limit": 50331648}}' >"$TEST_DIR/res.json"
  assert_exit 0 carrel update --resources "$TEST_DIR/res.json" "$ID"
  assert_eq 44 "$(cg_file pids pids.max pids.max)" "pids.max from --resources"
  assert_eq 50331648 "$(cg_file memory memory.limit_in_bytes memory.max)" "memory from --resources"
  assert_exit 0 carrel update --pids-limit -1 "$ID"
  assert_eq max "$(cg_file pids pids.max pids.max)" "pids.max unlimited"
}

test_update_with_check_before_update_refuses_a_limit_below_usage() {
  set_args sleep 30
  ct_run_detached "$ID"
  echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' >"$TEST_DIR/res.json"
  assert_exit 1 carrel update --resources "$TEST_DIR/res.json" "$ID"
  assert_error_line "checkBeforeUpdate"
}

test_update_of_a_stopped_container_fails() {
  ct_run "$ID" --keep
  assert_exit 1 carrel update --memory 64m "$ID"
  assert_error_line "$ID" "stopped"
  assert_exit 1 carrel update "$ID"
  assert_error_line "nothing to update"
}

test_version_specific_keys_give_a_clear_error() {
  if cg_is_v2; then
    set_resources '{"network": {"classID": 1048577}}'
    assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
    assert_error_line "network" "cgroup v1"
  else
    set_resources '{"unified": {"memory.high": "1000000"}}'
    assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
    assert_error_line "unified" "cgroup v2"
    bundle_new
    set_resources '{"network": {"classID": 1048577}}'
    assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
    assert_error_line "net_cls" "not mounted"
  fi
  assert_nothing_left "$ID"
}

test_unified_keys_are_written_on_v2() {
  cg_is_v2 || skip "the host drives its controllers with cgroup v1"
  set_resources '{"unified": {"memory.high": "33554432", "pids.max": "17"}}'
  set_args sleep 30
  ct_create "$ID"
  assert_eq 33554432 "$(cat "$(cg_dir memory)/memory.high")" "memory.high"
  assert_eq 17 "$(cat "$(cg_dir pids)/pids.max")" "pids.max"
}

test_events_stats_prints_one_stats_object() {
  set_resources '{"memory": {"limit": 67108864}, "pids": {"limit": 99}}'
  set_args sleep 30
  ct_run_detached "$ID"
  local s
  s=$(carrel events --stats "$ID")
  assert_eq 1 "$(printf '%s\n' "$s" | grep -c .)" "lines"
  assert_eq stats "$(jq -r .type <<<"$s")" "type"
  assert_eq "$ID" "$(jq -r .id <<<"$s")" "id"
  assert_eq '["blkio","cpu","hugetlb","memory","pids"]' "$(jq -c '.data | keys' <<<"$s")" "data keys"
  assert_eq 67108864 "$(jq .data.memory.usage.limit <<<"$s")" "memory limit"
  assert_eq 99 "$(jq .data.pids.limit <<<"$s")" "pids limit"
  [ "$(jq .data.cpu.usage.total <<<"$s")" -gt 0 ] || fail "cpu usage is 0: $s"
  [ "$(jq .data.memory.usage.usage <<<"$s")" -gt 0 ] || fail "memory usage is 0: $s"
}

test_events_streams_stats_at_the_interval_and_ends_with_the_container() {
  set_args sleep 30
  ct_run_detached "$ID"
  carrel events --interval 200ms "$ID" >"$TEST_DIR/events.out" &
  local ev=$!
  track_pid "$ev"
  waitf 10 lines_at_least "$TEST_DIR/events.out" '"type":"stats"' 3
  assert_exit 0 carrel kill "$ID" KILL
  waitf 10 pid_gone "$ev"
  assert_exit 1 carrel events --interval 0s "$ID"
  assert_error_line "interval"
}

test_device_rules_deny_and_allow_by_access() {
  # /dev/kmsg bound from the host (opening it write-only needs no capability): the cgroup decides.
  local kmsg='.mounts += [{"destination": "/dev/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]}]'
  config_set "$kmsg"
  config_set '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
  sh_args '(exec 3>/dev/kmsg) && echo w-ok; (exec 3<>/dev/kmsg) || echo rw-denied; echo x >/dev/null && echo null-ok'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "w-ok"
  assert_contains "$RUN_OUT" "rw-denied"
  assert_contains "$RUN_OUT" "null-ok"
  assert_contains "$RUN_ERR" "Operation not permitted"
  bundle_new
  config_set "$kmsg"
  sh_args '(exec 3>/dev/kmsg) || echo w-denied'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "w-denied"
}

test_hugepage_limits_are_written_or_clearly_refused() {
  set_resources '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'
  set_args sleep 30
  if cg_is_v2; then
    ct_create "$ID"
    assert_eq 4194304 "$(cat "$(cg_dir hugetlb)/hugetlb.2MB.max")" "hugetlb.2MB.max"
  elif [ -d /sys/fs/cgroup/hugetlb ]; then
    ct_create "$ID"
    assert_eq 4194304 "$(cat "$(cg_dir hugetlb)/hugetlb.2MB.limit_in_bytes")" "hugetlb limit"
  else
    # Hybrid host with hugetlb only in cgroup2, not enabled for carrel's cgroups: a clear error.
    assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
    assert_error_line "hugepageLimits" "hugetlb"
    assert_nothing_left "$ID"
  fi
}
