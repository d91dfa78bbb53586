# shellcheck shell=bash
# shellcheck disable=SC2016 # container scripts and jq programs in single quotes
# The security boundary, tried as an attacker inside the container would: capabilities, the
# default seccomp profile, leaked fds and cwd, the runtime binary, mount destinations that point
# out of the rootfs, the /dev/null swap under maskedPaths, read-only /proc and /sys.

# helper_in_rootfs NAME: copy the static test helper NAME into the bundle's /bin.
helper_in_rootfs() {
  local bin=$CARREL_REPO/build/tests/helpers/$1
  [ -x "$bin" ] || make -s -C "$CARREL_REPO" "build/tests/helpers/$1" >/dev/null 2>&1 ||
    skip "test helper $1 not built (make build/tests/helpers/$1)"
  cp "$bin" "$BUNDLE/rootfs/bin/$1"
}

# spec_config: the bundle's config becomes what `carrel spec` writes (the defaults a user gets),
# with the test's process and no terminal.
spec_config() {
  local d=$TEST_DIR/spec
  mkdir -p "$d"
  (cd "$d" && "$CARREL_BIN" spec) || fail "carrel spec failed"
  jq '.process.terminal = false' "$d/config.json" >"$BUNDLE/config.json"
}

# probe_value KEY: the value of "KEY=..." in RUN_OUT.
probe_value() { printf '%s\n' "$RUN_OUT" | sed -n "s/^$1=//p" | head -n1; }

# --- capabilities --------------------------------------------------------------------------------

test_non_root_user_keeps_ambient_capabilities_across_exec() {
  config_set '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
        "effective": ["CAP_NET_BIND_SERVICE"], "permitted": ["CAP_NET_BIND_SERVICE"],
        "inheritable": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}'
  sh_args 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status; id -u'
  run_ok "$ID"
  # CAP_NET_BIND_SERVICE is bit 10 (0x400), CAP_KILL bit 5 (0x20).
  assert_contains "$RUN_OUT" "CapEff:	0000000000000400" "CapEff of uid 1000"
  assert_contains "$RUN_OUT" "CapPrm:	0000000000000400" "CapPrm of uid 1000"
  assert_contains "$RUN_OUT" "CapAmb:	0000000000000400" "CapAmb of uid 1000"
  assert_contains "$RUN_OUT" "CapBnd:	0000000000000420" "CapBnd"
  assert_contains "$RUN_OUT" "1000" "uid"
}

test_ambient_capability_without_inheritable_is_skipped_with_a_warning() {
  config_set '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE"], "effective": ["CAP_NET_BIND_SERVICE"],
        "permitted": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}'
  sh_args 'grep -E "^Cap(Eff|Amb):" /proc/self/status'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "CapAmb:	0000000000000000" "CapAmb"
  assert_contains "$RUN_OUT" "CapEff:	0000000000000000" "CapEff after exec"
  assert_contains "$RUN_ERR" "process.capabilities.ambient: CAP_NET_BIND_SERVICE" "warning"
}

test_unknown_capability_name_is_an_error_naming_the_field() {
  config_set '.process.capabilities.effective += ["CAP_NOT_A_CAP"]'
  assert_exit nonzero carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line "process.capabilities.effective" "CAP_NOT_A_CAP"
}

test_no_new_privileges_is_set() {
  config_set '.process.noNewPrivileges = true'
  sh_args 'grep ^NoNewPrivs: /proc/self/status'
  run_ok "$ID"
  assert_match "$RUN_OUT" '^NoNewPrivs:[[:space:]]+1$'
  config_set '.process.noNewPrivileges = false'
  run_ok "$ID"
  assert_match "$RUN_OUT" '^NoNewPrivs:[[:space:]]+0$'
}

# --- the default profile and config (carrel spec) -------------------------------------------------

test_spec_config_has_the_default_seccomp_profile() {
  spec_config
  assert_eq SCMP_ACT_ERRNO "$(jq -r .linux.seccomp.defaultAction "$BUNDLE/config.json")" "defaultAction"
  assert_eq 1 "$(jq -r .linux.seccomp.defaultErrnoRet "$BUNDLE/config.json")" "defaultErrnoRet (EPERM)"
  sh_args 'grep -E "^Seccomp(_filters)?:" /proc/self/status'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "Seccomp:	2" "seccomp mode (filter)"
}

test_default_profile_refuses_modules_mount_keyctl_and_namespaces() {
  helper_in_rootfs escape-probe
  spec_config
  set_args escape-probe syscalls
  run_ok "$ID"
  local k
  for k in init_module finit_module delete_module mount umount2 keyctl add_key request_key unshare_user \
    unshare_mnt clone_newuser bpf perf_event_open open_by_handle_at kexec_load pivot_root; do
    assert_eq EPERM "$(probe_value "$k")" "$k in a default container"
  done
}

test_default_config_cannot_ptrace_the_host() {
  helper_in_rootfs escape-probe
  spec_config
  local host_pid
  host_pid=$(spawn sleep 30)
  # The pid namespace hides the host: that pid does not exist inside (or is not that process).
  sh_args "escape-probe ptrace $host_pid; [ -e /proc/$host_pid ] && echo visible=yes || echo visible=no"
  run_ok "$ID"
  assert_eq ESRCH "$(probe_value ptrace)" "PTRACE_ATTACH to the host's pid $host_pid"
  assert_eq no "$(probe_value visible)" "/proc/$host_pid inside"
  pid_alive "$host_pid" || fail "the host process died"
  assert_match "$(awk '/^TracerPid:/ { print $2 }' "/proc/$host_pid/status")" '^0$' "host process traced"
}

test_default_config_proc_sys_and_sysrq_are_read_only() {
  spec_config
  sh_args 'for f in /proc/sys/kernel/ns_last_pid /proc/sysrq-trigger /proc/sys/vm/drop_caches; do
      if echo 1 2>/dev/null >"$f"; then echo "$f=written"; else echo "$f=refused"; fi
    done
    mount -o remount,rw /proc/sys 2>/dev/null && echo remount=ok || echo remount=refused
    umount /proc/sys 2>/dev/null && echo umount=ok || echo umount=refused
    touch /sys/carrel-x 2>/dev/null && echo sys=written || echo sys=refused
    ls -A /sys/firmware 2>/dev/null | wc -l'
  local before
  before=$(cat /proc/sys/kernel/ns_last_pid)
  run_ok "$ID"
  assert_contains "$RUN_OUT" "/proc/sys/kernel/ns_last_pid=refused"
  assert_contains "$RUN_OUT" "/proc/sysrq-trigger=refused"
  assert_contains "$RUN_OUT" "/proc/sys/vm/drop_caches=refused"
  assert_contains "$RUN_OUT" "remount=refused"
  assert_contains "$RUN_OUT" "umount=refused"
  assert_contains "$RUN_OUT" "sys=refused"
  assert_eq 0 "$(printf '%s\n' "$RUN_OUT" | tail -n1)" "entries visible in /sys/firmware"
  [ "$(cat /proc/sys/kernel/ns_last_pid)" != 1 ] || [ "$before" = 1 ] || fail "host ns_last_pid was written"
}

# --- fds, cwd and the runtime binary (CVE-2024-21626, CVE-2019-5736 classes) --------------------

test_no_host_fd_or_cwd_reaches_the_container() {
  helper_in_rootfs escape-probe
  set_args escape-probe fds
  config_set '.process.cwd = "/tmp"'
  local rc=0
  # Extra fds and a host cwd, as a careless caller (or a leaky engine) would have them.
  mkdir -p "$TEST_DIR/hostcwd"
  (cd "$TEST_DIR/hostcwd" && exec 5<"$TEST_DIR" 6</etc/hostname 7>"$TEST_DIR/leak" &&
    carrel run --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/out" 2>"$TEST_DIR/err") || rc=$?
  RUN_OUT=$(cat "$TEST_DIR/out")
  [ "$rc" -eq 0 ] || fail "run: exit $rc: $(cat "$TEST_DIR/err")"
  local fds
  fds=$(probe_value fds)
  assert_eq "0 1 2" "$(printf '%s\n' "$fds" | tr ' ' '\n' | sed -n 's/:.*//p' | sort -n | xargs)" \
    "open fds inside ($fds)"
  assert_eq /tmp "$(probe_value cwd)" "cwd inside"
}

test_init_is_the_user_binary_and_cannot_be_rewritten() {
  helper_in_rootfs escape-probe
  set_args escape-probe exe 1
  run_ok "$ID"
  assert_eq /bin/escape-probe "$(probe_value exe)" "/proc/1/exe (the container's init after exec)"
  assert_eq ETXTBSY "$(probe_value exe-write)" "opening /proc/1/exe for writing"
  assert_not_contains "$RUN_OUT" carrel "what the container sees of its init"
}

test_exec_never_shows_the_runtime_binary_inside() {
  helper_in_rootfs escape-probe
  set_args escape-probe exe-scan 3
  ct_create "$ID"
  ct_start "$ID"
  # While the container watches every /proc/N/exe, the host runs exec after exec.
  local end n=0 rc
  end=$(($(__carrel_now_ms) + 2500))
  while [ "$(__carrel_now_ms)" -lt "$end" ]; do
    rc=0
    carrel exec "$ID" /bin/true </dev/null >/dev/null 2>"$TEST_DIR/exec.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
      status_is "$ID" running || break
      grep -qi "not implemented\|unknown command" "$TEST_DIR/exec.err" && skip "carrel exec is not available"
      fail "exec: exit $rc: $(cat "$TEST_DIR/exec.err")"
    fi
    n=$((n + 1))
  done
  wait_status "$ID" stopped 10
  local out
  out=$(ct_out "$ID")
  assert_contains "$out" "exposed=0" "processes whose exe is the runtime, seen from inside ($n execs)"
  [ "$n" -gt 0 ] || fail "no exec ran while the container watched"
}

# --- mount destinations that point out of the rootfs -----------------------------------------------

test_mount_destination_through_symlink_stays_in_rootfs() {
  mkdir -p "$TEST_DIR/hostdir" "$BUNDLE/rootfs$TEST_DIR/hostdir"
  # Absolute and relative links to a host directory, as a malicious image would ship them. Inside
  # the root they resolve to the rootfs's own $TEST_DIR/hostdir, which the image also has.
  ln -s "$TEST_DIR/hostdir" "$BUNDLE/rootfs/evil"
  ln -s "../../../../../../../../../../..$TEST_DIR/hostdir" "$BUNDLE/rootfs/evil2"
  config_set '.mounts += [{"destination": "/evil/x", "type": "tmpfs", "source": "tmpfs"},
                          {"destination": "/evil2/y", "type": "tmpfs", "source": "tmpfs"},
                          {"destination": "/../../../../tmp/'"$TEST_TAG"'-escape", "type": "tmpfs", "source": "tmpfs"}]'
  sh_args 'for d in /evil/x /evil2/y /tmp/'"$TEST_TAG"'-escape; do
      stat -f -c "$d=%T" "$d"
    done'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "/evil/x=tmpfs"
  assert_contains "$RUN_OUT" "/evil2/y=tmpfs"
  assert_contains "$RUN_OUT" "/tmp/$TEST_TAG-escape=tmpfs"
  assert_eq "" "$(ls -A "$TEST_DIR/hostdir")" "host directory behind the symlinks"
  assert_no_file "/tmp/$TEST_TAG-escape"
  # The mount points were made inside the rootfs instead.
  assert_file "$BUNDLE/rootfs$TEST_DIR/hostdir/x"
  assert_file "$BUNDLE/rootfs$TEST_DIR/hostdir/y"
}

test_mount_destination_through_dangling_symlink_never_reaches_the_host() {
  mkdir -p "$TEST_DIR/hostdir"
  # Here the link's target exists only on the host: carrel must not follow it there.
  ln -s "$TEST_DIR/hostdir" "$BUNDLE/rootfs/evil"
  config_set '.mounts += [{"destination": "/evil/x", "type": "tmpfs", "source": "tmpfs"}]'
  sh_args 'stat -f -c "/evil/x=%T" /evil/x'
  ct_run "$ID"
  if [ "$RUN_RC" -eq 0 ]; then
    assert_contains "$RUN_OUT" "/evil/x=tmpfs"
  else
    assert_contains "$RUN_ERR" "/evil/x" "the error names the destination"
  fi
  assert_eq "" "$(ls -A "$TEST_DIR/hostdir")" "host directory behind the symlink"
}

# --- maskedPaths and the /dev/null swap (CVE-2025-31133 class) ------------------------------------

test_masked_paths_with_dev_null_symlink_and_no_dev_tmpfs() {
  config_set '.mounts |= map(select(.destination != "/dev" and .destination != "/dev/pts"
                                       and .destination != "/dev/shm" and .destination != "/dev/mqueue"))
    | .linux.maskedPaths = ["/proc/kcore", "/proc/timer_list", "/proc/sched_debug", "/proc/keys"]'
  rm -f "$BUNDLE/rootfs/dev/null"
  ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
  local before
  before=$(cat /proc/sys/kernel/core_pattern)
  sh_args 'stat -c "null=%F %t:%T" /dev/null; stat -c "masked=%F %t:%T" /proc/timer_list; wc -c </proc/timer_list'
  ct_run "$ID"
  assert_eq "$before" "$(cat /proc/sys/kernel/core_pattern)" "host kernel.core_pattern"
  if [ "$RUN_RC" -eq 0 ]; then
    # carrel replaced the symlink with the real node: masking binds the null device.
    assert_contains "$RUN_OUT" "null=character special file 1:3"
    assert_contains "$RUN_OUT" "masked=character special file 1:3"
    assert_eq 0 "$(printf '%s\n' "$RUN_OUT" | tail -n1)" "bytes read from masked /proc/timer_list"
  else
    assert_contains "$RUN_ERR" "null device" "refusal"
  fi
}

test_masked_paths_refuse_a_fake_dev_null_in_a_bind_mounted_dev() {
  mkdir -p "$TEST_DIR/fakedev"
  ln -s /proc/sys/kernel/core_pattern "$TEST_DIR/fakedev/null"
  config_set '.mounts |= map(select(.destination != "/dev/pts" and .destination != "/dev/shm"
                                       and .destination != "/dev/mqueue")
                             | if .destination == "/dev" then {"destination": "/dev", "type": "bind",
                                 "source": "'"$TEST_DIR/fakedev"'", "options": ["rbind"]} else . end)
    | .linux.maskedPaths = ["/proc/kcore", "/proc/timer_list"]'
  local before
  before=$(cat /proc/sys/kernel/core_pattern)
  assert_exit nonzero carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line "/dev/null" "not the null device"
  assert_eq "$before" "$(cat /proc/sys/kernel/core_pattern)" "host kernel.core_pattern"
}
