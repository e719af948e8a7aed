#!/usr/bin/env bash
# Local mode in one command: setup (Node 22, npm ci, build), then `lamina dev` (cli/bin/lamina.js, what `npx lamina` runs) with the
# example functions on http://127.0.0.1:${LAMINA_PORT:-9000}.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NODE_BIN="$(scripts/setup.sh --print-path)"
export PATH="$NODE_BIN:$PATH"
exec node cli/bin/lamina.js dev --functions "${LAMINA_FUNCTIONS_DIR:-examples/functions}" "$@"
