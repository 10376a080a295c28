#!/bin/bash
# mmdebstrap's extract hook for image/agent/rootfs.sh: writes ROOT/status.vipgate, a dpkg status file
# with every package whose .deb is in ROOT/var/cache/apt/archives, marked installed, and removes the
# files of the packages named after ROOT (which then are not listed).
#
# usage: rootfs-status.sh ROOT [PACKAGE_TO_DROP...]
set -euo pipefail
root=${1:?usage: rootfs-status.sh ROOT [PACKAGE_TO_DROP...]}
shift
: > "$root/status.vipgate"
for deb in "$root"/var/cache/apt/archives/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  if printf '%s\n' "$@" | grep -qx "$name"; then
    dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./||' | while read -r f; do
      [ -z "$f" ] || [ -d "$root/$f" ] || rm -f "$root/$f"
    done
    continue
  fi
  dpkg-deb -f "$deb" | awk 'NR == 1 { print; print "Status: install ok installed"; next } { print }' >> "$root/status.vipgate"
  echo >> "$root/status.vipgate"
done
