#!/bin/bash
# `npm run test:image`: boots the built SD image in QEMU and checks that it works as a router.
#   - qemu-system-aarch64 -M virt -cpu cortex-a72 (TCG) boots the image's own kernel, initrd and kernel
#     command line, taken from its FAT partition, with the image as a virtio disk (root=LABEL=vipgate-root)
#   - the boot partition is edited first, as a user would: a test vipgate.yaml (one eBGP peer on the host
#     side, the status page on port 80), network/eth0.network (static 192.0.2.2/24), and the app bundle
#     for the update step
#   - boot 1: multi-user.target, vipgate-growroot grows the root to the (larger) disk, vipgate-config
#     installs the file, vipgate-router becomes active (Type=notify: READY=1); BIRD on the host side
#     establishes the session, learns the guest's route, and the guest's kernel holds BIRD's routes
#     (proto vipgate, via 192.0.2.1); the status page answers (HTML and /api/status, whose routes are the
#     router's dump of the kernel table); systemd has the unit as Type=notify with its 30 s watchdog and
#     the watchdog pings arrive; no unit failed
#   - the cluster's install from the box: /k3s/agent.yaml (the manifests the router renders for the nodes
#     of its dynamic neighbor, naming this version's agent image) and both agent images
#     (/k3s/vipgate-agent-arm64.tar and -amd64.tar, decompressed on the way from /usr/share/vipgate/k3s),
#     each the docker-archive the build made (its SHA-256 as image/out's, and as the box says)
#   - updates (firmware/usr/lib/vipgate/update.sh): the bundle from the boot partition into slot b and
#     back with --rollback; a release that passes the pre-switch check but whose router does not come up is
#     rolled back automatically
#   - boot 2, after a clean power-off: a wrong vipgate.yaml and the app bundle in update/ on the boot
#     partition; the update is applied (vipgate-boot-update, slot b), the router keeps running on its last
#     good configuration and the status page says why the file was refused
# The in-guest checks (systemctl, ip, update.sh) go through systemd's debug shell on the serial port: the
# test adds `systemd.debug_shell=ttyAMA0` to the kernel command line (the image has no shell on its console)
# and QEMU serves the port on a Unix socket that guest.py talks to; the port's output is also the console
# log the milestones are read from.
# QEMU and BIRD run in a network namespace made here: QEMU's network card is a tap device in it, holding
# 192.0.2.1/24 (BIRD's address); the guest is 192.0.2.2. Nothing outside the namespace is touched.
# Prints the time to each milestone; exits non-zero on the first one missed.
#
# usage: boot.sh [IMAGE.img.xz | IMAGE.img]   (default: image/out/vipgate-<version>-arm64.img.xz; the app
#        bundle IMAGE-app.tar.gz beside it is used for the update step)
# Needs root, qemu-system-arm, mtools, fdisk, bird2, xz-utils, curl, python3.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
image=${1:-$repo/image/out/vipgate-$version-arm64.img.xz}
bundle="${image%.img*}-app.tar.gz"
boot_timeout=${VIPGATE_BOOT_TIMEOUT:-600}
[ -f "$image" ] || { echo "boot.sh: no image at $image: run npm run image" >&2; exit 2; }
[ -f "$bundle" ] || { echo "boot.sh: no app bundle at $bundle: run npm run image" >&2; exit 2; }

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
phase_start=$start
elapsed() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
since_phase() { awk -v a="$phase_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "boot.sh: [$(elapsed) s, +$(since_phase) s] $*"; }
console="$work/console-1.log"
fail() { echo "boot.sh: FAILED after $(elapsed) s: $*" >&2; echo "--- last console lines:" >&2; tail -40 "$console" >&2; exit 1; }

# --- the disk, and the user's files on its FAT partition
disk="$work/disk.img"
case "$image" in *.xz) xz -dc "$image" > "$disk" ;; *) cp --sparse=always "$image" "$disk" ;; esac
truncate -s +256M "$disk"   # room, as an SD card larger than the image has
fat_start=$(sfdisk --json "$disk" | node -e 'const t=JSON.parse(require("fs").readFileSync(0,"utf8")).partitiontable; process.stdout.write(String(t.partitions[0].start*512))')
fat="$disk@@$fat_start"
cat > "$work/vipgate.yaml" <<'YAML'
asn: 64513
routerId: 192.0.2.2
networks: [198.51.100.0/24]
neighbors:
  - { address: 192.0.2.1, remoteAs: 65010, description: host-side BIRD, holdTime: 30, import: all, export: all }
  - { range: 192.0.2.0/24, remoteAs: 64512, import: { prefixes: ["172.20.1.0/24 le 32"] }, export: none }
web: { address: 0.0.0.0, port: 80 }
telemetry: { url: "mqtt://127.0.0.1:1883", site: test }
store: { path: /var/lib/vipgate/history.db, flushMs: 60000 }
YAML
cat > "$work/eth0.network" <<'NET'
[Match]
Name=eth0

[Network]
Address=192.0.2.2/24
NET
mcopy -o -i "$fat" "$work/vipgate.yaml" ::vipgate.yaml
mcopy -o -i "$fat" "$work/eth0.network" ::network/eth0.network
mcopy -o -i "$fat" "$bundle" ::app.tar.gz
bundle_sha=$(sha256sum "$bundle" | cut -d' ' -f1)
mcopy -o -i "$fat" ::cmdline.txt "$work/cmdline.txt"
kernel=$(mdir -b -i "$fat" :: | grep -o 'vmlinuz-[^ ]*' | sort -V | tail -1)
initrd=$(mdir -b -i "$fat" :: | grep -o 'initrd.img-[^ ]*' | sort -V | tail -1)
[ -n "$kernel" ] && [ -n "$initrd" ] || { echo "boot.sh: no vmlinuz-*/initrd.img-* on the FAT partition" >&2; exit 1; }
mcopy -i "$fat" "::$kernel" "$work/vmlinuz"
mcopy -i "$fat" "::$initrd" "$work/initrd"
# the image's own command line, with QEMU virt's serial port (PL011) as the console (status lines and the
# journal on it, for the milestones) and, for this test only, a root shell on it instead of the login
# prompt systemd's getty generator puts on the console
cmdline="$(sed -E 's/console=[^ ]+//g' "$work/cmdline.txt" | tr -s ' ') console=ttyAMA0,115200 systemd.show_status=yes systemd.journald.forward_to_console=1 systemd.debug_shell=ttyAMA0 systemd.mask=serial-getty@ttyAMA0.service"
grep -q 'root=LABEL=vipgate-root' <<<"$cmdline" || { echo "boot.sh: cmdline.txt has no root=LABEL=vipgate-root: $cmdline" >&2; exit 1; }
say "image ready: $kernel, $initrd; cmdline: $cmdline"

# --- the host side: a namespace with loopback and QEMU's tap device, BIRD as the peer
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev vgtap mode tap
ip -n "$ns" addr add 192.0.2.1/24 dev vgtap
ip -n "$ns" link set vgtap up
cat > "$work/bird.conf" <<BIRD
router id 192.0.2.1;
log "$work/bird.log" all;
protocol device {}
protocol static { ipv4; route 203.0.113.0/24 unreachable; route 198.18.0.0/15 unreachable; }
protocol bgp guest {
  local 192.0.2.1 as 65010;
  neighbor 192.0.2.2 as 64513;
  connect retry time 5; error wait time 1, 5;
  graceful restart off;
  ipv4 { import all; export where proto = "static1"; };
}
BIRD
ip netns exec "$ns" bird -c "$work/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid" -f &
bird_pid=$!

# boot N: starts QEMU; its serial port is the Unix socket guest.py uses, logged to console-N.log
boot() {
  console="$work/console-$1.log"
  phase_start=$(date +%s.%N)
  rm -f "$work/serial.sock"
  ip netns exec "$ns" qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 -accel tcg \
    -nographic -monitor none \
    -chardev "socket,id=con,path=$work/serial.sock,server=on,wait=off,logfile=$console" -serial chardev:con \
    -kernel "$work/vmlinuz" -initrd "$work/initrd" -append "$cmdline" \
    -drive "file=$disk,format=raw,if=none,id=sd" -device virtio-blk-pci,drive=sd \
    -netdev tap,id=lan,ifname=vgtap,script=no,downscript=no -device virtio-net-pci,netdev=lan,mac=52:54:00:76:67:01 \
    -device virtio-rng-pci >"$work/qemu-$1.log" 2>&1 &
  qemu_pid=$!
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every second until it succeeds
wait_for() {
  local limit=$1 what=$2; shift 2
  local until=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU exited while waiting for $what ($(cat "$work"/qemu-*.log))"
    [ "$(date +%s)" -lt "$until" ] || fail "no $what within $limit s"
    sleep 1
  done
  say "$what"
}
console_has() { grep -qaE "$1" "$console"; }
birdc_has() { ip netns exec "$ns" birdc -s "$work/bird.ctl" "$1" | grep -qE "$2"; }
bird_session() { ip netns exec "$ns" birdc -s "$work/bird.ctl" 'show protocols guest' | grep '^guest'; }
# established_anew LINE: BIRD's session is Established again, since another time than in LINE (a new session)
established_anew() { local l; l=$(bird_session) && [[ "$l" == *Established* && "$l" != "$1" ]]; }
# guest [TIMEOUT] COMMAND: runs COMMAND in the guest's shell, prints its output, returns its status
guest() {
  local t=120; [[ "$1" =~ ^[0-9]+$ ]] && { t=$1; shift; }
  python3 "$here/guest.py" "$work/serial.sock" "$t" "$1"
}
# check WHAT COMMAND...: COMMAND must succeed
check() { local what=$1; shift; "$@" || fail "$what"; say "$what"; }
# page PATH: the status page over the namespace's link to the guest
page() { ip netns exec "$ns" curl -fsS --max-time 20 "http://192.0.2.2$1"; }
api() { page /api/status > "$work/status.json" && node -e "$1" "$work/status.json"; }
json_has() {  # json_has JS-EXPRESSION over s (/api/status), true or not
  api "const s = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); process.exit(($1) ? 0 : 1)"
}
# guest_has COMMAND REGEX: the command's output (lines joined by spaces) matches
guest_has() { guest "$1" | tr '\n' ' ' | grep -qE "$2"; }
page_has() { page "$1" | tr '\n' ' ' | grep -qE "$2"; }
router_active() { [ "$(guest 60 'systemctl is-active vipgate-router.service')" = active ]; }
kernel_has_bird_routes() {
  local r; r=$(guest 60 'ip route show proto vipgate')
  grep -q '^203\.0\.113\.0/24' <<<"$r" && grep -q '^198\.18\.0\.0/15' <<<"$r"
}

# ===== boot 1: first boot of a fresh card
boot 1
wait_for "$boot_timeout" "kernel started" console_has 'Booting Linux|Linux version'
wait_for "$boot_timeout" "root mounted, systemd running" console_has 'systemd\[1\]|Welcome to'
wait_for "$boot_timeout" "root partition and file system grown to the disk (vipgate-growroot)" console_has 'vipgate-growroot: /dev/vda2 is now'
wait_for "$boot_timeout" "vipgate.yaml imported (vipgate-config)" console_has 'Finished vipgate-config.service|Finished .*import configuration from the boot partition'
wait_for "$boot_timeout" "vipgate-router active (READY=1)" console_has 'Started vipgate-router.service|Started .*vipgate BGP router'
wait_for "$boot_timeout" "multi-user.target reached" console_has 'Reached target multi-user.target|Reached target .*Multi-User System'
wait_for 180 "BGP session Established (BIRD on the host side)" birdc_has 'show protocols guest' 'Established'
wait_for 60 "BIRD learned the guest's 198.51.100.0/24" birdc_has 'show route protocol guest' '198\.51\.100\.0/24'
wait_for 60 "the guest's kernel has BIRD's routes (proto vipgate)" kernel_has_bird_routes
check "the guest's kernel forwards 203.0.113.1 via 192.0.2.1 on eth0" guest_has 'ip route get 203.0.113.1' 'via 192\.0\.2\.1 dev eth0'
wait_for 120 "status page answers on http://192.0.2.2/ (1 of 1 sessions up)" page_has / '<strong id="peers-up">1 of 1</strong>'
check "/api/status: the session Established, the kernel's routes via 192.0.2.1, no configuration error" json_has \
  "s.summary.peers.some((p) => p.address === '192.0.2.1' && p.state === 'Established')
   && ['203.0.113.0/24', '198.18.0.0/15'].every((x) => s.routes.some((r) => r.prefix === x && r.nexthops.some((n) => n.gateway === '192.0.2.1')))
   && s.configError === null"
show=$(guest 'systemctl show vipgate-router.service -p Type -p ActiveState -p SubState -p WatchdogUSec -p NRestarts -p WatchdogTimestampMonotonic')
echo "$show" | sed 's/^/boot.sh:   /'
for want in Type=notify ActiveState=active SubState=running WatchdogUSec=30s NRestarts=0; do
  grep -qx "$want" <<<"$show" || fail "vipgate-router.service: expected $want"
done
ping1=$(sed -n 's/^WatchdogTimestampMonotonic=//p' <<<"$show")
[ "${ping1:-0}" -gt 0 ] || fail "systemd has not received a watchdog ping (WATCHDOG=1) from the router"
sleep 20  # > WatchdogSec/2: the router pings every 15 s
ping2=$(guest 'systemctl show vipgate-router.service -p WatchdogTimestampMonotonic --value')
[ "${ping2:-0}" -gt "$ping1" ] || fail "no new watchdog ping in 20 s ($ping1 -> $ping2)"
say "Type=notify, watchdog 30 s, pinged (WatchdogTimestampMonotonic $ping1 -> $ping2), no restart"
# ===== the cluster's two-command install, from the box
phase_start=$(date +%s.%N)
check "/k3s/agent.yaml: manifests for the nodes in 192.0.2.0/24 (peer 192.0.2.2, AS 64513), DaemonSet naming vipgate-agent:$version" page_has /k3s/agent.yaml \
  "kubectl apply -f http://192\.0\.2\.2/k3s/agent\.yaml.*kind: ConfigMap.*- address: 192\.0\.2\.2 +asn: 64513.*kind: DaemonSet.*image: docker\.io/library/vipgate-agent:$version"
for arch in arm64 amd64; do
  ip netns exec "$ns" curl -fsS --max-time 900 -o "$work/agent-$arch.tar" "http://192.0.2.2/k3s/vipgate-agent-$arch.tar" || fail "no agent image for $arch from the box"
  got=$(sha256sum "$work/agent-$arch.tar" | cut -d' ' -f1)
  said=$(page "/k3s/vipgate-agent-$arch.tar.sha256" | cut -d' ' -f1)
  built="$(dirname "$image")/vipgate-agent-$version-$arch.tar.sha256"
  [ "$got" = "$said" ] || fail "the $arch image from the box ($got) is not what the box's .sha256 says ($said)"
  if [ -f "$built" ]; then [ "$got" = "$(cut -d' ' -f1 "$built")" ] || fail "the $arch image from the box is not the one built ($built)"; fi
  tar -xOf "$work/agent-$arch.tar" manifest.json | grep -q "\"docker.io/library/vipgate-agent:$version\"" || fail "the $arch tarball is not tagged vipgate-agent:$version"
  say "/k3s/vipgate-agent-$arch.tar: $(stat -c %s "$work/agent-$arch.tar") bytes, sha256 $got, tagged docker.io/library/vipgate-agent:$version"
  rm -f "$work/agent-$arch.tar"
done

check "mosquitto (the local broker) active" guest_has 'systemctl is-active mosquitto.service' '^active $'
failed=$(guest 'systemctl list-units --failed --plain --no-legend')
[ -z "$failed" ] || fail "failed units: $failed"
say "no failed unit"

# ===== updates (A/B app slots)
phase_start=$(date +%s.%N)
session=$(bird_session)
check "update.sh: the bundle from the boot partition installed into slot b, router healthy" \
  guest 400 "/usr/lib/vipgate/update.sh /boot/firmware/app.tar.gz --sha256 $bundle_sha"
[ "$(guest 'readlink /opt/vipgate/current')" = b ] || fail "current does not point at slot b after the update"
wait_for 180 "BGP Established again after the update (a new session)" established_anew "$session"
check "update.sh: a wrong checksum is refused, nothing changed" guest_has \
  "/usr/lib/vipgate/update.sh /boot/firmware/app.tar.gz --sha256 $(printf '0%.0s' {1..64}); echo exit=\$?; readlink /opt/vipgate/current" 'checksum mismatch.*exit=2 b $'
session=$(bird_session)
check "update.sh --rollback: back to slot a" guest_has '/usr/lib/vipgate/update.sh --rollback; echo exit=$?; readlink /opt/vipgate/current' 'rolled back from slot b to slot a.*exit=0 a $'
wait_for 240 "router active on slot a" router_active
wait_for 180 "BGP Established again after --rollback (a new session)" established_anew "$session"
# a release that passes `router --check` but whose router exits at once (its Node is slot a's, linked)
guest 'rm -rf /var/tmp/bad && mkdir -p /var/tmp/bad/app/bin /var/tmp/bad/node/bin && ln -s /opt/vipgate/a/node/bin/node /var/tmp/bad/node/bin/node && echo 0.0.0-broken > /var/tmp/bad/VERSION && printf "%s\n" "if (process.argv.includes(\"--check\")) console.log(\"valid\"); else { console.error(\"broken release\"); process.exit(1); }" > /var/tmp/bad/app/bin/vipgate.js && tar -czf /var/tmp/bad.tar.gz -C /var/tmp/bad .' \
  || fail "cannot make the broken bundle in the guest"
session=$(bird_session)
out=$(guest 400 'VIPGATE_HEALTH_TIMEOUT=45 /usr/lib/vipgate/update.sh /var/tmp/bad.tar.gz; echo exit=$?; readlink /opt/vipgate/current')
echo "$out" | sed 's/^/boot.sh:   /'
tr '\n' ' ' <<<"$out" | grep -q 'did not start: rolling back to slot a.* exit=1 a' || fail "the broken release was not rolled back to slot a"
say "update.sh: a release whose router does not come up is rolled back to slot a"
wait_for 240 "router active again on slot a" router_active
wait_for 180 "BGP Established again after the rollback (a new session)" established_anew "$session"

# ===== boot 2: a wrong vipgate.yaml on the card
phase_start=$(date +%s.%N)
guest 30 'systemctl poweroff' >/dev/null 2>&1 || true
for _ in $(seq 120); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 1; done
kill -0 "$qemu_pid" 2>/dev/null && fail "the guest did not power off within 120 s"
wait "$qemu_pid" 2>/dev/null || true
say "powered off"
# the user's edits on the card: a typo in vipgate.yaml, and the app bundle (with its .sha256) in update/
sed 's/holdTime: 30/holdTimer: 30/' "$work/vipgate.yaml" > "$work/bad.yaml"
mcopy -o -i "$fat" "$work/bad.yaml" ::vipgate.yaml
mdel -i "$fat" ::app.tar.gz
bundle_name=$(basename "$bundle")
mcopy -o -i "$fat" "$bundle" "::update/$bundle_name"
echo "$bundle_sha  $bundle_name" > "$work/$bundle_name.sha256"
mcopy -o -i "$fat" "$work/$bundle_name.sha256" "::update/$bundle_name.sha256"
boot 2
wait_for "$boot_timeout" "boot 2: vipgate-config ran (and refused the file)" console_has 'vipgate-config: rejected'
wait_for "$boot_timeout" "boot 2: vipgate-router active on the last good configuration" console_has 'Started vipgate-router.service|Started .*vipgate BGP router'
wait_for "$boot_timeout" "boot 2: the update from the boot partition ran (vipgate-boot-update)" \
  console_has 'Finished vipgate-boot-update.service|Finished .*app update from the boot partition|vipgate-boot-update.service: (Failed|Main process exited)'
check "boot 2: the update was applied: slot b active, the bundle gone, update/RESULT.txt says so" guest_has \
  'readlink /opt/vipgate/current; ls /boot/firmware/update; cat /boot/firmware/update/RESULT.txt' \
  "^b README.txt RESULT.txt update/$bundle_name was applied: .*running from slot b"
wait_for 240 "boot 2: router active on slot b" router_active
wait_for 180 "boot 2: BGP Established" birdc_has 'show protocols guest' 'Established'
wait_for 120 "boot 2: the status page shows why vipgate.yaml was refused" page_has / 'Configuration not applied.*holdTimer'
check "boot 2: /api/status has the reason; the routes are still there" json_has \
  "/vipgate\\.yaml \\(boot partition\\) was not applied/.test(s.configError) && /holdTimer/.test(s.configError)
   && /keeps running with its previous configuration/.test(s.configError)
   && s.routes.some((r) => r.prefix === '203.0.113.0/24')"
node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).configError)' "$work/status.json" | sed 's/^/boot.sh:   /'
for log in "$work"/console-*.log; do
  if grep -qaE 'vipgate-router.service: Watchdog timeout' "$log"; then fail "the watchdog killed vipgate-router ($log)"; fi
done
say "PASS"
