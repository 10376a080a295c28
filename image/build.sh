#!/bin/bash
# `npm run image`: builds image/out/vipgate-<version>-arm64.img.xz, its .sha256, a Raspberry Pi Imager
# manifest (vipgate-<version>-arm64.json) and the app bundle for updates (vipgate-<version>-arm64-app.tar.gz
# and its .sha256).
#   1. rootfs.sh  Debian bookworm arm64 root via mmdebstrap + qemu-user (cached in image/.cache)
#   2. app.sh     Node 20 arm64 + the built app, native addons cross-compiled for arm64; then the node
#                 agent's container images for arm64 (from that slot) and amd64 (agent/build.sh), in the
#                 root's /usr/share/vipgate/k3s as .tar.gz with the .tar's sha256, which the status page
#                 serves at /k3s/ for `k3s ctr images import` (and image/out/vipgate-agent-<version>-<arch>.tar)
#                 They stay outside the A/B slots: the app bundle must fit the boot partition for updates.
#   3. here       firmware/ laid over the root, the app in A/B slot "a", units enabled, a smoke test of
#                 the arm64 app inside the root (under qemu-user)
#   4. disk.sh    partitions without loop devices; then xz, sha256 and the manifest
# Needs root and: mmdebstrap qemu-user-static dosfstools mtools fdisk e2fsprogs xz-utils
# gcc-aarch64-linux-gnu g++-aarch64-linux-gnu umoci skopeo (scripts/setup.sh installs them).
# Environment: VIPGATE_IMAGE_OUT (default image/out), VIPGATE_IMAGE_CACHE (default image/.cache),
# VIPGATE_IMAGE_URL (the manifest's download URL; default the bare file name).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${VIPGATE_IMAGE_OUT:-$here/out}
cache=${VIPGATE_IMAGE_CACHE:-$here/.cache}
export VIPGATE_IMAGE_CACHE=$cache
start=$(date +%s)
step() { echo "== $(( $(date +%s) - start ))s: $*"; }

[ "$(id -u)" = 0 ] || { echo "build.sh: needs root (mmdebstrap --mode=root, chroot, file ownership)" >&2; exit 1; }
for tool in mmdebstrap qemu-aarch64-static mkfs.vfat mcopy sfdisk mkfs.ext4 xz aarch64-linux-gnu-gcc systemctl umoci skopeo; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing: run bash scripts/setup.sh" >&2; exit 1; }
done

version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
name="vipgate-$version-arm64"
mkdir -p "$out" "$cache"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vipgate-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

step "build the app (tsc)"
(cd "$repo" && npm run --silent build)

# 1. base root, cached by the inputs that shape it
key=$(find "$here/rootfs.sh" "$here/debian.sh" "$repo/firmware/etc/initramfs-tools" "$repo/firmware/etc/default" -type f | sort | xargs cat | sha256sum | cut -c1-16)
base=${VIPGATE_BASE_TAR:-$cache/base-$key.tar}
if [ -f "$base" ]; then
  step "base root: cached $base"
else
  step "base root: mmdebstrap (about 10 minutes under emulation)"
  bash "$here/rootfs.sh" "$base.part"
  mv "$base.part" "$base"
fi

# 2. app slot
step "app for arm64"
bash "$here/app.sh" "$work/slot"

# the node agent's images, for the box to serve to the cluster: arm64 from this very slot, amd64 built
for arch in arm64 amd64; do
  step "agent image for $arch"
  if [ "$arch" = arm64 ]; then slot_arg=(--slot "$work/slot"); else slot_arg=(); fi
  VIPGATE_IMAGE_OUT="$out" bash "$here/agent/build.sh" --arch "$arch" "${slot_arg[@]}"
done
mkdir -p "$work/k3s"
for arch in arm64 amd64; do
  agent="vipgate-agent-$version-$arch"
  gzip -6 -c "$out/$agent.tar" > "$work/k3s/$agent.tar.gz"
  cp "$out/$agent.tar.sha256" "$work/k3s/"
done

# 3. the root
step "assemble the root"
bash "$here/binfmt.sh"
root="$work/root"
mkdir "$root"
tar -xpf "$base" -C "$root" --numeric-owner
bash "$here/overlay.sh" "$repo/firmware" "$root"
mkdir -p "$root/opt/vipgate"
mv "$work/slot" "$root/opt/vipgate/a"
ln -sfn a "$root/opt/vipgate/current"
mkdir -p "$root/usr/share/vipgate"
mv "$work/k3s" "$root/usr/share/vipgate/k3s"
tar -czf "$out/$name-app.tar.gz" -C "$root/opt/vipgate/a" .
(cd "$out" && sha256sum "$name-app.tar.gz" > "$name-app.tar.gz.sha256")

step "smoke test: the arm64 app checks the shipped vipgate.yaml inside the root (qemu-user)"
chroot "$root" /usr/bin/vipgate router --check --config /boot/firmware/vipgate.yaml

# 4. disk image
step "partitions and image"
bash "$here/disk.sh" "$root" "$work/$name.img"
step "compress (xz)"
img_size=$(stat -c %s "$work/$name.img")
img_sha=$(sha256sum "$work/$name.img" | cut -d' ' -f1)
xz -T2 -6 -c "$work/$name.img" > "$out/$name.img.xz.part" && mv "$out/$name.img.xz.part" "$out/$name.img.xz"
(cd "$out" && sha256sum "$name.img.xz" > "$name.img.xz.sha256")
node "$here/manifest.mjs" --name "$name" --version "$version" --img-size "$img_size" --img-sha256 "$img_sha" \
  --xz "$out/$name.img.xz" --url "${VIPGATE_IMAGE_URL:-$name.img.xz}" > "$out/$name.json"
step "done: $out/$name.img.xz ($(du -h "$out/$name.img.xz" | cut -f1)), .sha256, .json, -app.tar.gz"
