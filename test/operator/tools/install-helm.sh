#!/usr/bin/env bash
# Builds the `helm` CLI from its official Go module (helm.sh/helm/v3, cmd/helm) into the cache,
# keyed by version, and prints the binary's path. Idempotent: a warm run only checks the file.
#
#   test/operator/tools/install-helm.sh          # prints e.g. ~/.cache/lamina/bin/helm-v3.22.0/helm
#   LAMINA_HELM_VERSION=3.21.0 test/operator/tools/install-helm.sh
#
# The binary is renamed into place only after it built, so a half-finished build is never
# mistaken for a cached one. Logs go to stderr; stdout carries only the path.
set -euo pipefail

HELM_VERSION="${LAMINA_HELM_VERSION:-3.22.0}"
CACHE="${LAMINA_CACHE_DIR:-$HOME/.cache/lamina}"
DEST="$CACHE/bin/helm-v$HELM_VERSION"

if [ -x "$DEST/helm" ]; then
  echo "$DEST/helm"
  exit 0
fi

command -v go >/dev/null || { echo "install-helm: go is not on PATH" >&2; exit 1; }

export GOMODCACHE="${GOMODCACHE:-$CACHE/go/mod}"
export GOCACHE="${GOCACHE:-$CACHE/go/build}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
export GOFLAGS="-buildvcs=false -p=${LAMINA_GO_PARALLEL:-$(nproc)}"

# One builder at a time: a second caller waits for the first and then finds the binary.
mkdir -p "$CACHE/bin" "$CACHE/src"
exec 9>"$CACHE/bin/.helm-v$HELM_VERSION.lock"
flock 9
if [ -x "$DEST/helm" ]; then
  echo "$DEST/helm"
  exit 0
fi

WORK="$CACHE/src/helm-v$HELM_VERSION"
rm -rf "$WORK" && mkdir -p "$WORK/bin"
cd "$WORK"
# A wrapper module: helm's go.mod has replace directives, so `go install pkg@v` refuses it.
go mod init local/helm-build >/dev/null 2>&1
echo "install-helm: fetching helm.sh/helm/v3@v$HELM_VERSION" >&2
go get -tool "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" >&2
# Like helm's Makefile: the default Kubernetes version (`helm template` without --kube-version,
# lint's deprecation checks) is that of the client-go helm is built with, v0.X.Y => 1.X.
K8S_MINOR="$(go list -f '{{.Version}}' -m k8s.io/client-go | cut -d. -f2)"
PKG=helm.sh/helm/v3
LDFLAGS="-s -w -X $PKG/internal/version.version=v$HELM_VERSION"
for p in pkg/lint/rules pkg/chartutil; do
  LDFLAGS="$LDFLAGS -X $PKG/$p.k8sVersionMajor=1 -X $PKG/$p.k8sVersionMinor=$K8S_MINOR"
done
echo "install-helm: building (a few minutes on two cores; default Kubernetes 1.$K8S_MINOR)" >&2
go build -trimpath -ldflags "$LDFLAGS" -o bin/helm "$PKG/cmd/helm" >&2
"$WORK/bin/helm" version --short >&2
TMP="$DEST.tmp.$$"
rm -rf "$TMP" && mkdir -p "$TMP" && mv "$WORK/bin/helm" "$TMP/helm"
rm -rf "$DEST" && mv "$TMP" "$DEST"
echo "$DEST/helm"
