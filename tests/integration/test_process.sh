# shellcheck shell=bash
# shellcheck disable=SC2016,SC2015,SC2012 # container scripts and jq programs in single quotes
# Process: args, env, cwd, user, rlimits, oomScoreAdj, noNewPrivileges, capabilities, fds.

test_args_are_passed_verbatim() {
  set_args sh -c 'printf "[%s]" "$0" "$@"' "first arg" "" 'with $dollar' "*"
  run_ok "$ID"
  assert_eq '[first arg][][with $dollar][*]' "$RUN_OUT"
}

test_args_zero_is_looked_up_in_path() {
  config_set '.process.env = ["PATH=/bin"]'
  set_args echo found-in-path
  run_ok "$ID"
  assert_eq found-in-path "$RUN_OUT"
}

test_env_is_exactly_what_config_sets() {
  config_set '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]'
  sh_args 'echo "FOO=$FOO"; echo "EMPTY=${EMPTY-unset}"; env | grep -c "^CARREL_TEST_TAG=" || true'
  run_ok "$ID"
  assert_eq "FOO=bar baz
EMPTY=
0" "$RUN_OUT"
}

test_cwd_is_set() {
  mkdir -p "$BUNDLE/rootfs/work/dir"
  config_set '.process.cwd = "/work/dir"'
  set_args pwd
  run_ok "$ID"
  assert_eq /work/dir "$RUN_OUT"
}

test_user_uid_gid_additional_gids_and_umask() {
  config_set '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20], "umask": 63}'
  sh_args 'id -u; id -g; grep ^Groups: /proc/self/status; umask; touch /tmp/f; stat -c "%u:%g %a" /tmp/f'
  run_ok "$ID"
  local out=$RUN_OUT
  assert_eq 1000 "$(printf '%s\n' "$out" | sed -n 1p)" "id -u"
  assert_eq 1001 "$(printf '%s\n' "$out" | sed -n 2p)" "id -g"
  local groups
  groups=$(printf '%s\n' "$out" | sed -n 3p | cut -d: -f2 | tr -s ' \t' '\n' | grep . | sort -n | tr '\n' ' ')
  assert_eq "10 20 " "$groups" "supplementary groups (/proc/self/status Groups)"
  assert_eq 0077 "$(printf '%s\n' "$out" | sed -n 4p)" "umask"
  assert_eq "1000:1001 600" "$(printf '%s\n' "$out" | sed -n 5p)" "owner and mode of a new file"
}

test_non_root_user_has_no_effective_capabilities() {
  config_set '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities.ambient = []'
  sh_args 'grep ^CapEff: /proc/self/status'
  run_ok "$ID"
  assert_match "$RUN_OUT" '^CapEff:[[:space:]]+0+$' "CapEff"
}

test_capabilities_match_config() {
  # CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
  sh_args 'grep -E "^Cap(Eff|Bnd|Prm):" /proc/self/status'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "CapEff:	0000000020000420" "CapEff"
  assert_contains "$RUN_OUT" "CapBnd:	0000000020000420" "CapBnd"
  assert_contains "$RUN_OUT" "CapPrm:	0000000020000420" "CapPrm"
}

test_rlimits_are_applied() {
  config_set '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000},
    {"type": "RLIMIT_CORE", "soft": 0, "hard": 1024}]'
  sh_args 'grep -E "^Max (open files|core file size)" /proc/self/limits; ulimit -n'
  run_ok "$ID"
  assert_match "$RUN_OUT" 'Max open files +512 +1000 +files' "/proc/self/limits NOFILE"
  assert_match "$RUN_OUT" 'Max core file size +0 +1024 +bytes' "/proc/self/limits CORE"
  assert_eq 512 "$(printf '%s\n' "$RUN_OUT" | tail -n1)" "ulimit -n"
}

test_oom_score_adj() {
  config_set '.process.oomScoreAdj = 500'
  set_args cat /proc/self/oom_score_adj
  run_ok "$ID"
  assert_eq 500 "$RUN_OUT"
}

test_no_new_privileges_true() {
  config_set '.process.noNewPrivileges = true'
  sh_args 'grep ^NoNewPrivs: /proc/self/status'
  run_ok "$ID"
  assert_match "$RUN_OUT" '^NoNewPrivs:[[:space:]]+1$'
}

test_no_new_privileges_false() {
  config_set '.process.noNewPrivileges = false'
  sh_args 'grep ^NoNewPrivs: /proc/self/status'
  run_ok "$ID"
  assert_match "$RUN_OUT" '^NoNewPrivs:[[:space:]]+0$'
}

test_only_fds_0_1_2_are_open() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  local pid fds
  pid=$(ct_pid "$ID")
  wait_for 5 grep -qx sleep "/proc/$pid/comm"
  fds=$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')
  assert_eq "0 1 2 " "$fds" "open fds of the container process ($(ls -l "/proc/$pid/fd" | tail -n +2 | awk '{ print $(NF-2), $NF }' | tr '\n' ';'))"
}

test_only_fds_0_1_2_seen_from_inside() {
  sh_args 'exec ls /proc/self/fd'
  run_ok "$ID"
  # ls itself holds one more: the directory it reads.
  local fds
  fds=$(printf '%s\n' "$RUN_OUT" | sort -n | tr '\n' ' ')
  assert_eq "0 1 2 3 " "$fds" "fds inside"
}

test_stdio_is_passed_through() {
  sh_args 'echo to-stdout; echo to-stderr >&2; exit 0'
  run_ok "$ID"
  assert_eq to-stdout "$RUN_OUT" "stdout"
  assert_contains "$RUN_ERR" to-stderr "stderr"
}

test_stdin_is_passed_to_foreground_run() {
  set_args cat
  local out rc=0
  out=$(printf 'from-stdin\n' | carrel run --bundle "$BUNDLE" "$ID" 2>"$TEST_DIR/err") || rc=$?
  assert_eq 0 "$rc" "exit code ($(cat "$TEST_DIR/err"))"
  assert_eq from-stdin "$out" "cat output"
}

test_hostname_file_and_etc_unchanged() {
  sh_args 'cat /etc/hostname /etc/passwd | head -n 2'
  run_ok "$ID"
  assert_eq "carrel
root:x:0:0:root:/root:/bin/sh" "$RUN_OUT"
}

test_missing_executable_fails_run() {
  set_args /no/such/binary
  ct_run "$ID"
  [ "$RUN_RC" -ne 0 ] || fail "run of a missing executable exited 0"
  assert_contains "$RUN_ERR" "/no/such/binary" "stderr"
  assert_nothing_left "$ID"
}

test_missing_executable_fails_create() {
  set_args /no/such/binary
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  assert_error_line "/no/such/binary"
  assert_nothing_left "$ID"
}
