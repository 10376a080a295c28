#!/bin/bash
# vipgate-config.service: installs what the user edited on the FAT boot partition, if it is valid.
#   BOOT/vipgate.yaml         -> /etc/vipgate/vipgate.yaml   (validated by `vipgate router --check`)
#   BOOT/network/NAME.network -> /etc/systemd/network/10-boot-NAME.network
#   BOOT/hostname             -> /etc/hostname               (one RFC 1123 label)
# A wrong vipgate.yaml is not installed: the reason goes to /run/vipgate/config-error.txt, which the
# status page shows, and the router keeps its last good configuration (or, with none, stays stopped and
# vipgate-setup-page.service shows the reason instead).
# Exit status: 0 everything applied or nothing to do, 1 something was rejected.
#
# VIPGATE_ROOT (default /) prefixes every path, and VIPGATE_BIN replaces /usr/bin/vipgate, for tests.
set -uo pipefail

root=${VIPGATE_ROOT:-}
vipgate=${VIPGATE_BIN:-/usr/bin/vipgate}
boot=$root/boot/firmware
etc=$root/etc/vipgate
run=$root/run/vipgate
netdir=$root/etc/systemd/network
error=$run/config-error.txt
status=0

mkdir -p "$run" "$etc" "$netdir"
rm -f "$error"

reject() {  # reject FILE MESSAGE...: record why FILE was not applied
  status=1
  { echo "$1 was not applied:"; shift; printf '%s\n' "$@"; echo; } >> "$error"
  echo "vipgate-config: rejected: $*" >&2
}

# install_if_changed SRC DST MODE: atomic replace (a power cut leaves the old or the new file, never half)
install_if_changed() {
  cmp -s "$1" "$2" && return 1
  install -m "$3" "$1" "$2.new" && mv -f "$2.new" "$2"
}

# --- vipgate.yaml
src=$boot/vipgate.yaml
if [ -f "$src" ]; then
  if out=$("$vipgate" router --check --config "$src" 2>&1); then
    if install_if_changed "$src" "$etc/vipgate.yaml" 0640; then
      getent group vipgate >/dev/null && chgrp vipgate "$etc/vipgate.yaml"
      echo "vipgate-config: installed $src: $out"
    fi
  else
    if [ -f "$etc/vipgate.yaml" ]; then
      keep="The router keeps running with its previous configuration. Fix the file on the boot partition and restart the box."
    else
      keep="The router is not running: it has no valid configuration yet. Fix the file on the boot partition and restart the box."
    fi
    reject "vipgate.yaml (boot partition)" "$out" "$keep"
  fi
elif [ ! -f "$etc/vipgate.yaml" ]; then
  reject "vipgate.yaml (boot partition)" "There is no vipgate.yaml on the boot partition and no configuration in /etc/vipgate." \
    "Put one there (see vipgate.example.yaml beside it) and restart the box."
fi

# --- network/*.network (systemd-networkd syntax, checked for a [Match] section only)
shopt -s nullglob
wanted=()
for f in "$boot"/network/*.network; do
  name=$(basename "$f")
  if ! grep -q '^\[Match\]' "$f"; then
    reject "network/$name (boot partition)" "It has no [Match] section, so it would apply to no interface."
    continue
  fi
  wanted+=("10-boot-$name")
  install_if_changed "$f" "$netdir/10-boot-$name" 0644 && echo "vipgate-config: installed network/$name"
done
for f in "$netdir"/10-boot-*.network; do
  name=$(basename "$f")
  [[ " ${wanted[*]} " == *" $name "* ]] || { rm -f "$f"; echo "vipgate-config: removed $name (gone from the boot partition)"; }
done

# --- hostname
if [ -f "$boot/hostname" ]; then
  name=$(tr -d ' \t\r\n' < "$boot/hostname")
  if [[ "$name" =~ ^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$ ]]; then
    if [ "$(cat "$root/etc/hostname" 2>/dev/null)" != "$name" ]; then
      echo "$name" > "$root/etc/hostname"
      [ -z "$root" ] && hostname "$name"
      echo "vipgate-config: hostname $name"
    fi
  else
    reject "hostname (boot partition)" "\"$name\" is not a host name: letters, digits and -, at most 63, not starting or ending with -."
  fi
fi

[ -f "$error" ] && chmod 0644 "$error"

# --- no configuration at all (a wrong file on the first boot): the router will not start, so the setup
# page says why (vipgate-setup-page.service, which see for why it is started from here)
if [ ! -f "$etc/vipgate.yaml" ] && [ -z "$root" ]; then
  systemctl --no-block start vipgate-setup-page.service
fi
exit $status
