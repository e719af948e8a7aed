#!/usr/bin/env bash
# Builds the runtime images locally, FROM the Debian base images that test/env builds (no
# registry: nothing is pulled or pushed), tagged by runtime and version, never `latest`:
#   lamina/runtime-nodejs:20-r2 :22-r2 :24-r2   Debian 12 + the cache's Node.js + aws-lambda-ric
#   lamina/runtime-python:3.11-r2               Debian 12's python3 + awslambdaric
#   lamina/runtime-python:3.13-r2               Debian 13's python3 + awslambdaric
#   lamina/runtime-java:17-r2                   Debian 12's OpenJDK 17 + the Java RIC
#   lamina/runtime-java:21-r2                   Debian 13's OpenJDK 21 + the Java RIC
# python3.13 and java21 start FROM the Debian 13 (trixie) base, whole, rather than mixing
# Debian 13 packages (and their C library) into the Debian 12 base.
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
TRIXIE_BASE="${LAMINA_TRIXIE_BASE_IMAGE:-lamina/base:trixie-r1}"
log() { printf '[runtimes/images] %s\n' "$*" >&2; }

docker info >/dev/null 2>&1 || {
  log "no Docker daemon"
  exit 1
}

# The base image of a runtime: Debian 13 for the interpreters only it ships, else Debian 12.
base_of() {
  case "$1" in
    python3.13 | java21) echo "$TRIXIE_BASE" ;;
    *) echo "$BASE" ;;
  esac
}

# Builds a base image when missing (test/env/images/build-base; about 1.5 min of debootstrap).
ensure_base() {
  local image="$1" suite
  docker image inspect "$image" >/dev/null 2>&1 && return 0
  suite="${image##*:}"
  suite="${suite%-r*}"
  log "base image $image missing: test/env/images/build-base ($suite)"
  LAMINA_BASE_SUITE="$suite" "$ROOT/test/env/images/build-base" >&2
}

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
  local runtime="$1" ctx="$2" src major
  case "$runtime" in
    python3.11)
      src="$("$ROOT/runtimes/python/setup.sh")"
      cp -a "$(dirname "$(dirname "$src")")/lib/python3.11/site-packages" "$ctx/runtime"
      rm -rf "$ctx/runtime"/pip "$ctx/runtime"/pip-* "$ctx/runtime"/setuptools* \
        "$ctx/runtime"/_distutils_hack "$ctx/runtime"/distutils-precedence.pth
      ;;
    python*)
      # The host has no such interpreter: the client's wheels for that CPython.
      cp -a "$("$ROOT/runtimes/python/setup.sh" --image "${runtime#python}")" "$ctx/runtime"
      ;;
    nodejs*)
      major="${runtime#nodejs}"
      major="${major%.x}"
      src="$("$ROOT/runtimes/provided/setup-nodejs-ric.sh")"
      cp -a "$src" "$ctx/aws-lambda-ric"
      rm -f "$ctx/aws-lambda-ric/.complete"
      cp "$("$ROOT/runtimes/nodejs/setup-node.sh" "$major")" "$ctx/node"
      [ "$("$ctx/node" -p 'process.versions.node.split(".")[0]')" = "$major" ] || {
        log "the cache's node is not Node.js $major"
        return 1
      }
      ;;
    java*)
      src="$("$ROOT/runtimes/java/setup.sh")"
      cp -a "$src" "$ctx/lib"
      ;;
  esac
  cp "$HERE/${runtime%%[0-9]*}.Dockerfile" "$ctx/Dockerfile"
  cp "$HERE/${runtime%%[0-9]*}.bootstrap" "$ctx/bootstrap"
}

# The build arguments of a runtime's recipe: its base and its version.
build_args_of() {
  printf -- '--build-arg\nBASE=%s\n' "$(base_of "$1")"
  case "$1" in
    python*) printf -- '--build-arg\nPYTHON=%s\n' "${1#python}" ;;
    java*) printf -- '--build-arg\nJAVA=%s\n' "${1#java}" ;;
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
    ensure_base "$(base_of "$runtime")"
    ctx="$(mktemp -d "${TMPDIR:-/tmp}/lamina-image.XXXXXX")"
    context_of "$runtime" "$ctx"
    cp "$HERE/lambda-entrypoint.sh" "$ctx/"
    mapfile -t args < <(build_args_of "$runtime")
    log "docker build $tag (FROM $(base_of "$runtime"))"
    docker build -q --force-rm "${args[@]}" --label "dev.lamina.runtime=$runtime" \
      -t "$tag" "$ctx" >/dev/null || {
      rm -rf "$ctx"
      exit 1
    }
    rm -rf "$ctx"
    log "$tag: built in $(($(date +%s) - t0))s"
  fi
  echo "$tag"
done
