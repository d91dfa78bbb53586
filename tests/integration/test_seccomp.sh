# shellcheck shell=bash
# shellcheck disable=SC2016 # container scripts and jq programs in single quotes
# linux.seccomp: actions, errnoRet, argument conditions, the order against noNewPrivileges and the
# uid change, errors that name the JSON path, and SCMP_ACT_NOTIFY with a user-space agent.

# seccomp_set JSON [JQ OPTIONS...]: linux.seccomp = JSON.
seccomp_set() { config_set ".linux.seccomp = $1" "${@:2}"; }

test_rule_errno_ret_reaches_the_program() {
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}'
  sh_args 'mkdir /made 2>&1; echo "rc=$?"; grep ^Seccomp: /proc/self/status'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "cross-device" "strerror(EXDEV) from mkdir"
  assert_contains "$RUN_OUT" "rc=1"
  assert_contains "$RUN_OUT" "Seccomp:	2"
  assert_no_file "$BUNDLE/rootfs/made"
}

# The filter compiled for a profile is cached under <root>/.seccomp-cache by the profile's text:
# a second create of the same config, and exec, take it from there and leave the profile out of
# the parse: the entry is not written again (its inode stays). With the entry corrupt or gone,
# they compile the profile anew. Every way, the process gets the container's filter.
test_cached_filter_serves_create_and_exec_or_is_compiled_anew() {
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}'
  set_args sleep 30
  ct_run_detached "$ID"
  local cached
  cached=$(cd "$TEST_ROOT/.seccomp-cache" && echo t*.bpf)
  assert_match "$cached" '^t[0-9a-f]{16}\.bpf$' "the one cache entry"
  local script='mkdir /made 2>&1; echo "rc=$?"; grep ^Seccomp: /proc/self/status'
  local entry=$TEST_ROOT/.seccomp-cache/$cached inode
  inode=$(stat -c %i "$entry")
  assert_exit 0 carrel exec "$ID" sh -c "$script"
  assert_contains "$LAST_OUT" "cross-device" "exec with the cached filter"
  ct_run_detached "$ID-2"
  assert_eq "$cached" "$(cd "$TEST_ROOT/.seccomp-cache" && echo t*.bpf)" "the cache after the second create"
  assert_eq "$inode" "$(stat -c %i "$entry")" "the entry's inode after exec and a second create (taken, not rewritten)"
  assert_exit 0 carrel exec "$ID-2" sh -c "$script"
  assert_contains "$LAST_OUT" "cross-device" "a container created from the cache"
  printf 'junk' >"$entry"
  assert_exit 0 carrel exec "$ID" sh -c "$script"
  assert_contains "$LAST_OUT" "cross-device" "exec with a corrupt cache entry"
  assert_ne "$inode" "$(stat -c %i "$entry")" "the corrupt entry, compiled and written anew"
  rm -rf "$TEST_ROOT/.seccomp-cache"
  assert_exit 0 carrel exec "$ID" sh -c "$script"
  assert_contains "$LAST_OUT" "cross-device" "exec without the cache"
  assert_contains "$LAST_OUT" "Seccomp:	2"
  assert_no_file "$BUNDLE/rootfs/made"
  assert_exit 0 carrel delete --force "$ID-2"
}

test_default_errno_ret_and_allowlist() {
  # The default profile's allowlist without mkdir: mkdir gets the default action, ENOTTY (25).
  local allow
  allow=$(jq -c '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and .args == null) | .names[]] - ["mkdir", "mkdirat"]' "$CARREL_REPO/config/seccomp-default.json")
  seccomp_set '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 25,
    "syscalls": [{"names": $allow, "action": "SCMP_ACT_ALLOW"}, {"names": ["clone"], "action": "SCMP_ACT_ALLOW"}]}' \
    --argjson allow "$allow"
  sh_args 'mkdir /made 2>&1; echo "rc=$?"; touch /touched && echo touch=ok'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "Inappropriate ioctl" "strerror(ENOTTY) from mkdir"
  assert_contains "$RUN_OUT" "rc=1"
  assert_contains "$RUN_OUT" "touch=ok" "an allowed syscall"
  assert_no_file "$BUNDLE/rootfs/made"
}

test_kill_action_ends_the_container_with_sigsys() {
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}'
  set_args mkdir /made
  ct_run "$ID"
  assert_eq 159 "$RUN_RC" "exit status (128 + SIGSYS)"
  assert_no_file "$BUNDLE/rootfs/made"
}

test_conditions_on_arguments() {
  # kill(pid, sig): refuse signal 10 only; two conditions on the same argument match either.
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
       "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 12, "op": "SCMP_CMP_EQ"}]},
      {"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
       "args": [{"index": 0, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
  sh_args 'trap "" USR1 USR2 HUP
    kill -USR1 $$ 2>/dev/null && echo usr1=sent || echo usr1=refused
    kill -USR2 $$ 2>/dev/null && echo usr2=sent || echo usr2=refused
    kill -HUP $$ 2>/dev/null && echo hup=sent || echo hup=refused'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "usr1=refused"
  assert_contains "$RUN_OUT" "usr2=refused"
  assert_contains "$RUN_OUT" "hup=sent"
}

test_non_root_user_without_no_new_privileges_gets_the_filter() {
  # Loading a filter without no_new_privs needs CAP_SYS_ADMIN, which uid 1000 does not keep:
  # carrel loads it before the uid change.
  config_set '.process.user = {"uid": 1000, "gid": 1000} | .process.noNewPrivileges = false
    | .process.capabilities.ambient = []'
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}'
  sh_args 'mkdir /tmp/made 2>&1; grep -E "^(Seccomp|NoNewPrivs|Uid):" /proc/self/status'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "cross-device"
  assert_contains "$RUN_OUT" "Seccomp:	2"
  assert_match "$RUN_OUT" 'NoNewPrivs:[[:space:]]+0'
  assert_match "$RUN_OUT" 'Uid:[[:space:]]+1000'
}

test_filter_covers_the_program_execve() {
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["execve"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  assert_exit nonzero carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line "exec" "Operation not permitted"
}

test_unknown_syscall_names_are_skipped() {
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["no_such_syscall", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}'
  sh_args 'mkdir /made 2>&1'
  ct_run "$ID"
  assert_contains "$RUN_OUT" "cross-device"
}

test_invalid_action_or_operator_is_an_error_with_the_json_path() {
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"}]}'
  assert_exit nonzero carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line "linux.seccomp.syscalls[0].action" "SCMP_ACT_EXPLODE"
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]}]}'
  assert_exit nonzero carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line "linux.seccomp.syscalls[0].args[0].op" "SCMP_CMP_SOMETIMES"
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  assert_exit nonzero carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line "linux.seccomp.listenerPath"
}

# --- SCMP_ACT_NOTIFY --------------------------------------------------------------------------------

# start_agent [ERRNO]: the example agent on $TEST_DIR/agent.sock; prints its pid.
start_agent() {
  local bin=$CARREL_REPO/build/tests/helpers/seccomp-agent
  [ -x "$bin" ] || make -s -C "$CARREL_REPO" build/tests/helpers/seccomp-agent >/dev/null 2>&1 ||
    skip "seccomp-agent not built (make build/tests/helpers/seccomp-agent)"
  local pid
  pid=$(spawn "$bin" "$TEST_DIR/agent.sock" "$TEST_DIR/agent-state.json" "$@")
  wait_for 5 test -S "$TEST_DIR/agent.sock"
  echo "$pid"
}

notify_config() {
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock, "listenerMetadata": "meta-1",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg sock "$TEST_DIR/agent.sock"
}

test_notify_agent_answers_mkdir_without_doing_it() {
  local agent
  agent=$(start_agent)
  notify_config
  sh_args 'mkdir /notified && echo mkdir=ok; [ -d /notified ] && echo exists=yes || echo exists=no; touch /t && echo touch=ok'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "mkdir=ok" "mkdir as answered by the agent"
  assert_contains "$RUN_OUT" "exists=no" "the directory (the agent did not make it)"
  assert_contains "$RUN_OUT" "touch=ok" "syscalls the profile does not notify"
  assert_no_file "$BUNDLE/rootfs/notified"
  # What the agent got: the container process state of config-linux.md.
  local st=$TEST_DIR/agent-state.json
  assert_eq seccompFd "$(jq -r '.fds[0]' "$st")" "fds[0]"
  assert_eq meta-1 "$(jq -r .metadata "$st")" "metadata"
  assert_eq "$ID" "$(jq -r .state.id "$st")" "state.id"
  assert_eq "$BUNDLE" "$(jq -r .state.bundle "$st")" "state.bundle"
  assert_eq "$(jq -r .state.pid "$st")" "$(jq -r .pid "$st")" "pid"
  [ "$(jq -r .pid "$st")" -gt 1 ] || fail "pid is not a host pid: $(cat "$st")"
  assert_ne "" "$(jq -r .ociVersion "$st")" "ociVersion"
  # Once the container is gone the agent sees the fd hang up and exits.
  wait_for 5 pid_gone "$agent"
}

test_notify_with_wait_killable_recv_flag_is_loaded() {
  # libseccomp 2.5 does not know the flag: carrel passes it to seccomp(2) itself.
  start_agent >/dev/null
  seccomp_set '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock,
    "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg sock "$TEST_DIR/agent.sock"
  sh_args 'mkdir /notified && echo mkdir=ok'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "mkdir=ok" "mkdir as answered by the agent"
  assert_no_file "$BUNDLE/rootfs/notified"
}

test_notify_exec_hands_its_listener_to_the_agent() {
  local agent
  agent=$(SECCOMP_AGENT_MULTI=1 start_agent)
  notify_config
  set_args sleep 30
  ct_run_detached "$ID"
  assert_exit 0 carrel exec "$ID" sh -c 'mkdir /by-exec && echo mkdir=ok; [ -d /by-exec ] && echo exists=yes || echo exists=no'
  assert_contains "$LAST_OUT" "mkdir=ok" "mkdir in the exec'd process, answered by the agent"
  assert_contains "$LAST_OUT" "exists=no" "the directory (the agent did not make it)"
  assert_no_file "$BUNDLE/rootfs/by-exec"
  local st=$TEST_DIR/agent-state.json
  assert_eq "$ID" "$(jq -r .state.id "$st")" "state.id the agent got from exec"
  assert_ne "$(ct_pid "$ID")" "$(jq -r .pid "$st")" "pid: the exec'd process, not the init"
  # The agent's children (one per listener) end when their processes are gone.
  local kids k
  kids=$(pgrep -P "$agent" || true)
  assert_exit 0 carrel delete --force "$ID"
  for k in $kids; do wait_for 5 pid_gone "$k"; done
  kill "$agent" 2>/dev/null || true
}

test_notify_agent_can_return_an_errno() {

  start_agent 13 >/dev/null
  notify_config
  sh_args 'mkdir /notified 2>&1; echo "rc=$?"'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "Permission denied" "EACCES from the agent"
  assert_contains "$RUN_OUT" "rc=1"
}

test_notify_without_a_listening_agent_fails_the_start_clearly() {
  notify_config
  assert_exit nonzero carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line "linux.seccomp.listenerPath" "$TEST_DIR/agent.sock"
}
