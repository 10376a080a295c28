#!/bin/bash
# `npm run test:image`: boots the built SD image in QEMU and checks that it works as a router.
#   - qemu-system-aarch64 -M virt -cpu cortex-a72 (TCG) boots the image's own kernel, initrd and kernel
#     command line, taken from its FAT partition, with the image as a virtio disk (root=LABEL=vipgate-root)
#   - a test vipgate.yaml is put on the FAT partition first, as a user would: one eBGP peer on the host
#     side, 192.0.2.1
#   - the guest reaches multi-user.target, vipgate-growroot grows the root to the (larger) disk,
#     vipgate-config installs the file, vipgate-router becomes active
#     (Type=notify: READY=1), and BIRD on the host side establishes the session and learns the guest's
#     route
# QEMU and BIRD run in a network namespace made here, with a veth pair whose ends hold 192.0.2.1 and
# 192.0.2.2 (BIRD refuses loopback neighbours): BIRD (192.0.2.1) connects to 192.0.2.2:10179, which QEMU
# forwards to the guest's port 179. QEMU's forwarding keeps the client's address, so the guest's neighbour
# is 192.0.2.1 (reached through QEMU's gateway), and it waits for the session (passive).
# Prints the time to each milestone; exits non-zero on the first one missed.
#
# usage: boot.sh [IMAGE.img.xz | IMAGE.img]   (default: image/out/vipgate-<version>-arm64.img.xz)
# Needs root, qemu-system-arm, mtools, fdisk, bird2, xz-utils.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
image=${1:-$repo/image/out/vipgate-$version-arm64.img.xz}
boot_timeout=${VIPGATE_BOOT_TIMEOUT:-600}
[ -f "$image" ] || { echo "boot.sh: no image at $image: run npm run image" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/vipgate-boot.XXXXXX")
ns="vgboot$$"
qemu_pid=
bird_pid=
cleanup() {
  set +e  # every step runs, whatever is already gone
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
  [ -n "$bird_pid" ] && kill "$bird_pid" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  if [ -n "${VIPGATE_BOOT_KEEP:-}" ]; then echo "boot.sh: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
start=$(date +%s.%N)
elapsed() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "boot.sh: [$(elapsed) s] $*"; }
fail() { echo "boot.sh: FAILED after $(elapsed) s: $*" >&2; echo "--- last console lines:" >&2; tail -40 "$work/console.log" >&2; exit 1; }

# --- the disk, and the test configuration on its FAT partition
disk="$work/disk.img"
case "$image" in *.xz) xz -dc "$image" > "$disk" ;; *) cp --sparse=always "$image" "$disk" ;; esac
truncate -s +256M "$disk"   # room, as an SD card larger than the image has
fat_start=$(sfdisk --json "$disk" | node -e 'const t=JSON.parse(require("fs").readFileSync(0,"utf8")).partitiontable; process.stdout.write(String(t.partitions[0].start*512))')
fat="$disk@@$fat_start"
cat > "$work/vipgate.yaml" <<'YAML'
asn: 64513
routerId: 10.0.2.15
networks: [198.51.100.0/24]
neighbors:
  - { address: 192.0.2.1, remoteAs: 65010, description: host-side BIRD, passive: true, holdTime: 30, import: all, export: all }
YAML
mcopy -o -i "$fat" "$work/vipgate.yaml" ::vipgate.yaml
mcopy -o -i "$fat" ::cmdline.txt "$work/cmdline.txt"
kernel=$(mdir -b -i "$fat" :: | grep -o 'vmlinuz-[^ ]*' | sort -V | tail -1)
initrd=$(mdir -b -i "$fat" :: | grep -o 'initrd.img-[^ ]*' | sort -V | tail -1)
[ -n "$kernel" ] && [ -n "$initrd" ] || { echo "boot.sh: no vmlinuz-*/initrd.img-* on the FAT partition" >&2; exit 1; }
mcopy -i "$fat" "::$kernel" "$work/vmlinuz"
mcopy -i "$fat" "::$initrd" "$work/initrd"
# the image's own command line, with QEMU virt's serial port (PL011) as the console
# (status lines and the journal on the console, whatever the image's default, for the checks below)
cmdline="$(sed -E 's/console=[^ ]+//g' "$work/cmdline.txt" | tr -s ' ') console=ttyAMA0,115200 systemd.show_status=yes systemd.journald.forward_to_console=1"
grep -q 'root=LABEL=vipgate-root' <<<"$cmdline" || { echo "boot.sh: cmdline.txt has no root=LABEL=vipgate-root: $cmdline" >&2; exit 1; }
say "image ready: $kernel, $initrd; cmdline: $cmdline"

# --- the host side: a namespace with loopback and a veth pair, BIRD as the peer
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add va type veth peer name vb
ip -n "$ns" addr add 192.0.2.1/24 dev va
ip -n "$ns" addr add 192.0.2.2/24 dev vb
ip -n "$ns" link set va up
ip -n "$ns" link set vb up
cat > "$work/bird.conf" <<BIRD
router id 10.0.2.2;
log "$work/bird.log" all;
protocol device {}
protocol static { ipv4; route 203.0.113.0/24 unreachable; }
protocol bgp guest {
  local 192.0.2.1 as 65010;
  neighbor 192.0.2.2 port 10179 as 64513;
  multihop;
  connect retry time 5; error wait time 1, 5;
  ipv4 { import all; export all; };
}
BIRD
ip netns exec "$ns" bird -c "$work/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid" -f &
bird_pid=$!

ip netns exec "$ns" qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 -accel tcg \
  -nographic -monitor none -serial "file:$work/console.log" \
  -kernel "$work/vmlinuz" -initrd "$work/initrd" -append "$cmdline" \
  -drive "file=$disk,format=raw,if=none,id=sd" -device virtio-blk-pci,drive=sd \
  -netdev "user,id=lan,net=10.0.2.0/24,hostfwd=tcp:192.0.2.2:10179-:179" -device virtio-net-pci,netdev=lan \
  -device virtio-rng-pci >"$work/qemu.log" 2>&1 &
qemu_pid=$!

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every second until it succeeds
wait_for() {
  local until=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU exited while waiting for $what ($(cat "$work/qemu.log"))"
    [ "$(date +%s)" -lt "$until" ] || fail "no $what within $boot_timeout s"
    sleep 1
  done
  say "$what"
}
console_has() { grep -qE "$1" "$work/console.log"; }
birdc_has() { ip netns exec "$ns" birdc -s "$work/bird.ctl" "$1" | grep -qE "$2"; }

wait_for "$boot_timeout" "kernel started" console_has 'Booting Linux|Linux version'
wait_for "$boot_timeout" "root mounted, systemd running" console_has 'systemd\[1\]|Welcome to'
wait_for "$boot_timeout" "root partition and file system grown to the disk (vipgate-growroot)" console_has 'vipgate-growroot: /dev/vda2 is now'
wait_for "$boot_timeout" "vipgate.yaml imported (vipgate-config)" console_has 'Finished vipgate-config.service|Finished .*import configuration from the boot partition'
wait_for "$boot_timeout" "vipgate-router active (READY=1)" console_has 'Started vipgate-router.service|Started .*vipgate BGP router'
wait_for "$boot_timeout" "multi-user.target reached" console_has 'Reached target multi-user.target|Reached target .*Multi-User System'
wait_for 180 "BGP session Established (BIRD on the host side)" birdc_has 'show protocols guest' 'Established'
wait_for 60 "BIRD learned the guest's 198.51.100.0/24" birdc_has 'show route protocol guest' '198\.51\.100\.0/24'
if console_has 'vipgate-router.service: (Main process exited|Failed|Watchdog timeout)'; then fail "vipgate-router restarted or failed during the test"; fi
wait_for 60 "mosquitto (the local broker) started" console_has 'Started mosquitto.service|Started .*Mosquitto MQTT Broker'
if console_has 'Failed to start'; then fail "a unit failed to start: $(grep -a 'Failed to start' "$work/console.log" | head -3)"; fi
say "PASS"
