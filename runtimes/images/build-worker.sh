#!/usr/bin/env bash
# Builds the worker images of cluster mode locally (ADR 0014): FROM each runtime image that
# build.sh makes (built first when missing; nothing is pulled or pushed), plus the worker agent
# bundle (services/worker/scripts/bundle-agent.mjs) and a Node.js 22 binary in /var/lamina/agent:
#   lamina/worker-<runtime id without .x>:<tag>, e.g. lamina/worker-nodejs20:<tag>,
#   lamina/worker-python3.13:<tag>, lamina/worker-java21:<tag>
# The tag is `<worker package version>-<12 hex of sha256(bundle, Node.js version, recipes)>`,
# the same for every runtime (the operator's one `imageTag`), new whenever the agent or a recipe
# changes, never `latest`. Idempotent: an image whose tag exists is kept.
# Usage: runtimes/images/build-worker.sh [nodejs22.x|python3.11|java17 ...]   (default: every
# runtime with an image in packages/core/src/runtimes.json)
# Prints the image references, one a line, on stdout; progress goes to stderr.
# Needs Node.js 22 on PATH (its binary goes into the images) and the repo's node_modules.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PREFIX="${LAMINA_WORKER_IMAGE_PREFIX:-lamina/worker}"
log() { printf '[runtimes/images worker] %s\n' "$*" >&2; }

docker info >/dev/null 2>&1 || {
  log "no Docker daemon"
  exit 1
}
NODE="$(command -v node)" || {
  log "no node on PATH"
  exit 1
}
NODE_VERSION="$("$NODE" --version)"
case "$NODE_VERSION" in
  v22.*) ;;
  *)
    log "node on PATH is $NODE_VERSION, not Node.js 22"
    exit 1
    ;;
esac

# The runtimes with an image: packages/core/src/runtimes.json, the one list.
KNOWN=()
while read -r id _; do KNOWN+=("$id"); done < <("$NODE" "$HERE/runtime-list.mjs")
[ ${#KNOWN[@]} -gt 0 ] || {
  log "no runtime list (packages/core/src/runtimes.json)"
  exit 1
}

# The worker image's name part: the runtime id without `.x` (as the operator's workerImage).
slug_of() {
  local known
  for known in "${KNOWN[@]}"; do
    [ "$known" = "$1" ] && echo "${1%.x}" && return 0
  done
  return 1
}

runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=("${KNOWN[@]}")
for runtime in "${runtimes[@]}"; do
  slug_of "$runtime" >/dev/null || {
    log "unknown runtime $runtime (${KNOWN[*]})"
    exit 2
  }
done

"$NODE" "$ROOT/services/worker/scripts/bundle-agent.mjs" >&2
# A snapshot: the tag and every image of this run come from the same bytes, even if another
# build rewrites dist/agent.mjs meanwhile.
BUNDLE="$(mktemp "${TMPDIR:-/tmp}/lamina-agent.XXXXXX")"
trap 'rm -f "$BUNDLE"' EXIT
cp "$ROOT/services/worker/dist/agent.mjs" "$BUNDLE"
VERSION="$("$NODE" -p "require('$ROOT/services/worker/package.json').version")"
# Everything an image is made of: the agent, the Node.js that runs it, this recipe and the
# runtime images' recipes (build.sh names their revision).
HASH="$(
  {
    printf '%s\n' "$NODE_VERSION"
    cd "$HERE" && sha256sum build.sh build-worker.sh worker.Dockerfile lambda-entrypoint.sh \
      ./*.bootstrap nodejs-parked.mjs python-parked.py agent-start.mjs nodejs.Dockerfile python.Dockerfile java.Dockerfile
    sha256sum <"$BUNDLE"
  } | sha256sum | cut -c1-12
)"
TAG="$VERSION-$HASH"

for runtime in "${runtimes[@]}"; do
  image="$PREFIX-$(slug_of "$runtime"):$TAG"
  if docker image inspect "$image" >/dev/null 2>&1; then
    log "$image: present"
    echo "$image"
    continue
  fi
  t0=$(date +%s)
  base="$("$HERE/build.sh" "$runtime" | tail -n 1)"
  ctx="$(mktemp -d "${TMPDIR:-/tmp}/lamina-worker-image.XXXXXX")"
  trap 'rm -rf "$ctx" "$BUNDLE"' EXIT
  mkdir "$ctx/opt"
  install -m 0644 "$BUNDLE" "$ctx/opt/agent.mjs"
  install -m 0644 "$HERE/agent-start.mjs" "$ctx/opt/start.mjs"
  parked=""
  if [ "$runtime" = nodejs22.x ]; then
    # The runtime image's node is this same Node.js 22 (build.sh copies it): link, don't copy.
    ln -s /usr/local/bin/node "$ctx/opt/node"
    # The official RIC's parked start for generic pods (ADR 0019); its shebang is that node.
    install -m 0755 "$HERE/nodejs-parked.mjs" "$ctx/opt/nodejs-parked.mjs"
    parked=/var/lamina/agent/nodejs-parked.mjs
  else
    install -m 0755 "$NODE" "$ctx/opt/node"
  fi
  case "$runtime" in
    python*)
      # The official awslambdaric's parked start (ADR 0019); its shebang is the image's python3.
      install -m 0755 "$HERE/python-parked.py" "$ctx/opt/python-parked.py"
      parked=/var/lamina/agent/python-parked.py
      ;;
  esac
  cp "$HERE/worker.Dockerfile" "$ctx/Dockerfile"
  log "docker build $image (FROM $base)"
  docker build -q --force-rm --build-arg "RUNTIME_IMAGE=$base" --build-arg "PARKED_BOOTSTRAP=$parked" \
    --label "dev.lamina.runtime=$runtime" --label "dev.lamina.worker-agent=$TAG" \
    -t "$image" "$ctx" >/dev/null
  rm -rf "$ctx"
  trap 'rm -f "$BUNDLE"' EXIT
  log "$image: built in $(($(date +%s) - t0))s"
  echo "$image"
done
