#!/bin/bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# tests/vm/run-cgroup2-vm.sh [COMMAND...]: run COMMAND (default: the cgroup integration tests) as
# root on a pure cgroup v2 host: Debian's linux-image-6.1 booted under QEMU (TCG: this host has no
# usable KVM) with `cgroup_no_v1=all`. The guest runs the host's userspace: the host's / shared
# read-only over virtio-9p under a tmpfs overlay, and this work tree shared read-write at its own
# path, so build/carrel and the tests are the host's. Prints the command's output and exits with
# its exit code (124 when the VM timed out, 125 when it could not start).
#
# The guest CPU is plain qemu64: with -cpu max (newer extensions for glibc to pick) a guest bash
# once died of SIGSEGV under QEMU 7.2's TCG.
# Needs qemu-system-x86 and busybox-static (tests/install-deps.sh qemu-system-x86). The kernel is
# fetched once with `apt-get download`, unpacked with dpkg-deb (not installed) and kept in
# build/vm/; everything else lives in a temp dir removed at exit.
#   CARREL_VM_TIMEOUT   seconds for the whole VM run (default 2400)
#   CARREL_VM_MEM       guest memory in MiB (default 1536)
#   CARREL_VM_CPUS      guest CPUs (default 2)
#   CARREL_VM_DEBUG=1   show the kernel's boot messages
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=$repo/build/vm
timeout_s=${CARREL_VM_TIMEOUT:-2400}
mem=${CARREL_VM_MEM:-1536}
cpus=${CARREL_VM_CPUS:-2}

die() {
  echo "run-cgroup2-vm: $*" >&2
  exit 125
}

[ "$(id -u)" -eq 0 ] || die "must run as root (the guest shares / and runs the tests as root)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: tests/install-deps.sh qemu-system-x86"
busybox=/bin/busybox
case $(file -L "$busybox" 2>/dev/null) in
  *"statically linked"* | *"static-pie linked"*) ;;
  *) die "$busybox is not a static busybox: install busybox-static" ;;
esac

# The modules the guest needs to reach its root, in load order.
modules=(
  drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
  drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache
  net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay
)

# fetch_kernel: build/vm/<package>/{vmlinuz,modules/*.ko}, once.
fetch_kernel() {
  local pkg
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$/\1/p' | head -n1)
  if [ -z "$pkg" ]; then
    apt-get -qq update >/dev/null 2>&1 || true
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$/\1/p' | head -n1)
  fi
  [ -n "$pkg" ] || die "cannot find Debian's linux-image-6.1 package (apt-cache depends linux-image-amd64)"
  kdir=$cache/$pkg
  [ -f "$kdir/vmlinuz" ] && [ -f "$kdir/modules/overlay.ko" ] && return 0
  local dl
  dl=$(mktemp -d "$work/dl.XXXX")
  chmod 0755 "$dl"
  (cd "$dl" && apt-get download "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
  mkdir -p "$dl/x"
  dpkg-deb -x "$dl"/*.deb "$dl/x" || die "dpkg-deb -x $pkg failed"
  rm -rf "$kdir.new"
  mkdir -p "$kdir.new/modules"
  cp "$dl"/x/boot/vmlinuz-* "$kdir.new/vmlinuz"
  local m ko
  for m in "${modules[@]}"; do
    ko=$(find "$dl"/x/lib/modules/*/kernel -path "*/$m.ko*" | head -n1)
    [ -n "$ko" ] || die "$pkg has no module $m"
    cp "$ko" "$kdir.new/modules/"
  done
  rm -rf "$dl" "$kdir"
  mv "$kdir.new" "$kdir"
}

work=$(mktemp -d /tmp/carrel-vm.XXXXXX)
qemu_pid=""
cleanup() {
  if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
    kill -KILL "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fetch_kernel

# The command, run in the guest by bash in the work tree.
if [ $# -eq 0 ]; then
  set -- tests/run-all.sh --only integration --filter '^test_cgroups\.sh:'
fi
{
  printf 'cd %q\n' "$repo"
  printf 'export CARREL_TEST_TIMEOUT=%q CARREL_CMD_TIMEOUT=%q CARREL_TIME_SCALE=%q\n' \
    "${CARREL_VM_TEST_TIMEOUT:-600}" "${CARREL_VM_CMD_TIMEOUT:-120}" "${CARREL_VM_TIME_SCALE:-15}"
  printf '%q ' "$@"
  printf '\n'
} >"$work/cmd.sh"

# The initramfs: busybox, the modules, /init.
ir=$work/initramfs
mkdir -p "$ir"/{bin,sbin,proc,sys,dev,lower,upper,newroot,modules}
cp "$busybox" "$ir/bin/busybox"
for m in "${modules[@]}"; do cp "$kdir/modules/${m##*/}.ko"* "$ir/modules/"; done
cp "$work/cmd.sh" "$ir/cmd.sh"
cat >"$ir/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${modules[*]##*/}; do insmod /modules/\$m.ko* || echo "carrel-vm: insmod \$m failed"; done
fail() { echo "carrel-vm: \$*"; echo CARREL_VM_EXIT=125; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower || fail "mount the host's / (9p)"
mount -t tmpfs -o mode=0755 upper /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || fail "overlay on /"
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t cgroup2 -o nsdelegate cgroup2 /newroot/sys/fs/cgroup || fail "mount cgroup2"
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
ln -sf /proc/self/fd /newroot/dev/fd
ln -sf /proc/self/fd/0 /newroot/dev/stdin
ln -sf /proc/self/fd/1 /newroot/dev/stdout
ln -sf /proc/self/fd/2 /newroot/dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 shm /newroot/dev/shm
mount -t tmpfs -o mode=1777 tmp /newroot/tmp
mount -t tmpfs -o mode=0755 run /newroot/run
mount -t tmpfs -o mode=0755 varlib /newroot/var/lib
# The work tree last: a clone under /tmp, /run or /var/lib would be hidden by the tmpfs above.
mkdir -p /newroot$repo
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 work /newroot$repo || fail "mount the work tree (9p)"
cp /cmd.sh /newroot/tmp/carrel-vm-cmd.sh
echo CARREL_VM_BOOTED
chroot /newroot /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root TERM=dumb LANG=C.UTF-8 /bin/bash /tmp/carrel-vm-cmd.sh </dev/null 2>&1
echo CARREL_VM_EXIT=\$?
poweroff -f
EOF
chmod 0755 "$ir/init"
(cd "$ir" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initramfs.gz")

quiet="quiet loglevel=1"
[ "${CARREL_VM_DEBUG:-0}" = 1 ] && quiet="loglevel=7"
console=$work/console.log
: >"$console"
qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu qemu64 -smp "$cpus" -m "$mem" \
  -display none -monitor none -serial "file:$console" -nic none -no-reboot \
  -kernel "$kdir/vmlinuz" -initrd "$work/initramfs.gz" \
  -append "console=ttyS0 $quiet panic=-1 cgroup_no_v1=all rdinit=/init" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$repo,mount_tag=work,security_model=none,multidevs=remap" \
  </dev/null >"$work/qemu.out" 2>&1 &
qemu_pid=$!

# Stream the guest's output (without the markers) while it runs, bounded in time.
deadline=$((SECONDS + timeout_s))
shown=0
rc=""
while :; do
  if [ -s "$console" ]; then
    lines=$(wc -l <"$console")
    if [ "$lines" -gt "$shown" ]; then
      sed -n "$((shown + 1)),${lines}p" "$console" | tr -d '\r' | grep -v -e '^CARREL_VM_' -e 'reboot: Power down' || true
      shown=$lines
    fi
    rc=$(tr -d '\r' <"$console" | sed -n 's/^CARREL_VM_EXIT=\([0-9]*\)$/\1/p' | tail -n1)
  fi
  if ! kill -0 "$qemu_pid" 2>/dev/null; then
    break
  fi
  [ -n "$rc" ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "run-cgroup2-vm: the VM did not finish in ${timeout_s}s" >&2
    exit 124
  fi
  sleep 1
done
# Let QEMU exit after the guest's poweroff (bounded), then show what is left.
for _ in $(seq 50); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.1; done
lines=$(wc -l <"$console")
[ "$lines" -le "$shown" ] || sed -n "$((shown + 1)),${lines}p" "$console" | tr -d '\r' | grep -v -e '^CARREL_VM_' -e 'reboot: Power down' || true
if [ -z "$rc" ]; then
  rc=$(tr -d '\r' <"$console" | sed -n 's/^CARREL_VM_EXIT=\([0-9]*\)$/\1/p' | tail -n1)
fi
if [ -z "$rc" ]; then
  echo "run-cgroup2-vm: the VM ended without an exit status; QEMU said:" >&2
  tail -n 20 "$work/qemu.out" >&2
  tail -n 20 "$console" | tr -d '\r' >&2
  exit 125
fi
exit "$rc"
