#!/bin/bash
# Makes arm64 binaries run on this (amd64) host: mounts binfmt_misc and registers qemu-aarch64-static
# with the F (fix binary) flag, so that it also works inside a chroot that does not contain qemu.
# Idempotent; needs root and the qemu-user-static package.
set -euo pipefail

BINFMT=/proc/sys/fs/binfmt_misc
[ -e "$BINFMT/register" ] || mount -t binfmt_misc binfmt_misc "$BINFMT"
if [ ! -e "$BINFMT/qemu-aarch64" ]; then
  if command -v update-binfmts >/dev/null && update-binfmts --enable qemu-aarch64 2>/dev/null && [ -e "$BINFMT/qemu-aarch64" ]; then
    :
  else
    # the same magic/mask as Debian's /usr/share/binfmts/qemu-aarch64 (ELF64, little endian, EM_AARCH64)
    magic='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
    mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
    echo ":qemu-aarch64:M::${magic}:${mask}:/usr/bin/qemu-aarch64-static:F" > "$BINFMT/register"
  fi
fi
grep -q '^enabled' "$BINFMT/qemu-aarch64" || { echo "binfmt: qemu-aarch64 is not enabled" >&2; exit 1; }
