# shellcheck shell=bash
# shellcheck disable=SC2016,SC2015,SC2012 # hook scripts and jq programs in single quotes
# Hooks: the six kinds run at their step, in order, with the state on stdin; failures and timeouts.

# Each hook appends "<name> <state JSON on one line>" to hooks.log in the rootfs: the host path
# ($BUNDLE/rootfs/hooks.log) for hooks run in the runtime's view, /hooks.log for hooks that run after
# pivot_root. /bin/sh exists on the host and in the busybox rootfs alike.
HOOK_SCRIPT='if [ -d "$1" ]; then log="$1/hooks.log"; else log=/hooks.log; fi
{ printf "%s " "$0"; tr -d "\n"; echo; } >>"$log"'

hook_json() { # NAME [TIMEOUT]
  jq -nc --arg s "$HOOK_SCRIPT" --arg n "$1" --arg r "$BUNDLE/rootfs" --argjson t "${2:-null}" \
    '{path: "/bin/sh", args: ["sh", "-c", $s, $n, $r], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}
     + (if $t == null then {} else {timeout: $t} end)'
}

add_hook() { # KIND JSON
  config_set '.hooks[$k] += [$h]' --arg k "$1" --argjson h "$2"
}

add_all_hooks() {
  local k
  for k in prestart createRuntime createContainer startContainer poststart poststop; do
    add_hook "$k" "$(hook_json "$k")"
  done
}

hook_names() { awk '{ print $1 }' "$BUNDLE/rootfs/hooks.log" 2>/dev/null | tr '\n' ' '; }
hook_state() { awk -v n="$1" '$1 == n { sub(/^[^ ]+ /, ""); print; exit }' "$BUNDLE/rootfs/hooks.log"; }

test_hooks_run_in_order_at_create_start_and_delete() {
  add_all_hooks
  set_args sleep 30
  ct_create "$ID"
  assert_eq "prestart createRuntime createContainer " "$(hook_names)" "hooks after create"
  ct_start "$ID"
  wait_for 5 grep -q '^poststart ' "$BUNDLE/rootfs/hooks.log"
  assert_eq "prestart createRuntime createContainer startContainer poststart " "$(hook_names)" "hooks after start"
  assert_exit 0 carrel delete --force "$ID"
  assert_eq "prestart createRuntime createContainer startContainer poststart poststop " "$(hook_names)" "hooks after delete"
}

# The init mounts through its cwd (fd_path) and puts it back: a createContainer hook, which runs
# after the mounts, starts where a createRuntime hook (run by the CLI) does.
test_create_container_hook_keeps_the_runtimes_working_directory() {
  local k
  config_set "$cgroup_mount_ro"
  for k in createRuntime createContainer; do
    add_hook "$k" "$(jq -nc --arg n "$k" --arg r "$BUNDLE/rootfs" \
      '{path: "/bin/sh", args: ["sh", "-c", "echo \"$0 $(pwd)\" >>\"$1/cwd.log\"", $n, $r]}')"
  done
  set_args true
  run_ok "$ID"
  assert_eq "$(awk '$1 == "createRuntime" { print $2 }' "$BUNDLE/rootfs/cwd.log")" \
    "$(awk '$1 == "createContainer" { print $2 }' "$BUNDLE/rootfs/cwd.log")" "createContainer hook's working directory"
}

test_hooks_get_the_state_on_stdin() {
  add_all_hooks
  set_args sleep 30
  ct_create "$ID"
  local pid
  pid=$(ct_pid "$ID")
  ct_start "$ID"
  wait_for 5 grep -q '^poststart ' "$BUNDLE/rootfs/hooks.log"
  assert_exit 0 carrel delete --force "$ID"
  local k s
  for k in prestart createRuntime createContainer startContainer poststart poststop; do
    s=$(hook_state "$k")
    printf '%s' "$s" | jq -e . >/dev/null 2>&1 || fail "$k hook got no JSON state: $(__carrel_show "$s")"
    assert_eq "$ID" "$(printf '%s' "$s" | jq -r .id)" "id in the state given to $k"
    assert_eq "$BUNDLE" "$(printf '%s' "$s" | jq -r .bundle)" "bundle in the state given to $k"
    printf '%s' "$s" | jq -e 'has("ociVersion") and (.status | IN("creating", "created", "running", "stopped"))' >/dev/null ||
      fail "state given to $k: $s"
    if [ "$k" != poststop ]; then
      assert_eq "$pid" "$(printf '%s' "$s" | jq -r .pid)" "pid in the state given to $k"
    fi
  done
  assert_eq creating "$(hook_state createRuntime | jq -r .status)" "status given to createRuntime"
  assert_eq created "$(hook_state startContainer | jq -r .status)" "status given to startContainer"
  assert_eq stopped "$(hook_state poststop | jq -r .status)" "status given to poststop"
}

test_hooks_run_with_run_command() {
  add_all_hooks
  set_args true
  run_ok "$ID"
  assert_eq "prestart createRuntime createContainer startContainer poststart poststop " "$(hook_names)" "hooks of run"
}

# run leaves out the round trips no hook needs: a lone createContainer hook still gets its round
# trip (and the state), a lone startContainer hook its start message (and the "created" state).
test_run_with_only_a_create_container_hook() {
  add_hook createContainer "$(hook_json createContainer)"
  set_args true
  run_ok "$ID"
  assert_eq "createContainer " "$(hook_names)" "hooks of run"
  assert_eq creating "$(hook_state createContainer | jq -r .status)" "status given to createContainer"
}

test_run_with_only_a_start_container_hook() {
  add_hook startContainer "$(hook_json startContainer)"
  set_args true
  run_ok "$ID"
  assert_eq "startContainer " "$(hook_names)" "hooks of run"
  assert_eq created "$(hook_state startContainer | jq -r .status)" "status given to startContainer"
}

test_hook_args_and_env_are_passed() {
  add_hook createRuntime "$(jq -nc --arg out "$TEST_DIR/argenv" \
    '{path: "/bin/sh", args: ["sh", "-c", "echo \"$0|$1|$HOOKVAR\" >\"$2\"; cat >/dev/null", "zero", "one", $out], env: ["HOOKVAR=v a r"]}')"
  ct_create "$ID"
  assert_eq "zero|one|v a r" "$(cat "$TEST_DIR/argenv")" "hook argv and env"
}

test_failing_create_hook_fails_create_and_leaves_nothing() {
  local k
  for k in prestart createRuntime createContainer; do
    bundle_new
    add_hook "$k" "$(jq -nc '{path: "/bin/sh", args: ["sh", "-c", "cat >/dev/null; exit 3"]}')"
    set_args sleep 30
    assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
    assert_error_line
    assert_nothing_left "$ID"
  done
}

test_failing_start_container_hook_fails_start() {
  add_hook startContainer "$(jq -nc '{path: "/bin/sh", args: ["sh", "-c", "cat >/dev/null; exit 3"]}')"
  set_args touch /ran
  ct_create "$ID"
  assert_exit 1 carrel start "$ID"
  assert_error_line
  sleep 0.2
  assert_no_file "$BUNDLE/rootfs/ran"
}

test_hook_timeout_is_honoured() {
  add_hook createRuntime "$(jq -nc --arg tag "$TEST_TAG" \
    '{path: "/bin/sh", args: ["sh", "-c", "sleep 20; true", $tag], timeout: 1}')"
  set_args sleep 30
  local t0 t1
  t0=$(__carrel_now_ms)
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  t1=$(__carrel_now_ms)
  [ $((t1 - t0)) -lt 8000 ] || fail "create with a 1 s hook timeout took $((t1 - t0)) ms"
  assert_error_line
  assert_nothing_left "$ID"
}

test_poststop_runs_after_process_exited() {
  add_hook poststop "$(hook_json poststop)"
  set_args true
  ct_create "$ID"
  ct_start "$ID"
  wait_status "$ID" stopped
  assert_no_file "$BUNDLE/rootfs/hooks.log"
  assert_exit 0 carrel delete "$ID"
  assert_eq "poststop " "$(hook_names)" "hooks after delete"
}

test_missing_hook_binary_fails_create() {
  add_hook createRuntime '{"path": "/no/such/hook"}'
  set_args sleep 30
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  assert_error_line
  assert_nothing_left "$ID"
}
