#!/bin/bash
# vipgate-growroot.service, once: the image's root partition is sized to its content; this grows it (the
# last partition) to the end of the SD card, then the mounted ext4 file system with it (online resize).
set -euo pipefail

src=$(findmnt -n -o SOURCE /)                        # /dev/mmcblk0p2 on a Pi, /dev/vda2 in QEMU
part=$(basename "$src")
num=$(cat "/sys/class/block/$part/partition")
disk=/dev/$(basename "$(readlink -f "/sys/class/block/$part/..")")

# the partition table: the root partition runs to the end of the disk (sfdisk refuses a disk in use
# without --force; the kernel is told below, for this one partition)
echo ', +' | sfdisk --force --no-reread --no-tell-kernel --quiet -N "$num" "$disk"
partx --update --nr "$num" "$disk"
resize2fs "$src"
echo "vipgate-growroot: $src is now $(lsblk -bno SIZE "$src") bytes"
touch /var/lib/vipgate/root-grown
