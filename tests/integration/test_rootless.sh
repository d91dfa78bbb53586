# shellcheck shell=bash
# shellcheck disable=SC2016 # container scripts and jq programs in single quotes
# Rootless: a user without privileges runs containers in a user namespace. The test makes a user
# (useradd gives it a range in /etc/subuid and /etc/subgid) and removes it afterwards.

RL_USER=""

__rootless_cleanup() {
  __rl_rc=$?
  if [ -n "$RL_USER" ]; then
    if [ -d "$TEST_DIR/xdg/carrel" ]; then
      for __rl_id in $(find "$TEST_DIR/xdg/carrel" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null); do
        as_user timeout -k 2 10 "$CARREL_BIN" delete --force "$__rl_id" </dev/null >/dev/null 2>&1
      done
    fi
    # Only this test's user runs these: they are the test's own processes.
    for __rl_id in $(pgrep -u "$RL_USER" 2>/dev/null); do kill -KILL "$__rl_id" 2>/dev/null; done
    userdel "$RL_USER" 2>/dev/null
  fi
  (exit "$__rl_rc")
  __carrel_cleanup
}

# as_user CMD...: run CMD as the test's user, with its own XDG_RUNTIME_DIR.
as_user() {
  runuser -u "$RL_USER" -- env -u CARREL_ROOT HOME="$TEST_DIR/home" XDG_RUNTIME_DIR="$TEST_DIR/xdg" "$@"
}

# rootless_setup: the user, its runtime dir, and a bundle from `carrel spec --rootless`.
rootless_setup() {
  command -v useradd >/dev/null || skip "useradd missing"
  command -v newuidmap >/dev/null || skip "newuidmap missing (Debian's uidmap package)"
  RL_USER="c${TEST_TAG}"
  trap '__rootless_cleanup' EXIT
  useradd -M -d "$TEST_DIR/home" -s /bin/sh "$RL_USER" || fail "useradd $RL_USER"
  grep -q "^$RL_USER:" /etc/subuid || fail "useradd gave $RL_USER no /etc/subuid range"
  RL_UID=$(id -u "$RL_USER")
  RL_GID=$(id -g "$RL_USER")
  RL_SUB=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
  RL_SUBG=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
  mkdir -p "$TEST_DIR/xdg" "$TEST_DIR/home" "$TEST_DIR/rlspec"
  chown "$RL_USER:" "$TEST_DIR/xdg" "$TEST_DIR/home" "$TEST_DIR/rlspec"
  chmod 0700 "$TEST_DIR/xdg"
  as_user sh -c "cd '$TEST_DIR/rlspec' && '$CARREL_BIN' spec --rootless" || fail "carrel spec --rootless as $RL_USER"
  jq '.process.terminal = false | .root.readonly = false' "$TEST_DIR/rlspec/config.json" >"$BUNDLE/config.json"
  # The user's containers are made in the user's runtime dir; the bundle stays readable to it.
  chmod -R a+rX "$BUNDLE"
}

# rl_run ID: foreground run as the user; RUN_RC, RUN_OUT, RUN_ERR.
rl_run() {
  RUN_RC=0
  as_user timeout -k 3 "$CARREL_CMD_TIMEOUT" "$CARREL_BIN" run --bundle "$BUNDLE" "$1" \
    </dev/null >"$TEST_DIR/$1.out" 2>"$TEST_DIR/$1.err" || RUN_RC=$?
  RUN_OUT=$(cat "$TEST_DIR/$1.out")
  RUN_ERR=$(cat "$TEST_DIR/$1.err")
}

test_rootless_run_of_spec_rootless_bundle() {
  rootless_setup
  assert_eq user "$(jq -r '.linux.namespaces[] | select(.type == "user") | .type' "$BUNDLE/config.json")" \
    "spec --rootless makes a user namespace"
  sh_args 'id -u; cat /proc/self/uid_map; grep -E "^(Seccomp|CapEff):" /proc/self/status'
  rl_run "$ID"
  [ "$RUN_RC" -eq 0 ] || fail "rootless run: exit $RUN_RC: $RUN_ERR"
  assert_eq 0 "$(printf '%s\n' "$RUN_OUT" | head -n1)" "uid inside"
  assert_match "$RUN_OUT" "^ +0 +$RL_UID +1\$" "uid_map"
  assert_contains "$RUN_OUT" "Seccomp:	2" "the default profile applies rootless too"
  # Nothing cryptic on stderr: what is skipped unprivileged (the cgroup, without delegation) is
  # said in one warning line each, at most one per concern.
  local other
  other=$(printf '%s\n' "$RUN_ERR" | grep -v '^carrel: warning: ' | grep -c . || true)
  assert_eq 0 "$other" "stderr lines of a rootless run that are not warnings: $RUN_ERR"
  [ "$(printf '%s\n' "$RUN_ERR" | grep -c '^carrel: warning: ' || true)" -le 2 ] || fail "too many warnings: $RUN_ERR"
}

test_rootless_state_lives_in_xdg_runtime_dir() {
  rootless_setup
  set_args sleep 30
  as_user timeout 10 "$CARREL_BIN" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$TEST_DIR/err" ||
    fail "rootless create: $(cat "$TEST_DIR/err")"
  assert_file "$TEST_DIR/xdg/carrel/$ID/state.json"
  assert_eq "$RL_UID" "$(stat -c %u "$TEST_DIR/xdg/carrel/$ID")" "owner of the state dir"
  as_user timeout 10 "$CARREL_BIN" start "$ID" </dev/null >/dev/null 2>"$TEST_DIR/err" ||
    fail "rootless start: $(cat "$TEST_DIR/err")"
  local pid
  pid=$(as_user "$CARREL_BIN" state "$ID" | jq -r .pid)
  assert_eq running "$(as_user "$CARREL_BIN" state "$ID" | jq -r .status)" "status"
  assert_eq "$RL_UID" "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "host uid of the container's process"
  assert_contains "$(as_user "$CARREL_BIN" list -q)" "$ID" "the user's list"
  as_user timeout 10 "$CARREL_BIN" delete --force "$ID" </dev/null 2>"$TEST_DIR/err" || fail "delete: $(cat "$TEST_DIR/err")"
  assert_no_file "$TEST_DIR/xdg/carrel/$ID"
  wait_for 5 pid_gone "$pid"
}

# A rootless exec cannot enter the pid namespace itself: it goes through the helper process.
test_rootless_exec_goes_through_the_helper() {
  rootless_setup
  set_args sleep 30
  as_user timeout 10 "$CARREL_BIN" run --detach --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$TEST_DIR/err" ||
    fail "rootless run --detach: $(cat "$TEST_DIR/err")"
  local pid out
  pid=$(as_user "$CARREL_BIN" state "$ID" | jq -r .pid)
  out=$(as_user timeout 10 "$CARREL_BIN" exec "$ID" sh -c 'id -u; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt' \
    </dev/null 2>"$TEST_DIR/err") || fail "rootless exec: $(cat "$TEST_DIR/err")"
  assert_eq 0 "$(head -n1 <<<"$out")" "uid of the exec'd process"
  assert_eq "$(ns_of "$pid" pid)" "$(sed -n 2p <<<"$out")" "pid namespace of the exec'd process"
  assert_eq "$(ns_of "$pid" mnt)" "$(sed -n 3p <<<"$out")" "mount namespace of the exec'd process"
  as_user timeout 10 "$CARREL_BIN" delete --force "$ID" </dev/null 2>"$TEST_DIR/err" || fail "delete: $(cat "$TEST_DIR/err")"
  wait_for 5 pid_gone "$pid"
}

test_rootless_several_ranges_through_newuidmap() {
  rootless_setup
  config_set '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1},
                                    {"containerID": 1, "hostID": $s, "size": 1000}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1},
                            {"containerID": 1, "hostID": $sg, "size": 1000}]
    | .process.user = {"uid": 100, "gid": 100}' \
    --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$RL_SUB" --argjson sg "$RL_SUBG"
  sh_args 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; sleep 2'
  rl_run "$ID"
  [ "$RUN_RC" -eq 0 ] || fail "rootless run: exit $RUN_RC: $RUN_ERR"
  assert_match "$RUN_OUT" "^ +1 +$RL_SUB +1000\$" "second uid range"
  assert_match "$RUN_OUT" "^ +1 +$RL_SUBG +1000\$" "second gid range"
  assert_eq "100
100" "$(printf '%s\n' "$RUN_OUT" | tail -n2)" "uid and gid inside"
}

test_rootless_range_outside_subuid_is_refused_clearly() {
  rootless_setup
  config_set '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1},
                                    {"containerID": 1, "hostID": 1, "size": 10}]' --argjson u "$RL_UID"
  rl_run "$ID"
  [ "$RUN_RC" -ne 0 ] || fail "a uid range of another user was accepted"
  # What cannot work unprivileged (a cgroup without delegation) may add one warning line.
  LAST_ERR=$(printf '%s\n' "$RUN_ERR" | grep -v '^carrel: warning: ' || true)
  assert_error_line "linux.uidMappings" "/etc/subuid"
}

test_root_writes_several_ranges_directly() {
  config_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 1000}, {"containerID": 1000, "hostID": 300000, "size": 10}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 1000}, {"containerID": 1000, "hostID": 300000, "size": 10}]'
  sh_args 'cat /proc/self/uid_map; cat /proc/self/gid_map'
  run_ok "$ID"
  assert_match "$RUN_OUT" "^ +1000 +300000 +10\$" "second range"
  assert_eq 4 "$(printf '%s\n' "$RUN_OUT" | grep -c .)" "lines of uid_map and gid_map"
}

# --- idmapped mounts --------------------------------------------------------------------------------

test_idmap_bind_mount_shows_host_root_files_as_container_root() {
  mkdir -p "$TEST_DIR/share"
  echo data >"$TEST_DIR/share/f"
  config_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["bind", "idmap"]},
                  {"destination": "/opt", "type": "bind", "source": $s, "options": ["bind"]}]' \
    --arg s "$TEST_DIR/share"
  sh_args 'stat -c "idmap=%u:%g" /mnt/f; stat -c "plain=%u:%g" /opt/f; touch /mnt/made && echo made=ok'
  run_ok "$ID"
  assert_contains "$RUN_OUT" "idmap=0:0" "owner through the idmapped mount"
  assert_contains "$RUN_OUT" "plain=65534:65534" "owner through a plain bind (unmapped)"
  assert_contains "$RUN_OUT" "made=ok" "container root writes through the idmapped mount"
  assert_eq "0:0" "$(stat -c %u:%g "$TEST_DIR/share/made")" "owner on the host of a file the container made"
  assert_eq "0:0" "$(stat -c %u:%g "$TEST_DIR/share/f")" "the host file (no chown)"
}

test_idmap_bind_mount_with_its_own_mappings() {
  mkdir -p "$TEST_DIR/share"
  echo data >"$TEST_DIR/share/f"
  config_set '.mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["rbind", "ridmap"],
      "uidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}],
      "gidMappings": [{"containerID": 0, "hostID": 4321, "size": 1}]}]' --arg s "$TEST_DIR/share"
  sh_args 'stat -c "%u:%g" /mnt/f'
  run_ok "$ID"
  assert_eq "1234:4321" "$RUN_OUT" "owner of a host root file through the mount's own mapping"
}

test_idmap_mount_without_any_mapping_is_an_error() {
  mkdir -p "$TEST_DIR/share"
  config_set '.mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["bind", "idmap"]}]' \
    --arg s "$TEST_DIR/share"
  assert_exit nonzero carrel run --bundle "$BUNDLE" "$ID"
  assert_error_line "mounts[" "uidMappings"
}

# --- namespaces by path together with a new user namespace (the staged start) ----------------------

# ns_differs PID TYPE: PID has left our TYPE namespace (its unshare ran).
ns_differs() { local n; n=$(ns_of "$1" "$2" 2>/dev/null) && [ "$n" != "$(ns_of $$ "$2")" ]; }

test_new_user_namespace_joins_a_host_network_namespace_by_path() {
  # A network namespace owned by the host's user namespace, made without `ip netns add`.
  local holder
  holder=$(spawn unshare --net sleep 30)
  wait_for 5 ns_differs "$holder" net
  config_set '.linux.namespaces = (.linux.namespaces | map(select(.type != "network")))
      + [{"type": "user"}, {"type": "network", "path": $p}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]' --arg p "/proc/$holder/ns/net"
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  local pid
  pid=$(ct_pid "$ID")
  assert_eq "$(ns_of "$holder" net)" "$(ns_of "$pid" net)" "network namespace of the container"
  assert_ne "$(ns_of $$ user)" "$(ns_of "$pid" user)" "user namespace of the container"
  assert_eq "0 100000 65536" "$(xargs <"/proc/$pid/uid_map")" "uid_map"
  # The init is the supervisor's child (the stage that cloned it is gone).
  local sup
  sup=$(jq -r '.supervisorPid // empty' "$TEST_ROOT/$ID/state.json")
  [ -n "$sup" ] || fail "no supervisorPid in state.json"
  assert_eq "$sup" "$(ppid_of "$pid")" "parent of the init"
  carrel delete --force "$ID" >/dev/null
}

test_new_user_namespace_joins_uts_by_path_and_keeps_its_hostname() {
  local holder
  holder=$(spawn unshare --uts sh -c 'hostname carrel-held && exec sleep 30')
  # Its hostname is set once it has become sleep.
  wait_for 5 grep -qx sleep "/proc/$holder/comm"
  config_set 'del(.hostname) | .linux.namespaces = (.linux.namespaces | map(select(.type != "uts")))
      + [{"type": "user"}, {"type": "uts", "path": $p}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]' --arg p "/proc/$holder/ns/uts"
  set_args hostname
  run_ok "$ID"
  assert_eq carrel-held "$RUN_OUT" "hostname from the joined uts namespace"
}
