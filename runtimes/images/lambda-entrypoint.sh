#!/bin/sh
# The container contract of Lambda's base images: the image's CMD is the handler, passed as the
# one argument; _HANDLER carries it to the runtime, /var/runtime/bootstrap starts the runtime.
set -eu
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" >&2
  exit 142
fi
export _HANDLER="$1"
exec /var/runtime/bootstrap "$1"
