#!/usr/bin/env bash
# Exports a runtime image's filesystem into the cache, where local mode's bubblewrap sandbox uses
# it as the runtime's root (ADR 0029): so a runtime this host lacks (python3.13 and java21 on a
# Debian 12 host) runs in `lamina dev` exactly as in its image. The image is built first when it
# is missing (build.sh, idempotent). The image's environment is kept in /.lamina-env (applied to
# variables the function leaves unset). Idempotent: an existing export of the same image id stays.
# Usage: runtimes/images/export-rootfs.sh <runtime id>[=<image>] ...   e.g. python3.13 java21
# Result: ${LAMINA_CACHE_DIR:-~/.cache/lamina}/rootfs/<runtime id>/ (and its .image-id).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}"
log() { printf '[export-rootfs] %s\n' "$*" >&2; }
[ $# -gt 0 ] || {
  echo "usage: $0 <runtime id> ..." >&2
  exit 2
}
for arg in "$@"; do
  runtime="${arg%%=*}"
  if [ "$arg" != "$runtime" ]; then tag="${arg#*=}"; else tag="$("$HERE/build.sh" "$runtime" | tail -n 1)"; fi
  id="$(docker image inspect -f '{{.Id}}' "$tag")"
  target="$CACHE/rootfs/$runtime"
  if [ "$(cat "$target/.image-id" 2>/dev/null || true)" = "$id" ]; then
    log "$runtime: $target is $tag already"
    echo "$target"
    continue
  fi
  log "$runtime: exporting $tag into $target"
  tmp="$CACHE/rootfs/.tmp-$runtime-$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  container="$(docker create "$tag")"
  trap 'docker rm -f "$container" >/dev/null 2>&1 || true' EXIT
  docker export "$container" | tar -x -C "$tmp" --exclude='dev/*' --no-same-owner
  docker rm -f "$container" >/dev/null
  trap - EXIT
  # The image's ENV, as defaults: `: "${K=V}"; export K` keeps what the function set.
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$tag" |
    while IFS='=' read -r key value; do
      [ -n "$key" ] || continue
      printf ': "${%s=%s}"; export %s\n' "$key" "$value" "$key"
    done >"$tmp/.lamina-env"
  mkdir -p "$tmp/var/task" "$tmp/opt" "$tmp/tmp"
  echo "$id" >"$tmp/.image-id"
  rm -rf "$target"
  mv "$tmp" "$target"
  echo "$target"
done
