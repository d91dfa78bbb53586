# shellcheck shell=bash
# shellcheck disable=SC2016,SC2015,SC2012 # container scripts and jq programs in single quotes
# Lifecycle: create, start, state, kill, delete, run, list, as a user drives them.

# A process that ends on SIGTERM (PID 1 of a PID namespace ignores signals it has no handler for).
TERM_WAITER='trap "echo got-TERM; exit 0" TERM; trap "echo got-USR1" USR1; while :; do sleep 30 & wait $!; done'

test_create_leaves_process_unstarted_until_start() {
  set_args touch /ran
  ct_create "$ID"
  assert_status "$ID" created
  local pid
  pid=$(ct_pid "$ID")
  [ "$pid" -gt 0 ] || fail "created container has no pid: $pid"
  pid_alive "$pid" || fail "pid $pid of the created container is not alive"
  sleep 0.2
  assert_no_file "$BUNDLE/rootfs/ran"
  ct_start "$ID"
  wait_for 5 test -e "$BUNDLE/rootfs/ran"
  wait_status "$ID" stopped
}

test_start_makes_running_and_state_pid_is_the_process() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  assert_status "$ID" running
  local pid
  pid=$(ct_pid "$ID")
  pid_alive "$pid" || fail "state pid $pid is not alive"
  assert_eq sleep "$(cat "/proc/$pid/comm")" "comm of the state pid"
}

test_kill_stops_running_container() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  local pid
  pid=$(ct_pid "$ID")
  assert_exit 0 carrel kill "$ID" KILL
  wait_status "$ID" stopped
  wait_for 5 pid_gone "$pid"
}

test_delete_removes_state_and_id_is_reusable() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  assert_exit 0 carrel kill "$ID" KILL
  wait_status "$ID" stopped
  assert_exit 0 carrel delete "$ID"
  assert_no_file "$TEST_ROOT/$ID"
  assert_exit 1 carrel state "$ID"
  assert_error_line "$ID"
  # Same id again.
  ct_create "$ID"
  assert_status "$ID" created
  assert_exit 0 carrel delete --force "$ID"
  assert_nothing_left "$ID"
}

# The runtime spec: deleting a container that is not stopped is an error without effect.
test_delete_of_created_container_needs_force_and_kills_its_process() {
  set_args sleep 30
  ct_create "$ID"
  local pid
  pid=$(ct_pid "$ID")
  assert_exit 1 carrel delete "$ID"
  assert_error_line "$ID"
  assert_status "$ID" created
  assert_exit 0 carrel delete --force "$ID"
  wait_for 5 pid_gone "$pid"
  assert_nothing_left "$ID"
}

test_second_start_fails() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  assert_exit 1 carrel start "$ID"
  assert_error_line "$ID"
  assert_status "$ID" running
}

test_start_of_stopped_container_fails() {
  set_args true
  ct_create "$ID"
  ct_start "$ID"
  wait_status "$ID" stopped
  assert_exit 1 carrel start "$ID"
  assert_error_line
}

test_delete_refuses_running_container_without_force() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  local pid
  pid=$(ct_pid "$ID")
  assert_exit 1 carrel delete "$ID"
  assert_error_line "$ID"
  assert_status "$ID" running
  pid_alive "$pid" || fail "refused delete killed the process"
  assert_exit 0 carrel delete --force "$ID"
  wait_for 5 pid_gone "$pid"
  assert_nothing_left "$ID"
}

test_run_returns_exit_code_zero() {
  set_args true
  ct_run "$ID"
  assert_eq 0 "$RUN_RC" "exit code of run"
}

test_run_returns_exit_code_of_process() {
  sh_args 'exit 3'
  ct_run "$ID"
  assert_eq 3 "$RUN_RC" "exit code of run"
}

# run starts the init as soon as it is created, so a quick program may end before the supervisor
# has answered run's start: run still reports the start, then the exit code. Two busy loops make
# the scheduling uneven, as a loaded host does (without them the race is rare).
test_quick_runs_on_a_busy_host_return_their_exit_code() {
  sh_args 'exit 7'
  spawn sh -c 'while :; do :; done' >/dev/null
  spawn sh -c 'while :; do :; done' >/dev/null
  local i
  for ((i = 0; i < 40; i++)); do
    ct_run "$ID-$i"
    [ "$RUN_RC" -eq 7 ] || fail "run $i: exit $RUN_RC (expected 7): $RUN_ERR"
  done
}

test_run_returns_128_plus_signal_when_process_kills_itself() {
  # Without a PID namespace the shell is not an init and SIGKILL to itself kills it.
  config_set '.linux.namespaces |= map(select(.type != "pid"))'
  sh_args 'kill -9 $$; sleep 5'
  ct_run "$ID"
  assert_eq 137 "$RUN_RC" "exit code of run"
}

test_run_returns_137_when_container_is_killed() {
  set_args sleep 30
  local rc=0
  carrel run --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/run.out" 2>&1 &
  local runner=$!
  wait_status "$ID" running
  assert_exit 0 carrel kill "$ID" 9
  wait "$runner" || rc=$?
  assert_eq 137 "$rc" "exit code of run after kill -9"
}

test_run_prints_process_output_and_deletes_container() {
  sh_args 'echo hello from $(hostname)'
  run_ok "$ID"
  assert_eq "hello from carrel" "$RUN_OUT"
  assert_nothing_left "$ID"
}

test_run_keep_leaves_stopped_container() {
  set_args true
  run_ok "$ID" --keep
  assert_status "$ID" stopped
  assert_exit 0 carrel delete "$ID"
  assert_nothing_left "$ID"
}

test_run_detach_returns_with_container_running() {
  set_args sleep 30
  local t0 t1
  t0=$(__carrel_now_ms)
  ct_run_detached "$ID"
  t1=$(__carrel_now_ms)
  [ $((t1 - t0)) -lt 5000 ] || fail "run --detach took $((t1 - t0)) ms"
  assert_status "$ID" running
}

test_pid_file_holds_the_state_pid() {
  set_args sleep 30
  ct_create "$ID" --pid-file "$TEST_DIR/pidfile"
  assert_file "$TEST_DIR/pidfile"
  assert_eq "$(ct_pid "$ID")" "$(tr -d '[:space:]' <"$TEST_DIR/pidfile")" "pid file"
}

test_kill_default_signal_is_sigterm() {
  sh_args "$TERM_WAITER"
  ct_create "$ID"
  ct_start "$ID"
  sleep 0.2
  assert_exit 0 carrel kill "$ID"
  wait_status "$ID" stopped
  assert_contains "$(ct_out "$ID")" got-TERM "container output"
}

test_kill_by_name_and_number() {
  sh_args "$TERM_WAITER"
  ct_create "$ID"
  ct_start "$ID"
  sleep 0.2
  assert_exit 0 carrel kill "$ID" USR1
  wait_for 5 grep -q got-USR1 "$TEST_DIR/$ID.out"
  : >"$TEST_DIR/$ID.out"
  assert_exit 0 carrel kill "$ID" SIGUSR1
  wait_for 5 grep -q got-USR1 "$TEST_DIR/$ID.out"
  : >"$TEST_DIR/$ID.out"
  assert_exit 0 carrel kill "$ID" 10
  wait_for 5 grep -q got-USR1 "$TEST_DIR/$ID.out"
  assert_status "$ID" running
  assert_exit 0 carrel kill "$ID" 15
  wait_status "$ID" stopped
  assert_contains "$(ct_out "$ID")" got-TERM "container output"
}

test_kill_with_unknown_signal_fails() {
  set_args sleep 30
  ct_create "$ID"
  assert_exit 1 carrel kill "$ID" NOTASIGNAL
  assert_error_line NOTASIGNAL
  assert_status "$ID" created
}

test_concurrent_create_of_one_id_exactly_one_succeeds() {
  set_args sleep 30
  local a b ra=0 rb=0
  carrel create --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/a.out" 2>&1 &
  a=$!
  carrel create --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/b.out" 2>&1 &
  b=$!
  wait "$a" || ra=$?
  wait "$b" || rb=$?
  if [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ]; then
    fail "both concurrent creates of $ID succeeded"
  fi
  if [ "$ra" -ne 0 ] && [ "$rb" -ne 0 ]; then
    fail "both concurrent creates failed: $ra $(cat "$TEST_DIR/a.out") / $rb $(cat "$TEST_DIR/b.out")"
  fi
  assert_status "$ID" created
  assert_eq 1 "$(carrel list -q | grep -cx "$ID")" "entries for $ID in list -q"
  assert_exit 0 carrel delete --force "$ID"
  assert_nothing_left "$ID"
}

test_create_of_existing_id_fails_and_keeps_the_first() {
  set_args sleep 30
  ct_create "$ID"
  local pid
  pid=$(ct_pid "$ID")
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_status "$ID" created
  assert_eq "$pid" "$(ct_pid "$ID")" "pid of the first container"
}

test_bad_ids_are_rejected() {
  local bad
  for bad in ../x a/b "" . .. "x y"; do
    assert_exit 1 carrel create --bundle "$BUNDLE" "$bad"
    assert_error_line
  done
  assert_no_file "$TEST_DIR/x"
  assert_no_file "$TEST_ROOT/a"
  [ -z "$(find "$TEST_ROOT" -mindepth 1 -maxdepth 1 2>/dev/null | head -n1)" ] || fail "state left: $(ls -A "$TEST_ROOT")"
}

test_list_shows_containers() {
  set_args sleep 30
  ct_create "$ID"
  ct_create "$ID-b"
  ct_start "$ID-b"
  local q
  q=$(carrel list -q)
  assert_eq "$(printf '%s\n%s' "$ID" "$ID-b")" "$(printf '%s\n' "$q" | sort)" "list -q"
  local table
  table=$(carrel list)
  assert_contains "$table" "$ID" "list"
  assert_match "$(printf '%s\n' "$table" | head -n1)" '^ID' "list header"
  local json
  json=$(carrel list --format json)
  assert_eq created "$(printf '%s' "$json" | jq -r --arg id "$ID" '.[] | select(.id == $id) | .status')" "list json status of $ID"
  assert_eq running "$(printf '%s' "$json" | jq -r --arg id "$ID-b" '.[] | select(.id == $id) | .status')" "list json status of $ID-b"
}

test_list_of_empty_root_is_empty() {
  assert_exit 0 carrel list -q
  assert_eq "" "$LAST_OUT" "list -q"
  assert_exit 0 carrel list --format json
  assert_eq 0 "$(printf '%s' "$LAST_OUT" | jq 'length')" "list --format json"
}

test_state_json_follows_the_state_schema() {
  set_args sleep 30
  config_set '.annotations = {"org.carrel.test": "yes", "x": "1"}'
  ct_create "$ID"
  local s
  s=$(ct_state "$ID")
  printf '%s' "$s" | jq -e '(.ociVersion | type == "string" and test("^[0-9]+\\.[0-9]+\\.[0-9]+"))' >/dev/null ||
    fail "ociVersion: $s"
  assert_eq "$ID" "$(printf '%s' "$s" | jq -r .id)" "id"
  assert_eq created "$(printf '%s' "$s" | jq -r .status)" "status"
  printf '%s' "$s" | jq -e '.pid | type == "number" and . > 0 and floor == .' >/dev/null || fail "pid: $s"
  assert_eq "$BUNDLE" "$(printf '%s' "$s" | jq -r .bundle)" "bundle (absolute path)"
  assert_eq yes "$(printf '%s' "$s" | jq -r '.annotations["org.carrel.test"]')" "annotations"
  printf '%s' "$s" | jq -e '.annotations | type == "object" and all(.[]; type == "string")' >/dev/null ||
    fail "annotations: $s"
  ct_start "$ID"
  assert_exit 0 carrel kill "$ID" KILL
  wait_status "$ID" stopped
  s=$(ct_state "$ID")
  printf '%s' "$s" | jq -e '(.pid // 0) | type == "number" and . >= 0' >/dev/null || fail "pid of stopped: $s"
  printf '%s' "$s" | jq -e 'has("ociVersion") and has("id") and has("status") and has("bundle")' >/dev/null ||
    fail "required fields: $s"
}

test_state_of_unknown_container_fails() {
  assert_exit 1 carrel state "$ID-nope"
  assert_error_line "$ID-nope"
}

test_relative_bundle_path_is_stored_absolute() {
  set_args sleep 30
  local rc=0
  (cd "$TEST_DIR" && carrel create --bundle bundle "$ID" </dev/null >"$TEST_DIR/c.out" 2>&1) || rc=$?
  assert_eq 0 "$rc" "create with relative bundle ($(cat "$TEST_DIR/c.out"))"
  assert_eq "$BUNDLE" "$(ct_state "$ID" | jq -r .bundle)" "bundle"
}

test_create_in_bundle_cwd_without_bundle_option() {
  set_args true
  local rc=0
  (cd "$BUNDLE" && carrel create "$ID" </dev/null >"$TEST_DIR/c.out" 2>&1) || rc=$?
  assert_eq 0 "$rc" "create from the bundle dir ($(cat "$TEST_DIR/c.out"))"
  assert_eq "$BUNDLE" "$(ct_state "$ID" | jq -r .bundle)" "bundle"
}

test_spec_writes_a_config_that_runs() {
  local d=$TEST_DIR/specbundle
  mkdir -p "$d"
  assert_exit 0 carrel spec --bundle "$d"
  jq -e '.ociVersion and .process.args and .root.path' "$d/config.json" >/dev/null || fail "spec config: $(cat "$d/config.json")"
  cp -a "$BUNDLE/rootfs" "$d/rootfs"
  jq '.root.path = "rootfs" | .process.terminal = false | .process.args = ["sh", "-c", "echo spec-ok"]' \
    "$d/config.json" >"$d/c.json"
  mv "$d/c.json" "$d/config.json"
  BUNDLE=$d run_ok "$ID"
  assert_eq spec-ok "$RUN_OUT"
}

test_version_and_features() {
  assert_exit 0 "$CARREL_BIN" --version
  assert_match "$LAST_OUT" '[0-9]+\.[0-9]+' "--version"
  assert_exit 0 carrel features
  printf '%s' "$LAST_OUT" | jq -e '.ociVersionMin and .ociVersionMax' >/dev/null || fail "features: $(__carrel_show "$LAST_OUT")"
  printf '%s' "$LAST_OUT" | jq -e '.linux.namespaces | index("pid")' >/dev/null || fail "features lacks linux.namespaces"
}

test_log_file_gets_errors_in_json() {
  assert_exit 1 "$CARREL_BIN" --root "$TEST_ROOT" --log "$TEST_DIR/log.json" --log-format json state "$ID-nope"
  assert_file "$TEST_DIR/log.json"
  local last
  last=$(grep . "$TEST_DIR/log.json" | tail -n1)
  printf '%s' "$last" | jq -e '.level == "error" and (.msg | type == "string") and (.time | type == "string")' >/dev/null ||
    fail "last log line: $(__carrel_show "$last")"
}
