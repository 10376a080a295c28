#!/bin/bash
# Stage 1 of the image: a Debian bookworm arm64 root (systemd, kernel, Raspberry Pi firmware, mosquitto)
# made by mmdebstrap through qemu-user (binfmt_misc), written as a tarball. The tarball is cached under a
# name derived from this script, debian.sh (release and mirror) and the initramfs settings, so an unchanged
# base is not rebuilt.
#
# The initramfs is built once at the end: update-initramfs is diverted to `true` while packages install
# (Debian would otherwise rebuild it for every package with a hook, minutes each under emulation).
# raspi-firmware's hooks refuse to run unless /boot/firmware is a mount point, so a tmpfs stands there
# during the install; its content (kernel, initrd, DTBs, Pi firmware blobs, generated config.txt/cmdline.txt)
# is copied into the tarball's /boot/firmware before the tmpfs goes.
#
# usage: rootfs.sh OUT.tar     (root; qemu-user-static, mmdebstrap)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:?usage: rootfs.sh OUT.tar}
. "$here/debian.sh"

packages=(
  systemd systemd-sysv systemd-timesyncd systemd-resolved udev dbus kmod
  iproute2 iputils-ping nftables ca-certificates
  initramfs-tools zstd e2fsprogs dosfstools fdisk
  linux-image-arm64 raspi-firmware
  mosquitto
)

bash "$here/binfmt.sh"
# an interrupted run leaves the tmpfs of the setup hook mounted inside mmdebstrap's directory
# (findmnt exits 1 when there is none, which is the usual case: that must not become the script's status)
cleanup() { findmnt -n -o TARGET -S vipgate-boot | xargs -r -n1 umount -l || true; }
trap cleanup EXIT

mmdebstrap --mode=root --format=tar --arch=arm64 --variant=minbase \
  --components=main,non-free-firmware \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --setup-hook='mkdir -p "$1/etc/initramfs-tools" "$1/boot/firmware"' \
  --setup-hook="cp -r '$repo/firmware/etc/initramfs-tools/.' \"\$1/etc/initramfs-tools/\"" \
  --setup-hook='mount -t tmpfs -o size=256m vipgate-boot "$1/boot/firmware"' \
  --essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
  --essential-hook='ln -sf /bin/true "$1/usr/sbin/update-initramfs"' \
  --customize-hook='rm "$1/usr/sbin/update-initramfs"' \
  --customize-hook='chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs' \
  --customize-hook="cat '$repo/firmware/etc/default/raspi-firmware.vipgate' >> \"\$1/etc/default/raspi-firmware\"" \
  --customize-hook="cp '$repo/firmware/etc/default/raspi-firmware-custom' '$repo/firmware/etc/default/raspi-extra-cmdline' \"\$1/etc/default/\"" \
  --customize-hook='chroot "$1" update-initramfs -c -k all' \
  --customize-hook='mkdir "$1/boot/firmware.staged" && cp -a "$1/boot/firmware/." "$1/boot/firmware.staged/" && umount "$1/boot/firmware" && rmdir "$1/boot/firmware" && mv "$1/boot/firmware.staged" "$1/boot/firmware"' \
  --customize-hook='chroot "$1" apt-get clean' \
  "$debian_suite" "$out" "$debian_mirror"
