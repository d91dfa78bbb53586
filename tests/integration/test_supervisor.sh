# shellcheck shell=bash
# shellcheck disable=SC2016,SC2015,SC2012 # container scripts in single quotes
# Supervisor: each container has a supervisor process (parent of its init, own session, comm
# "carrel..."); the state stays true when the CLI is gone, when the init or the supervisor dies.

# supervisor_of PID: the parent of the container init, which must be the supervisor.
supervisor_of() {
  local ppid comm
  ppid=$(ppid_of "$1")
  comm=$(cat "/proc/$ppid/comm" 2>/dev/null || true)
  case $comm in
    carrel*) echo "$ppid" ;;
    *) fail "parent of the container init $1 is pid $ppid ($comm), not a carrel supervisor" ;;
  esac
}

sid_of() { awk '{ sub(/^.*\) /, ""); print $4 }' "/proc/$1/stat"; }

test_state_right_after_create_and_start_cli_exit() {
  set_args sleep 30
  ct_create "$ID"
  assert_status "$ID" created
  local pid
  pid=$(ct_pid "$ID")
  pid_alive "$pid" || fail "init $pid is not alive after create returned"
  ct_start "$ID"
  assert_status "$ID" running
  pid_alive "$pid" || fail "init $pid is not alive after start returned"
}

test_supervisor_is_parent_of_init_in_its_own_session() {
  set_args sleep 30
  ct_create "$ID"
  local pid sup
  pid=$(ct_pid "$ID")
  sup=$(supervisor_of "$pid")
  assert_eq "$sup" "$(sid_of "$sup")" "session id of the supervisor (its own session)"
  assert_ne "$(sid_of $$)" "$(sid_of "$sup")" "session of the supervisor vs the caller's"
  ct_start "$ID"
  assert_eq "$sup" "$(ppid_of "$pid")" "parent of the init after start"
}

test_supervisor_exits_after_delete() {
  set_args sleep 30
  ct_create "$ID"
  local pid sup
  pid=$(ct_pid "$ID")
  sup=$(supervisor_of "$pid")
  ct_start "$ID"
  assert_exit 0 carrel delete --force "$ID"
  wait_for 5 pid_gone "$pid"
  wait_for 5 pid_gone "$sup"
}

test_supervisor_exits_when_container_stops_and_is_deleted() {
  set_args true
  ct_create "$ID"
  local sup
  sup=$(supervisor_of "$(ct_pid "$ID")")
  ct_start "$ID"
  wait_status "$ID" stopped
  assert_exit 0 carrel delete "$ID"
  wait_for 5 pid_gone "$sup"
}

test_kill_9_of_init_gives_stopped() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  local pid
  pid=$(ct_pid "$ID")
  kill -KILL "$pid"
  wait_status "$ID" stopped
  assert_exit 0 carrel delete "$ID"
  assert_nothing_left "$ID"
}

test_kill_9_of_created_init_gives_stopped() {
  set_args sleep 30
  ct_create "$ID"
  local pid
  pid=$(ct_pid "$ID")
  kill -KILL "$pid"
  wait_status "$ID" stopped
  assert_exit 1 carrel start "$ID"
  assert_exit 0 carrel delete "$ID"
  assert_nothing_left "$ID"
}

test_kill_9_of_supervisor_state_tells_the_truth() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  local pid sup
  pid=$(ct_pid "$ID")
  sup=$(supervisor_of "$pid")
  kill -KILL "$sup"
  wait_for 5 pid_gone "$sup"
  # The init lives on: state must answer quickly and say running.
  CARREL_CMD_TIMEOUT=5 assert_exit 0 carrel state "$ID"
  assert_eq running "$(printf '%s' "$LAST_OUT" | jq -r .status)" "status with the supervisor gone, init alive"
  assert_eq "$pid" "$(printf '%s' "$LAST_OUT" | jq -r .pid)" "pid"
  # kill still works, and then state says stopped.
  CARREL_CMD_TIMEOUT=5 assert_exit 0 carrel kill "$ID" KILL
  wait_for 5 pid_gone "$pid"
  wait_status "$ID" stopped
  CARREL_CMD_TIMEOUT=5 assert_exit 0 carrel delete "$ID"
  assert_nothing_left "$ID"
}

test_kill_9_of_supervisor_then_init_exit_gives_stopped() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  local pid sup
  pid=$(ct_pid "$ID")
  sup=$(supervisor_of "$pid")
  kill -KILL "$sup"
  wait_for 5 pid_gone "$sup"
  kill -KILL "$pid"
  wait_for 5 pid_gone "$pid"
  wait_status "$ID" stopped
  CARREL_CMD_TIMEOUT=5 assert_exit 0 carrel delete "$ID"
  assert_nothing_left "$ID"
}

test_kill_9_of_supervisor_of_created_container_then_delete() {
  set_args sleep 30
  ct_create "$ID"
  local pid sup
  pid=$(ct_pid "$ID")
  sup=$(supervisor_of "$pid")
  kill -KILL "$sup"
  wait_for 5 pid_gone "$sup"
  CARREL_CMD_TIMEOUT=5 assert_exit 0 carrel state "$ID"
  CARREL_CMD_TIMEOUT=5 assert_exit 0 carrel delete --force "$ID"
  wait_for 5 pid_gone "$pid"
  assert_nothing_left "$ID"
}

test_detached_run_with_keep_settles_on_stopped() {
  sh_args 'exit 7'
  ct_run_detached "$ID" --keep
  wait_status "$ID" stopped
  # run --detach has nobody to tell the code to; the state must still settle on stopped quickly.
  assert_status "$ID" stopped
}

test_many_containers_each_have_a_supervisor() {
  set_args sleep 30
  local i pids=() sups=()
  for i in 1 2 3; do
    ct_create "$ID-$i"
    ct_start "$ID-$i"
    pids+=("$(ct_pid "$ID-$i")")
  done
  for i in 0 1 2; do
    sups+=("$(supervisor_of "${pids[$i]}")")
  done
  [ "${sups[0]}" != "${sups[1]}" ] && [ "${sups[1]}" != "${sups[2]}" ] && [ "${sups[0]}" != "${sups[2]}" ] ||
    fail "supervisors are not distinct: ${sups[*]}"
  for i in 1 2 3; do
    assert_exit 0 carrel delete --force "$ID-$i"
  done
  for i in 0 1 2; do
    wait_for 5 pid_gone "${sups[$i]}"
  done
}

# A foreground run's CLI killed while its container runs: the supervisor writes the exit record
# when the container ends (after the cgroup, because a living CLI would delete the state first),
# so the state keeps the exit code, and delete cleans up.
test_kill_9_of_foreground_run_cli_keeps_the_exit_code() {
  set_args sh -c 'sleep 1; exit 3'
  "$CARREL_BIN" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
  local cli=$!
  track_pid "$cli"
  wait_status "$ID" running 5
  kill -KILL "$cli"
  wait "$cli" 2>/dev/null || true
  wait_status "$ID" stopped 10
  assert_eq 3 "$(ct_state "$ID" | jq -r '.exitCode')" "exit code recorded after the CLI died"
  CARREL_CMD_TIMEOUT=5 assert_exit 0 carrel delete "$ID"
  assert_nothing_left "$ID"
}
