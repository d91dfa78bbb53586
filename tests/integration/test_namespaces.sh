# shellcheck shell=bash
# shellcheck disable=SC2016,SC2015,SC2012 # container scripts and jq programs in single quotes
# Namespaces: each kind really isolates, seen from inside and from the host.

# start_sleeper: create+start a container running `sleep 30`; prints its host pid.
start_sleeper() {
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  ct_pid "$ID"
}

# The container's namespace link differs from the host's (this shell's).
assert_own_ns() { # PID TYPE
  local mine theirs
  mine=$(ns_of $$ "$2")
  theirs=$(ns_of "$1" "$2")
  assert_ne "$mine" "$theirs" "$2 namespace of the container"
}

assert_host_ns() { # PID TYPE
  assert_eq "$(ns_of $$ "$2")" "$(ns_of "$1" "$2")" "$2 namespace of the container (shared with the host)"
}

test_pid_namespace_process_is_pid_1() {
  sh_args 'echo "PID $$"; ps -o pid,comm | wc -l'
  run_ok "$ID"
  assert_eq "PID 1" "$(printf '%s\n' "$RUN_OUT" | head -n1)"
  # The shell, ps and wc are all this namespace holds (plus the header line).
  [ "$(printf '%s\n' "$RUN_OUT" | tail -n1)" -le 4 ] || fail "ps inside saw host processes: $RUN_OUT"
}

test_pid_namespace_seen_from_host() {
  local pid
  pid=$(start_sleeper)
  [ "$pid" -gt 1 ] || fail "host pid $pid"
  assert_own_ns "$pid" pid
  assert_eq 1 "$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status")" "NSpid innermost"
}

test_without_pid_namespace_sees_host_pids() {
  config_set '.linux.namespaces |= map(select(.type != "pid"))'
  local pid
  pid=$(start_sleeper)
  assert_host_ns "$pid" pid
}

test_uts_namespace_hostname_and_domainname() {
  config_set '.hostname = "ct-host" | .domainname = "example.test"'
  sh_args 'hostname; cat /proc/sys/kernel/domainname'
  local host_before
  host_before=$(hostname)
  run_ok "$ID"
  assert_eq "ct-host
example.test" "$RUN_OUT"
  assert_eq "$host_before" "$(hostname)" "host hostname"
}

test_uts_namespace_seen_from_host() {
  local pid
  pid=$(start_sleeper)
  assert_own_ns "$pid" uts
}

test_ipc_namespace_is_empty_and_own() {
  sh_args 'wc -l </proc/sysvipc/shm; wc -l </proc/sysvipc/msg; wc -l </proc/sysvipc/sem'
  run_ok "$ID"
  assert_eq "1
1
1" "$RUN_OUT" "lines in /proc/sysvipc/* (header only)"
  local pid
  pid=$(start_sleeper)
  assert_own_ns "$pid" ipc
}

test_net_namespace_has_only_lo() {
  sh_args 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; ls /sys/class/net'
  run_ok "$ID"
  assert_eq "lo
lo" "$RUN_OUT" "interfaces inside"
  local pid
  pid=$(start_sleeper)
  assert_own_ns "$pid" net
}

test_mount_namespace_is_own_and_container_mounts_stay_inside() {
  local pid
  pid=$(start_sleeper)
  assert_own_ns "$pid" mnt
  [ -z "$(__carrel_mounts_under "$TEST_DIR")" ] || fail "container mounts visible on the host: $(__carrel_mounts_under "$TEST_DIR")"
  grep -q ' /proc ' "/proc/$pid/mountinfo" || fail "no /proc in the container's mount table"
}

test_cgroup_namespace_root_is_own_cgroup() {
  sh_args 'cat /proc/self/cgroup'
  run_ok "$ID"
  local bad
  bad=$(printf '%s\n' "$RUN_OUT" | grep -v ':/$' || true)
  [ -n "$RUN_OUT" ] || fail "empty /proc/self/cgroup"
  [ -z "$bad" ] || fail "cgroup paths inside are not /: $bad"
  local pid
  pid=$(start_sleeper)
  assert_own_ns "$pid" cgroup
}

has_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; } # FILE N
ns_differs_from_ours() { [ "$(readlink "/proc/$1/ns/$2")" != "$(readlink "/proc/$$/ns/$2")" ]; } # PID NS

test_user_namespace_maps_root_to_host_uid() {
  config_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  sh_args 'id -u; id -g; cat /proc/self/uid_map; exec sleep 30'
  ct_create "$ID"
  ct_start "$ID"
  # (A function, so that every try counts the lines again.)
  wait_for 5 has_lines "$TEST_DIR/$ID.out" 3
  local out
  out=$(ct_out "$ID")
  assert_eq 0 "$(printf '%s\n' "$out" | sed -n 1p)" "id -u inside"
  assert_eq 0 "$(printf '%s\n' "$out" | sed -n 2p)" "id -g inside"
  assert_match "$(printf '%s\n' "$out" | sed -n 3p)" '^ *0 +100000 +65536$' "uid_map inside"
  local pid
  pid=$(ct_pid "$ID")
  assert_own_ns "$pid" user
  assert_eq "100000" "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "host uid of the container process"
  assert_eq "100000" "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" "host gid of the container process"
}

# Without a cgroup namespace, a user namespace may not mount a v1 hierarchy: the container gets a
# bind of its own cgroup instead, with the mount's flags (it was writable, and nosuid-less, before).
test_user_namespace_binds_own_v1_cgroup_read_only() {
  have_v1_pids || skip "no cgroup v1 pids hierarchy on this host"
  config_set '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "user"}])
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  config_set "$cgroup_mount_ro"
  sh_args "$own_cgroup_probe"
  ct_run "$ID"
  assert_own_cgroup_read_only "$RUN_OUT"
}

test_time_namespace_offsets_uptime() {
  [ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
  config_set '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"boottime": {"secs": 86400, "nanosecs": 0}, "monotonic": {"secs": 86400, "nanosecs": 0}}'
  sh_args 'cut -d. -f1 /proc/uptime'
  local host
  host=$(cut -d. -f1 /proc/uptime)
  run_ok "$ID"
  local inside=$RUN_OUT
  [ "$inside" -ge $((host + 86400 - 5)) ] && [ "$inside" -le $((host + 86400 + 30)) ] ||
    fail "uptime inside $inside, host $host: expected about host + 86400"
}

test_time_namespace_seen_from_host() {
  [ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
  config_set '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"monotonic": {"secs": 1000}}'
  local pid
  pid=$(start_sleeper)
  assert_own_ns "$pid" time
}

test_namespace_path_joins_existing_uts_namespace() {
  local holder
  holder=$(spawn unshare --uts sh -c 'hostname joined-ns; exec sleep 60')
  wait_for 5 ns_differs_from_ours "$holder" uts
  wait_for 5 grep -qx sleep "/proc/$holder/comm"
  config_set 'del(.hostname) | .linux.namespaces |= map(if .type == "uts" then .path = $p else . end)' \
    --arg p "/proc/$holder/ns/uts"
  sh_args 'hostname; exec sleep 30'
  ct_create "$ID"
  ct_start "$ID"
  wait_for 5 grep -q . "$TEST_DIR/$ID.out"
  assert_eq joined-ns "$(ct_out "$ID")" "hostname inside"
  assert_eq "$(ns_of "$holder" uts)" "$(ns_of "$(ct_pid "$ID")" uts)" "uts namespace of the container"
}

test_namespace_path_joins_existing_net_namespace() {
  local holder
  holder=$(spawn unshare --net sh -c 'ip link set lo mtu 1234 && exec sleep 60')
  wait_for 5 grep -qx sleep "/proc/$holder/comm"
  config_set '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
    --arg p "/proc/$holder/ns/net"
  local pid
  pid=$(start_sleeper)
  assert_eq "$(ns_of "$holder" net)" "$(ns_of "$pid" net)" "net namespace of the container"
  # The mark the holder left on its lo.
  assert_eq 1234 "$(cat "/proc/$pid/root/sys/class/net/lo/mtu")" "mtu of lo inside"
}

test_without_network_namespace_shares_host_network() {
  config_set '.linux.namespaces |= map(select(.type != "network"))'
  local pid
  pid=$(start_sleeper)
  assert_host_ns "$pid" net
}
