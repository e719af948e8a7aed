#!/usr/bin/env bash
# Builds the runtime images locally, FROM the Debian base image that test/env builds (no
# registry: nothing is pulled or pushed), tagged by runtime and version, never `latest`:
#   lamina/runtime-python:3.11-r2   lamina/runtime-nodejs:22-r2   lamina/runtime-java:17-r2
# Each starts the official runtime interface client from /lambda-entrypoint.sh and
# /var/runtime/bootstrap and expects the function image to add its code to /var/task and name
# the handler in CMD, as AWS's base images do:
#   FROM lamina/runtime-python:3.11-r2
#   COPY app.py /var/task/
#   CMD ["app.handler"]
# Idempotent: an image whose tag exists is kept (bump REVISION when a recipe changes).
# Usage: runtimes/images/build.sh [nodejs22.x|python3.11|java17 ...]   (default: every runtime
# with an image in packages/core/src/runtimes.json); prints the tags built or found, one a line.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REVISION=r2
BASE="${LAMINA_BASE_IMAGE:-lamina/base:bookworm-r1}"
log() { printf '[runtimes/images] %s\n' "$*" >&2; }

docker info >/dev/null 2>&1 || {
  log "no Docker daemon"
  exit 1
}
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  log "base image $BASE missing: test/env/images/build-base"
  "$ROOT/test/env/images/build-base" >&2
fi

# The runtimes with an image and the image names: packages/core/src/runtimes.json, the one list.
declare -A IMAGE_OF=()
KNOWN=()
while read -r id image; do
  IMAGE_OF[$id]="$image"
  KNOWN+=("$id")
done < <(node "$HERE/runtime-list.mjs")
[ ${#KNOWN[@]} -gt 0 ] || {
  log "no runtime list (node on PATH? packages/core/src/runtimes.json)"
  exit 1
}

tag_of() {
  [ -n "${IMAGE_OF[$1]:-}" ] || return 1
  echo "${IMAGE_OF[$1]}-$REVISION"
}

# Fills the build context of one runtime with what it copies from the host's caches.
context_of() {
  local runtime="$1" ctx="$2" src
  case "$runtime" in
    python3.11)
      src="$("$ROOT/runtimes/python/setup.sh")"
      cp -a "$(dirname "$(dirname "$src")")/lib/python3.11/site-packages" "$ctx/runtime"
      rm -rf "$ctx/runtime"/pip "$ctx/runtime"/pip-* "$ctx/runtime"/setuptools* \
        "$ctx/runtime"/_distutils_hack "$ctx/runtime"/distutils-precedence.pth
      cp "$HERE/python.Dockerfile" "$ctx/Dockerfile"
      cp "$HERE/python.bootstrap" "$ctx/bootstrap"
      ;;
    nodejs22.x)
      src="$("$ROOT/runtimes/provided/setup-nodejs-ric.sh")"
      cp -a "$src" "$ctx/aws-lambda-ric"
      rm -f "$ctx/aws-lambda-ric/.complete"
      cp "$(command -v node)" "$ctx/node"
      [ "$("$ctx/node" -p 'process.versions.node.split(".")[0]')" = 22 ] || {
        log "node on PATH is not Node.js 22"
        return 1
      }
      cp "$HERE/nodejs.Dockerfile" "$ctx/Dockerfile"
      cp "$HERE/nodejs.bootstrap" "$ctx/bootstrap"
      ;;
    java17)
      src="$("$ROOT/runtimes/java/setup.sh")"
      cp -a "$src" "$ctx/lib"
      cp "$HERE/java.Dockerfile" "$ctx/Dockerfile"
      cp "$HERE/java.bootstrap" "$ctx/bootstrap"
      ;;
  esac
}

runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=("${KNOWN[@]}")
for runtime in "${runtimes[@]}"; do
  tag="$(tag_of "$runtime")" || {
    log "unknown runtime $runtime (${KNOWN[*]})"
    exit 2
  }
  if docker image inspect "$tag" >/dev/null 2>&1; then
    log "$tag: present"
  else
    t0=$(date +%s)
    ctx="$(mktemp -d "${TMPDIR:-/tmp}/lamina-image.XXXXXX")"
    context_of "$runtime" "$ctx"
    cp "$HERE/lambda-entrypoint.sh" "$ctx/"
    log "docker build $tag"
    docker build -q --force-rm --build-arg "BASE=$BASE" --label "dev.lamina.runtime=$runtime" \
      -t "$tag" "$ctx" >/dev/null || {
      rm -rf "$ctx"
      exit 1
    }
    rm -rf "$ctx"
    log "$tag: built in $(($(date +%s) - t0))s"
  fi
  echo "$tag"
done
