# shellcheck shell=bash
# shellcheck disable=SC2016,SC2119,SC2120 # container scripts in single quotes; exec_container args optional
# exec: a new process in a running container, as a user (or an engine) drives it.

# A container that stays up; the init of a PID namespace ignores SIGTERM without a handler.
exec_container() {
  config_set '.hostname = "exectest"'
  set_args sleep 60
  ct_run_detached "$ID" "$@"
  wait_status "$ID" running
}


test_exec_runs_in_every_namespace_and_the_root_of_the_container() {
  exec_container
  local pid ns out
  pid=$(ct_pid "$ID")
  touch "$BUNDLE/rootfs/marker-in-rootfs"
  for ns in pid net ipc uts mnt cgroup; do
    assert_exit 0 carrel exec "$ID" readlink "/proc/self/ns/$ns"
    assert_eq "$(ns_of "$pid" "$ns")" "$LAST_OUT" "$ns namespace of the exec'd process"
  done
  assert_exit 0 carrel exec "$ID" hostname
  assert_eq exectest "$LAST_OUT" hostname
  assert_exit 0 carrel exec "$ID" ls /marker-in-rootfs
  # Its pid in the container's pid namespace is not the host's.
  assert_exit 0 carrel exec "$ID" sh -c 'echo $$; cat /proc/1/comm'
  out=$LAST_OUT
  assert_eq sleep "$(sed -n 2p <<<"$out")" "comm of pid 1 seen from the exec"
  [ "$(head -n1 <<<"$out")" -lt 1000 ] || fail "exec'd pid looks like a host pid: $out"
}

test_exec_returns_the_exit_code_of_the_process() {
  exec_container
  assert_exit 7 carrel exec "$ID" sh -c 'exit 7'
  assert_exit 0 carrel exec "$ID" true
  assert_exit 137 carrel exec "$ID" sh -c 'kill -KILL $$'
}

test_exec_prints_the_process_output_and_passes_stdin() {
  exec_container
  local out
  out=$(echo from-stdin | carrel exec "$ID" sh -c 'read l; echo "got $l"; echo err >&2' 2>"$TEST_DIR/err")
  assert_eq "got from-stdin" "$out" stdout
  assert_eq err "$(cat "$TEST_DIR/err")" stderr
}

test_exec_applies_env_cwd_and_user() {
  exec_container
  assert_exit 0 carrel exec --env FOO=bar -e PATH=/bin:/usr/bin --cwd /tmp --user 1000:1001 \
    --additional-gids 2000 "$ID" sh -c 'echo "$FOO $PATH $(pwd) $(id -u) $(id -g) $(id -G)"'
  assert_eq "bar /bin:/usr/bin /tmp 1000 1001 1001 2000" "$LAST_OUT"
}

test_exec_keeps_the_container_env_rlimits_and_capabilities() {
  exec_container
  local pid
  pid=$(ct_pid "$ID")
  assert_exit 0 carrel exec "$ID" sh -c 'echo $TERM; ulimit -n'
  assert_eq $'xterm\n1024' "$LAST_OUT"
  assert_exit 0 carrel exec "$ID" grep CapBnd /proc/self/status
  assert_eq "$(grep CapBnd "/proc/$pid/status")" "$LAST_OUT" "bounding set like the init's"
  assert_exit 0 carrel exec "$ID" grep CapEff /proc/self/status
  assert_eq "$(grep CapEff "/proc/$pid/status")" "$LAST_OUT" "effective set like the init's"
  assert_exit 0 carrel exec "$ID" grep NoNewPrivs /proc/self/status
  assert_match "$LAST_OUT" '1$' "no_new_privs from the config"
}

test_exec_cap_adds_a_capability() {
  exec_container
  # CAP_SYS_ADMIN is bit 21: 0x200000.
  assert_exit 0 carrel exec --cap CAP_SYS_ADMIN "$ID" grep CapEff /proc/self/status
  local hex=${LAST_OUT##*:}
  hex=${hex//[[:space:]]/}
  (((0x$hex & 0x200000) != 0)) || fail "CAP_SYS_ADMIN not effective: $LAST_OUT"
  assert_exit 1 carrel exec --cap CAP_NOPE "$ID" true
  assert_error_line "CAP_NOPE"
}

test_exec_process_file_gives_the_whole_process() {
  exec_container
  cat >"$TEST_DIR/proc.json" <<'JSON'
{"args": ["sh", "-c", "echo $A; pwd; id -u"], "env": ["A=from-file", "PATH=/bin"], "cwd": "/etc",
 "user": {"uid": 5, "gid": 5}}
JSON
  assert_exit 0 carrel exec --process "$TEST_DIR/proc.json" "$ID"
  assert_eq $'from-file\n/etc\n5' "$LAST_OUT"
  assert_exit 1 carrel exec --process "$TEST_DIR/proc.json" "$ID" ls
  assert_error_line "--process"
  echo '{"args": [], "cwd": "/"}' >"$TEST_DIR/bad.json"
  assert_exit 1 carrel exec -p "$TEST_DIR/bad.json" "$ID"
  assert_error_line "args"
}

test_exec_detach_writes_pid_file_and_returns_while_process_runs() {
  exec_container
  local pid init
  init=$(ct_pid "$ID")
  assert_exit 0 timeout 5 "$CARREL_BIN" --root "$TEST_ROOT" exec -d --pid-file "$TEST_DIR/exec.pid" "$ID" sleep 30
  pid=$(cat "$TEST_DIR/exec.pid")
  pid_alive "$pid" || fail "detached exec process $pid is not running"
  assert_eq "$(ns_of "$init" pid)" "$(ns_of "$pid" pid)" "pid namespace of the detached process"
  assert_eq sleep "$(cat "/proc/$pid/comm")"
  assert_exit 0 carrel ps --format json "$ID"
  assert_contains "$LAST_OUT" "$pid" "ps --format json"
}

test_exec_passes_no_host_fds_but_preserved_ones() {
  exec_container
  exec 7>"$TEST_DIR/seven"
  assert_exit 0 carrel exec "$ID" ls /proc/self/fd
  assert_eq $'0\n1\n2\n3' "$LAST_OUT" "fds of ls (3 is its own directory)"
  # fd 3 and 4 passed: 4 is written by the process.
  exec 3>/dev/null 4>"$TEST_DIR/four"
  carrel exec --preserve-fds 2 "$ID" sh -c 'echo to-fd-4 >&4' </dev/null
  exec 3>&- 4>&- 7>&-
  assert_eq to-fd-4 "$(cat "$TEST_DIR/four")" "what the process wrote to fd 4"
}

test_exec_refuses_a_stopped_container() {
  set_args true
  ct_run "$ID" --keep
  wait_status "$ID" stopped
  assert_exit 1 carrel exec "$ID" true
  assert_error_line "$ID" stopped
}

test_exec_refuses_unknown_container_and_unsupported_options() {
  assert_exit 1 carrel exec nosuch-ct true
  assert_error_line nosuch-ct
  exec_container
  assert_exit 1 carrel exec --apparmor unconfined "$ID" true
  assert_error_line apparmor "not supported"
  assert_exit 1 carrel exec --process-label x "$ID" true
  assert_error_line "not supported"
  assert_exit 1 carrel exec "$ID"
  assert_error_line "missing command"
  assert_exit 1 carrel exec "$ID" /no/such/program
  assert_error_line "/no/such/program"
}

test_exec_forwards_signals_to_the_process() {
  exec_container
  local out=$TEST_DIR/sig.out
  "$CARREL_BIN" --root "$TEST_ROOT" exec "$ID" sh -c 'trap "echo got-TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done' \
    </dev/null >"$out" 2>&1 &
  local cli=$!
  track_pid $cli
  wait_for 5 grep -q ready "$out"
  kill -TERM "$cli"
  local rc=0
  wait "$cli" || rc=$?
  assert_eq 3 "$rc" "exit status after SIGTERM"
  assert_contains "$(cat "$out")" got-TERM
}

test_exec_tty_relays_the_terminal_and_exit_code() {
  command -v script >/dev/null || skip "script(1) missing"
  exec_container
  local rc=0 out
  out=$(timeout 10 script -qec "$CARREL_BIN --root $TEST_ROOT exec -t $ID sh -c 'tty; exit 4'" /dev/null) || rc=$?
  assert_eq 4 "$rc" "exit status through the terminal"
  assert_match "$out" '/dev/pts/[0-9]+' "tty in the container"
}

test_exec_tty_has_the_callers_window_size_at_once() {
  command -v script >/dev/null || skip "script(1) missing"
  exec_container
  local feed feeder rc=0 out i
  # script(1) ends the session at its stdin's EOF: keep its stdin open.
  exec {feed}< <(exec sleep 30)
  feeder=$!
  # The size must be there when the program starts, not after a relay caught up: several tries.
  for i in 1 2 3 4 5; do
    out=$(timeout 15 script -qec "stty cols 101 rows 41; $CARREL_BIN --root $TEST_ROOT exec -t $ID stty size" /dev/null <&"$feed") || rc=$?
    assert_eq 0 "$rc" "exit status of exec -t stty size (try $i)"
    assert_contains "$out" "41 101" "window size in the exec'd process (try $i)"
  done
  exec {feed}<&-
  kill "$feeder" 2>/dev/null || true
}

test_exec_console_socket_receives_the_terminal_master() {
  command -v python3 >/dev/null || skip "python3 missing"
  exec_container
  console_receiver "$TEST_DIR/console.sock" "$TEST_DIR/console.out"
  assert_exit 0 carrel exec -t -d --console-socket "$TEST_DIR/console.sock" "$ID" sh -c 'echo on-the-pty; tty'
  wait_for 10 grep -q pts "$TEST_DIR/console.out"
  assert_contains "$(cat "$TEST_DIR/console.out")" "on-the-pty"
  assert_contains "$(cat "$TEST_DIR/console.out")" "name=/dev/ptmx"
  # A detached terminal needs a socket.
  assert_exit 1 carrel exec -t -d "$ID" true
  assert_error_line console-socket
}

test_exec_joins_the_container_cgroup() {
  exec_container
  local init pid
  init=$(ct_pid "$ID")
  carrel exec -d --pid-file "$TEST_DIR/p" "$ID" sleep 30 </dev/null
  pid=$(cat "$TEST_DIR/p")
  assert_eq "$(cat "/proc/$init/cgroup")" "$(cat "/proc/$pid/cgroup")" "cgroups of the exec'd process"
}

# As with runc, exec moves its process into the cgroup (it is not born there): a container whose
# pids.max is reached still takes an exec, whose program then cannot fork.
test_exec_into_a_container_at_its_pids_limit() {
  config_set '.linux.resources.pids = {"limit": 1}'
  exec_container
  assert_exit 0 carrel exec "$ID" echo in
  assert_eq in "$LAST_OUT" "output of the exec"
  carrel exec "$ID" sh -c '/bin/true; echo after' </dev/null >"$TEST_DIR/out" 2>"$TEST_DIR/err" || true
  assert_contains "$(cat "$TEST_DIR/err")" "fork"
}

test_exec_into_a_user_namespace_container() {
  config_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  chown -R 100000:100000 "$BUNDLE/rootfs"
  exec_container
  local pid
  pid=$(ct_pid "$ID")
  assert_exit 0 carrel exec "$ID" sh -c 'id -u; readlink /proc/self/ns/user; cat /proc/self/uid_map'
  assert_eq 0 "$(head -n1 <<<"$LAST_OUT")" "uid in the container"
  assert_eq "$(ns_of "$pid" user)" "$(sed -n 2p <<<"$LAST_OUT")" "user namespace"
}

test_exec_gets_the_container_seccomp_filter() {
  config_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  exec_container
  assert_exit 0 carrel exec "$ID" grep Seccomp: /proc/self/status
  assert_match "$LAST_OUT" '2$' "seccomp mode"
  assert_exit nonzero carrel exec "$ID" mkdir /tmp/x
  assert_contains "$LAST_ERR" "ermitted" "mkdir denied"
}

test_exec_into_created_container_works_like_runc() {
  set_args sleep 60
  ct_create "$ID"
  assert_exit 0 carrel exec "$ID" echo in-created
  assert_eq in-created "$LAST_OUT"
  assert_status "$ID" created
}

test_exec_leaves_nothing_after_delete() {
  exec_container
  carrel exec -d "$ID" sleep 60 </dev/null
  assert_exit 0 carrel delete --force "$ID"
  assert_nothing_left "$ID"
}
