#!/bin/bash
# Installs the Debian packages that image/build.sh and test/image/boot.sh need (root, apt).
set -euo pipefail
apt-get update -qq
apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
  mmdebstrap qemu-user-static binfmt-support qemu-system-arm dosfstools mtools fdisk e2fsprogs xz-utils \
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu file bird2 >/dev/null
