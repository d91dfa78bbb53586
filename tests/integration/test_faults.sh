# shellcheck shell=bash
# shellcheck disable=SC2016 # jq programs in single quotes
# Fault injection: build-fault/carrel (`make fault-build`) fails or dies at a named step of create,
# start and delete (src/fault.h). After every fault nothing may be left (state dir, mounts,
# cgroups, processes), or `delete --force` removes everything; the state never says running for a
# process that is gone. Each test checks, through CARREL_FAULT_LOG, that its point was reached.

FAULT_BIN=${CARREL_FAULT_BIN:-$CARREL_REPO/build-fault/carrel}

# fcarrel ARGS...: the fault build with the test's --root (CARREL_FAULT comes from the caller).
fcarrel() { CARREL_BIN=$FAULT_BIN carrel "$@"; }

fault_setup() {
  [ -x "$FAULT_BIN" ] || skip "$FAULT_BIN is missing (make fault-build)"
  : >"$TEST_DIR/fault.log"
  export CARREL_FAULT_LOG=$TEST_DIR/fault.log
}

# reached POINT: the point was passed at least once since the log was last emptied.
reached() { grep -q "^$1 " "$TEST_DIR/fault.log"; }

# state_is_honest ID: no state dir, or `state` works and says running/created only while the
# recorded pid is alive.
state_is_honest() {
  local id=$1 out status pid
  [ -d "$TEST_ROOT/$id" ] || return 0
  out=$(carrel state "$id" 2>/dev/null) || fail "state $id fails after the fault: $(carrel state "$id" 2>&1 | head -n1)"
  status=$(jq -r .status <<<"$out")
  pid=$(jq -r '.pid // 0' <<<"$out")
  case $status in
    running | created | paused)
      [ "$pid" -gt 0 ] && pid_alive "$pid" || fail "state of $id says $status for pid $pid, which is gone"
      ;;
  esac
}

no_cgroup_left() {
  local left
  # find fails when a cgroup of another test vanishes under it: only its output counts.
  left=$(__carrel_cgroups_named "$TEST_TAG" || true)
  [ -z "$left" ] || fail "cgroups left: $left"
}

# settle ID: wait (bounded) until the processes of a failed or killed create are gone.
settle() {
  local i
  for ((i = 0; i < 250; i++)); do
    [ -z "$(__carrel_tagged_pids "$TEST_TAG" "$TEST_DIR")" ] && return 0
    sleep 0.02
  done
}

# clean_after ID: whatever the fault left, a normal `delete --force` removes it all.
clean_after() {
  local id=$1
  state_is_honest "$id"
  if [ -d "$TEST_ROOT/$id" ]; then
    assert_exit 0 carrel delete --force "$id"
  fi
  settle "$id"
  assert_nothing_left "$id"
  no_cgroup_left
}

# create_fault POINT [SETUP]: create fails at POINT with one clear error and leaves nothing; then the
# create dies at POINT (SIGKILL of whichever process passes it) and delete --force cleans up.
create_fault() {
  local point=$1 id=$ID-e
  fault_setup
  set_args sleep 30
  CARREL_FAULT=$point assert_exit 1 fcarrel create --bundle "$BUNDLE" "$id"
  reached "$point" || skip "fault point $point is not reached by this configuration"
  assert_error_line "injected fault at $point"
  settle "$id"
  assert_nothing_left "$id"
  no_cgroup_left

  id=$ID-d
  : >"$TEST_DIR/fault.log"
  LAST_RC=0
  CARREL_FAULT=die:$point fcarrel create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$TEST_DIR/die.err" || LAST_RC=$?
  reached "$point" || fail "fault point $point was not reached the second time"
  # The CLI itself died (137), or it reports that a process of the container died.
  [ "$LAST_RC" -ne 0 ] || fail "create succeeded although die:$point killed a process"
  settle "$id"
  clean_after "$id"
  # The id is free again and a plain create works.
  ct_create "$id"
  assert_exit 0 carrel delete --force "$id"
  assert_nothing_left "$id"
}

test_fault_create_after_state_dir() { create_fault create.after-state-dir; }
test_fault_create_after_cgroup() { create_fault create.after-cgroup; }
test_fault_create_after_spawn() { create_fault create.after-spawn; }
test_fault_create_after_idmap() { create_fault create.after-idmap; }
test_fault_create_after_network() { create_fault create.after-network; }
test_fault_create_after_hooks() { create_fault create.after-hooks; }
test_fault_create_after_created() { create_fault create.after-created; }
test_fault_init_before_mounts() { create_fault init.before-mounts; }
test_fault_init_join_cgroup() { create_fault init.join-cgroup; } # v1: the tasks files from the CLI
test_fault_init_after_mounts() { create_fault init.after-mounts; }
test_fault_init_before_pivot() { create_fault init.before-pivot; }
test_fault_init_before_created() { create_fault init.before-created; }
test_fault_supervisor_before_clone() { create_fault supervisor.before-clone; }
# The network namespace the supervisor makes while the init starts: its failure is the create's.
test_fault_supervisor_make_netns() { create_fault supervisor.make-netns; }

# Where the kernel refuses a v1 cgroup mount (a user namespace that does not own the cgroup
# namespace), the container gets a bind of its own cgroup. With a cgroup namespace the init reads
# its cgroup's path before making it: the bind was the host's whole hierarchy before (writable).
test_fault_cgroup_mount_refused_binds_own_cgroup() {
  have_v1_pids || skip "no cgroup v1 pids hierarchy on this host"
  fault_setup
  grep -q '"cgroup"' <<<"$(jq -c '.linux.namespaces[].type' "$BUNDLE/config.json")" || fail "the test bundle has no cgroup namespace"
  config_set "$cgroup_mount_ro"
  sh_args "$own_cgroup_probe"
  local rc=0 out
  CARREL_FAULT=init.cgroup-mount-refused fcarrel run --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/$ID.out" 2>"$TEST_DIR/$ID.err" || rc=$?
  out=$(cat "$TEST_DIR/$ID.out")
  reached init.cgroup-mount-refused || fail "the cgroup mount's fault point was not reached"
  assert_own_cgroup_read_only "$out"
  assert_nothing_left "$ID"
  no_cgroup_left
}

# A host that keeps a hierarchy somewhere else than its /sys/fs/cgroup, or whose directory cannot
# be made read-only: the bind of the host's directory is taken away again and the tree is made on
# a tmpfs, with every hierarchy, read-only.
host_dir_fault() {
  local point=$1
  have_v1_pids || skip "no cgroup v1 hierarchies on this host"
  fault_setup
  config_set "$cgroup_mount_ro"
  sh_args "$cgroup_tree_probe"
  local rc=0 out
  CARREL_FAULT=$point fcarrel run --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/$ID.out" 2>"$TEST_DIR/$ID.err" || rc=$?
  out=$(cat "$TEST_DIR/$ID.out")
  reached "$point" || fail "the fault point was not reached"
  assert_eq 0 "$rc" "exit code of run (stderr: $(cat "$TEST_DIR/$ID.err"))"
  assert_ne "$(stat -c %d /sys/fs/cgroup)" "$(sed -n 1p <<<"$out")" "device of /sys/fs/cgroup inside"
  assert_match "$(sed -n 2p <<<"$out")" '^ro,nosuid,nodev,noexec' "options of /sys/fs/cgroup"
  assert_contains "$(sed -n 3p <<<"$out")" "Read-only file system" "mkdir in /sys/fs/cgroup"
  assert_eq "$(host_cgroup_hierarchies)" "$(sed -n '4,$p' <<<"$out")" "hierarchies mounted inside"
  assert_nothing_left "$ID"
  no_cgroup_left
}
test_fault_cgroup_host_dir_missing_falls_back_to_a_tmpfs() { host_dir_fault init.cgroup-host-dir-missing; }
test_fault_cgroup_host_dir_not_read_only_falls_back_to_a_tmpfs() { host_dir_fault init.cgroup-host-dir-read-only; }

# The supervisor fails or dies right after it recorded the exit: the state says stopped with the
# exit code, and delete removes everything.
exit_record_fault() {
  local mode=$1 point=supervisor.after-exit-record
  fault_setup
  sh_args 'exit 3'
  CARREL_FAULT=$mode$point ct_create_fault "$ID"
  CARREL_FAULT=$mode$point assert_exit 0 fcarrel start "$ID"
  wait_status "$ID" stopped
  wait_for 5 reached "$point"
  assert_eq 3 "$(ct_state "$ID" | jq -r .exitCode)" "exitCode after the supervisor's fault"
  assert_exit 0 carrel delete "$ID"
  settle "$ID"
  assert_nothing_left "$ID"
  no_cgroup_left
}

ct_create_fault() {
  local rc=0
  fcarrel create --bundle "$BUNDLE" "$1" </dev/null >>"$TEST_DIR/$1.out" 2>>"$TEST_DIR/$1.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "create $1: exit $rc: $(__carrel_show "$(cat "$TEST_DIR/$1.err")")"
}

test_fault_supervisor_after_exit_record() { exit_record_fault ""; }
test_fault_supervisor_dies_after_exit_record() { exit_record_fault die:; }

# A foreground run whose supervisor dies after recording the exit: run fails or returns the code,
# and what is left is stopped and deletable.
test_fault_run_when_supervisor_dies_after_exit_record() {
  local point=supervisor.after-exit-record
  fault_setup
  sh_args 'exit 3'
  LAST_RC=0
  CARREL_FAULT=die:$point fcarrel run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$TEST_DIR/run.err" || LAST_RC=$?
  reached "$point" || fail "fault point $point was not reached"
  case $LAST_RC in 1 | 3) ;; *) fail "run: exit $LAST_RC: $(cat "$TEST_DIR/run.err")" ;; esac
  clean_after "$ID"
}

# delete fails or dies at POINT: the container's process is gone already, the state does not lie,
# and the next delete --force finishes the job.
delete_fault() {
  local point=$1 mode
  fault_setup
  set_args sleep 30
  for mode in "" die:; do
    : >"$TEST_DIR/fault.log"
    ct_create "$ID"
    ct_start "$ID"
    local pid
    pid=$(ct_pid "$ID")
    LAST_RC=0
    CARREL_FAULT=$mode$point fcarrel delete --force "$ID" </dev/null >/dev/null 2>"$TEST_DIR/del.err" || LAST_RC=$?
    reached "$point" || skip "fault point $point is not reached by this configuration"
    [ "$LAST_RC" -ne 0 ] || fail "delete succeeded although ${mode:-fail:}$point"
    if [ -z "$mode" ]; then
      LAST_ERR=$(cat "$TEST_DIR/del.err")
      assert_error_line "injected fault at $point"
    fi
    wait_for 5 pid_gone "$pid"
    state_is_honest "$ID"
    assert_exit 0 carrel delete --force "$ID"
    settle "$ID"
    assert_nothing_left "$ID"
    no_cgroup_left
  done
}

test_fault_delete_after_stop() { delete_fault delete.after-stop; }
test_fault_delete_after_cgroup() { delete_fault delete.after-cgroup; }

# start fails or dies at POINT: the start reports it, the state never says running for a process
# that is gone, and delete --force removes everything.
start_fault() {
  local point=$1 mode id
  fault_setup
  set_args sleep 30
  for mode in "" die:; do
    id=$ID-s${mode%:}
    : >"$TEST_DIR/fault.log"
    # The init is the create's: it has the fault in its environment from there.
    CARREL_FAULT=$mode$point ct_create_fault "$id"
    LAST_RC=0
    CARREL_FAULT=$mode$point fcarrel start "$id" </dev/null >/dev/null 2>"$TEST_DIR/start.err" || LAST_RC=$?
    reached "$point" || skip "fault point $point is not reached by this configuration"
    [ "$LAST_RC" -ne 0 ] || fail "start succeeded although ${mode:-fail:}$point"
    if [ -z "$mode" ]; then
      LAST_ERR=$(cat "$TEST_DIR/start.err")
      assert_error_line "injected fault at $point"
    fi
    clean_after "$id"
  done
}

test_fault_start_before_relay() { start_fault start.before-relay; }
test_fault_start_after_started() { start_fault start.after-started; }
test_fault_init_after_start() { start_fault init.after-start; }

# exec fails or dies at POINT: exec reports it, no process of the exec is left, the container runs
# on untouched, and delete --force removes everything.
exec_fault() {
  local point=$1 mode pid
  fault_setup
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  pid=$(ct_pid "$ID")
  for mode in "" die:; do
    : >"$TEST_DIR/fault.log"
    LAST_RC=0
    CARREL_FAULT=$mode$point fcarrel exec "$ID" sleep 31 </dev/null >/dev/null 2>"$TEST_DIR/exec.err" || LAST_RC=$?
    reached "$point" || skip "fault point $point is not reached by this configuration"
    [ "$LAST_RC" -ne 0 ] || fail "exec succeeded although ${mode:-fail:}$point"
    if [ -z "$mode" ]; then
      LAST_ERR=$(cat "$TEST_DIR/exec.err")
      assert_error_line "injected fault at $point"
      # A failed exec takes its process along.
      wait_for 5 no_exec_process
    fi
    assert_status "$ID" running
    pid_alive "$pid" || fail "the container's init died with the exec"
  done
  clean_after "$ID"
}
no_exec_process() { ! pgrep -f '^sleep 31$' >/dev/null; }

test_fault_exec_before_clone() { exec_fault exec.before-clone; }
test_fault_exec_after_clone() { exec_fault exec.after-clone; }
test_fault_exec_join_cgroup() { exec_fault exec.join-cgroup; }
test_fault_exec_before_exec() { exec_fault exec.before-exec; }

# With no fault asked for, the fault build behaves as the normal one and passes every point of a
# lifecycle (the list the tests above cover).
test_fault_build_without_fault_runs_a_lifecycle() {
  fault_setup
  set_args sleep 30
  ct_create_fault "$ID"
  CARREL_BIN=$FAULT_BIN ct_start "$ID"
  assert_status "$ID" running
  assert_exit 0 fcarrel delete --force "$ID"
  local p missing=""
  for p in create.after-state-dir create.after-cgroup create.after-spawn create.after-idmap \
    create.after-network create.after-hooks create.after-created init.before-mounts \
    init.after-mounts init.before-pivot init.before-created supervisor.before-clone start.before-relay \
    start.after-started init.after-start delete.after-stop; do
    reached "$p" || missing+="$p "
  done
  [ -z "$missing" ] || fail "fault points not reached in a lifecycle: $missing"
  assert_nothing_left "$ID"
}

# A foreground run's supervisor removes the cgroup while the CLI removes the state; when it fails
# or dies first, run removes the cgroup itself and still returns the container's exit code.
run_cgroup_removal_fault() {
  local point=supervisor.before-cgroup-removal
  fault_setup
  sh_args 'exit 3'
  LAST_RC=0
  CARREL_FAULT=$1$point fcarrel run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$TEST_DIR/run.err" || LAST_RC=$?
  reached "$point" || fail "fault point $point was not reached"
  assert_eq 3 "$LAST_RC" "run's exit code ($(cat "$TEST_DIR/run.err"))"
  assert_nothing_left "$ID"
  no_cgroup_left
}
test_fault_run_supervisor_fails_before_cgroup_removal() { run_cgroup_removal_fault ""; }
test_fault_run_supervisor_dies_before_cgroup_removal() { run_cgroup_removal_fault die:; }
