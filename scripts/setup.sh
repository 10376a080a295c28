#!/usr/bin/env bash
# The project's one set-up script, for a Debian 12 machine as root: installs every Debian package the
# product, the lab, the tests, the benchmarks and the image builds use, stops the packaged daemons that an
# install may have started in the root namespace (the lab and the tests start their own in namespaces),
# and runs `npm ci`. Idempotent: a second run installs nothing and says so.
#
#   bash scripts/setup.sh            everything
#   bash scripts/setup.sh --list     print the package list, one per line, and exit (tests read it)
#
# When code starts to run a new program, its package goes into this list in the same commit.
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(
  # the router and the lab: namespaces and routes, the broker, the upstream BIRD, VRRP, captures
  iproute2 nftables procps util-linux passwd openssl curl ca-certificates
  mosquitto bird2 keepalived tcpdump
  # native addons (node-gyp): this project's own, raw-socket, better-sqlite3
  build-essential python3
  # real BGP daemons as test peers and benchmark references
  gobgpd frr
  # promtool, which checks the /metrics of a live router and agent against Prometheus' rules
  prometheus
  # the status page in a real browser
  chromium
  # the IPVS VM harness (this kernel has no IPVS): Debian's own kernel under qemu; its .debs come from
  # `apt-get download`, which needs package lists
  qemu-system-x86
  # firmware tests: systemd-analyze verify/security, systemd-notify, systemd-sysctl
  systemd
  # the SD image (npm run image) and its boot test (npm run test:image)
  mmdebstrap arch-test gpg qemu-user-static qemu-system-arm dosfstools mtools fdisk e2fsprogs xz-utils
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu file
  # the agent's container image (npm run agent-image) and its tests: OCI layout and docker-archive without
  # a Docker daemon; rootful podman (with runc: crun fails on this cgroup v1 host) and containerd's ctr
  # to load it as a node would
  umoci skopeo podman runc containerd
)

if [[ ${1:-} == --list ]]; then printf '%s\n' "${packages[@]}"; exit 0; fi
[[ $(id -u) == 0 ]] || { echo "setup: run as root (apt, namespaces)" >&2; exit 1; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
lists=$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' -e '^auxfiles$')
if ((${#missing[@]})) || [[ -z $lists ]]; then
  echo "setup: apt-get update"
  apt-get update -q || { echo "setup: apt-get update failed" >&2; exit 1; }
fi
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" \
    || { echo "setup: apt-get install failed" >&2; exit 1; }
else
  echo "setup: all ${#packages[@]} Debian packages are installed; nothing to install"
fi

# an install on a machine with systemd starts the packaged daemons in the root namespace; the lab and the
# tests run their own inside namespaces, and a root-namespace bird or mosquitto would only get in the way
if [[ -d /run/systemd/system ]]; then
  for s in bird frr gobgpd mosquitto keepalived prometheus containerd; do
    if systemctl is-active --quiet "$s" 2>/dev/null; then echo "setup: stopping $s (root namespace)"; systemctl stop "$s"; fi
  done
fi

# npm ci again only when the lock file changed since the last successful run (or node_modules went)
stamp=node_modules/.vipgate-setup
want=$( (sha256sum package-lock.json; node --version) | sha256sum | cut -c1-16)
if [[ -f $stamp && $(cat "$stamp") == "$want" && -f build/Release/vipgate_native.node ]]; then
  echo "setup: node_modules matches package-lock.json; nothing to install"
else
  echo "setup: npm ci"
  npm ci --no-audit --no-fund || { echo "setup: npm ci failed" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
echo "setup: done"
