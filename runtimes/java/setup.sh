#!/usr/bin/env bash
# Copies the official AWS Lambda Java runtime interface client and its dependencies
# (aws-lambda-java-core, -serialization …, from Maven Central) into a cache directory outside the
# clone, with `mvn dependency:copy-dependencies` on runtimes/java/pom.xml:
#   ${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}/runtimes/java/ric-<version>/lib/*.jar
# Installs Debian's JDK 17 and Maven when missing. Idempotent; prints the lib directory last.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=runtimes/java/versions.sh
source "$HERE/versions.sh"
DEST="$(ric_home "${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}")"
log() { printf '[runtimes/java] %s\n' "$*" >&2; }

need=()
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/javac ] || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq "${need[@]}" >&2
fi

grep -q "<version>$RIC_VERSION</version>" "$HERE/pom.xml" || {
  log "pom.xml does not pin runtime interface client $RIC_VERSION"
  exit 1
}
if [ ! -f "$DEST/.complete" ]; then
  log "copying aws-lambda-java-runtime-interface-client $RIC_VERSION and its dependencies"
  rm -rf "$DEST"
  mkdir -p "$DEST"
  JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" \
    dependency:copy-dependencies -DoutputDirectory="$DEST/lib" >&2
  ls "$DEST/lib"/aws-lambda-java-runtime-interface-client-*.jar >/dev/null
  touch "$DEST/.complete"
fi
echo "$DEST/lib"
