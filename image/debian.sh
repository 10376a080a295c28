# Sourced by the image scripts: the Debian release and mirror every image root is made from (the SD image's
# root, image/rootfs.sh, and the agent container's, image/agent/rootfs.sh), so both stay on one release.
# Environment: VIPGATE_DEBIAN_MIRROR (default deb.debian.org).
# shellcheck shell=bash
debian_suite=bookworm
debian_mirror=${VIPGATE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
