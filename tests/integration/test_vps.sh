# shellcheck shell=bash
# shellcheck disable=SC2016 # commands for the VPS's shell in single quotes
# VPSes (`carrel vps`): long-lived system containers from a template, with their own id range,
# disk image, network address, limits and console; noisy neighbours stay in their own limits.
# Traffic stays between this host and the test's own bridge.

# vps_init: a private data dir (its VPSes are destroyed at the end, also on failure), the template
# cache shared between runs, a VPS name with the test's tag.
vps_init() {
  command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 (e2fsprogs) is needed for VPS disks"
  export CARREL_DATA_DIR=$TEST_DIR/data
  export CARREL_VPS_TEMPLATE_CACHE=${CARREL_VPS_TEMPLATE_CACHE:-$CARREL_REPO/build/vps-templates}
  V=v$TEST_TAG
  NET=n$TEST_TAG
  BR=b$TEST_TAG
  local n=${TEST_TAG##*x}
  NETPFX=10.198.$((n % 200 + 20))
  trap '__vps_cleanup' EXIT
}

__vps_cleanup() {
  local rc=$? d
  for d in "$CARREL_DATA_DIR"/vps/*/vps.json; do
    [ -f "$d" ] || continue
    timeout -k 2 30 "$CARREL_BIN" --root "$TEST_ROOT" vps destroy --force "$(basename "$(dirname "$d")")" \
      </dev/null >/dev/null 2>&1
  done
  __carrel_cleanup
  if [ -n "${NET_MADE:-}" ]; then
    timeout 10 "$CARREL_BIN" network rm "$NET" >/dev/null 2>&1
    ip link delete "$BR" 2>/dev/null
  fi
  exit "$rc"
}

vps() { carrel vps "$@"; }
vps_ok() { assert_exit 0 carrel vps "$@"; }

net_make() {
  vps_ok ls >/dev/null # (the data dir)
  assert_exit 0 carrel network create "$NET" --subnet "$NETPFX.0/24" --bridge "$BR"
  NET_MADE=1
}

vps_status() { vps ls --format json | jq -r --arg n "$1" '.[] | select(.name == $n) | .status'; }
vps_status_is() { [ "$(vps_status "$1")" = "$2" ]; }
vps_pid() { vps ls --format json | jq -r --arg n "$1" '.[] | select(.name == $n) | .pid'; }
vps_addr() { vps ls --format json | jq -r --arg n "$1" '.[] | select(.name == $n) | .address'; }
booted() { grep -q "carrel-vps: .* is up" "$CARREL_DATA_DIR/vps/$1/console.log" 2>/dev/null; }
pid_is_new() { local p; p=$(vps_pid "$1"); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$2" ] && [ "$(vps_status "$1")" = running ]; }

# console NAME LINE: type LINE on the console, print what the console answered.
console() {
  printf '%s\n' "$2" | timeout 15 "$CARREL_BIN" --root "$TEST_ROOT" vps console --no-replay --linger 1 "$1"
}

vps_up() { # NAME [CREATE OPTIONS...]
  local name=$1
  shift
  vps_ok create "$name" --template busybox "$@"
  vps_ok start "$name"
  wait_for 10 booted "$name"
}

vps_mounts() { grep -c " $CARREL_DATA_DIR/vps/" /proc/self/mounts || true; }

# pty_console NAME STEPS: attach `vps console` to a terminal of its own (python pty) and follow
# STEPS, one per line: `size ROWS COLS` (the viewer's window; the first one is set before it
# starts), `send TEXT` (\r, \x03 escapes), `sleep SECS`, `expect REGEX SECS` (in what the console
# printed since the last send; fails otherwise). Detaches with Ctrl-] at the end; prints all output.
pty_console() {
  command -v python3 >/dev/null || skip "python3 missing"
  timeout -k 2 40 python3 - "$2" "$CARREL_BIN" --root "$TEST_ROOT" vps console --no-replay "$1" <<'PY'
import fcntl, os, pty, re, select, struct, sys, termios, time
steps = [l.split(" ", 1) for l in sys.argv[1].strip().split("\n")]
def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(cols), 0, 0))
pid, fd = pty.fork()
if pid == 0:
    if steps[0][0] == "size":
        winsize(0, *steps[0][1].split())
    os.execv(sys.argv[2], sys.argv[2:])
out, mark, rc = b"", 0, 0
def read_until(pat, secs):
    global out
    end = time.time() + secs
    while True:
        if pat is not None and re.search(pat.encode(), out[mark:], re.M):
            return True
        left = end - time.time()
        if left <= 0:
            return pat is None
        if select.select([fd], [], [], min(left, 0.1))[0]:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return pat is None
            if not d:
                return pat is None
            out += d
for i, (op, arg) in enumerate(steps):
    if op == "size" and i > 0:
        winsize(fd, *arg.split())
    elif op == "send":
        read_until(None, 0.2)
        mark = len(out)
        os.write(fd, arg.encode().decode("unicode_escape").encode())
    elif op == "sleep":
        read_until(None, float(arg))
    elif op == "expect":
        pat, secs = arg.rsplit(" ", 1)
        if not read_until(pat, float(secs)):
            print("pty_console: no /%s/ within %ss" % (pat, secs))
            rc = 1
            break
os.write(fd, b"\x1d")
read_until(None, 1)
if os.waitpid(pid, os.WNOHANG) == (0, 0):
    os.kill(pid, 9)
    os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(rc)
PY
}

test_vps_create_start_console_stop_start_destroy() {
  vps_init
  vps_ok create "$V" --template busybox --memory 64M --pids 128 --hostname box1
  vps_ok ls
  assert_match "$LAST_OUT" "^$V +busybox +stopped +- +64M +1 +128 +64M +[0-9]+ +no +no$"
  vps_ok start "$V"
  wait_for 10 booted "$V"
  assert_eq running "$(vps_status "$V")"
  assert_exit 1 carrel vps start "$V"
  assert_error_line "already running"
  local out
  out=$(console "$V" 'echo answer-$((40+2)) $(hostname); echo persisted >/root/note')
  assert_contains "$out" "answer-42 box1"
  # The console keeps what was printed while nobody watched: a second viewer sees the replay.
  out=$(console "$V" '' </dev/null)
  assert_contains "$(printf '' | timeout 10 "$CARREL_BIN" --root "$TEST_ROOT" vps console --linger 0.5 "$V")" "answer-42 box1"
  assert_contains "$(cat "$CARREL_DATA_DIR/vps/$V/console.log")" "answer-42 box1"
  vps_ok stats --format json "$V"
  assert_eq 67108864 "$(jq .memory_limit <<<"$LAST_OUT")" "memory limit in stats"
  [ "$(jq .pids <<<"$LAST_OUT")" -ge 3 ] || fail "stats: pids $(jq .pids <<<"$LAST_OUT")"
  vps_ok stop "$V"
  assert_eq stopped "$(vps_status "$V")"
  assert_eq 0 "$(vps_mounts)" "disk mounts after stop"
  [ -z "$(losetup -j "$CARREL_DATA_DIR/vps/$V/disk.img")" ] || fail "loop device left after stop"
  # Its disk persists.
  vps_ok start "$V"
  wait_for 10 booted "$V"
  out=$(console "$V" 'cat /root/note')
  assert_contains "$out" "persisted"
  vps_ok exec "$V" -- cat /etc/hostname
  assert_eq box1 "$LAST_OUT"
  # destroy asks first.
  LAST_RC=0
  echo n | carrel vps destroy "$V" >/dev/null 2>&1 || LAST_RC=$?
  assert_eq 1 "$LAST_RC" "destroy answered n"
  assert_eq running "$(vps_status "$V")"
  echo y | carrel vps destroy "$V" >/dev/null 2>&1 || fail "destroy answered y failed"
  assert_no_file "$CARREL_DATA_DIR/vps/$V"
  assert_eq '{}' "$(jq -c .ranges "$CARREL_DATA_DIR/vps/idranges.json")" "id ranges after destroy"
  assert_eq 0 "$(vps_mounts)"
  assert_nothing_left "vps-$V"
}

test_vps_root_inside_is_its_own_id_range_outside() {
  vps_init
  vps_up "$V"
  vps_up "$V-b"
  local base base_b pid
  base=$(vps ls --format json | jq -r --arg n "$V" '.[] | select(.name == $n) | .id_base')
  base_b=$(vps ls --format json | jq -r --arg n "$V-b" '.[] | select(.name == $n) | .id_base')
  [ $((base_b - base)) -ge 65536 ] || [ $((base - base_b)) -ge 65536 ] || fail "ranges overlap: $base $base_b"
  pid=$(vps_pid "$V")
  assert_eq "$base" "$(stat -c %u "/proc/$pid")" "host uid of the VPS's init"
  vps_ok exec "$V" -- sh -c 'id -u; touch /root/mine; ls -n /root/mine'
  assert_match "$LAST_OUT" "^0"
  assert_eq "$base" "$(stat -c %u "$CARREL_DATA_DIR/vps/$V/rootfs/root/mine")" "host owner of a file the VPS wrote"
  # Inside: none of the other VPS's processes, no host files, no signalling the neighbour.
  local pid_b
  pid_b=$(vps_pid "$V-b")
  echo s3cr3t-content >"$TEST_DIR/host-file"
  vps_ok exec "$V" -- sh -c "ps -o pid,comm | grep -c httpd; cat $TEST_DIR/host-file 2>&1; kill -9 $pid_b 2>&1; echo end"
  assert_match "$LAST_OUT" "^1$"
  assert_not_contains "$LAST_OUT" "s3cr3t-content"
  assert_eq running "$(vps_status "$V-b")"
  pid_alive "$pid_b" || fail "the neighbour's init died"
}

test_vps_disk_is_capped_enospc_inside() {
  vps_init
  vps_up "$V" --disk 16M
  vps_ok exec "$V" -- sh -c 'dd if=/dev/zero of=/root/fill bs=1M count=64 2>&1; echo rc=$?'
  assert_contains "$LAST_OUT" "No space left on device"
  local used
  used=$(du -k "$CARREL_DATA_DIR/vps/$V/disk.img" | cut -f1)
  [ "$used" -le 16384 ] || fail "the image grew past its size: ${used}K"
  # It still works, and gets its space back.
  vps_ok exec "$V" -- sh -c 'rm /root/fill; echo ok >/root/small; cat /root/small'
  assert_eq ok "$LAST_OUT"
}

test_vps_restart_policy_brings_a_killed_vps_back() {
  vps_init
  vps_up "$V" --restart always
  local pid
  pid=$(vps_pid "$V")
  kill -9 "$pid"
  # Backoff: the first restart comes after 1 s.
  wait_for 10 pid_is_new "$V" "$pid"
  wait_for 10 booted "$V"
  # A stop is not a failure to recover from.
  pid=$(vps_pid "$V")
  vps_ok stop "$V"
  sleep 2
  assert_eq stopped "$(vps_status "$V")"
  [ -z "$(pgrep -f "vps start --restarted.*$V" || true)" ] || fail "a restarter is left"
}

test_vps_on_failure_does_not_restart_a_poweroff_from_inside() {
  vps_init
  vps_up "$V" --restart on-failure
  console "$V" 'poweroff' >/dev/null || true
  wait_for 10 vps_status_is "$V" stopped
  sleep 1.5
  assert_eq stopped "$(vps_status "$V")"
}

test_vps_killed_supervisor_leaves_it_running_and_stoppable() {
  vps_init
  vps_up "$V"
  local sup pid
  sup=$(jq -r .supervisorPid <<<"$(carrel state "vps-$V")")
  pid=$(vps_pid "$V")
  kill -9 "$sup"
  sleep 0.3
  assert_eq running "$(vps_status "$V")"
  pid_alive "$pid" || fail "the VPS died with its supervisor"
  assert_exit 1 carrel vps console "$V"
  assert_error_line "no console server"
  vps_ok stop "$V"
  pid_gone "$pid" || fail "stop left the init"
  vps_ok start "$V"
  wait_for 10 booted "$V"
  assert_contains "$(console "$V" 'echo back-$((1+1))')" "back-2"
}

test_vps_noisy_neighbour_hits_its_own_limits_only() {
  vps_init
  net_make
  vps_up "$V" --network "$NET,ip=$NETPFX.10" --memory 32M --pids 48 --disk 16M --cpus 0.5
  vps_up "$V-b" --network "$NET,ip=$NETPFX.11"
  assert_eq "$V-b" "$(timeout 5 busybox wget -qO- "http://$NETPFX.11/")" "neighbour's httpd before"
  # Fork bomb, memory hog and disk fill in the noisy one, all at once.
  vps exec "$V" -- sh -c 'i=0; while [ $i -lt 300 ]; do sleep 20 & i=$((i+1)); done' >/dev/null 2>&1 &
  local bomb=$!
  vps exec "$V" -- sh -c 'dd if=/dev/zero of=/root/fill bs=1M count=64' >/dev/null 2>&1 || true
  vps exec "$V" -- sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo ${#x}' >/dev/null 2>&1 || true
  local t0 t1 got
  t0=$(__carrel_now_ms)
  got=$(timeout 5 busybox wget -qO- "http://$NETPFX.11/") || true
  t1=$(__carrel_now_ms)
  assert_eq "$V-b" "$got" "neighbour's httpd during the noise"
  [ $((t1 - t0)) -lt 3000 ] || fail "the neighbour answered after $((t1 - t0)) ms"
  vps_ok stats --format json "$V"
  [ "$(jq .pids <<<"$LAST_OUT")" -le 48 ] || fail "pids over the limit: $LAST_OUT"
  [ "$(jq .memory_bytes <<<"$LAST_OUT")" -le $((32 << 20)) ] || fail "memory over the limit: $LAST_OUT"
  wait "$bomb" 2>/dev/null || true
  # The noisy one is still alive (its limits stopped the noise, not the VPS) and reachable.
  assert_eq "$V" "$(timeout 5 busybox wget -qO- "http://$NETPFX.10/")" "the noisy VPS's httpd"
}

test_vps_bad_input_names_the_value_and_leaves_nothing() {
  vps_init
  assert_exit 1 carrel vps create "$V" --template nosuch
  assert_error_line "nosuch"
  assert_exit 1 carrel vps create "Bad_Name" --template busybox
  assert_error_line "Bad_Name"
  assert_exit 1 carrel vps create "$V" --template busybox --network "nonet$TEST_TAG"
  assert_error_line "nonet$TEST_TAG" "does not exist"
  assert_exit 1 carrel vps create "$V" --template busybox --memory lots
  assert_error_line "--memory" "lots"
  assert_exit 1 carrel vps start "$V"
  assert_error_line "$V" "does not exist"
  assert_no_file "$CARREL_DATA_DIR/vps/$V"
}

test_vps_autostart_starts_only_the_marked_ones() {
  vps_init
  vps_ok create "$V" --template busybox --autostart
  vps_ok create "$V-b" --template busybox
  vps_ok start --all
  assert_eq running "$(vps_status "$V")"
  assert_eq stopped "$(vps_status "$V-b")"
}

test_vps_console_window_size_follows_the_viewers_terminal() {
  vps_init
  vps_up "$V"
  local out
  out=$(pty_console "$V" 'size 33 111
send stty size\r
expect ^33 111 5
size 41 123
sleep 0.3
send stty size\r
expect ^41 123 5') || fail "window size not passed: $out"
  assert_contains "$out" "Detached from $V"
}

test_vps_console_ctrl_c_interrupts_the_foreground_command() {
  vps_init
  vps_up "$V"
  local out t0 t1
  t0=$(__carrel_now_ms)
  # Job control: the console shell owns the pty, so ^C reaches `sleep`.
  out=$(pty_console "$V" 'size 24 80
send sleep 100\r
sleep 1
send \x03
send echo after-$((40+2))\r
expect after-42 5') || fail "Ctrl-C did not interrupt sleep: $out"
  t1=$(__carrel_now_ms)
  [ $((t1 - t0)) -lt 15000 ] || fail "took $((t1 - t0)) ms"
  assert_not_contains "$out" "job control turned off"
  vps_ok exec "$V" -- sh -c 'ps -o comm | grep -c "^sleep" || true'
  assert_eq 0 "$LAST_OUT" "sleeps left in the VPS"
}

test_vps_adopted_after_its_supervisor_was_killed_restarts_by_policy() {
  vps_init
  vps_up "$V" --restart on-failure
  local sup pid watcher
  sup=$(jq -r .supervisorPid <<<"$(carrel state "vps-$V")")
  pid=$(vps_pid "$V")
  kill -9 "$sup"
  wait_for 5 pid_gone "$sup"
  # start adopts the running VPS: a watcher now waits for its init.
  vps_ok start "$V"
  assert_contains "$LAST_OUT" "watcher"
  watcher=$(cut -d' ' -f1 "$CARREL_DATA_DIR/vps/$V/watcher.pid")
  pid_alive "$watcher" || fail "no watcher"
  assert_eq "$pid" "$(vps_pid "$V")" "the same init"
  assert_exit 1 carrel vps start "$V"
  assert_error_line "already running" "watcher"
  # The init ends (status unknown to the watcher: a failure): on-failure brings it back.
  kill -9 "$pid"
  wait_for 10 pid_is_new "$V" "$pid"
  wait_for 10 booted "$V"
  wait_for 5 pid_gone "$watcher"
  assert_contains "$(cat "$CARREL_DATA_DIR/vps/$V/vps.log")" "exit status unknown, taken as a failure"
  # With a new supervisor, and so a console again.
  assert_contains "$(console "$V" 'echo back-$((1+1))')" "back-2"
  # Adopted again, then stopped: the watcher goes and nothing restarts the VPS.
  sup=$(jq -r .supervisorPid <<<"$(carrel state "vps-$V")")
  kill -9 "$sup"
  wait_for 5 pid_gone "$sup"
  vps_ok start "$V"
  watcher=$(cut -d' ' -f1 "$CARREL_DATA_DIR/vps/$V/watcher.pid")
  vps_ok stop "$V"
  wait_for 5 pid_gone "$watcher"
  sleep 1.5
  assert_eq stopped "$(vps_status "$V")"
}

test_vps_start_all_adopts_an_autostart_vps_without_supervisor() {
  vps_init
  vps_up "$V" --autostart --restart always
  local sup pid
  sup=$(jq -r .supervisorPid <<<"$(carrel state "vps-$V")")
  pid=$(vps_pid "$V")
  kill -9 "$sup"
  wait_for 5 pid_gone "$sup"
  vps_ok start --all
  assert_contains "$LAST_OUT" "$V: running without its supervisor"
  kill -9 "$pid"
  wait_for 10 pid_is_new "$V" "$pid"
}

test_vps_io_weight_is_applied_or_refused_at_create() {
  vps_init
  vps_ok create "$V" --template busybox --io-weight 300
  assert_eq 300 "$(vps ls --format json | jq -r --arg n "$V" '.[] | select(.name == $n) | .io_weight')"
  vps_ok start "$V"
  local pid path f got=""
  pid=$(vps_pid "$V")
  path=$(sed -n 's/^[0-9]*:blkio:\(.*\)$/\1/p' "/proc/$pid/cgroup")
  if [ -n "$path" ]; then
    for f in blkio.weight blkio.bfq.weight; do
      [ -f "/sys/fs/cgroup/blkio$path/$f" ] && got+="$f=$(cat "/sys/fs/cgroup/blkio$path/$f") "
    done
  else
    path=$(sed -n 's/^0::\(.*\)$/\1/p' "/proc/$pid/cgroup")
    for f in io.weight io.bfq.weight; do
      [ -f "/sys/fs/cgroup$path/$f" ] && got+="$f=$(tr '\n' ' ' <"/sys/fs/cgroup$path/$f")"
    done
  fi
  # blkio.* and io.bfq.weight take 300 as is; io.weight takes it converted to [1, 10000].
  assert_match "$got" "weight=(default )?(300|2930)( |$)" "the VPS's I/O weight files"
  vps_ok destroy --force "$V"
  # A host with no weight file (here: the blkio hierarchy hidden under a tmpfs in a private mount
  # namespace; the host's mounts stay as they are) refuses the flag at create, in one line.
  [ -d /sys/fs/cgroup/blkio ] || return 0
  LAST_RC=0
  # shellcheck disable=SC2034 # read by assert_error_line
  LAST_ERR=$(unshare --mount --propagation private sh -c 'mount -t tmpfs carrel-test /sys/fs/cgroup/blkio &&
    exec "$@"' sh timeout 20 "$CARREL_BIN" --root "$TEST_ROOT" vps create "$V" --template busybox --io-weight 300 \
    2>&1 >/dev/null) || LAST_RC=$?
  assert_eq 1 "$LAST_RC" "create without a weight file"
  assert_error_line "--io-weight" "no weight-based I/O scheduler"
  assert_no_file "$CARREL_DATA_DIR/vps/$V"
  assert_eq 0 "$(vps_mounts)"
}
