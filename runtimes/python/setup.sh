#!/usr/bin/env bash
# Installs the official AWS Lambda Python runtime interface client (awslambdaric, from PyPI) into
# a virtual environment of Debian's python3.11, cached outside the clone:
#   ${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}/runtimes/python3.11/awslambdaric-<version>/
# (versions.sh pins the version).
# Idempotent: a finished install (marked by a stamp file) is left alone; a half-made one is
# replaced. Prints the venv's python on stdout last.
set -euo pipefail
# shellcheck source=runtimes/python/versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
DEST="$(ric_home "${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}")"
log() { printf '[runtimes/python] %s\n' "$*" >&2; }

# Debian's interpreter, never pyenv's: the runtime id promises Debian's python3.11.
PYTHON=/usr/bin/python3.11
if [ ! -x "$PYTHON" ] || ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
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
