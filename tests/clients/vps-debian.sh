#!/bin/bash
# tests/clients/vps-debian.sh: the Debian VPS template (debootstrap minbase from the Debian mirror in
# apt's sources, cached in build/vps-templates between runs): create, boot, console, exec, stop,
# start, destroy. Skipped (exit 77) when the mirror is unreachable. Needs root.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/clients/support/lib.sh
source "$here/support/lib.sh"
CLIENT_CASE_TIMEOUT=${CLIENT_CASE_TIMEOUT:-900} # the first debootstrap takes minutes

LANE_FILE=$here/vps-debian.sh

c() { timeout -k 5 "${T:-60}" "$CARREL_BIN" --root "$VPS_WORK/root" "$@"; }
lane_env() {
  export CARREL_DATA_DIR=$VPS_WORK/data
  export CARREL_VPS_TEMPLATE_CACHE=${CARREL_VPS_TEMPLATE_CACHE:-$CARREL_REPO/build/vps-templates}
  V=$VPS_NAME
}

console() { printf '%s\n' "$1" | c vps console --no-replay --linger 2 "$V"; }
booted() { grep -q "carrel-vps: .* is up" "$CARREL_DATA_DIR/vps/$V/console.log" 2>/dev/null; }
wait_booted() {
  local i
  for ((i = 0; i < 200; i++)); do booted && return 0; sleep 0.1; done
  fail "no boot message in console.log: $(tail -c 600 "$CARREL_DATA_DIR/vps/$V/console.log" 2>/dev/null)"
}

case_debian_vps_is_created_from_debootstrap() {
  T=900 expect_rc 0 c vps create "$V" --template debian --disk 2G --memory 256M
  expect_rc 0 c vps ls
  expect_contains "debian" "$OUT"
}

case_debian_vps_boots_and_answers_on_its_console() {
  expect_rc 0 c vps start "$V"
  wait_booted
  local out
  out=$(console 'echo deb-$((6*7)) $(cat /etc/debian_version | cut -d. -f1)')
  expect_contains "deb-42 12" "$out" "console answer"
}

case_debian_vps_exec_runs_debian_tools() {
  expect_rc 0 c vps exec "$V" -- dpkg-query -W -f '${Package}\n' bash
  expect_eq bash "$OUT"
}

case_debian_vps_stops_and_starts_again() {
  expect_rc 0 c vps stop "$V"
  expect_rc 0 c vps ls --format json
  expect_eq stopped "$(jq -r '.[0].status' <<<"$OUT")"
  expect_rc 0 c vps start "$V"
  : >"$CARREL_DATA_DIR/vps/$V/console.log"
  wait_booted
}

case_debian_vps_is_destroyed() {
  expect_rc 0 c vps destroy --force "$V"
  [ ! -e "$CARREL_DATA_DIR/vps/$V" ] || fail "the VPS directory is left"
}

main() {
  [ "$(id -u)" -eq 0 ] || { echo "vps-debian: needs root; 0 passed, 0 failed, 1 skipped"; exit 77; }
  "$CARREL_REPO/tests/install-deps.sh" debootstrap e2fsprogs >/dev/null || exit 77
  mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -n1)
  [ -n "$mirror" ] || mirror=$(awk 'tolower($1) == "uris:" { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
  if [ -z "$mirror" ] || ! timeout 15 busybox wget -q -O /dev/null "${mirror%/}/dists/bookworm/Release" 2>/dev/null; then
    echo "vps-debian: the Debian mirror (${mirror:-none}) is unreachable"
    echo "0 passed, 0 failed, 1 skipped"
    exit 77
  fi
  VPS_WORK=$(mktemp -d /tmp/carrel-vps-debian.XXXXXX)
  chmod 755 "$VPS_WORK" # the VPS's root (an unprivileged id) passes through it
  export VPS_WORK VPS_NAME=deb$$
  lane_env
  trap 'c vps destroy --force "$V" >/dev/null 2>&1 </dev/null; rm -rf "$VPS_WORK"' EXIT
  run_cases case_debian_vps_is_created_from_debootstrap case_debian_vps_boots_and_answers_on_its_console \
    case_debian_vps_exec_runs_debian_tools case_debian_vps_stops_and_starts_again case_debian_vps_is_destroyed
  summary
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
