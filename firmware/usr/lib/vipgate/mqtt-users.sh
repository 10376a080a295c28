#!/bin/bash
# vipgate-mqtt-users.service: one MQTT user per node agent, from a list on the FAT boot partition.
#   BOOT/mqtt-users.txt                one node name per line (# starts a comment): the agents' users
#   /etc/mosquitto/vipgate.passwd      the LAN listener's password file (hashed; root:mosquitto 0640)
#   /etc/mosquitto/vipgate-agents.txt  the users this list made, so that a name taken off the list is revoked
#   BOOT/mqtt-passwords.txt            each new user's password, written once, for the agents' Secret
# A user's name is its node's name: vipgate.acl lets user n1 write only vipgate/<site>/n1/{status,agent,
# services/+,events}. A user already in the password file keeps its password (and is not shown again);
# users added by hand (mosquitto_passwd) and not on the list are left alone. No list: nothing changes.
# Passwords: 18 bytes from /dev/urandom (the kernel's CSPRNG), base64url, 24 characters (144 bits).
# Exit status: 0 done, 1 a line of the list was refused (the others are still applied).
#
# VIPGATE_ROOT (default /) prefixes every path, for tests.
set -euo pipefail
umask 077

root=${VIPGATE_ROOT:-}
boot=$root/boot/firmware
dir=$root/etc/mosquitto
list=$boot/mqtt-users.txt
passwd=$dir/vipgate.passwd
managed=$dir/vipgate-agents.txt
shown=$boot/mqtt-passwords.txt
status=0

[ -f "$list" ] || exit 0
mkdir -p -m 0755 "$dir"
touch "$passwd" "$managed"

# the box's own name: the router publishes vipgate/<site>/<hostname>/status and events, which a user of
# that name could then write too
host=$(tr -d ' \t\r\n' < "$root/etc/hostname" 2>/dev/null || true)

refuse() { status=1; echo "vipgate-mqtt-users: line $1: $2" >&2; }
is_wanted() { [[ " ${wanted[*]} " == *" $1 "* ]]; }

wanted=()
n=0
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  line=${line%%#*}
  read -r name extra <<< "$line" || true
  [ -z "${name:-}" ] && continue
  if [ -n "${extra:-}" ]; then refuse $n "\"$line\": one name per line"; continue; fi
  # a Kubernetes node name (lowercase RFC 1123 labels joined by dots), which also keeps MQTT's / + # out
  if ! [[ $name =~ ^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$ ]]; then refuse $n "\"$name\" is not a node name (lowercase letters, digits, - and .)"; continue; fi
  if [ "$name" = "$host" ]; then refuse $n "\"$name\" is this box's name, under which the router publishes"; continue; fi
  is_wanted "$name" || wanted+=("$name")
done < "$list"

has_user() { awk -F: -v u="$1" '$1 == u { found = 1 } END { exit !found }' "$passwd"; }

# taken off the list: revoked (only users this script made)
revoked=()
while IFS= read -r name; do
  if [ -n "$name" ] && ! is_wanted "$name"; then revoked+=("$name"); fi
done < "$managed"

# new users: plain "user:password" lines hashed by mosquitto_passwd -U, so no password is ever on a command line
new=()
plain=$(mktemp "$dir/.vipgate-new.XXXXXX")
trap 'rm -f "$plain" "$passwd.new" "$managed.new"' EXIT
for name in "${wanted[@]}"; do
  if has_user "$name"; then continue; fi
  password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
  printf '%s:%s\n' "$name" "$password" >> "$plain"
  new+=("$name $password")
done

if [ ${#new[@]} -eq 0 ] && [ ${#revoked[@]} -eq 0 ]; then
  printf '%s\n' "${wanted[@]}" > "$managed.new" && mv -f "$managed.new" "$managed"
  exit $status
fi

# shown first: a power cut between the two steps costs a password that never worked, not one that works
# unseen (the next boot makes a new one, shown below the first)
if [ ${#new[@]} -gt 0 ]; then
  {
    echo "# MQTT passwords for vipgate's node agents, made by the box at $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "# One line per node: user (the node's name) and password. Put each in the agents' Secret, then DELETE"
    echo "# THIS FILE: anyone who reads this card can use them (each only to publish that node's telemetry)."
    echo "# If a name appears twice, the later password is the valid one."
    printf '%s\n' "${new[@]}"
    echo
  } >> "$shown"
  sync "$shown" 2>/dev/null || sync
  mosquitto_passwd -U "$plain"
fi

{
  while IFS= read -r entry; do
    name=${entry%%:*}
    if [[ " ${revoked[*]} " != *" $name "* ]]; then printf '%s\n' "$entry"; fi
  done < "$passwd"
  cat "$plain"
} > "$passwd.new"
chmod 0640 "$passwd.new"
getent group mosquitto >/dev/null && chgrp mosquitto "$passwd.new"
mv -f "$passwd.new" "$passwd"
printf '%s\n' "${wanted[@]}" > "$managed.new" && mv -f "$managed.new" "$managed"

for entry in "${new[@]}"; do echo "vipgate-mqtt-users: added ${entry%% *}"; done
for name in "${revoked[@]}"; do echo "vipgate-mqtt-users: revoked $name (no longer in mqtt-users.txt)"; done
# a running broker reads the password file again on SIGHUP (at boot this runs before it starts)
if [ -z "$root" ] && systemctl -q is-active mosquitto.service; then systemctl reload mosquitto.service; fi
exit $status
