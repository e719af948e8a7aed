#!/usr/bin/env bash
# Installs the official AWS Lambda Node.js runtime interface client (aws-lambda-ric, npm) into a
# cache directory outside the clone, for functions that bring it themselves: a `provided.*`
# function whose ./bootstrap runs it (as on Lambda), and the nodejs container image.
#   ${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}/runtimes/nodejs-ric/aws-lambda-ric-<version>/
# Its native addon (rapid-client.node) links aws-lambda-cpp and curl, both built from the source
# archives inside the npm package by the package's own preinstall script (cmake, make, g++; about
# three minutes on two cores), then node-gyp against the Node.js headers of the node on PATH.
# Idempotent; prints the package directory (holding index.mjs) last.
set -euo pipefail
RIC_VERSION=4.0.2
CACHE="${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}"
DEST="$CACHE/runtimes/nodejs-ric/aws-lambda-ric-$RIC_VERSION"
log() { printf '[runtimes/nodejs-ric] %s\n' "$*" >&2; }

if [ -f "$DEST/.complete" ]; then
  echo "$DEST"
  exit 0
fi
command -v node >/dev/null || {
  log "node is not on PATH"
  exit 1
}
need=()
for tool in cmake make g++ xz python3; do
  command -v "$tool" >/dev/null || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  pkgs=()
  for tool in "${need[@]}"; do
    case "$tool" in
      g++) pkgs+=(g++) ;;
      xz) pkgs+=(xz-utils) ;;
      *) pkgs+=("$tool") ;;
    esac
  done
  log "apt-get install ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq "${pkgs[@]}" >&2
fi

NODE_DIR="$(dirname "$(dirname "$(command -v node)")")"
NODE_GYP="$NODE_DIR/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$NODE_GYP" ] || {
  log "node-gyp not found at $NODE_GYP"
  exit 1
}
work="$(mktemp -d "${TMPDIR:-/tmp}/lamina-nodejs-ric.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "npm pack aws-lambda-ric@$RIC_VERSION"
(cd "$work" && npm pack --silent "aws-lambda-ric@$RIC_VERSION" >/dev/null && tar xzf "aws-lambda-ric-$RIC_VERSION.tgz")
pkg="$work/package"
log "building curl and aws-lambda-cpp (the package's preinstall script; a few minutes)"
(cd "$pkg" && sh ./scripts/preinstall.sh >"$work/preinstall.log" 2>&1) || {
  tail -n 30 "$work/preinstall.log" >&2
  exit 1
}
log "building rapid-client.node (node-gyp, headers of $(node -v))"
# node-addon-api is the addon's only build-time dependency; npm installs it without its scripts.
(cd "$pkg" && npm install --silent --no-save --ignore-scripts --no-audit --no-fund \
  node-addon-api@8 >/dev/null)
(cd "$pkg" && DEPS_PREFIX="$pkg/deps/artifacts" node "$NODE_GYP" rebuild \
  --directory=src/native --nodedir="$NODE_DIR" >"$work/gyp.log" 2>&1) || {
  tail -n 30 "$work/gyp.log" >&2
  exit 1
}
rm -rf "$DEST"
mkdir -p "$DEST"
cp "$pkg/index.mjs" "$pkg/package.json" "$pkg/LICENSE" "$pkg/NOTICE" "$DEST/"
cp "$pkg/src/native/build/Release/rapid-client.node" "$DEST/"
touch "$DEST/.complete"
echo "$DEST"
