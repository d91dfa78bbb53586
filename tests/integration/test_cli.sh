# shellcheck shell=bash
# shellcheck disable=SC2016 # container scripts and jq programs in single quotes
# The command line: every command and option, against the real binary, as a user (or an engine)
# types it.

SCHEMA_DIR=${CARREL_SCHEMA_DIR:-$CARREL_REPO/../shared/oci-runtime-spec/schema}

# A JSON Schema (draft-04) check small enough to live here: the subset the runtime-spec schemas use.
schema_validate() { # SCHEMA_FILE DOCUMENT_FILE
  python3 - "$1" "$2" <<'PY'
import json, os, re, sys
base = os.path.dirname(os.path.abspath(sys.argv[1]))
cache = {}
def load(name):
    if name not in cache:
        with open(os.path.join(base, name)) as f:
            cache[name] = json.load(f)
    return cache[name]
def resolve(ref, cur):
    f, _, ptr = ref.partition("#")
    doc = load(f) if f else load(cur)
    for part in [p for p in ptr.split("/") if p]:
        doc = doc[part]
    return doc, (f or cur)
errors = []
def is_type(v, t):
    return {"object": isinstance(v, dict), "array": isinstance(v, list), "string": isinstance(v, str),
            "boolean": isinstance(v, bool), "null": v is None,
            "integer": isinstance(v, int) and not isinstance(v, bool),
            "number": isinstance(v, (int, float)) and not isinstance(v, bool)}[t]
def check(v, s, cur, path):
    if "$ref" in s:
        s2, f = resolve(s["$ref"], cur)
        return check(v, s2, f, path)
    ok = True
    def bad(msg):
        errors.append("%s: %s" % (path or "/", msg))
        return False
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(is_type(v, t) for t in ts):
            return bad("expected %s" % s["type"])
    if "enum" in s and v not in s["enum"]:
        ok = bad("%r not in %r" % (v, s["enum"]))
    if "pattern" in s and isinstance(v, str) and not re.search(s["pattern"], v):
        ok = bad("%r does not match %s" % (v, s["pattern"]))
    if "minimum" in s and isinstance(v, (int, float)) and v < s["minimum"]:
        ok = bad("below minimum")
    if isinstance(v, dict):
        for r in s.get("required", []):
            if r not in v:
                ok = bad("missing %s" % r)
        for k, sub in v.items():
            if k in s.get("properties", {}):
                ok &= check(sub, s["properties"][k], cur, path + "/" + k)
            else:
                matched = False
                for pat, ps in s.get("patternProperties", {}).items():
                    if re.search(pat, k):
                        matched = True
                        ok &= check(sub, ps, cur, path + "/" + k)
                ap = s.get("additionalProperties", True)
                if not matched and ap is False:
                    ok = bad("unexpected property %s" % k)
                elif not matched and isinstance(ap, dict):
                    ok &= check(sub, ap, cur, path + "/" + k)
    if isinstance(v, list) and isinstance(s.get("items"), dict):
        for i, item in enumerate(v):
            ok &= check(item, s["items"], cur, "%s[%d]" % (path, i))
    if "minItems" in s and isinstance(v, list) and len(v) < s["minItems"]:
        ok = bad("fewer than %d items" % s["minItems"])
    for key in ("allOf",):
        for sub in s.get(key, []):
            ok &= check(v, sub, cur, path)
    for key in ("anyOf", "oneOf"):
        if key in s:
            saved = list(errors)
            n = sum(1 for sub in s[key] if check(v, sub, cur, path))
            errors[:] = saved
            if n == 0 or (key == "oneOf" and n > 1):
                ok = bad("%s: %d alternatives match" % (key, n))
    return ok
with open(sys.argv[2]) as f:
    doc = json.load(f)
check(doc, load(os.path.basename(sys.argv[1])), os.path.basename(sys.argv[1]), "")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
PY
}

rfc3339_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'

test_version_and_help() {
  assert_exit 0 "$CARREL_BIN" --version
  assert_match "$LAST_OUT" '^carrel version [0-9]'
  assert_contains "$LAST_OUT" "spec: 1."
  assert_exit 0 "$CARREL_BIN" -v
  assert_exit 0 "$CARREL_BIN" --help
  local cmd
  for cmd in create start state kill delete run list exec ps pause resume update events spec features; do
    assert_contains "$LAST_OUT" "  $cmd " "--help lists $cmd"
  done
  for cmd in --root --log --log-format --debug --systemd-cgroup --rootless; do
    assert_contains "$LAST_OUT" "$cmd" "--help lists $cmd"
  done
  assert_exit 1 "$CARREL_BIN" no-such-command
  assert_error_line "no-such-command"
  assert_exit 1 "$CARREL_BIN"
}

test_every_command_has_help() {
  local cmd
  for cmd in create run exec ps list kill delete spec; do
    "$CARREL_BIN" "$cmd" --help >"$TEST_DIR/help" 2>&1 </dev/null || true
    assert_contains "$(cat "$TEST_DIR/help")" "Usage: carrel $cmd" "$cmd --help"
  done
}

test_root_option_places_state() {
  set_args sleep 30
  local root=$TEST_DIR/other-root
  assert_exit 0 timeout 10 "$CARREL_BIN" --root "$root" create --bundle "$BUNDLE" "$ID"
  assert_file "$root/$ID/state.json"
  assert_exit 0 timeout 10 "$CARREL_BIN" --root="$root" list -q
  assert_eq "$ID" "$LAST_OUT" "list of the other root"
  assert_exit 0 carrel list -q
  assert_eq "" "$LAST_OUT" "list of the test root"
  assert_exit 0 timeout 10 "$CARREL_BIN" --root "$root" delete --force "$ID"
  assert_no_file "$root/$ID"
}

test_log_json_writes_runc_style_error_lines() {
  local log=$TEST_DIR/log.json line
  assert_exit 1 carrel --log "$log" --log-format json state no-such-ct
  assert_error_line no-such-ct
  line=$(tail -n1 "$log")
  assert_eq error "$(jq -r .level <<<"$line")" level
  assert_contains "$(jq -r .msg <<<"$line")" no-such-ct msg
  assert_match "$(jq -r .time <<<"$line")" "$rfc3339_re" time
  assert_eq 3 "$(jq -r 'keys | length' <<<"$line")" "fields of the log line"
  # Text format.
  assert_exit 1 carrel --log "$TEST_DIR/log.txt" --log-format text state no-such-ct
  assert_contains "$(cat "$TEST_DIR/log.txt")" "error: " "text log"
  assert_exit 1 carrel --log-format yaml list
  assert_error_line log-format yaml
}

test_debug_and_rootless_options() {
  assert_exit 0 carrel --debug list
  assert_exit 0 carrel --rootless false list
  assert_exit 0 carrel --rootless auto list
  assert_exit 1 carrel --rootless maybe list
  assert_error_line rootless maybe
}

test_systemd_cgroup_is_a_clear_error_for_create_and_run() {
  assert_exit 1 carrel --systemd-cgroup create --bundle "$BUNDLE" "$ID"
  assert_error_line systemd-cgroup
  if [ -d /run/systemd/system ]; then
    assert_contains "$LAST_ERR" "no systemd cgroup driver"
  else
    assert_contains "$LAST_ERR" "no systemd manager on this host"
  fi
  assert_exit 1 carrel --systemd-cgroup run --bundle "$BUNDLE" "$ID"
  assert_no_file "$TEST_ROOT/$ID"
  assert_exit 0 carrel --systemd-cgroup list
}

test_list_quiet_table_and_json() {
  assert_exit 0 carrel list
  assert_match "$LAST_OUT" '^ID +PID +STATUS +BUNDLE +CREATED +OWNER'
  set_args sleep 30
  ct_create "$ID"
  ct_create "$ID-b"
  ct_start "$ID-b"
  assert_exit 0 carrel list -q
  assert_eq "$ID"$'\n'"$ID-b" "$LAST_OUT" "list -q"
  assert_exit 0 carrel list --format json
  assert_eq created "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' <<<"$LAST_OUT")"
  assert_eq running "$(jq -r --arg id "$ID-b" '.[] | select(.id == $id) | .status' <<<"$LAST_OUT")"
  assert_eq "$(ct_pid "$ID-b")" "$(jq -r --arg id "$ID-b" '.[] | select(.id == $id) | .pid' <<<"$LAST_OUT")"
  assert_exit 0 carrel list --format table
  assert_match "$LAST_OUT" "$ID-b +[0-9]+ +running"
  assert_exit 1 carrel list --format xml
  assert_error_line format
}

test_state_prints_the_oci_state() {
  set_args sleep 30
  ct_create "$ID"
  local s
  s=$(ct_state "$ID")
  assert_eq "$ID" "$(jq -r .id <<<"$s")" id
  assert_eq created "$(jq -r .status <<<"$s")" status
  assert_eq "$BUNDLE" "$(jq -r .bundle <<<"$s")" bundle
  assert_match "$(jq -r .ociVersion <<<"$s")" '^1\.' ociVersion
  [ "$(jq -r .pid <<<"$s")" -gt 0 ] || fail "pid"
  if [ -f "$SCHEMA_DIR/state-schema.json" ]; then
    printf '%s\n' "$s" >"$TEST_DIR/state.json"
    schema_validate "$SCHEMA_DIR/state-schema.json" "$TEST_DIR/state.json" || fail "state does not match state-schema.json"
  fi
  assert_exit 1 carrel state
  assert_error_line "missing container id"
}

test_ps_table_json_and_ps_options() {
  sh_args 'sleep 30 & sleep 31 & wait'
  ct_run_detached "$ID"
  wait_status "$ID" running
  local init
  init=$(ct_pid "$ID")
  wait_for 5 sh -c "[ \$(pgrep -c -P $init) -eq 2 ]"
  assert_exit 0 carrel ps --format json "$ID"
  assert_eq 3 "$(jq length <<<"$LAST_OUT")" "pids in ps --format json"
  assert_eq "$init" "$(jq '.[0]' <<<"$LAST_OUT")" "the init is listed first (lowest pid)"
  assert_exit 0 carrel ps "$ID"
  assert_match "$(head -n1 <<<"$LAST_OUT")" 'PID' "ps header"
  assert_eq 4 "$(wc -l <<<"$LAST_OUT")" "header and three processes"
  assert_exit 0 carrel ps "$ID" -o pid,comm
  assert_match "$LAST_OUT" "$init +sh"
  assert_exit 1 carrel ps --format xml "$ID"
  assert_error_line format
  assert_exit 1 carrel ps nosuch-ct
  assert_error_line nosuch-ct
}

test_ps_of_a_stopped_container_is_empty() {
  ct_run "$ID" --keep
  assert_exit 0 carrel ps --format json "$ID"
  assert_eq "[]" "$LAST_OUT"
}

test_features_matches_the_schema() {
  assert_exit 0 carrel features
  printf '%s\n' "$LAST_OUT" >"$TEST_DIR/features.json"
  jq -e '.ociVersionMin and .ociVersionMax and (.linux.namespaces | index("pid"))' "$TEST_DIR/features.json" >/dev/null ||
    fail "features: missing fields: $LAST_OUT"
  [ -f "$SCHEMA_DIR/features-schema.json" ] || skip "runtime-spec schemas not found in $SCHEMA_DIR"
  command -v python3 >/dev/null || skip "python3 missing"
  local out rc=0
  out=$(schema_validate "$SCHEMA_DIR/features-schema.json" "$TEST_DIR/features.json") || rc=$?
  [ "$rc" -eq 0 ] || fail "features does not match features-schema.json: $out"
  assert_exit 1 carrel features extra
}

test_spec_writes_a_config_and_keeps_an_existing_one() {
  local dir=$TEST_DIR/specdir
  mkdir -p "$dir"
  assert_exit 0 carrel spec --bundle "$dir"
  jq -e '.ociVersion and .process.args and .root.path' "$dir/config.json" >/dev/null || fail "spec: bad config"
  if [ -f "$SCHEMA_DIR/config-schema.json" ]; then
    schema_validate "$SCHEMA_DIR/config-schema.json" "$dir/config.json" || fail "spec output does not match config-schema.json"
  fi
  assert_exit 1 carrel spec --bundle "$dir"
  assert_error_line config.json
  rm "$dir/config.json"
  assert_exit 0 carrel spec --rootless -b "$dir"
  jq -e '.linux.namespaces | map(.type) | index("user")' "$dir/config.json" >/dev/null || fail "spec --rootless: no user namespace"
}

test_create_start_kill_delete_round_trip() {
  config_set '.process.args = ["sh", "-c", "trap \"exit 0\" TERM; while :; do sleep 0.1; done"]'
  ct_create "$ID" --pid-file "$TEST_DIR/pid"
  assert_eq "$(ct_pid "$ID")" "$(cat "$TEST_DIR/pid")" "--pid-file"
  assert_exit 0 carrel start "$ID"
  assert_status "$ID" running
  assert_exit 0 carrel kill "$ID" TERM
  wait_status "$ID" stopped
  assert_exit 1 carrel kill "$ID" KILL
  assert_error_line "$ID" stopped
  assert_exit 0 carrel delete "$ID"
  assert_exit 0 carrel delete --force "$ID"
  assert_exit 1 carrel delete "$ID"
  assert_nothing_left "$ID"
}

# run's program starts at once after create: the pid file is there before it runs.
test_run_pid_file_is_there_when_the_program_runs() {
  mkdir "$TEST_DIR/pf"
  config_set '.mounts += [{"destination": "/pf", "type": "bind", "source": $s, "options": ["rbind"]}]' \
    --arg s "$TEST_DIR/pf"
  sh_args 'cat /pf/run.pid'
  run_ok "$ID" --pid-file "$TEST_DIR/pf/run.pid"
  [[ $RUN_OUT =~ ^[0-9]+$ ]] || fail "the program did not find the pid file: $(__carrel_show "$RUN_OUT $RUN_ERR")"
}

test_kill_all_signals_every_process() {
  sh_args 'sleep 30 & sleep 31 & wait'
  ct_run_detached "$ID"
  local rc=0
  carrel kill --all "$ID" KILL 2>"$TEST_DIR/err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    grep -qi "cgroup" "$TEST_DIR/err" && skip "kill --all needs cgroups: $(cat "$TEST_DIR/err")"
    fail "kill --all: $(cat "$TEST_DIR/err")"
  fi
  wait_status "$ID" stopped
}

test_create_no_pivot_and_no_new_keyring() {
  set_args true
  ct_run "$ID" --no-pivot
  assert_eq 0 "$RUN_RC" "run --no-pivot"
  set_args sleep 30
  ct_run_detached "$ID-b"
  grep -q "_ses.$ID-b" /proc/keys || fail "no session keyring _ses.$ID-b"
  ct_run_detached "$ID-c" --no-new-keyring
  if grep -q "_ses.$ID-c" /proc/keys; then fail "--no-new-keyring made _ses.$ID-c"; fi
}

test_preserve_fds_passes_fds_to_the_container() {
  sh_args 'echo to-fd-3 >&3; echo to-fd-4 >&4; ls /proc/self/fd | tr "\n" " "'
  exec 3>"$TEST_DIR/three" 4>"$TEST_DIR/four"
  carrel run --bundle "$BUNDLE" --preserve-fds 2 "$ID" >"$TEST_DIR/out" 2>&1 </dev/null || fail "run: $(cat "$TEST_DIR/out")"
  exec 3>&- 4>&-
  assert_eq to-fd-3 "$(cat "$TEST_DIR/three")" "fd 3"
  assert_eq to-fd-4 "$(cat "$TEST_DIR/four")" "fd 4"
  # Only 0-4 (and ls's own directory fd).
  assert_eq "0 1 2 3 4 5 " "$(cat "$TEST_DIR/out")" "fds in the container"
  # Without the option the fds are not passed.
  exec 3>"$TEST_DIR/three"
  sh_args 'ls /proc/self/fd | tr "\n" " "'
  carrel run --bundle "$BUNDLE" "$ID" >"$TEST_DIR/out" 2>&1 </dev/null
  exec 3>&-
  assert_eq "0 1 2 3 " "$(cat "$TEST_DIR/out")" "fds without --preserve-fds (3 is ls's own)"
  assert_exit 1 carrel run --preserve-fds x "$ID"
  assert_error_line preserve-fds
}

test_listen_fds_socket_activation() {
  sh_args 'echo "$LISTEN_FDS $LISTEN_PID"; echo via-listen-fd >&3'
  exec 3>"$TEST_DIR/sock-stand-in"
  # LISTEN_PID names the runtime itself, as systemd sets it.
  LISTEN_FDS=1 CARREL_BUNDLE=$BUNDLE timeout 10 bash -c 'LISTEN_PID=$$ exec "$CARREL_BIN" --root "$TEST_ROOT" run --bundle "$CARREL_BUNDLE" "$ID"' \
    >"$TEST_DIR/out" 2>&1 </dev/null || fail "run: $(cat "$TEST_DIR/out")"
  assert_eq "1 1" "$(cat "$TEST_DIR/out")" "LISTEN_FDS and LISTEN_PID in the container"
  assert_eq via-listen-fd "$(cat "$TEST_DIR/sock-stand-in")"
  # For another process: not ours, nothing passed.
  LISTEN_FDS=1 LISTEN_PID=1 timeout 10 "$CARREL_BIN" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID" \
    >"$TEST_DIR/out" 2>&1 </dev/null || true
  exec 3>&-
  assert_contains "$(cat "$TEST_DIR/out")" "Bad file descriptor" "fd 3 when LISTEN_PID is not carrel"
}

test_console_socket_gets_the_pty_master() {
  command -v python3 >/dev/null || skip "python3 missing"
  config_set '.process.terminal = true | .process.args = ["sh", "-c", "tty; echo on-pty"]'
  console_receiver "$TEST_DIR/console.sock" "$TEST_DIR/console.out"
  ct_create "$ID" --console-socket "$TEST_DIR/console.sock"
  ct_start "$ID"
  wait_for 10 grep -q on-pty "$TEST_DIR/console.out"
  assert_contains "$(cat "$TEST_DIR/console.out")" "/dev/pts/"
  # A terminal without a socket is an error for create.
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID-b"
  assert_error_line console-socket
}

# One run through script(1): sets OUT and RC.
relay_once() { # ID
  local feed feeder
  RC=0
  # script(1) ends the session at its stdin's EOF; the harness gives us /dev/null: keep it open.
  exec {feed}< <(exec sleep 15)
  feeder=$!
  OUT=$(COLUMNS=100 LINES=40 timeout 15 script -qec "stty cols 100 rows 40; $CARREL_BIN --root $TEST_ROOT run --bundle $BUNDLE $1" /dev/null <&"$feed") || RC=$?
  exec {feed}<&-
  kill "$feeder" 2>/dev/null || true
}

test_run_with_terminal_relays_the_callers_tty() {
  command -v script >/dev/null || skip "script(1) missing"
  config_set '.process.terminal = true | .process.args = ["sh", "-c", "tty; stty -a | head -n1; exit 5"]'
  relay_once "$ID"
  assert_eq 5 "$RC" "exit status through the terminal"
  assert_match "$OUT" '/dev/pts/[0-9]+' "the process's terminal"
  assert_contains "$OUT" "rows 40" "window size follows the caller's"
  assert_no_file "$TEST_ROOT/$ID"
}

test_pause_and_resume_commands_exist() {
  set_args sleep 30
  ct_run_detached "$ID"
  local rc=0
  carrel pause "$ID" 2>"$TEST_DIR/err" || rc=$?
  [ "$rc" -eq 0 ] || skip "pause: $(cat "$TEST_DIR/err")"
  assert_status "$ID" paused
  assert_exit 1 carrel exec "$ID" true
  assert_error_line paused
  assert_exit 0 carrel resume "$ID"
  assert_status "$ID" running
}
