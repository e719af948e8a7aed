#!/usr/bin/env bash
# Builds the Kubernetes control-plane binaries and etcd from their official Go modules into the
# cache, keyed by version:
#   $CACHE/bin/etcd-v$ETCD_VERSION/{etcd,etcdctl}
#   $CACHE/bin/kubernetes-v$K8S_VERSION/{kube-apiserver,kube-controller-manager,kube-scheduler,
#                                        kubelet,kube-proxy,kubectl}
#   $CACHE/bin/kube-network-policies-v$NETPOL_VERSION/kube-network-policies (lib/netpol.sh)
#   $CACHE/bin/otelcol-v$OTELCOL_VERSION/otelcol         (otlp receiver + file exporter, ../otelcol)
#   $CACHE/bin/gofakes3-$GOFAKES3_VERSION-$S3_MAIN_REVISION/lamina-s3  (the S3-compatible server,
#                                        ../s3/main.go, lib/s3.sh; own lock)
# A directory is published (renamed into place) only after every binary in it built, so a
# half-finished build is never mistaken for a cached one. A warm run only checks the directories.
#
# Usage: build-go.sh [etcd|kubernetes|netpol|otelcol|s3|all]   (default all). Standalone or from test/env/up.
set -euo pipefail
# shellcheck source=test/env/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

K8S_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

# Go's module and build caches go beside the binaries, outside the clone. The machine's own Go
# is used (GOTOOLCHAIN=local): no toolchain download unless a maintainer pins one here.
export GOMODCACHE="$CACHE/go/mod"
export GOCACHE="$CACHE/go/build"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
# Two cores: one package compiled at a time per core. Peak compiler RSS stays around 2 GiB.
GO_PARALLEL="${LAMINA_GO_PARALLEL:-$(nproc)}"
export GOMAXPROCS="${GOMAXPROCS:-$GO_PARALLEL}"
export GOFLAGS="-buildvcs=false -p=$GO_PARALLEL"

etcd_dir() { echo "$CACHE/bin/etcd-v$ETCD_VERSION"; }
k8s_dir() { echo "$CACHE/bin/kubernetes-v$K8S_VERSION"; }
netpol_dir() { echo "$CACHE/bin/kube-network-policies-v$NETPOL_VERSION"; }
s3_build_dir() { echo "$CACHE/bin/gofakes3-$GOFAKES3_VERSION-$S3_MAIN_REVISION"; }
NETPOL_PKG=sigs.k8s.io/kube-network-policies/cmd

# A wrapper module is needed because `go install pkg@version` refuses modules with replace
# directives, and both etcd and kubernetes have them.
build_etcd() {
  local dest work
  dest="$(etcd_dir)"
  if [ -x "$dest/etcd" ] && [ -x "$dest/etcdctl" ]; then
    log "etcd v$ETCD_VERSION: cached in $dest"
    return 0
  fi
  work="$CACHE/src/etcd-v$ETCD_VERSION"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init local/etcd-build >/dev/null 2>&1
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@v$ETCD_VERSION"
  mkdir -p bin
  # server/v3 is `package main` (it calls etcdmain.Main); etcdctl/v3 likewise.
  go build -trimpath -ldflags "-s -w" -o bin/etcd go.etcd.io/etcd/server/v3
  go build -trimpath -ldflags "-s -w" -o bin/etcdctl go.etcd.io/etcd/etcdctl/v3
  publish "$work/bin" "$dest"
}

# The wrapper module of the Kubernetes build in DIR: kubernetes' staging modules pinned, its
# binaries and kube-network-policies as tools, so both build from one module graph and share
# every compiled package (client-go, apimachinery, grpc, ...).
k8s_module() {
  local dir="$1" gomod staging_ver b
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  go mod init local/kubernetes-build >/dev/null 2>&1

  # k8s.io/kubernetes points its staging modules (k8s.io/api, client-go, ...) at ./staging in its
  # own go.mod, and a dependency's replace directives are ignored. So read the list from the
  # release's go.mod and pin each staging module to its published v0.<minor>.<patch> instead.
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["GoMod"])')"
  staging_ver="v0.${K8S_VERSION#1.}"
  {
    echo 'godebug default=go1.24' # the default kubernetes' own go.mod sets
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo 'replace ('
    sed -n "s#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => \./staging/.*#\t\1 => \1 $staging_ver#p" "$gomod"
    echo ')'
    for b in "${K8S_BINS[@]}"; do echo "tool k8s.io/kubernetes/cmd/$b"; done
  } >>go.mod
  grep -q "k8s.io/client-go => k8s.io/client-go $staging_ver" go.mod ||
    die "could not derive the staging module list from $gomod"
  go mod tidy
}

# Kubernetes' binaries, then kube-network-policies (SIG Network's NetworkPolicy engine,
# lib/netpol.sh) in the same module graph: whichever is missing.
build_kubernetes() {
  local kdest ndest work ldflags pkg b pkgs=()
  kdest="$(k8s_dir)" ndest="$(netpol_dir)"
  if ! all_present "$kdest" "${K8S_BINS[@]}"; then
    for b in "${K8S_BINS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  fi
  if [ "${#pkgs[@]}" -eq 0 ] && [ -x "$ndest/kube-network-policies" ]; then
    log "kubernetes v$K8S_VERSION, kube-network-policies v$NETPOL_VERSION: cached in $kdest, $ndest"
    return 0
  fi
  work="$CACHE/src/kubernetes-v$K8S_VERSION"
  k8s_module "$work"

  # Same version stamps as kubernetes' hack/lib/version.sh, otherwise the binaries report
  # v0.0.0-master and clients warn about version skew.
  ldflags="-s -w"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ldflags+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1"
    ldflags+=" -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p k8s/bin netpol/bin
  # Build tags as kubernetes' hack/lib/golang.sh uses for release binaries. Published at once:
  # test/env/up starts the cluster while kube-network-policies builds.
  if [ "${#pkgs[@]}" -gt 0 ]; then
    go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ldflags" -o k8s/bin/ "${pkgs[@]}"
    all_present k8s/bin "${K8S_BINS[@]}" || die "kubernetes build did not produce every binary"
    publish "$work/k8s/bin" "$kdest"
  fi
  if [ ! -x "$ndest/kube-network-policies" ]; then
    # It wants client-go v0.32; the pins give it Kubernetes' own, and the packages already built.
    go get -tool "$NETPOL_PKG@v$NETPOL_VERSION"
    go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ldflags" \
      -o netpol/bin/kube-network-policies "$NETPOL_PKG"
    publish "$work/netpol/bin" "$ndest"
  fi
  rm -rf "$work"
}

# The collector: our own small main (test/env/otelcol/main.go, the shape the collector's builder
# generates) with the OTLP receiver and contrib's file exporter only, in a wrapper module that pins
# every collector module to one release (the proxy's go-get notes: core v0.165.0 goes with the
# v1.71.0 stable modules and contrib v0.165.x).
build_otelcol() {
  local dest work src
  dest="$CACHE/bin/otelcol-v$OTELCOL_VERSION"
  if [ -x "$dest/otelcol" ]; then
    log "otelcol v$OTELCOL_VERSION: cached in $dest"
    return 0
  fi
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../otelcol" && pwd)"
  work="$CACHE/src/otelcol-v$OTELCOL_VERSION"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init local/otelcol-build >/dev/null 2>&1
  cp "$src/main.go" .
  go get "go.opentelemetry.io/collector/otelcol@v$OTELCOL_VERSION" \
    "go.opentelemetry.io/collector/receiver/otlpreceiver@v$OTELCOL_VERSION" \
    "go.opentelemetry.io/collector/service@v$OTELCOL_VERSION" \
    "go.opentelemetry.io/collector/confmap@v$OTELCOL_STABLE_VERSION" \
    "go.opentelemetry.io/collector/confmap/provider/envprovider@v$OTELCOL_STABLE_VERSION" \
    "go.opentelemetry.io/collector/confmap/provider/fileprovider@v$OTELCOL_STABLE_VERSION" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter@v$OTELCOL_CONTRIB_VERSION"
  # -e: tidy also resolves the test imports of dependencies, and one of fileexporter's
  # (contrib's otlpencodingextension v0.165.1) is not served; the build does not need it.
  go mod tidy -e
  mkdir -p bin
  go build -trimpath -ldflags "-s -w" -o bin/otelcol .
  [ -x bin/otelcol ] || die "otelcol build did not produce the binary"
  publish "$work/bin" "$dest"
}

# The S3-compatible server: our own small main (test/env/s3/main.go) over rclone's gofakes3 (MIT),
# in a wrapper module that pins gofakes3 (docs/adr/0045). One binary, a few dozen packages of its
# own beside the standard library's.
build_s3() {
  local dest work src
  dest="$(s3_build_dir)"
  if [ -x "$dest/lamina-s3" ]; then
    log "lamina-s3 (gofakes3 $GOFAKES3_VERSION, $S3_MAIN_REVISION): cached in $dest"
    return 0
  fi
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../s3" && pwd)"
  work="$CACHE/src/gofakes3-$GOFAKES3_VERSION-$S3_MAIN_REVISION"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init local/lamina-s3 >/dev/null 2>&1
  cp "$src/main.go" .
  # The two packages main.go imports, with what they import: no `go mod tidy`, which would also
  # fetch gofakes3's test dependencies (the AWS SDK for Go among them), and the build needs none.
  go get "github.com/rclone/gofakes3@$GOFAKES3_VERSION" "github.com/rclone/gofakes3/s3mem@$GOFAKES3_VERSION"
  mkdir -p bin
  go build -trimpath -ldflags "-s -w" -o bin/lamina-s3 .
  [ -x bin/lamina-s3 ] || die "the lamina-s3 build did not produce the binary"
  publish "$work/bin" "$dest"
}

# all_present DIR NAME...: true when every NAME is an executable file in DIR.
all_present() {
  local dir="$1" n; shift
  for n in "$@"; do [ -x "$dir/$n" ] || return 1; done
}

# publish SRC DEST: moves a finished bin directory into the cache atomically (rename), then
# removes the build's work directory (the Go caches keep what a rebuild needs).
publish() {
  local src="$1" dest="$2"
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest.partial" && mv "$src" "$dest.partial" && mv -T "$dest.partial" "$dest"
  rm -rf "$(dirname "$src")"
  log "built $(basename "$dest") into $dest ($(du -sh "$dest" | cut -f1))"
}

main() {
  command -v go >/dev/null || die "Go is not installed (expected the machine's Go 1.26)"
  # One build at a time per cache (two clones on one machine share it). The S3 server has its own
  # lock, so `up s3` need not wait behind a cold Kubernetes build.
  mkdir -p "$CACHE/src"
  if [ "${1:-all}" = s3 ]; then exec 8>"$CACHE/src/.build-s3.lock"; else exec 8>"$CACHE/src/.build.lock"; fi
  flock 8
  case "${1:-all}" in
    s3) step "build lamina-s3 (gofakes3 $GOFAKES3_VERSION)" build_s3 ;;
    etcd) step "build etcd v$ETCD_VERSION" build_etcd ;;
    kubernetes) step "build kubernetes v$K8S_VERSION" build_kubernetes ;;
    netpol) step "build kube-network-policies v$NETPOL_VERSION (with kubernetes)" build_kubernetes ;;
    otelcol) step "build otelcol v$OTELCOL_VERSION" build_otelcol ;;
    all)
      # The control plane first: test/env/up starts the cluster as soon as it is published.
      step "build etcd v$ETCD_VERSION" build_etcd
      step "build kubernetes v$K8S_VERSION and kube-network-policies v$NETPOL_VERSION" build_kubernetes
      step "build otelcol v$OTELCOL_VERSION" build_otelcol
      ;;
    *) die "usage: $0 [etcd|kubernetes|netpol|otelcol|s3|all]" ;;
  esac
}

main "$@"
