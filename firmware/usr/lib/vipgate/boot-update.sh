#!/bin/bash
# vipgate-boot-update.service: an app update from the boot partition, for a box that has no shell. The
# user copies vipgate-<version>-arm64-app.tar.gz (with its .sha256 from the release, if they have it)
# into update/ on the boot partition and restarts the box. Once the router has started, the bundle goes
# through update.sh (the inactive A/B slot, switched only if the new release accepts the configuration,
# rolled back if its router is not healthy). The outcome goes to update/RESULT.txt on the boot partition;
# a failure also to /run/vipgate/config-error.txt, which the status page shows. An applied bundle is
# deleted, a failed one renamed *.failed: each is tried once.
# Exit status: update.sh's (0 applied, 1 rolled back, 2 refused), 0 when there is nothing to do.
#
# VIPGATE_ROOT (default /) prefixes every path, and VIPGATE_UPDATE replaces update.sh, for tests.
set -uo pipefail

root=${VIPGATE_ROOT:-}
update=${VIPGATE_UPDATE:-/usr/lib/vipgate/update.sh}
dir=$root/boot/firmware/update
error=$root/run/vipgate/config-error.txt
result=$dir/RESULT.txt

shopt -s nullglob
bundles=("$dir"/*.tar.gz)
[ ${#bundles[@]} -eq 0 ] && exit 0

report() {  # report STATUS TEXT: RESULT.txt for the PC, config-error.txt (the status page) on failure
  printf '%s\n' "$2" > "$result"
  [ "$1" -eq 0 ] && return
  mkdir -p "$(dirname "$error")"
  { printf '%s\n' "$2"; echo; } >> "$error"
  chmod 0644 "$error"
}

if [ ${#bundles[@]} -gt 1 ]; then
  report 2 "update/ (boot partition) was not applied: it holds ${#bundles[@]} bundles ($(cd "$dir" && echo *.tar.gz)). Leave only the one to install and restart the box."
  exit 2
fi

bundle=${bundles[0]}
name=$(basename "$bundle")
args=("$bundle")
if [ -f "$bundle.sha256" ]; then
  args+=(--sha256 "$(cut -d' ' -f1 "$bundle.sha256")")
fi
out=$("$update" "${args[@]}" 2>&1)
status=$?
echo "$out" >&2
if [ $status -eq 0 ]; then
  rm -f "$bundle" "$bundle.sha256"
  report 0 "update/$name was applied:
$out"
else
  mv -f "$bundle" "$bundle.failed"
  report $status "update/$name (boot partition) was not applied (renamed to $name.failed):
$out"
fi
exit $status
