#!/bin/bash
# Updates the vipgate app on a running box, A/B style, with rollback:
#   /opt/vipgate/a, /opt/vipgate/b   two slots, each a whole release (node/ and app/)
#   /opt/vipgate/current -> a|b      what /usr/bin/vipgate and vipgate-router.service run
# The bundle (vipgate-<version>-arm64-app.tar.gz from `npm run image`) is unpacked into the inactive slot,
# which must accept the running configuration (`vipgate router --check`) before anything changes. Then
# the symlink is switched atomically (rename) and the router restarted; if it is not healthy within the
# timeout (active for systemd, which with Type=notify means READY=1, and answering on its control socket)
# the symlink goes back and the router is restarted on the old slot.
#
# usage: update.sh BUNDLE.tar.gz [--sha256 HEX]   install and switch, roll back if unhealthy
#        update.sh --rollback                      switch back to the other slot
# Exit: 0 updated (or rolled back on request), 1 failed and rolled back, 2 refused before switching.
# For tests: VIPGATE_OPT, VIPGATE_CONFIG, VIPGATE_RESTART (command), VIPGATE_HEALTH (command),
# VIPGATE_HEALTH_TIMEOUT (seconds).
set -euo pipefail

opt=${VIPGATE_OPT:-/opt/vipgate}
config=${VIPGATE_CONFIG:-/etc/vipgate/vipgate.yaml}
restart=${VIPGATE_RESTART:-systemctl restart vipgate-router.service}
health=${VIPGATE_HEALTH:-systemctl is-active --quiet vipgate-router.service && /usr/bin/vipgate show bgp summary --json >/dev/null}
timeout=${VIPGATE_HEALTH_TIMEOUT:-90}

log() { echo "vipgate-update: $*" >&2; }
active() { readlink "$opt/current"; }
other() { [ "$1" = a ] && echo b || echo a; }
switch_to() {  # atomic: a new symlink renamed over the old one
  ln -sfn "$1" "$opt/current.new" && mv -T "$opt/current.new" "$opt/current"
}
healthy() {
  local deadline=$(( SECONDS + timeout ))
  while [ $SECONDS -lt $deadline ]; do
    if bash -c "$health" >/dev/null 2>&1; then return 0; fi
    sleep 2
  done
  return 1
}

from=$(active)
[ "$from" = a ] || [ "$from" = b ] || { log "$opt/current does not point at slot a or b"; exit 2; }
to=$(other "$from")

if [ "${1:-}" = --rollback ]; then
  [ -x "$opt/$to/node/bin/node" ] || { log "slot $to holds no release to go back to"; exit 2; }
  switch_to "$to" && bash -c "$restart"
  log "rolled back from slot $from to slot $to ($(cat "$opt/$to/VERSION" 2>/dev/null || echo '?'))"
  exit 0
fi

bundle=${1:?usage: update.sh BUNDLE.tar.gz [--sha256 HEX] | --rollback}
if [ "${2:-}" = --sha256 ]; then
  echo "${3:?--sha256 needs a value}  $bundle" | sha256sum -c --quiet - || { log "checksum mismatch: $bundle"; exit 2; }
fi

staging="$opt/$to.new"
rm -rf "$staging" && mkdir -p "$staging"
tar -xzf "$bundle" -C "$staging" || { rm -rf "$staging"; log "cannot unpack $bundle"; exit 2; }
for f in node/bin/node app/bin/vipgate.js VERSION; do
  [ -e "$staging/$f" ] || { rm -rf "$staging"; log "$bundle is not a vipgate app bundle (no $f)"; exit 2; }
done
if ! out=$("$staging/node/bin/node" "$staging/app/bin/vipgate.js" router --check --config "$config" 2>&1); then
  rm -rf "$staging"; log "the new release rejects $config, nothing changed:"; echo "$out" >&2; exit 2
fi
rm -rf "${opt:?}/$to" && mv "$staging" "$opt/$to"

version=$(cat "$opt/$to/VERSION")
log "switching from slot $from ($(cat "$opt/$from/VERSION" 2>/dev/null || echo '?')) to slot $to ($version)"
switch_to "$to"
if ! bash -c "$restart"; then
  log "vipgate $version did not start: rolling back to slot $from"
elif healthy; then
  log "vipgate $version is running from slot $to; slot $from is kept for --rollback"
  exit 0
else
  log "vipgate $version is not healthy after ${timeout}s: rolling back to slot $from"
fi
switch_to "$from"
bash -c "$restart" || true
exit 1
