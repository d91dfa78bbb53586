#!/bin/bash
# shellcheck disable=SC2317 # functions run from traps
# demo.sh: run one real container with build/carrel from a busybox bundle and show what it sees.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
carrel=${CARREL_BIN:-$repo/build/carrel}
bundle=$repo/build/demo-bundle
id=demo-$$

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (containers need namespaces and mounts)" >&2; exit 1; }
[ -x "$carrel" ] || { echo "demo: $carrel missing: run make first" >&2; exit 1; }

"$here/make-busybox-bundle.sh" "$bundle"

root=$(mktemp -d /tmp/carrel-demo.XXXXXX)
cleanup() {
  "$carrel" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2016 # expanded inside the container
script='
section() { printf "\n--- %s\n" "$1"; }
section "hostname (from config.json \"hostname\"; the host keeps its own)"; hostname
section "echo \"PID \$\$\" (the process is PID 1 of its own PID namespace)"; echo "PID $$"
section "mount (only what config.json mounts, on a private mount namespace)"; mount
section "id (the user from process.user)"; id
section "ls / (the bundle rootfs after pivot_root)"; ls /
'
jq --arg s "$script" '.process.args = ["sh", "-c", $s]' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

cat <<EOF_HEADER
carrel demo: running a busybox container from $bundle
  $carrel --root $root run -b $bundle $id
What follows is printed by the container itself: its hostname, its PID, its mounts, its user and
its root directory, each isolated from the host's.
EOF_HEADER

rc=0
"$carrel" --root "$root" run -b "$bundle" "$id" </dev/null || rc=$?
echo
echo "carrel demo: the container exited with code $rc"
exit "$rc"
