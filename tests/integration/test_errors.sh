# shellcheck shell=bash
# shellcheck disable=SC2016,SC2015,SC2012 # jq programs in single quotes
# Errors: a bad config or a failing setup step gives one line `carrel: <what>: <reason>`, exit 1,
# and leaves nothing behind (no state dir, no mounts, no processes).

# create_fails TEXT...: create must fail with one error line mentioning each TEXT; nothing left.
create_fails() {
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  assert_error_line "$@"
  assert_nothing_left "$ID"
}

test_unknown_namespace_type_is_rejected() {
  config_set '.linux.namespaces += [{"type": "bogusns"}]'
  create_fails bogusns
}

test_unknown_rlimit_is_rejected() {
  config_set '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
  create_fails RLIMIT_BOGUS
}

test_rlimit_soft_above_hard_is_rejected() {
  config_set '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 512}]'
  set_args true
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  assert_error_line rlimits
  assert_nothing_left "$ID"
}

test_invalid_json_is_rejected() {
  printf '{ "ociVersion": "1.2.0", "process": ' >"$BUNDLE/config.json"
  create_fails config.json
}

test_wrong_type_in_config_names_the_field() {
  config_set '.process.args = "sh"'
  create_fails args
}

test_missing_config_is_rejected() {
  rm "$BUNDLE/config.json"
  create_fails config.json
}

test_missing_rootfs_is_rejected() {
  config_set '.root.path = "no-such-rootfs"'
  create_fails no-such-rootfs
}

test_missing_process_is_rejected_by_create() {
  config_set 'del(.process)'
  create_fails process
}

test_missing_bundle_dir_is_rejected() {
  assert_exit 1 carrel create --bundle "$TEST_DIR/no-such-bundle" "$ID"
  assert_error_line no-such-bundle
  assert_nothing_left "$ID"
}

test_bind_mount_of_missing_source_names_step_and_errno() {
  config_set '.mounts += [{"destination": "/mnt/x", "type": "bind", "source": $s, "options": ["bind"]}]' \
    --arg s "/nonexistent-$TEST_TAG"
  create_fails mount "/nonexistent-$TEST_TAG" "No such file or directory"
}

test_mount_of_unknown_fstype_names_step_and_errno() {
  config_set '.mounts += [{"destination": "/mnt/y", "type": "carrelfs", "source": "none"}]'
  create_fails mount /mnt/y "No such device"
}

# The config's first mounts are made before the runtime sends GO: when one fails, the init's error
# is reported, not what that did to the CLI's next step (a send to the gone init). Ten times, as
# the two race.
test_failed_early_mount_names_the_mount_every_time() {
  config_set '.mounts = [{"destination": "/bin/sh/x", "type": "proc", "source": "proc"}] + .mounts'
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    assert_exit 1 carrel run --bundle "$BUNDLE" "$ID-$i"
    assert_error_line "mount proc on /bin/sh/x" "Not a directory"
    assert_nothing_left "$ID-$i"
  done
}

test_failed_run_leaves_nothing() {
  config_set '.linux.namespaces += [{"type": "bogusns"}]'
  assert_exit 1 carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line bogusns
  assert_nothing_left "$ID"
}

test_unknown_command_and_option_fail() {
  assert_exit 1 carrel frobnicate "$ID"
  assert_error_line frobnicate
  assert_exit 1 carrel create --no-such-option "$ID"
  assert_error_line no-such-option
}

test_missing_id_argument_fails() {
  local cmd
  for cmd in create start state kill delete; do
    assert_exit 1 carrel "$cmd"
    assert_error_line
  done
}

test_commands_on_unknown_container_fail() {
  local cmd
  for cmd in start state kill delete; do
    assert_exit 1 carrel "$cmd" "$ID-none"
    assert_error_line "$ID-none"
  done
}

# runc compatible: containerd's shim sends `delete --force` after every `delete`.
test_delete_force_of_unknown_container_succeeds_quietly() {
  assert_exit 0 carrel delete --force "$ID-none"
  assert_eq "" "$LAST_ERR" "stderr"
}

test_kill_of_stopped_container_fails() {
  set_args true
  ct_create "$ID"
  ct_start "$ID"
  wait_status "$ID" stopped
  assert_exit 1 carrel kill "$ID" KILL
  assert_error_line "$ID"
}
