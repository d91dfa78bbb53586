# shellcheck shell=bash
# shellcheck disable=SC2016 # hook scripts and jq programs in single quotes
# Crashes and a hostile host: SIGKILL of the CLI, the supervisor, the init or a hook in the middle
# of create; a corrupt or truncated state file; a full state filesystem; a rootfs that vanishes; a
# cgroup removed from outside. Each time: one clear error, no crash, the container stays listable
# and killable, and `delete --force` removes everything. (The supervisor's own crash after create
# and start is in test_supervisor.sh.)

# A createRuntime hook that writes its pid to $TEST_DIR/hook.pid and sleeps.
add_sleeping_hook() {
  local s='echo $$ >"$1/hook.pid"; exec sleep "$2"'
  config_set '.hooks.createRuntime += [{path: "/bin/sh", args: ["sh", "-c", $s, "hook", $d, $t]}]' \
    --arg s "$s" --arg d "$TEST_DIR" --arg t "${1:-20}"
}

# wait_hook_running: the hook wrote its pid; prints it.
wait_hook_running() {
  wait_for 5 test -s "$TEST_DIR/hook.pid"
  cat "$TEST_DIR/hook.pid"
}

# gone_within SECONDS PID: true once PID is gone, false after SECONDS.
gone_within() {
  local i
  for ((i = 0; i < $1 * 50; i++)); do
    pid_alive "$2" || return 0
    sleep 0.02
  done
  return 1
}

# The state's supervisor pid is only published after create; during create find the process whose
# environment has our tag and that is a session leader named carrel.
creating_supervisor() {
  local p
  for p in $(__carrel_tagged_pids "$TEST_TAG" "$TEST_DIR"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = carrel ] || continue
    # Session leader: the supervisor (setsid); the CLI is not one.
    [ "$(awk '{ sub(/^.*\) /, ""); print $4 }' "/proc/$p/stat" 2>/dev/null)" = "$p" ] && echo "$p" && return 0
  done
  return 1
}

# after_crash ID: the container is listable or gone, its state tells the truth, kill of it does not
# hang, delete --force removes everything.
after_crash() {
  local id=$1 out status pid rc=0
  if [ -d "$TEST_ROOT/$id" ]; then
    assert_contains "$(carrel list -q)" "$id" "list -q after the crash"
    out=$(carrel state "$id") || fail "state after the crash: exit $?"
    status=$(jq -r .status <<<"$out")
    pid=$(jq -r '.pid // 0' <<<"$out")
    case $status in
      running | created) pid_alive "$pid" || fail "state says $status for pid $pid, which is gone" ;;
    esac
    carrel kill "$id" KILL >/dev/null 2>&1 || rc=$?
    [ "$rc" -lt 124 ] || fail "kill after the crash hung or crashed (exit $rc)"
    assert_exit 0 carrel delete --force "$id"
  fi
  wait_for 5 no_test_processes
  assert_nothing_left "$id"
}

no_test_processes() {
  local p
  for p in $(__carrel_tagged_pids "$TEST_TAG" "$TEST_DIR"); do
    grep -qx "$p" "$TEST_DIR/.track-pids" 2>/dev/null || return 1
  done
}

# create_in_background ID: `create` in the background (not in a subshell: the test waits for it);
# its pid in CPID.
create_in_background() {
  carrel create --bundle "$BUNDLE" "$1" </dev/null >"$TEST_DIR/create.out" 2>"$TEST_DIR/create.err" &
  CPID=$!
}

test_sigkill_of_cli_while_create_runtime_hook_sleeps() {
  add_sleeping_hook 20
  set_args sleep 30
  local cpid hook
  create_in_background "$ID"
  cpid=$CPID
  hook=$(wait_hook_running)
  kill -KILL "$cpid"
  wait "$cpid" 2>/dev/null || true
  after_crash "$ID"
  # The hook was the dead CLI's child: it must not outlive the create it belonged to.
  if ! gone_within 5 "$hook"; then
    kill -KILL "$hook"
    fail "the createRuntime hook (pid $hook) outlived the killed create"
  fi
}

test_sigkill_of_supervisor_during_create_fails_create() {
  add_sleeping_hook 20
  set_args sleep 30
  local cpid hook sup rc=0
  create_in_background "$ID"
  cpid=$CPID
  hook=$(wait_hook_running)
  sup=$(creating_supervisor) || fail "no supervisor found during create"
  kill -KILL "$sup"
  # The create notices at once or when the hook ends; bounded by the hook's 20 s either way.
  kill -KILL "$hook" 2>/dev/null || true
  wait "$cpid" || rc=$?
  [ "$rc" -ne 0 ] || fail "create succeeded although its supervisor was killed"
  LAST_ERR=$(cat "$TEST_DIR/create.err")
  assert_error_line "$ID"
  after_crash "$ID"
}

test_sigkill_of_init_during_create_fails_create() {
  add_sleeping_hook 20
  set_args sleep 30
  local cpid hook sup init rc=0
  create_in_background "$ID"
  cpid=$CPID
  hook=$(wait_hook_running)
  sup=$(creating_supervisor) || fail "no supervisor found during create"
  init=$(pgrep -P "$sup" | head -n1)
  [ -n "$init" ] || fail "no init under supervisor $sup"
  kill -KILL "$init"
  kill -KILL "$hook" 2>/dev/null || true
  wait "$cpid" || rc=$?
  [ "$rc" -ne 0 ] || fail "create succeeded although the container's init was killed"
  LAST_ERR=$(cat "$TEST_DIR/create.err")
  assert_error_line "$ID"
  after_crash "$ID"
}

test_sigkill_of_create_runtime_hook_fails_create_cleanly() {
  add_sleeping_hook 20
  set_args sleep 30
  local cpid hook rc=0
  create_in_background "$ID"
  cpid=$CPID
  hook=$(wait_hook_running)
  kill -KILL "$hook"
  wait "$cpid" || rc=$?
  assert_eq 1 "$rc" "exit status of create whose hook was killed"
  LAST_ERR=$(cat "$TEST_DIR/create.err")
  assert_error_line "signal 9"
  after_crash "$ID"
}

test_sigkill_of_poststart_hook_keeps_container_running() {
  local s='echo $$ >"$1/hook.pid"; kill -KILL $$'
  config_set '.hooks.poststart += [{path: "/bin/sh", args: ["sh", "-c", $s, "hook", $d]}]' \
    --arg s "$s" --arg d "$TEST_DIR"
  set_args sleep 30
  ct_create "$ID"
  assert_exit 0 carrel start "$ID"
  assert_status "$ID" running
  after_crash "$ID"
}

test_sigkill_of_poststop_hook_does_not_block_delete() {
  local s='kill -KILL $$'
  config_set '.hooks.poststop += [{path: "/bin/sh", args: ["sh", "-c", $s]}]' --arg s "$s"
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  assert_exit 0 carrel delete --force "$ID"
  wait_for 5 no_test_processes
  assert_nothing_left "$ID"
}

# corrupt_state ID CONTENT: replace the state file (as a crash or a stray writer would).
corrupt_state() { printf '%s' "$2" >"$TEST_ROOT/$1/state.json"; }

state_damage_case() {
  local content=$1
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  local pid
  pid=$(ct_pid "$ID")
  corrupt_state "$ID" "$content"
  assert_exit 1 carrel state "$ID"
  assert_error_line "$ID" "state"
  # list still works and still names it.
  assert_exit 0 carrel list
  assert_exit 0 carrel list -q
  assert_contains "$LAST_OUT" "$ID" "list -q with a corrupt state file"
  assert_exit 1 carrel delete "$ID"
  assert_error_line "$ID"
  assert_exit 0 carrel delete --force "$ID"
  # The container's processes go with it: a corrupt file must not leave them running unseen.
  wait_for 5 pid_gone "$pid"
  assert_nothing_left "$ID"
}

test_corrupt_state_file_gives_one_error_and_delete_force_cleans_up() {
  state_damage_case 'this is not JSON {'
}

test_truncated_state_file_gives_one_error_and_delete_force_cleans_up() {
  set_args sleep 30
  ct_create "$ID"
  local full
  full=$(cat "$TEST_ROOT/$ID/state.json")
  assert_exit 0 carrel delete --force "$ID"
  bundle_new
  state_damage_case "${full:0:$((${#full} / 2))}"
}

test_empty_state_file_gives_one_error_and_delete_force_cleans_up() {
  state_damage_case ''
}

test_corrupt_state_and_dead_supervisor_delete_force_still_kills_through_the_cgroup() {
  set_args sh -c 'sleep 300 & exec sleep 300'
  ct_create "$ID"
  ct_start "$ID"
  local pid sup kids
  pid=$(ct_pid "$ID")
  sup=$(jq -r .supervisorPid "$TEST_ROOT/$ID/state.json")
  wait_for 5 has_child "$pid"
  kids=$(pgrep -P "$pid")
  kill -KILL "$sup"
  wait_for 5 pid_gone "$sup"
  corrupt_state "$ID" 'not JSON'
  assert_exit 0 carrel delete --force "$ID"
  # Neither the state nor the supervisor could say what runs: the config's cgroup did.
  wait_for 5 pid_gone "$pid"
  local k
  for k in $kids; do wait_for 5 pid_gone "$k"; done
  assert_nothing_left "$ID"
}
has_child() { [ -n "$(pgrep -P "$1")" ]; }

test_state_file_with_wrong_types_gives_one_error() {
  state_damage_case '{"status":42,"pid":"x","annotations":[]}'
}

# A --root on a tiny tmpfs that is full: create fails with ENOSPC, leaves no half-made state dir.
test_full_state_filesystem_fails_create_cleanly() {
  local root=$TEST_DIR/smallroot
  mkdir -p "$root"
  mount -t tmpfs -o size=256k,mode=0711 carrel-test-small "$root"
  track_mount "$root"
  dd if=/dev/zero of="$root/fill" bs=4k 2>/dev/null || true
  set_args sleep 30
  assert_exit 1 timeout -k 3 10 "$CARREL_BIN" --root "$root" create --bundle "$BUNDLE" "$ID"
  assert_error_line "No space left on device"
  assert_eq "fill" "$(ls -A "$root")" "contents of the full state root"
  # Room again: create, then fill up and check start, state and delete still behave.
  rm -f "$root/fill"
  assert_exit 0 timeout -k 3 10 "$CARREL_BIN" --root "$root" create --bundle "$BUNDLE" "$ID"
  dd if=/dev/zero of="$root/fill" bs=4k 2>/dev/null || true
  local rc=0 out status pid
  out=$(timeout -k 3 10 "$CARREL_BIN" --root "$root" start "$ID" 2>&1) || rc=$?
  [ "$rc" -lt 124 ] || fail "start on a full state filesystem hung or crashed (exit $rc): $out"
  [ "$rc" -eq 0 ] || [ "$(grep -c . <<<"$out")" -eq 1 ] || fail "start on a full filesystem: not one error line: $out"
  out=$(timeout -k 3 10 "$CARREL_BIN" --root "$root" state "$ID") || fail "state on a full filesystem failed"
  status=$(jq -r .status <<<"$out")
  pid=$(jq -r '.pid // 0' <<<"$out")
  case $status in running | created) pid_alive "$pid" || fail "state says $status for a dead pid" ;; esac
  assert_exit 0 timeout -k 3 10 "$CARREL_BIN" --root "$root" delete --force "$ID"
  assert_eq "fill" "$(ls -A "$root")" "contents of the state root after delete"
  wait_for 5 no_test_processes
  umount "$root"
}

test_rootfs_vanishing_between_create_and_start() {
  set_args sleep 30
  ct_create "$ID"
  rm -rf --one-file-system "$BUNDLE/rootfs"
  assert_exit 1 carrel start "$ID"
  assert_error_line "$ID"
  local out
  out=$(ct_state "$ID")
  assert_ne running "$(jq -r .status <<<"$out")" "status after a failed start"
  assert_exit 0 carrel delete --force "$ID"
  wait_for 5 no_test_processes
  assert_nothing_left "$ID"
}

test_cgroup_removed_from_outside_does_not_block_delete() {
  set_args true
  ct_create "$ID"
  local cg
  cg=$(jq -r '.cgroupPath // empty' "$TEST_ROOT/$ID/state.json")
  [ -n "$cg" ] || skip "the container has no cgroup (cgroups are not set up by this build)"
  ct_start "$ID"
  wait_status "$ID" stopped
  local d removed=0
  while read -r d; do
    rmdir "$d" 2>/dev/null && removed=$((removed + 1))
  done < <(__carrel_cgroups_named "$TEST_TAG")
  [ "$removed" -gt 0 ] || fail "found no cgroup directory of $ID to remove (cgroupPath $cg)"
  assert_exit 0 carrel delete "$ID"
  assert_nothing_left "$ID"
}
