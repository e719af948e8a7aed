# shellcheck shell=bash
# A Kubernetes control plane as host processes on 127.0.0.1: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler (the kubelet is lib/node.sh), with a
# generated CA, per-component client certificates, a service-account key pair and an admin
# kubeconfig. Binaries come from lib/build-go.sh (the cache, keyed by version).
# Sourced by test/env/up and test/env/down.

ETCD_BIN="$CACHE/bin/etcd-v$ETCD_VERSION"
K8S_BIN="$CACHE/bin/kubernetes-v$K8S_VERSION"
KUBE_DIR="$OUT/kube"
PKI="$KUBE_DIR/pki"
ADMIN_KUBECONFIG="$KUBE_DIR/admin.kubeconfig"
SERVICE_CIDR="10.0.0.0/24" # virtual: no kube-proxy, nothing routes there but the next address
# The `kubernetes` Service's ClusterIP (the range's first address; the serving certificate names
# it): pods on the node reach the apiserver there (lib/node.sh, node_rules).
# shellcheck disable=SC2034 # used by lib/node.sh
APISERVER_SERVICE_IP="10.0.0.1"
APISERVER_URL="https://127.0.0.1:$APISERVER_PORT"

# --- certificates --------------------------------------------------------------------------

# client_cert NAME CN ORG: a client certificate signed by our CA (ORG may be empty).
client_cert() {
  local name="$1" cn="$2" org="$3" subj="/CN=$2"
  [ -n "$org" ] && subj="/O=$org/CN=$cn"
  openssl req -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -out "$PKI/$name.csr" \
    -subj "$subj" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 3650 -extfile "$PKI/client.ext" -out "$PKI/$name.crt" 2>/dev/null
}

# Generates the PKI once; kept across restarts so kubeconfigs handed out stay valid.
# Written to a temporary directory and renamed, so an interrupted run leaves no half PKI.
kube_pki() {
  [ -f "$PKI/.complete" ] && return 0
  local final="$PKI"
  PKI="$KUBE_DIR/pki.partial"
  rm -rf "$PKI" && mkdir -p "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
    -days 3650 -subj /CN=lamina-test-ca 2>/dev/null
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' \
    'extendedKeyUsage=clientAuth' >"$PKI/client.ext"
  # The serving certificate covers every name a client inside or outside a cluster may use.
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' \
    'subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.0.0.1' \
    >"$PKI/server.ext"
  openssl req -newkey rsa:2048 -nodes -keyout "$PKI/apiserver.key" -out "$PKI/apiserver.csr" \
    -subj /CN=kube-apiserver 2>/dev/null
  openssl x509 -req -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 3650 -extfile "$PKI/server.ext" -out "$PKI/apiserver.crt" 2>/dev/null
  # system:masters bypasses RBAC: the admin of tests, and the apiserver's client to kubelets.
  client_cert admin lamina-admin system:masters
  client_cert apiserver-kubelet kube-apiserver-kubelet-client system:masters
  # The components authenticate as the identities the default RBAC bindings expect.
  client_cert controller-manager system:kube-controller-manager ''
  client_cert scheduler system:kube-scheduler ''
  # Service-account token signing key pair.
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  rm -f "$PKI"/*.csr
  chmod 600 "$PKI"/*.key
  touch "$PKI/.complete"
  rm -rf "$final" && mv "$PKI" "$final"
  PKI="$final"
  log "generated PKI in $PKI"
}

# kubeconfig NAME CERT: writes $KUBE_DIR/NAME.kubeconfig for client certificate CERT.
# Kept when already written for the current PKI.
kubeconfig() {
  local file="$KUBE_DIR/$1.kubeconfig" k="$K8S_BIN/kubectl"
  [ "$file" -nt "$PKI/.complete" ] && return 0
  rm -f "$file"
  "$k" config --kubeconfig="$file" set-cluster lamina-test --server="$APISERVER_URL" \
    --certificate-authority="$PKI/ca.crt" --embed-certs=true >/dev/null
  "$k" config --kubeconfig="$file" set-credentials "$2" --client-certificate="$PKI/$2.crt" \
    --client-key="$PKI/$2.key" --embed-certs=true >/dev/null
  "$k" config --kubeconfig="$file" set-context lamina-test --cluster=lamina-test \
    --user="$2" >/dev/null
  "$k" config --kubeconfig="$file" use-context lamina-test >/dev/null
  chmod 600 "$file"
}

# --- processes ----------------------------------------------------------------------------

etcd_ready() { curl -sf "http://127.0.0.1:$ETCD_CLIENT_PORT/readyz" | grep -q ok; }
apiserver_ready() {
  "$K8S_BIN/kubectl" --kubeconfig="$ADMIN_KUBECONFIG" get --raw /readyz 2>/dev/null | grep -q ok
}
# The components' secure ports serve /healthz without authentication (always-allow paths).
kcm_ready() { curl -skf "https://127.0.0.1:$KCM_PORT/healthz" | grep -q ok; }
scheduler_ready() { curl -skf "https://127.0.0.1:$SCHEDULER_PORT/healthz" | grep -q ok; }

# kube_start NAME READY_FN PORT TIMEOUT CMD...: starts one component unless it is already
# healthy under our pidfile; refuses a port held by something else.
kube_start() {
  local name="$1" ready="$2" port="$3" timeout="$4"; shift 4
  if pid_alive "$name" && "$ready"; then
    log "$name already running (pid $(cat "$PIDS/$name.pid"))"
    return 0
  fi
  stop_pid "$name"
  port_open "$port" && die "port $port is taken by a process we did not start"
  : >"$LOGS/$name.log"
  start_bg "$name" "$LOGS/$name.log" "$@"
  wait_for "$name" "$timeout" "$ready" || {
    tail -n 30 "$LOGS/$name.log" >&2
    die "$name did not become ready, see $LOGS/$name.log"
  }
}

kube_up() {
  [ -x "$ETCD_BIN/etcd" ] || die "etcd binaries missing in $ETCD_BIN (lib/build-go.sh)"
  [ -x "$K8S_BIN/kube-apiserver" ] || die "kubernetes binaries missing in $K8S_BIN"
  mkdir -p "$KUBE_DIR" "$LOGS"
  kube_pki
  kubeconfig admin admin
  kubeconfig controller-manager controller-manager
  kubeconfig scheduler scheduler

  # Test data is disposable: no fsync (as envtest runs it), no peers beyond itself.
  kube_start etcd etcd_ready "$ETCD_CLIENT_PORT" 30 "$ETCD_BIN/etcd" \
    --name lamina-test --data-dir "$KUBE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "lamina-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn

  # --advertise-address is required (without a default route the apiserver cannot pick one);
  # loopback is accepted. --endpoint-reconciler-type=none: the apiserver would otherwise write
  # its address into the `kubernetes` Service's Endpoints, which rejects loopback addresses.
  # --kubelet-preferred-address-types: the test node's name resolves nowhere; its InternalIP
  # (the bridge address, lib/node.sh) is where the kubelet listens (logs, exec).
  kube_start kube-apiserver apiserver_ready "$APISERVER_PORT" 120 "$K8S_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --bind-address 127.0.0.1 --secure-port "$APISERVER_PORT" --advertise-address 127.0.0.1 \
    --endpoint-reconciler-type none \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true \
    --kubelet-client-certificate "$PKI/apiserver-kubelet.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet.key" \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --profiling=false

  kube_start kube-controller-manager kcm_ready "$KCM_PORT" 60 \
    "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$KUBE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$KUBE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$KUBE_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --use-service-account-credentials --service-cluster-ip-range "$SERVICE_CIDR" \
    --profiling=false

  kube_start kube-scheduler scheduler_ready "$SCHEDULER_PORT" 60 "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$KUBE_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$KUBE_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$KUBE_DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false \
    --profiling=false

  # One directory with every binary, for suites and developers (PATH, KUBEBUILDER_ASSETS).
  mkdir -p "$OUT/bin"
  ln -sfn "$ETCD_BIN"/* "$K8S_BIN"/* "$OUT/bin/"
}

kube_down() {
  # Reverse start order: clients before the apiserver, the apiserver before etcd.
  stop_pid kube-scheduler
  stop_pid kube-controller-manager
  stop_pid kube-apiserver 30
  stop_pid etcd
}
