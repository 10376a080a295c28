#!/bin/bash
# Layer 1 of the agent's container image: a Debian root of files only, for one architecture, made by
# mmdebstrap --variant=extract: the packages below and their dependencies are unpacked, no maintainer
# script runs (so an arm64 root needs no emulation), and nothing else is there: no shell, no dpkg or apt,
# no compiler, no coreutils.
#   libc6 libgcc-s1 libstdc++6   what Node and the native addons link against
#   nftables                     `nft`, which src/nft/nft.ts runs (the IPVS data plane's SNAT table)
#   base-files netbase           /etc/os-release, /etc/protocols and /etc/services (nft names protocols)
# Written here: /etc/passwd and /etc/group (root and vipgate, 65532), /etc/nsswitch.conf, and
# /var/lib/dpkg/status listing every package unpacked (so image scanners can match it against Debian's
# security tracker). Removed: apt's and dpkg's state, the host's resolv.conf and hostname that mmdebstrap
# copied in and the device nodes it made (the container runtime provides them), glibc's iconv modules
# (nothing here converts character sets), documentation other than copyright files.
#
# usage: rootfs.sh --arch arm64|amd64 OUT_DIR     (root; mmdebstrap)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../debian.sh"
[ "${1:-}" = --arch ] || { echo "usage: rootfs.sh --arch arm64|amd64 OUT_DIR" >&2; exit 2; }
arch=${2:?usage: rootfs.sh --arch arm64|amd64 OUT_DIR}
out=${3:?usage: rootfs.sh --arch arm64|amd64 OUT_DIR}

packages=(libc6 libgcc-s1 libstdc++6 nftables base-files netbase)

rm -rf "$out"
# The extract hook runs while the downloaded .debs are still in the root: their control fields, each
# marked installed, become dpkg's status file. mawk comes only as base-files' awk (which its maintainer
# scripts use, and none runs here): its files are taken out again, so no interpreter is left.
drop=mawk
mmdebstrap --mode=root --format=directory --arch="$arch" --variant=extract \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --extract-hook="bash '$here/rootfs-status.sh' \"\$1\" $drop" \
  "$debian_suite" "$out" "$debian_mirror"

grep -q '^Package: nftables$' "$out/status.vipgate" || { echo "rootfs.sh: nftables is not in the root" >&2; exit 1; }
rm -rf "$out/var/lib/dpkg" "$out/var/lib/apt" "$out/var/cache/apt" "$out/etc/apt" "$out/etc/dpkg" "$out/var/log"/* \
  "$out/etc/resolv.conf" "$out/etc/hostname" "$out/usr/share/man" "$out/usr/share/lintian" "$out/usr/share/gdb" "$out/usr/share/gcc" \
  "$out/usr/share/info" "$out"/usr/lib/*-linux-gnu/gconv "$out"/dev/*
mkdir -p "$out/var/lib/dpkg" "$out/opt" "$out/run" "$out/tmp"
mv "$out/status.vipgate" "$out/var/lib/dpkg/status"
find "$out/usr/share/doc" -type f ! -name copyright -delete
find "$out/usr/share/doc" -type d -empty -delete
chmod 1777 "$out/tmp"
cat > "$out/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
vipgate:x:65532:65532:vipgate agent:/nonexistent:/usr/sbin/nologin
EOF
cat > "$out/etc/group" <<'EOF'
root:x:0:
vipgate:x:65532:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$out/etc/nsswitch.conf"

for forbidden in bin/sh bin/bash bin/dash usr/bin/gcc usr/bin/cc usr/bin/dpkg usr/bin/apt; do
  if [ -e "$out/$forbidden" ] || [ -L "$out/$forbidden" ]; then echo "rootfs.sh: $forbidden is in the root" >&2; exit 1; fi
done
echo "rootfs.sh: $arch root in $out ($(du -sh "$out" | cut -f1); $(grep -c '^Package:' "$out/var/lib/dpkg/status") packages)"
