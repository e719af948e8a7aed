#!/usr/bin/env bash
# Installs the official AWS Lambda Python runtime interface client (awslambdaric, from PyPI),
# cached outside the clone (versions.sh pins the version):
#   setup.sh [X.Y]          a venv of Debian's pythonX.Y (default 3.11, installed by apt when
#                           missing; other versions only where the host has /usr/bin/pythonX.Y),
#                           ${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}/runtimes/pythonX.Y/awslambdaric-<v>/
#                           prints the venv's python last.
#   setup.sh --image X.Y    the client's manylinux wheels for CPython X.Y unpacked into
#                           .../runtimes/pythonX.Y/awslambdaric-<v>-image/site-packages, for a
#                           runtime image whose interpreter the host lacks (python3.13 on Debian
#                           12); prints that folder last.
# Idempotent: a finished install (marked by a stamp file) is left alone; a half-made one is
# replaced.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=runtimes/python/versions.sh
source "$HERE/versions.sh"
CACHE="${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}"
log() { printf '[runtimes/python] %s\n' "$*" >&2; }

if [ "${1:-}" = --image ]; then
  version="${2:?usage: setup.sh --image X.Y}"
  DEST="$(ric_home "$CACHE" "$version")-image"
  if [ ! -f "$DEST/.complete" ]; then
    # The host's 3.11 venv has pip; it fetches wheels for another CPython without running it.
    pip="$("$HERE/setup.sh" 3.11)"
    log "awslambdaric $RIC_VERSION wheels for CPython $version into $DEST"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    "$pip" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
      --only-binary=:all: --platform manylinux2014_x86_64 --implementation cp \
      --no-compile --python-version "$version" --target "$DEST/site-packages" "awslambdaric==$RIC_VERSION" >&2
    ls "$DEST/site-packages/awslambdaric/bootstrap.py" >/dev/null
    touch "$DEST/.complete"
  fi
  echo "$DEST/site-packages"
  exit 0
fi

version="${1:-3.11}"
DEST="$(ric_home "$CACHE" "$version")"
# Debian's interpreter, never pyenv's: the runtime id promises Debian's pythonX.Y.
PYTHON="/usr/bin/python$version"
if [ ! -x "$PYTHON" ] || ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  [ "$version" = 3.11 ] || {
    log "$PYTHON (with venv) is missing: this host has no Debian python$version"
    exit 1
  }
  log "apt-get install python3.11 python3.11-venv"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq python3.11 python3.11-venv >&2
fi

if [ ! -f "$DEST/.complete" ]; then
  log "installing awslambdaric $RIC_VERSION into $DEST"
  # The stamp is written last, so an interrupted install is started over.
  rm -rf "$DEST"
  mkdir -p "$(dirname "$DEST")"
  "$PYTHON" -m venv "$DEST"
  "$DEST/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    "awslambdaric==$RIC_VERSION" >&2
  "$DEST/bin/python" -c 'import awslambdaric.bootstrap' >&2
  touch "$DEST/.complete"
fi
echo "$DEST/bin/python"
