# shellcheck shell=bash
# shellcheck disable=SC2016,SC2015,SC2012 # container scripts and jq programs in single quotes
# Mounts: what the container sees of config.json's mounts, root, masked and read-only paths, /dev.

# mount_line MOUNTPOINT: the container's /proc/self/mountinfo line for MOUNTPOINT (from RUN_OUT).
mount_line() { printf '%s\n' "$RUN_OUT" | awk -v m="$1" '$5 == m' | tail -n1; }
# fstype of a mountinfo line: the field after " - ".
mount_fstype() { printf '%s\n' "$1" | sed -E 's/.* - ([^ ]+) .*/\1/'; }
mount_opts() { printf '%s\n' "$1" | awk '{ print $6 }'; }
mount_superopts() { printf '%s\n' "$1" | sed -E 's/.* - [^ ]+ [^ ]+ //'; }

add_mount() { # DEST TYPE SOURCE [OPTION...]
  local opts
  opts=$(json_array "${@:4}")
  config_set '.mounts += [{"destination": $d, "type": $t, "source": $s, "options": $o}]' \
    --arg d "$1" --arg t "$2" --arg s "$3" --argjson o "$opts"
}

test_proc_sysfs_devpts_mqueue_shm_are_mounted() {
  sh_args 'cat /proc/self/mountinfo'
  run_ok "$ID"
  local m
  m=$(mount_line /proc)
  assert_eq proc "$(mount_fstype "$m")" "/proc fstype"
  m=$(mount_line /sys)
  assert_eq sysfs "$(mount_fstype "$m")" "/sys fstype"
  assert_match "$(mount_opts "$m")" '(^|,)ro(,|$)' "/sys options"
  m=$(mount_line /dev/pts)
  assert_eq devpts "$(mount_fstype "$m")" "/dev/pts fstype"
  m=$(mount_line /dev/mqueue)
  assert_eq mqueue "$(mount_fstype "$m")" "/dev/mqueue fstype"
  m=$(mount_line /dev/shm)
  assert_eq tmpfs "$(mount_fstype "$m")" "/dev/shm fstype"
  m=$(mount_line /dev)
  assert_eq tmpfs "$(mount_fstype "$m")" "/dev fstype"
}

test_proc_shows_the_container_pid_namespace() {
  sh_args 'ls -d /proc/[0-9]* | wc -l; readlink /proc/self/ns/pid'
  run_ok "$ID"
  [ "$(printf '%s\n' "$RUN_OUT" | head -n1)" -le 3 ] || fail "/proc inside lists host processes: $RUN_OUT"
}

test_tmpfs_with_size_option() {
  add_mount /scratch tmpfs tmpfs size=1m mode=1777
  sh_args 'cat /proc/self/mountinfo; dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>&1 && echo WROTE-ALL'
  ct_run "$ID"
  local m
  m=$(mount_line /scratch)
  [ -n "$m" ] || fail "no /scratch mount: $RUN_OUT"
  assert_eq tmpfs "$(mount_fstype "$m")" "/scratch fstype"
  assert_contains "$(mount_superopts "$m")" "size=1024k" "/scratch options"
  assert_not_contains "$RUN_OUT" WROTE-ALL "writing 2 MiB to a 1 MiB tmpfs"
  assert_contains "$RUN_OUT" "No space left on device" "writing 2 MiB to a 1 MiB tmpfs"
}

test_bind_mount_read_only() {
  mkdir -p "$TEST_DIR/share" "$BUNDLE/rootfs/data"
  echo hello-bind >"$TEST_DIR/share/file"
  add_mount /data bind "$TEST_DIR/share" bind ro
  sh_args 'cat /data/file; touch /data/new 2>&1; echo rc=$?'
  ct_run "$ID"
  assert_contains "$RUN_OUT" hello-bind "reading the bind mount"
  assert_contains "$RUN_OUT" "Read-only file system" "writing the read-only bind mount"
  assert_no_file "$TEST_DIR/share/new"
}

# The init makes the device nodes, the hostname and lo before the CLI's GO when no mount after GO
# lands on /dev. A bind first makes every mount wait for GO, /dev's tmpfs too ("//dev": the same
# path): nodes made before it would be hidden under it.
test_devices_names_and_lo_also_when_a_late_mount_lands_on_dev() {
  mkdir -p "$TEST_DIR/share" "$BUNDLE/rootfs/data"
  config_set '.mounts = [{"destination": "/data", "type": "bind", "source": $s, "options": ["bind", "ro"]}]
    + (.mounts | map(if .destination == "/dev" then .destination = "//dev" else . end))' --arg s "$TEST_DIR/share"
  config_set '.hostname = "late-dev"'
  sh_args 'test -c /dev/null && test -c /dev/zero && test -c /dev/urandom && echo nodes-ok; hostname
    cat /sys/class/net/lo/flags'
  ct_run "$ID"
  assert_contains "$RUN_OUT" nodes-ok "device nodes"
  assert_contains "$RUN_OUT" late-dev "hostname"
  assert_contains "$RUN_OUT" 0x9 "lo flags (up, loopback)"
}

test_bind_mount_read_write_writes_through() {
  mkdir -p "$TEST_DIR/share"
  add_mount /data bind "$TEST_DIR/share" bind rw
  sh_args 'echo written-inside >/data/out'
  run_ok "$ID"
  assert_eq written-inside "$(cat "$TEST_DIR/share/out")" "file written through the bind mount"
}

test_bind_mount_creates_missing_destination() {
  mkdir -p "$TEST_DIR/share"
  echo x >"$TEST_DIR/share/f"
  add_mount /not/yet/there bind "$TEST_DIR/share" bind ro
  sh_args 'cat /not/yet/there/f'
  run_ok "$ID"
  assert_eq x "$RUN_OUT"
}

test_rbind_includes_submounts_and_bind_does_not() {
  mkdir -p "$TEST_DIR/src/sub"
  echo top >"$TEST_DIR/src/top"
  mount -t tmpfs -o size=1m carrel-test "$TEST_DIR/src/sub"
  track_mount "$TEST_DIR/src/sub"
  echo in-submount >"$TEST_DIR/src/sub/file"
  add_mount /r bind "$TEST_DIR/src" rbind ro
  add_mount /b bind "$TEST_DIR/src" bind ro
  sh_args 'cat /r/top /r/sub/file; ls /b/sub | wc -l'
  run_ok "$ID"
  assert_eq "top
in-submount
0" "$RUN_OUT"
}

test_readonly_root_refuses_writes() {
  config_set '.root.readonly = true'
  sh_args 'touch /newfile 2>&1; echo rc=$?; echo ok >/tmp/x 2>&1 || true'
  ct_run "$ID"
  assert_contains "$RUN_OUT" "Read-only file system" "touch /newfile"
  assert_not_contains "$RUN_OUT" "rc=0" "touch /newfile"
  assert_no_file "$BUNDLE/rootfs/newfile"
}

test_readonly_root_still_has_writable_tmpfs_mounts() {
  config_set '.root.readonly = true'
  add_mount /tmp tmpfs tmpfs size=1m
  sh_args 'echo ok >/tmp/x && cat /tmp/x && echo ok >/dev/shm/y && cat /dev/shm/y'
  run_ok "$ID"
  assert_eq "ok
ok" "$RUN_OUT"
}

test_masked_paths_read_empty() {
  mkdir -p "$BUNDLE/rootfs/secret-dir"
  echo top-secret >"$BUNDLE/rootfs/secret-file"
  echo also-secret >"$BUNDLE/rootfs/secret-dir/inner"
  config_set '.linux.maskedPaths += ["/secret-file", "/secret-dir", "/does-not-exist"]'
  sh_args 'echo "file:$(cat /secret-file)"; echo "dir:$(ls -A /secret-dir)"; echo "tl:$(wc -c </proc/timer_list)"'
  run_ok "$ID"
  assert_eq "file:
dir:
tl:0" "$RUN_OUT"
}

# Masked directories share one empty read-only tmpfs (mode 000): neither shows what is behind it,
# and neither takes a new entry.
test_masked_directories_hide_and_refuse_writes() {
  mkdir -p "$BUNDLE/rootfs/secret-a" "$BUNDLE/rootfs/secret-b"
  echo a >"$BUNDLE/rootfs/secret-a/inner"
  echo b >"$BUNDLE/rootfs/secret-b/inner"
  config_set '.linux.maskedPaths += ["/secret-a", "/secret-b"]'
  sh_args 'for d in /secret-a /secret-b; do ls -A $d; cat $d/inner; mkdir $d/x && echo "made $d/x"; done 2>&1
    grep -E " /secret-[ab] " /proc/self/mountinfo | cut -d" " -f3,6'
  ct_run "$ID"
  assert_eq 0 "$(grep -cxE 'inner|a|b' <<<"$RUN_OUT")" "lines showing what is behind a mask"
  assert_not_contains "$RUN_OUT" made "mkdir in a masked directory"
  assert_eq "2" "$(grep -cE '^[0-9]+:[0-9]+ ro,' <<<"$RUN_OUT")" "read-only mounts on the two directories"
  assert_eq 1 "$(grep -E '^[0-9]+:[0-9]+ ro,' <<<"$RUN_OUT" | cut -d" " -f1 | sort -u | wc -l)" "file systems under the two masks"
  assert_eq a "$(cat "$BUNDLE/rootfs/secret-a/inner")" "file behind the first mask"
  assert_eq b "$(cat "$BUNDLE/rootfs/secret-b/inner")" "file behind the second mask"
}

test_masked_file_cannot_be_written() {
  echo top-secret >"$BUNDLE/rootfs/secret-file"
  config_set '.linux.maskedPaths += ["/secret-file"]'
  sh_args 'echo overwrite >/secret-file 2>/dev/null; cat /secret-file; echo end'
  run_ok "$ID"
  assert_eq end "$RUN_OUT"
  assert_eq top-secret "$(cat "$BUNDLE/rootfs/secret-file")" "file behind the mask"
}

test_readonly_paths_refuse_writes() {
  mkdir -p "$BUNDLE/rootfs/rodir"
  config_set '.linux.readonlyPaths += ["/rodir"]'
  sh_args 'touch /rodir/x 2>&1; touch /rw-ok && echo root-writable; cat /proc/self/mountinfo'
  ct_run "$ID"
  assert_contains "$RUN_OUT" "Read-only file system" "touch /rodir/x"
  assert_contains "$RUN_OUT" root-writable "touch /rw-ok"
  assert_match "$(mount_opts "$(mount_line /proc/sys)")" '(^|,)ro(,|$)' "/proc/sys options"
  assert_match "$(mount_opts "$(mount_line /rodir)")" '(^|,)ro(,|$)' "/rodir options"
}

test_dev_has_the_default_devices_and_links() {
  sh_args 'for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo "c $d"; done
    [ -e /dev/ptmx ] && echo ptmx
    for l in fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done
    stat -c "%n %t:%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty
    echo x >/dev/null && echo null-writable
    head -c 4 /dev/zero | wc -c'
  ct_run "$ID"
  local d
  for d in null zero full random urandom tty; do
    assert_contains "$RUN_OUT" "c $d" "/dev/$d is a character device"
  done
  assert_contains "$RUN_OUT" ptmx "/dev/ptmx"
  assert_contains "$RUN_OUT" "fd -> /proc/self/fd" "/dev/fd"
  assert_contains "$RUN_OUT" "stdin -> /proc/self/fd/0" "/dev/stdin"
  assert_contains "$RUN_OUT" "stdout -> /proc/self/fd/1" "/dev/stdout"
  assert_contains "$RUN_OUT" "stderr -> /proc/self/fd/2" "/dev/stderr"
  assert_contains "$RUN_OUT" "/dev/null 1:3" "major:minor of /dev/null"
  assert_contains "$RUN_OUT" "/dev/zero 1:5" "major:minor of /dev/zero"
  assert_contains "$RUN_OUT" "/dev/full 1:7" "major:minor of /dev/full"
  assert_contains "$RUN_OUT" "/dev/random 1:8" "major:minor of /dev/random"
  assert_contains "$RUN_OUT" "/dev/urandom 1:9" "major:minor of /dev/urandom"
  assert_contains "$RUN_OUT" "/dev/tty 5:0" "major:minor of /dev/tty"
  assert_contains "$RUN_OUT" null-writable "writing /dev/null"
  assert_eq 0 "$RUN_RC" "exit code"
}

test_dev_has_no_host_devices() {
  sh_args 'ls /dev'
  run_ok "$ID"
  assert_not_contains "$RUN_OUT" vda "/dev listing"
  assert_not_contains "$RUN_OUT" kmsg "/dev listing"
  assert_not_contains "$RUN_OUT" mem "/dev listing"
}

test_config_device_appears_with_major_minor_and_mode() {
  config_set '.linux.devices = [{"path": "/dev/carrel-null", "type": "c", "major": 1, "minor": 3,
      "fileMode": 438, "uid": 0, "gid": 0}]
    | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
  sh_args 'stat -c "%F %t:%T %a" /dev/carrel-null; echo hi >/dev/carrel-null && echo writable'
  run_ok "$ID"
  assert_eq "character special file 1:3 666
writable" "$RUN_OUT"
}

test_sysctl_is_applied_inside_only() {
  local host_before
  host_before=$(cat /proc/sys/net/ipv4/ip_forward)
  config_set '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}'
  sh_args 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
  run_ok "$ID"
  assert_eq "1
1234" "$RUN_OUT"
  assert_eq "$host_before" "$(cat /proc/sys/net/ipv4/ip_forward)" "host net.ipv4.ip_forward"
}

# The optional fields of the root mount's mountinfo line inside the container.
root_propagation() {
  config_set '.linux.rootfsPropagation = $p' --arg p "$1"
  sh_args 'cat /proc/self/mountinfo'
  run_ok "$ID"
  printf '%s\n' "$RUN_OUT" | awk '$5 == "/" { s = ""; for (i = 7; $i != "-"; i++) s = s " " $i; print s }' | tail -n1
}

test_rootfs_propagation_private() {
  local tags
  tags=$(root_propagation private)
  assert_not_contains "$tags" shared: "propagation of / (private)"
  assert_not_contains "$tags" master: "propagation of / (private)"
}

test_rootfs_propagation_shared() {
  local tags
  tags=$(root_propagation shared)
  assert_contains "$tags" shared: "propagation of / (shared)"
}

test_rootfs_propagation_slave() {
  local tags
  tags=$(root_propagation slave)
  assert_not_contains "$tags" shared: "propagation of / (slave)"
}

# On a v1 or hybrid host the read-only cgroup tree sits on the host's own directories for the
# hierarchies (a bind of its /sys/fs/cgroup without what is mounted there), read-only; the host's
# directory gains nothing.
test_v1_cgroup_tree_sits_on_the_hosts_directories_read_only() {
  have_v1_pids || skip "no cgroup v1 hierarchies on this host"
  local before out
  before=$(ls -A /sys/fs/cgroup)
  config_set "$cgroup_mount_ro"
  sh_args "$cgroup_tree_probe"
  run_ok "$ID"
  out=$RUN_OUT
  assert_eq "$(stat -c %d /sys/fs/cgroup)" "$(sed -n 1p <<<"$out")" "device of /sys/fs/cgroup inside (the host's)"
  assert_match "$(sed -n 2p <<<"$out")" '^ro,nosuid,nodev,noexec' "options of /sys/fs/cgroup"
  assert_contains "$(sed -n 3p <<<"$out")" "Read-only file system" "mkdir in /sys/fs/cgroup"
  assert_eq "$(host_cgroup_hierarchies)" "$(sed -n '4,$p' <<<"$out")" "hierarchies mounted inside"
  assert_eq "$before" "$(ls -A /sys/fs/cgroup)" "the host's /sys/fs/cgroup after the run"
}

# A writable cgroup mount gets a tmpfs of its own: the container may write there, not in the host's.
test_v1_writable_cgroup_tree_is_a_tmpfs_of_its_own() {
  have_v1_pids || skip "no cgroup v1 hierarchies on this host"
  local out
  config_set "$cgroup_mount_ro"
  config_set '.mounts[-1].options -= ["ro"]'
  sh_args "$cgroup_tree_probe"
  run_ok "$ID"
  out=$RUN_OUT
  assert_ne "$(stat -c %d /sys/fs/cgroup)" "$(sed -n 1p <<<"$out")" "device of /sys/fs/cgroup inside"
  assert_match "$(sed -n 2p <<<"$out")" '^rw,' "options of /sys/fs/cgroup"
  assert_no_file /sys/fs/cgroup/carrel-probe
  assert_eq "$(host_cgroup_hierarchies)" "$(sed -n '3,$p' <<<"$out")" "hierarchies mounted inside"
}

test_mounts_are_gone_after_delete() {
  mkdir -p "$TEST_DIR/share"
  add_mount /data bind "$TEST_DIR/share" bind ro
  add_mount /scratch tmpfs tmpfs size=1m
  set_args sleep 30
  ct_create "$ID"
  ct_start "$ID"
  assert_exit 0 carrel delete --force "$ID"
  assert_nothing_left "$ID"
}
