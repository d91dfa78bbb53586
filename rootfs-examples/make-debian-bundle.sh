#!/bin/bash
# make-debian-bundle.sh DIR [SUITE]: build an OCI bundle in DIR with a minimal Debian rootfs
# (debootstrap --variant=minbase, default suite bookworm) from the Debian mirror that apt is
# configured with in /etc/apt/sources.list(.d), and a config.json like make-busybox-bundle.sh's.
# Idempotent: a finished rootfs is kept (remove DIR to rebuild). Needs root and debootstrap.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR [SUITE]" >&2
  exit 2
fi
suite=${2:-bookworm}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
carrel_bin=${CARREL_BIN:-$repo/build/carrel}

die() { echo "make-debian-bundle: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || "$repo/tests/install-deps.sh" debootstrap
command -v jq >/dev/null || die "jq missing (tests/install-deps.sh)"

# The configured Debian mirror: the first non-security URI of an enabled source.
find_mirror() {
  local f
  {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
    done
  } | grep -v -e security -e '^$' | grep -E '/debian/?$' | head -n1
}

mirror=${DEBIAN_MIRROR:-$(find_mirror || true)}
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list(.d); set DEBIAN_MIRROR"

mkdir -p "$1"
dir=$(cd "$1" && pwd)
rootfs=$dir/rootfs
exec 9>"$dir/.lock"
flock 9

if [ ! -e "$rootfs/.carrel-debootstrap-$suite" ]; then
  rm -rf "$rootfs" "$dir/.rootfs.new"
  echo "make-debian-bundle: debootstrap --variant=minbase $suite from $mirror (a few minutes)"
  if ! debootstrap --variant=minbase "$suite" "$dir/.rootfs.new" "$mirror" >"$dir/debootstrap.log" 2>&1; then
    tail -n 20 "$dir/debootstrap.log" >&2
    rm -rf "$dir/.rootfs.new"
    die "debootstrap failed (log: $dir/debootstrap.log)"
  fi
  rm -rf "$dir/.rootfs.new/var/cache/apt/archives/"*.deb
  : >"$dir/.rootfs.new/.carrel-debootstrap-$suite"
  mv "$dir/.rootfs.new" "$rootfs"
fi

adjust='.root.path = "rootfs" | .process.terminal = false | .process.args = ["sh"]
  | .process.cwd = "/" | .hostname = "carrel"'
tmp=$dir/.config.json.new
scratch=$(mktemp -d "$dir/.spec.XXXXXX")
if [ "${CARREL_BUNDLE_CONFIG:-auto}" != template ] && [ -x "$carrel_bin" ] &&
  "$carrel_bin" spec --bundle "$scratch" >/dev/null 2>&1 && jq -e .ociVersion "$scratch/config.json" >/dev/null 2>&1; then
  jq "$adjust" "$scratch/config.json" >"$tmp"
else
  jq "$adjust" "$here/config.busybox.json" >"$tmp"
fi
rm -rf "$scratch"
mv "$tmp" "$dir/config.json"
echo "make-debian-bundle: bundle ready in $dir"
