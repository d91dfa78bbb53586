#!/bin/bash
# make-busybox-bundle.sh DIR: build an OCI bundle in DIR (DIR/rootfs + DIR/config.json) from
# Debian's busybox-static. Idempotent and quick: an up-to-date rootfs is left as it is.
#
# config.json: `build/carrel spec` adjusted with jq when the binary exists and supports `spec`,
# otherwise rootfs-examples/config.busybox.json. Environment:
#   CARREL_BIN            runtime binary to ask for `spec` (default: <repo>/build/carrel)
#   CARREL_BUNDLE_CONFIG  "template" to always use the template (the tests do), "spec" to require
#                         `carrel spec`, unset for the automatic choice
set -euo pipefail

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ -n "$1" ] || usage

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
carrel_bin=${CARREL_BIN:-$repo/build/carrel}
template=$here/config.busybox.json
busybox=/bin/busybox

die() { echo "make-busybox-bundle: $*" >&2; exit 1; }

[ -x "$busybox" ] || die "$busybox missing: install busybox-static (tests/install-deps.sh)"
# Debian's dynamic busybox would need the host's libc inside the rootfs.
"$busybox" true 2>/dev/null || die "$busybox does not run"
if command -v file >/dev/null; then
  case $(file -L "$busybox") in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) die "$busybox is not statically linked: install busybox-static" ;;
  esac
fi
command -v jq >/dev/null || die "jq missing (tests/install-deps.sh)"

mkdir -p "$1"
dir=$(cd "$1" && pwd)
rootfs=$dir/rootfs

# Several test runs may share one cache directory: serialise the builders.
exec 9>"$dir/.lock"
flock 9

build_rootfs() {
  local tmp=$dir/.rootfs.new
  rm -rf "$tmp"
  mkdir -p "$tmp"/{bin,dev,proc,sys,tmp,etc,root,run,usr,var/tmp,home,mnt,opt}
  chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
  chmod 0700 "$tmp/root"
  cp "$busybox" "$tmp/bin/busybox"
  chmod 0755 "$tmp/bin/busybox"
  local applet
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] && continue
    ln -s busybox "$tmp/bin/$applet"
  done
  ln -s bin "$tmp/sbin"
  ln -s ../bin "$tmp/usr/bin"
  ln -s ../bin "$tmp/usr/sbin"
  cat >"$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
  cat >"$tmp/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
users:x:100:
nogroup:x:65534:
GROUP
  echo carrel >"$tmp/etc/hostname"
  : >"$tmp/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$tmp/etc/hosts"
  # Remember what it was built from so a busybox upgrade rebuilds it.
  cksum <"$busybox" >"$tmp/.busybox-cksum"
  rm -rf "$rootfs"
  mv "$tmp" "$rootfs"
}

if [ ! -x "$rootfs/bin/busybox" ] || [ ! -e "$rootfs/.busybox-cksum" ] ||
  [ "$(cat "$rootfs/.busybox-cksum")" != "$(cksum <"$busybox")" ] || [ ! -L "$rootfs/bin/sh" ]; then
  build_rootfs
fi

# What every busybox bundle gets, whatever its source.
adjust='.root.path = "rootfs"
  | .process.terminal = false
  | .process.args = ["sh"]
  | .process.cwd = "/"
  | .hostname = "carrel"'

write_config() {
  local src=$1 tmp=$dir/.config.json.new
  jq "$adjust" "$src" >"$tmp"
  mv "$tmp" "$dir/config.json"
}

spec_config() {
  # `carrel spec --bundle D` writes D/config.json; run it in a scratch dir so a failure leaves
  # nothing half-written.
  local scratch
  scratch=$(mktemp -d "$dir/.spec.XXXXXX")
  if "$carrel_bin" spec --bundle "$scratch" >/dev/null 2>&1 && jq -e .ociVersion "$scratch/config.json" >/dev/null 2>&1; then
    write_config "$scratch/config.json"
    rm -rf "$scratch"
    return 0
  fi
  rm -rf "$scratch"
  return 1
}

case ${CARREL_BUNDLE_CONFIG:-auto} in
  template) write_config "$template" ;;
  spec) spec_config || die "$carrel_bin spec --bundle failed" ;;
  auto)
    if [ -x "$carrel_bin" ] && spec_config; then
      :
    else
      write_config "$template"
    fi
    ;;
  *) die "CARREL_BUNDLE_CONFIG must be template, spec or auto" ;;
esac
