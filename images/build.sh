#!/usr/bin/env bash
# Builds the platform's own images locally, the ones charts/lamina deploys:
#   lamina/gateway:<tag>   lamina/operator:<tag>   lamina/dispatcher:<tag>   lamina/poller:<tag>
# FROM the Debian base image test/env makes (LAMINA_BASE_IMAGE, default lamina/base:bookworm-r1;
# nothing is pulled or pushed), plus Node.js 22 from PATH and the service bundled by
# images/bundle.mjs (service.Dockerfile, one target per service).
#
# Usage: images/build.sh [--force] [gateway|operator|dispatcher|poller ...]   (default: all four)
#   LAMINA_IMAGE_TAG       the tag (default 0.1.0, the chart's; never `latest`)
#   LAMINA_IMAGE_REGISTRY  a registry prefix with its slash, as the chart's global.imageRegistry
#
# Idempotent: every image carries the label dev.lamina.image-content, a sha256 over the bundle
# and its files, the Node.js binary, the base image's ID and these recipes. An image whose tag
# exists with the same label is kept; otherwise (or with --force) it is rebuilt under the same
# tag. Prints the image references, one a line, on stdout; progress goes to stderr.
# Needs Docker, Node.js 22 on PATH (its binary goes into the images) and the repo's node_modules.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TAG="${LAMINA_IMAGE_TAG:-0.1.0}"
REGISTRY="${LAMINA_IMAGE_REGISTRY:-}"
BASE_IMAGE="${LAMINA_BASE_IMAGE:-lamina/base:bookworm-r1}"
ALL=(gateway operator dispatcher poller)
log() { printf '[images] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

force=false
services=()
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    gateway | operator | dispatcher | poller) services+=("$arg") ;;
    -h | --help)
      sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
      exit 0
      ;;
    *)
      log "unknown argument $arg (--force, ${ALL[*]})"
      exit 2
      ;;
  esac
done
[ ${#services[@]} -gt 0 ] || services=("${ALL[@]}")

# A Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; `latest` would let nodes run whatever they
# pulled last (the chart refuses it too).
[[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "LAMINA_IMAGE_TAG '$TAG' is not a Docker tag"
[ "$TAG" != latest ] || die "LAMINA_IMAGE_TAG must be pinned, not latest"
[ -z "$REGISTRY" ] || [[ "$REGISTRY" == */ ]] || die "LAMINA_IMAGE_REGISTRY must end with /"

docker info >/dev/null 2>&1 || die "no Docker daemon (test/env/up docker starts one)"
NODE="$(command -v node)" || die "no node on PATH"
NODE="$(readlink -f "$NODE")"
NODE_VERSION="$("$NODE" --version)"
case "$NODE_VERSION" in
  v22.*) ;;
  *) die "node on PATH is $NODE_VERSION, not Node.js 22" ;;
esac
BASE_ID="$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE" 2>/dev/null)" ||
  die "base image $BASE_IMAGE is missing (test/env/images/build-base makes it)"

log "bundling ${services[*]}"
"$NODE" "$HERE/bundle.mjs" "${services[@]}" >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/lamina-images.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The recipe every image shares: the Node.js binary, the base image and these files.
recipe="$(
  {
    printf 'node %s\nbase %s\n' "$NODE_VERSION" "$BASE_ID"
    sha256sum <"$NODE"
    cd "$HERE" && sha256sum build.sh bundle.mjs service.Dockerfile
  } | sha256sum | cut -c1-64
)"

for service in "${services[@]}"; do
  image="${REGISTRY}lamina/$service:$TAG"
  # A snapshot of the staging directory: the hash and the image come from the same bytes, even
  # if another build rewrites images/dist meanwhile.
  ctx="$work/$service"
  mkdir -p "$ctx/opt" "$ctx/bin"
  cp -R "$HERE/dist/$service/." "$ctx/opt/"
  chmod -R a+rX,go-w "$ctx/opt"
  content="$(
    {
      echo "$recipe $service"
      cd "$ctx/opt" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    } | sha256sum | cut -c1-64
  )"
  current="$(docker image inspect --format '{{index .Config.Labels "dev.lamina.image-content"}}' "$image" 2>/dev/null || true)"
  if [ "$current" = "$content" ] && [ "$force" = false ]; then
    log "$image: up to date (${content:0:12})"
    echo "$image"
    continue
  fi
  old_id="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  # Its own layer, the same bytes (mtime kept) in all four images: stored and pulled once.
  install -p -m 0755 "$NODE" "$ctx/bin/node"
  # The shared stage plus this service's one: the legacy builder would build (and leave behind,
  # untagged) every stage up to the target.
  awk -v s="$service" 'BEGIN { keep = 1 } /^FROM platform AS / { keep = ($4 == s) } keep' \
    "$HERE/service.Dockerfile" >"$ctx/Dockerfile"
  t0=$(date +%s)
  log "docker build $image (FROM $BASE_IMAGE, content ${content:0:12})"
  docker build -q --force-rm --target "$service" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --label "dev.lamina.image-content=$content" --label "dev.lamina.service=$service" \
    --label "org.opencontainers.image.version=$TAG" -t "$image" "$ctx" >/dev/null
  rm -rf "$ctx"
  # The previous build of this tag, now untagged: removed unless something still uses it.
  if [ -n "$old_id" ] && [ "$old_id" != "$(docker image inspect --format '{{.Id}}' "$image")" ]; then
    docker image rm "$old_id" >/dev/null 2>&1 || true
  fi
  size="$(docker image inspect --format '{{.Size}}' "$image")"
  log "$image: built in $(($(date +%s) - t0))s, $((size / 1000000)) MB"
  echo "$image"
done
