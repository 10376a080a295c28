#!/bin/bash
# `npm run agent-image -- [--arch amd64|arm64] [--slot DIR]`: the vipgate agent's container image, built
# without a Docker daemon and without a registry, from Debian packages and npm packages only:
#   1. rootfs.sh   layer 1: Debian bookworm files for ARCH (libc, libstdc++, nftables; no shell, no
#                  package manager, no compiler), by mmdebstrap --variant=extract (no emulation needed)
#   2. app.sh      layer 2, /opt/vipgate: Node 20 for ARCH and the app, native addons built for ARCH (the
#                  SD image's slot, made by the same script; --slot DIR takes one already made)
#   3. umoci       the OCI image: two layers, config (user 65532:65532, entrypoint node vipgate.js, PATH
#                  with node for the DaemonSet's init container, OCI labels) -> OUT/vipgate-agent-V-ARCH.oci/
#   4. skopeo      -> OUT/vipgate-agent-V-ARCH.tar, a docker-archive tagged NAME:V (V = package.json's
#                  version), what `k3s ctr images import` and k3s's /var/lib/rancher/k3s/agent/images/ take;
#                  and its .sha256
# ARCH defaults to this machine's (dpkg --print-architecture). The tarball's path is the last line printed.
# Needs root and: mmdebstrap umoci skopeo file npm, the ARCH's gcc/g++ (gcc-aarch64-linux-gnu
# g++-aarch64-linux-gnu for arm64 on amd64; scripts/setup.sh installs them).
# Environment: VIPGATE_IMAGE_OUT (default image/out), VIPGATE_IMAGE_CACHE (Node tarballs, default image/.cache),
# VIPGATE_AGENT_IMAGE_NAME (default docker.io/library/vipgate-agent, the name the manifests in deploy/ use),
# VIPGATE_REVISION (the revision label, default git rev-parse HEAD), SOURCE_DATE_EPOCH (the created time,
# default the last commit's).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
images=$(cd "$here/.." && pwd)
repo=$(cd "$images/.." && pwd)
usage() { echo "usage: agent-image [--arch amd64|arm64] [--slot DIR]" >&2; exit 2; }
arch=$(dpkg --print-architecture)
slot_in=
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:-}; shift 2 || usage ;;
    --slot) slot_in=${2:-}; shift 2 || usage ;;
    *) usage ;;
  esac
done
case "$arch" in
  amd64) elf='x86-64' ;;
  arm64) elf='ARM aarch64' ;;
  *) echo "agent-image: --arch must be amd64 or arm64, not $arch" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "agent-image: needs root (mmdebstrap --mode=root, file ownership in the layers)" >&2; exit 1; }
for tool in mmdebstrap umoci skopeo file npm sha256sum; do
  command -v "$tool" >/dev/null || { echo "agent-image: $tool is missing: run bash scripts/setup.sh" >&2; exit 1; }
done

version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
name=${VIPGATE_AGENT_IMAGE_NAME:-docker.io/library/vipgate-agent}
out=${VIPGATE_IMAGE_OUT:-$images/out}
base="vipgate-agent-$version-$arch"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vipgate-agent-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
step() { echo "== $(( $(date +%s) - start ))s: $*"; }

step "Debian root for $arch (mmdebstrap, extract only)"
bash "$here/rootfs.sh" --arch "$arch" "$work/root"

if [ -n "$slot_in" ]; then
  step "app for $arch: the slot in $slot_in"
  [ -x "$slot_in/node/bin/node" ] && [ -f "$slot_in/app/bin/vipgate.js" ] && [ -s "$slot_in/native-addons.txt" ] \
    || { echo "agent-image: $slot_in is not an app slot (image/app.sh)" >&2; exit 1; }
  file -b "$slot_in/node/bin/node" | grep -q "$elf" || { echo "agent-image: the slot in $slot_in is not for $arch" >&2; exit 1; }
  cp -a "$slot_in" "$work/slot"
else
  step "build the app (tsc)"
  (cd "$repo" && npm run --silent build)
  step "app for $arch (app.sh)"
  bash "$images/app.sh" --arch "$arch" "$work/slot"
fi

step "OCI image (umoci): $out/$base.oci"
layout="$out/$base.oci"
rm -rf "$layout" "$out/$base.tar" "$out/$base.tar.sha256"
git_rev=${VIPGATE_REVISION:-$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)}
created=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%dT%H:%M:%SZ)
packages=$(awk '/^Package:/ { p = $2 } /^Version:/ { printf "%s%s=%s", sep, p, $2; sep = " " }' "$work/root/var/lib/dpkg/status")
umoci init --layout "$layout"
umoci new --image "$layout:$version"
umoci insert --image "$layout:$version" --history.created "$created" \
  --history.created_by "image/agent/rootfs.sh --arch $arch: Debian $packages" "$work/root" /
umoci insert --image "$layout:$version" --history.created "$created" \
  --history.created_by "image/app.sh --arch $arch: vipgate $version, node $(cat "$work/slot/node/VERSION")" \
  "$work/slot" /opt/vipgate
umoci config --image "$layout:$version" --os linux --architecture "$arch" --created "$created" \
  --history.created "$created" --history.created_by "image/agent/build.sh: config" \
  --config.user 65532:65532 --config.workingdir / \
  --config.env PATH=/opt/vipgate/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.entrypoint /opt/vipgate/node/bin/node --config.entrypoint /opt/vipgate/app/bin/vipgate.js \
  --config.cmd version \
  --config.label org.opencontainers.image.title=vipgate-agent \
  --config.label "org.opencontainers.image.description=vipgate agent: the node side of the vipgate edge router for k3s (IPAM, BGP announcements, BFD, IPVS)" \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label "org.opencontainers.image.revision=$git_rev" \
  --config.label "org.opencontainers.image.created=$created" \
  --config.label org.opencontainers.image.licenses=Apache-2.0 \
  --config.label "org.opencontainers.image.ref.name=$name:$version"
umoci gc --layout "$layout"

step "docker-archive (skopeo): $out/$base.tar as $name:$version"
skopeo copy --quiet "oci:$layout:$version" "docker-archive:$out/$base.tar:$name:$version"
(cd "$out" && sha256sum "$base.tar" > "$base.tar.sha256")
step "done: $arch image, $(du -h "$out/$base.tar" | cut -f1) ($(stat -c %s "$out/$base.tar") bytes)"
echo "$out/$base.tar"
