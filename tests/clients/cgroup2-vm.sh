#!/bin/bash
# Client lane: the cgroup integration tests (tests/integration/test_cgroups.sh) on a pure cgroup v2
# host, a QEMU (TCG) VM booting Debian's linux-image-6.1 with cgroup_no_v1=all over this host's own
# userspace (tests/vm/run-cgroup2-vm.sh). Installs qemu-system-x86 when missing. Prints the guest
# run's `N passed, M failed[, K skipped]` line prefixed with "cgroup2-vm: "; exit 77 (skipped) when
# not root or the VM cannot be started at all (no qemu package, no kernel package).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

if [ "$(id -u)" -ne 0 ]; then
  echo "cgroup2-vm: needs root: skipped"
  exit 77
fi
if ! ./tests/install-deps.sh qemu-system-x86; then
  echo "cgroup2-vm: qemu-system-x86 could not be installed: skipped"
  exit 77
fi
if [ ! -x build/carrel ]; then
  echo "cgroup2-vm: build/carrel missing (make): skipped"
  exit 77
fi

log=$(mktemp /tmp/carrel-cgroup2-vm.XXXXXX)
trap 'rm -f "$log"' EXIT
rc=0
./tests/vm/run-cgroup2-vm.sh 2>&1 | tee "$log" | sed 's/^/  vm| /'
rc=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n1 || true)
if [ "$rc" -eq 125 ] && [ -z "$line" ]; then
  echo "cgroup2-vm: the VM could not be started: skipped"
  exit 77
fi
if [ -z "$line" ]; then
  echo "cgroup2-vm: the guest printed no counts (exit $rc)"
  echo "cgroup2-vm: 0 passed, 1 failed"
  exit 1
fi
echo "cgroup2-vm: $line"
exit "$rc"
