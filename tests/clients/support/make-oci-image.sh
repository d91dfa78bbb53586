#!/bin/bash
# tests/clients/support/make-oci-image.sh ROOTFS OUT.tar NAME: a one-layer OCI image layout (uncompressed
# layer) of ROOTFS as a tarball, for `ctr image import` (nothing is pulled).
set -euo pipefail
rootfs=$1 out=$2 name=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/blobs/sha256"
tar -C "$rootfs" --numeric-owner -cf "$work/layer.tar" .
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mv "$work/layer.tar" "$work/blobs/sha256/$layer"
blob() { # FILE: store it, print "digest size"
  local d s
  d=$(sha256sum "$1" | cut -d' ' -f1)
  s=$(stat -c %s "$1")
  mv "$1" "$work/blobs/sha256/$d"
  echo "$d $s"
}
jq -n --arg l "sha256:$layer" '{architecture: "amd64", os: "linux",
  config: {Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
  rootfs: {type: "layers", diff_ids: [$l]}}' >"$work/config"
read -r cd cs < <(blob "$work/config")
ls_=$(stat -c %s "$work/blobs/sha256/$layer")
jq -n --arg c "sha256:$cd" --argjson cs "$cs" --arg l "sha256:$layer" --argjson ls "$ls_" '{schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$work/manifest"
read -r md ms < <(blob "$work/manifest")
jq -n --arg m "sha256:$md" --argjson ms "$ms" --arg n "$name" '{schemaVersion: 2, manifests: [{
  mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
  annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": ($n | split(":") | last)}}]}' \
  >"$work/index.json"
echo '{"imageLayoutVersion": "1.0.0"}' >"$work/oci-layout"
tar -C "$work" -cf "$out" oci-layout index.json blobs
