# shellcheck shell=bash
# shellcheck disable=SC2034 # sourced: some variables are used by the files that source this
# NetworkPolicy enforcement on the test node (issue #18 item 6, ADR 0036): SIG Network's
# kube-network-policies (sigs.k8s.io/kube-network-policies, Apache-2.0, built by lib/build-go.sh)
# as a host daemon. It watches Pods, Namespaces and NetworkPolicies and gives a verdict on the
# first packet of each connection, which the kernel hands it through NFQUEUE.
#
# Upstream installs its own nftables rules with nft's `queue` statement; this machine's kernel has
# no nft_queue (CONFIG_NFT_QUEUE is not set, no modules to load), so that step fails (the daemon
# logs it and goes on: it ignores the error and listens on its queue all the same). The packets
# are queued instead by xtables' NFQUEUE target (CONFIG_NETFILTER_XT_TARGET_NFQUEUE=y), from our
# own chain $NETPOL_CHAIN:
# - FORWARD -i/-o $NODE_BRIDGE: pod to pod, also through a Service (kube-proxy's DNAT is done, so
#   the verdict sees the endpoint, as upstream's postrouting hook does);
# - INPUT -i $NODE_BRIDGE: pod to the host: the gateway a suite runs on $NODE_IP, cluster DNS, the
#   apiserver (the `kubernetes` Service is DNATed to 127.0.0.1:$APISERVER_PORT before INPUT, so a
#   policy that allows it names that endpoint, as it would name the apiserver's address in a real
#   cluster), and any listener a suite opens on the bridge address.
# Only NEW connections are queued (replies and later packets follow conntrack), with
# --queue-bypass: while no daemon listens, packets pass as before. Host-originated connections
# (the kubelet's probes, a suite's gateway calling pods) are not queued: upstream accepts them too
# (`meta skuid 0`). Pods without any policy get an accept from the daemon: namespaces without
# policies behave as before.
#
# The daemon authenticates with a ServiceAccount token (rest.InClusterConfig only reads
# /var/run/secrets/kubernetes.io/serviceaccount): it runs in a private mount namespace where our
# own directory is bound there; the host keeps an empty mount point only.

NETPOL_BIN="$CACHE/bin/kube-network-policies-v$NETPOL_VERSION"
NETPOL_DIR="$OUT/netpol"
NETPOL_CHAIN="LAMINA-NETPOL"
NETPOL_QUEUE=100
NETPOL_SA_MOUNT="/var/run/secrets/kubernetes.io/serviceaccount"

netpol_ready() { curl -sf "http://127.0.0.1:$NETPOL_METRICS_PORT/metrics" >/dev/null; }

# The daemon's identity: read Pods, Namespaces, NetworkPolicies (and Nodes), write Events.
netpol_rbac() {
  "$K8S_BIN/kubectl" --kubeconfig="$ADMIN_KUBECONFIG" apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata: { name: kube-network-policies, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: kube-network-policies }
rules:
  - apiGroups: ['']
    resources: [pods, namespaces, nodes]
    verbs: [list, watch, get]
  - apiGroups: [networking.k8s.io]
    resources: [networkpolicies]
    verbs: [list, watch, get]
  - apiGroups: ['', events.k8s.io]
    resources: [events]
    verbs: [create, patch, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: kube-network-policies }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kube-network-policies }
subjects:
  - { kind: ServiceAccount, name: kube-network-policies, namespace: kube-system }
EOF
  mkdir -p "$NETPOL_DIR/sa"
  "$K8S_BIN/kubectl" --kubeconfig="$ADMIN_KUBECONFIG" -n kube-system create token \
    kube-network-policies --duration=8760h >"$NETPOL_DIR/sa/token.partial"
  mv "$NETPOL_DIR/sa/token.partial" "$NETPOL_DIR/sa/token"
  cp "$PKI/ca.crt" "$NETPOL_DIR/sa/ca.crt"
  echo kube-system >"$NETPOL_DIR/sa/namespace"
}

# Our chain, rewritten on every start; one jump each from FORWARD (first, before the node's own
# accept of bridge traffic) and INPUT.
netpol_rules() {
  iptables -w -N "$NETPOL_CHAIN" 2>/dev/null || iptables -w -F "$NETPOL_CHAIN"
  iptables -w -A "$NETPOL_CHAIN" -m conntrack --ctstate NEW \
    -j NFQUEUE --queue-num "$NETPOL_QUEUE" --queue-bypass
  iptables -w -C FORWARD -i "$NODE_BRIDGE" -o "$NODE_BRIDGE" -j "$NETPOL_CHAIN" 2>/dev/null ||
    iptables -w -I FORWARD 1 -i "$NODE_BRIDGE" -o "$NODE_BRIDGE" -j "$NETPOL_CHAIN"
  iptables -w -C INPUT -i "$NODE_BRIDGE" -j "$NETPOL_CHAIN" 2>/dev/null ||
    iptables -w -I INPUT 1 -i "$NODE_BRIDGE" -j "$NETPOL_CHAIN"
}

netpol_rules_down() {
  iptables -w -D FORWARD -i "$NODE_BRIDGE" -o "$NODE_BRIDGE" -j "$NETPOL_CHAIN" 2>/dev/null || true
  iptables -w -D INPUT -i "$NODE_BRIDGE" -j "$NETPOL_CHAIN" 2>/dev/null || true
  if iptables -w -F "$NETPOL_CHAIN" 2>/dev/null; then iptables -w -X "$NETPOL_CHAIN"; fi
}

netpol_up() {
  [ -x "$NETPOL_BIN/kube-network-policies" ] ||
    die "kube-network-policies missing in $NETPOL_BIN (lib/build-go.sh netpol)"
  if pid_alive netpol && netpol_ready; then
    netpol_rules
    log "kube-network-policies already running (pid $(cat "$PIDS/netpol.pid"))"
    return 0
  fi
  stop_pid netpol
  port_open "$NETPOL_METRICS_PORT" &&
    die "port $NETPOL_METRICS_PORT is taken by a process we did not start"
  netpol_rbac
  mkdir -p "$NETPOL_SA_MOUNT" "$LOGS"
  : >"$LOGS/netpol.log"
  # --disable-nri: containerd 1.6 has no NRI (pod IPs come from the informer);
  # --netfilter-bug-1766-fix=false: kernel 6.12+ has the fix, and that hook also needs nft queue.
  # LAMINA_NETPOL_VERBOSITY=2 logs every verdict.
  start_bg netpol "$LOGS/netpol.log" env KUBERNETES_SERVICE_HOST=127.0.0.1 \
    KUBERNETES_SERVICE_PORT="$APISERVER_PORT" unshare --mount --propagation private -- sh -c \
    'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$NETPOL_DIR/sa" "$NETPOL_SA_MOUNT" \
    "$NETPOL_BIN/kube-network-policies" --hostname-override "$NODE_NAME" --disable-nri \
    --nfqueue-id "$NETPOL_QUEUE" --netfilter-bug-1766-fix=false \
    --metrics-bind-address "127.0.0.1:$NETPOL_METRICS_PORT" --v="${LAMINA_NETPOL_VERBOSITY:-0}"
  wait_for "kube-network-policies metrics on 127.0.0.1:$NETPOL_METRICS_PORT" 60 netpol_ready || {
    tail -n 30 "$LOGS/netpol.log" >&2
    die "kube-network-policies did not start, see $LOGS/netpol.log"
  }
  netpol_rules
  log "kube-network-policies v$NETPOL_VERSION enforcing NetworkPolicies on $NODE_BRIDGE" \
    "(NFQUEUE $NETPOL_QUEUE)"
}

netpol_down() {
  netpol_rules_down
  stop_pid netpol
}
