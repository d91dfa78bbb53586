#!/bin/bash
# Installs the Debian packages carrel needs to build and test, plus any package names given as
# arguments (e.g. `tests/install-deps.sh runc crun podman`). A quick no-op when all are present.
# Needs root only when something is missing; runs `apt-get update` only in that case.
set -euo pipefail

BUILD_PKGS=(gcc make pkg-config libseccomp-dev libcap-dev libmnl-dev libnftnl-dev libjansson-dev libcmocka-dev)
# python3: the console-socket tests receive the pty master with socket.recv_fds.
RUN_PKGS=(busybox-static iproute2 nftables jq util-linux procps uidmap valgrind e2fsprogs debootstrap python3)

wanted=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "$@")

installed() {
  # Status of an installed package reads "install ok installed"; anything else counts as missing.
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for pkg in "${wanted[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: run as root (e.g. sudo $0 $*) or install them with: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -qq update
apt-get -qq -y -o Dpkg::Use-Pty=0 --no-install-recommends install "${missing[@]}" >/dev/null

still=()
for pkg in "${missing[@]}"; do
  installed "$pkg" || still+=("$pkg")
done
if [ "${#still[@]}" -ne 0 ]; then
  echo "install-deps: could not install: ${still[*]}" >&2
  exit 1
fi
