#!/bin/bash
# Stage 3 of the image: a root directory -> an SD card image with an MBR, no loop devices needed.
#   p1  FAT32 "VIPGATE", 256 MiB at 4 MiB: the directory's boot/firmware (Pi firmware, kernel, initrd,
#       config.txt, cmdline.txt, the user's vipgate.yaml), made with mkfs.vfat -C and mcopy
#   p2  ext4 "vipgate-root": the rest, made with mkfs.ext4 -d, sized to its content plus headroom
# The partitions are built as files, the table is written by sfdisk on the image file, and dd conv=notrunc
# places the partitions.
#
# usage: disk.sh ROOT_DIR OUT.img
set -euo pipefail

root=${1:?usage: disk.sh ROOT_DIR OUT.img}
img=${2:?usage: disk.sh ROOT_DIR OUT.img}
work=$(mktemp -d "${TMPDIR:-/tmp}/vipgate-disk.XXXXXX")
trap 'rm -rf "$work"' EXIT

MiB=$((1024 * 1024))
boot_start_mib=4
boot_mib=256
# root: content + 25% + 256 MiB for logs-in-RAM-overflow, updates (a second app slot) and package upgrades
used_mib=$(( $(du -s --block-size=1M --exclude=./boot/firmware "$root" | cut -f1) ))
root_mib=$(( (used_mib * 5 / 4 + 256 + 3) / 4 * 4 ))
root_start_mib=$(( boot_start_mib + boot_mib ))
total_mib=$(( root_start_mib + root_mib ))

# p1: FAT32 with the boot files
mkfs.vfat -C -F 32 -n VIPGATE "$work/boot.img" $(( boot_mib * 1024 )) >/dev/null
mcopy -s -i "$work/boot.img" "$root/boot/firmware"/* ::/

# p2: ext4 from the directory, without the FAT's content under its mount point
mv "$root/boot/firmware" "$work/firmware.held"
mkdir -m 0755 "$root/boot/firmware"
mkfs.ext4 -q -F -L vipgate-root -E root_owner=0:0 -d "$root" "$work/root.img" "${root_mib}M"
rmdir "$root/boot/firmware"
mv "$work/firmware.held" "$root/boot/firmware"

rm -f "$img"
truncate -s $(( total_mib * MiB )) "$img"
sfdisk --quiet --label dos "$img" <<TABLE
start=$(( boot_start_mib * 2048 )), size=$(( boot_mib * 2048 )), type=c, bootable
start=$(( root_start_mib * 2048 )), size=$(( root_mib * 2048 )), type=83
TABLE
dd if="$work/boot.img" of="$img" bs=1M seek=$boot_start_mib conv=notrunc,sparse status=none
dd if="$work/root.img" of="$img" bs=1M seek=$root_start_mib conv=notrunc,sparse status=none
echo "disk.sh: $img: ${total_mib} MiB (boot ${boot_mib} MiB, root ${root_mib} MiB with ${used_mib} MiB used)"
