#!/usr/bin/env bash
# Installs what the runtime suites need, each into the cache outside the clone (idempotent, fast
# when warm): the Python and Java runtimes with their official runtime interface clients, the
# official Node.js client, and the Maven-built Java example. Test files call it from beforeAll;
# a lock per part makes parallel callers wait for one run of it.
# Usage: test/runtimes/setup.sh [python|java|nodejs-ric|java-example|node20|node24 ...]
#   (default: python java nodejs-ric java-example)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}"
mkdir -p "$CACHE"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(python java nodejs-ric java-example)
for part in "${parts[@]}"; do
  t0=$(date +%s)
  # One lock per part: a suite that needs only python does not wait for the Node.js client build.
  exec 9>"$CACHE/.runtimes-setup-$part.lock"
  flock 9
  case "$part" in
    python) "$ROOT/runtimes/python/setup.sh" >/dev/null ;;
    java) "$ROOT/runtimes/java/setup.sh" >/dev/null ;;
    nodejs-ric) "$ROOT/runtimes/provided/setup-nodejs-ric.sh" >/dev/null ;;
    node20 | node24) "$ROOT/runtimes/nodejs/setup-node.sh" "${part#node}" >/dev/null ;;
    java-example)
      "${BASH_SOURCE[0]}" java # under the java part's lock
      jar="$ROOT/examples/java/target/hello-java-1.0.0.jar"
      newest="$(find "$ROOT/examples/java/src" "$ROOT/examples/java/pom.xml" -newer "$jar" 2>/dev/null | head -n 1 || true)"
      if [ ! -f "$jar" ] || [ -n "$newest" ]; then
        printf '[test/runtimes] mvn package examples/java\n' >&2
        JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 mvn -q -B -Dstyle.color=never -f "$ROOT/examples/java/pom.xml" \
          package -DskipTests >&2
      fi
      ;;
    *)
      echo "unknown part $part" >&2
      exit 2
      ;;
  esac
  printf '[test/runtimes] %s ready (%ss)\n' "$part" "$(($(date +%s) - t0))" >&2
  exec 9>&-
done
