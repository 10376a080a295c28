#!/bin/bash
# Lays firmware/ over an image root and enables what it brings: every file of firmware/etc and
# firmware/usr at the same path, firmware/boot/firmware on the FAT partition (with the router's
# example configuration beside the user's vipgate.yaml), the vipgate user (systemd-sysusers), the units
# (systemctl --root). Runs on the host: nothing here executes arm64 code.
#
# usage: overlay.sh FIRMWARE_DIR ROOT_DIR
set -euo pipefail

fw=${1:?usage: overlay.sh FIRMWARE_DIR ROOT_DIR}
root=${2:?usage: overlay.sh FIRMWARE_DIR ROOT_DIR}

# files of stage 1 (rootfs.sh) that are not meant to be copied as they are
skip='^etc/default/raspi-firmware\.vipgate$'
(cd "$fw" && find etc usr -type f -o -type l) | grep -Ev "$skip" | while read -r f; do
  install -D -m "$(stat -c %a "$fw/$f")" "$fw/$f" "$root/$f"
done
chmod 0750 "$root/etc/vipgate"
cp -r "$fw/boot/firmware/." "$root/boot/firmware/"
cp "$fw/etc/vipgate/router.example.yaml" "$root/boot/firmware/vipgate.example.yaml"

# mosquitto refuses to start when a password_file it is given does not exist: an empty one (no user can
# log in until one is added with mosquitto_passwd), readable by the mosquitto group (it reads the file
# after dropping root)
mosquitto_gid=$(awk -F: '$1 == "mosquitto" { print $3 }' "$root/etc/group")
grep -hoE '^password_file[[:space:]]+/\S+' "$root"/etc/mosquitto/conf.d/*.conf 2>/dev/null | awk '{print $2}' | while read -r pw; do
  [ -e "$root$pw" ] || install -m 0640 -o 0 -g "${mosquitto_gid:?no mosquitto group in the root}" /dev/null "$root$pw"
done

systemd-sysusers --root="$root" >/dev/null
systemd-tmpfiles --root="$root" --create /usr/lib/tmpfiles.d/vipgate.conf 2>/dev/null || true
chgrp --reference="$root/var/lib/vipgate" "$root/etc/vipgate" 2>/dev/null || true
systemctl --root="$root" --quiet enable vipgate-config.service vipgate-router.service vipgate-boot-update.service vipgate-mqtt-users.service \
  vipgate-growroot.service systemd-networkd.service systemd-timesyncd.service mosquitto.service
if [ -e "$root/lib/systemd/system/systemd-resolved.service" ]; then
  systemctl --root="$root" --quiet enable systemd-resolved.service
  ln -sfn ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
fi
# no password for root: the box is managed through vipgate.yaml on the boot partition and the status page
