# shellcheck shell=bash
# shellcheck disable=SC2034 # sourced: some variables are used by the files that source this
# One Kubernetes node for the test control plane, as host processes: our own containerd (not
# Docker's; its CRI plugin runs the pods) and the kubelet from the Kubernetes build, registered as
# $NODE_NAME. Pods get addresses on the bridge $NODE_BRIDGE ($NODE_SUBNET, versions.sh), which we
# create with the address $NODE_IP: the host reaches every pod IP directly, pods reach each other
# and the apiserver (node_rules: our own iptables chain, nothing else of the host's rules is
# touched). Pod images come from Docker through test/env/load-image; nothing is pulled. Sourced
# by test/env/up, test/env/down and test/env/load-image; node_up expects lib/kube.sh and
# lib/docker.sh to be sourced too.

NODE_NAME="lamina-node-0"
NODE_DIR="$OUT/node"
CONTAINERD_SOCK="$NODE_DIR/containerd.sock"
KUBELET_DIR="$NODE_DIR/kubelet"
# host-local IPAM state and the CNI config live here, not in /var/lib/cni and /etc/cni.
CNI_DIR="$NODE_DIR/cni"
CNI_NETWORK="lamina-test-node"
CNI_PLUGINS="/usr/lib/cni" # Debian's containernetworking-plugins
# Our iptables chain, in the filter and nat tables; one jump to it from FORWARD and PREROUTING.
NODE_CHAIN="LAMINA-TEST-NODE"
# Who owns the machine-wide bridge: the out/ directory of the clone whose node runs on it.
NODE_OWNER_FILE="/run/lamina-test-node.owner"

# Debian packages the node needs, keyed by a command or file each provides (see ensure_packages
# in test/env/up). containerd and runc come with docker.io already; gcc and libc6-dev (the static
# pause binary) with the machine image, but a new machine may lack them.
NODE_APT_PACKAGES=(
  containerd:containerd runc:runc ip:iproute2 iptables:iptables python3:python3 curl:curl
  gcc:gcc /usr/include/stdio.h:libc6-dev
  "$CNI_PLUGINS/bridge:containernetworking-plugins"
  "$CNI_PLUGINS/host-local:containernetworking-plugins"
  "$CNI_PLUGINS/loopback:containernetworking-plugins"
)

nctr() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
containerd_ready() { ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; }
kubelet_ready() { curl -sf "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" | grep -q ok; }
node_ready() {
  "$K8S_BIN/kubectl" --kubeconfig="$ADMIN_KUBECONFIG" get node "$NODE_NAME" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True
}
# node_port_open PORT: something accepts TCP connections on $NODE_IP:PORT.
node_port_open() { (exec 3<>"/dev/tcp/$NODE_IP/$1") 2>/dev/null; }

# --- network ------------------------------------------------------------------------------

# The owner file names another clone whose kubelet still runs: that node has the bridge.
node_foreign_owner() {
  local owner
  [ -s "$NODE_OWNER_FILE" ] || return 1
  owner="$(cat "$NODE_OWNER_FILE")"
  [ "$owner" != "$OUT" ] || return 1
  [ -s "$owner/pids/kubelet.pid" ] && kill -0 "$(cat "$owner/pids/kubelet.pid")" 2>/dev/null &&
    echo "$owner"
}

# The bridge exists before the kubelet starts, so that $NODE_IP is a host address the kubelet
# accepts as its node IP (it refuses loopback). The CNI bridge plugin then reuses it.
node_bridge() {
  local owner other
  if owner="$(node_foreign_owner)"; then
    die "bridge $NODE_BRIDGE is used by the test node of $owner; run its test/env/down first"
  fi
  # Another interface routing our subnet would make pod addresses ambiguous.
  other="$(ip -4 -o route show to "$NODE_SUBNET" | grep -v " dev $NODE_BRIDGE " || true)"
  [ -z "$other" ] || die "$NODE_SUBNET is already routed elsewhere: $other"
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 || ip link add "$NODE_BRIDGE" type bridge
  ip -4 -o addr show dev "$NODE_BRIDGE" | grep -q " $NODE_IP/" ||
    ip addr add "$NODE_IP/${NODE_SUBNET#*/}" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  echo "$OUT" >"$NODE_OWNER_FILE"
}

# What pods need of the host beyond the bridge, rewritten on every `up` (each line in our own
# chain, so `down` removes exactly these; the host's other rules are not touched):
# - FORWARD: with br_netfilter loaded, bridged pod-to-pod packets traverse FORWARD, whose policy
#   Docker sets to DROP; accept them. Anything else forwarded from or to the bridge is rejected:
#   pod traffic never leaves the machine, even where the policy is ACCEPT.
# - PREROUTING (nat): pods' connections to the `kubernetes` Service (the only Service address they
#   have a route to, node_cni_config) go to the apiserver on 127.0.0.1. route_localnet on the
#   bridge alone lets packets that came in on it be sent to loopback (and the replies back); the
#   kubelet's KUBE-FIREWALL rule still drops any that were not DNATed.
node_rules() {
  local t
  for t in filter nat; do
    iptables -w -t "$t" -N "$NODE_CHAIN" 2>/dev/null || iptables -w -t "$t" -F "$NODE_CHAIN"
  done
  iptables -w -A "$NODE_CHAIN" -i "$NODE_BRIDGE" -o "$NODE_BRIDGE" -j ACCEPT
  iptables -w -A "$NODE_CHAIN" -i "$NODE_BRIDGE" -j REJECT
  iptables -w -A "$NODE_CHAIN" -o "$NODE_BRIDGE" -j REJECT
  iptables -w -C FORWARD -j "$NODE_CHAIN" 2>/dev/null || iptables -w -I FORWARD 1 -j "$NODE_CHAIN"
  iptables -w -t nat -A "$NODE_CHAIN" -d "$APISERVER_SERVICE_IP/32" -p tcp --dport 443 \
    -j DNAT --to-destination "127.0.0.1:$APISERVER_PORT"
  iptables -w -t nat -C PREROUTING -i "$NODE_BRIDGE" -j "$NODE_CHAIN" 2>/dev/null ||
    iptables -w -t nat -A PREROUTING -i "$NODE_BRIDGE" -j "$NODE_CHAIN"
  echo 1 >"/proc/sys/net/ipv4/conf/$NODE_BRIDGE/route_localnet"
}

# Removes node_rules' jumps and chains and resets route_localnet (no-op when already gone).
node_rules_down() {
  local t
  iptables -w -D FORWARD -j "$NODE_CHAIN" 2>/dev/null || true
  iptables -w -t nat -D PREROUTING -i "$NODE_BRIDGE" -j "$NODE_CHAIN" 2>/dev/null || true
  for t in filter nat; do
    if iptables -w -t "$t" -F "$NODE_CHAIN" 2>/dev/null; then iptables -w -t "$t" -X "$NODE_CHAIN"; fi
  done
  if [ -e "/proc/sys/net/ipv4/conf/$NODE_BRIDGE" ]; then
    echo 0 >"/proc/sys/net/ipv4/conf/$NODE_BRIDGE/route_localnet"
  fi
}

# The Service address pods are routed to must be the one the apiserver gave `kubernetes` (it
# creates the Service shortly after it starts).
node_service_ip() {
  [ "$("$K8S_BIN/kubectl" --kubeconfig="$ADMIN_KUBECONFIG" get service kubernetes -n default \
    -o 'jsonpath={.spec.clusterIP}' 2>/dev/null)" = "$APISERVER_SERVICE_IP" ]
}

node_cni_config() {
  mkdir -p "$CNI_DIR/conf" "$CNI_DIR/ipam"
  # ipMasq false: pods talk to the host and to each other only, so no NAT rule is needed.
  # No default route either: pod traffic never leaves through the host's own interfaces. One
  # route, to the Service range via the bridge: kube-proxy (node_proxy_up) sends ClusterIPs on to
  # their pods, node_rules the `kubernetes` Service's to the apiserver.
  cat >"$CNI_DIR/conf/10-lamina.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$CNI_DIR/ipam",
        "ranges": [[{ "subnet": "$NODE_SUBNET", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "$SERVICE_CIDR" }]
      }
    }
  ]
}
EOF
}

# --- containerd ---------------------------------------------------------------------------

node_containerd_config() {
  mkdir -p "$NODE_DIR/containerd/root" "$NODE_DIR/containerd/state" "$NODE_DIR/runc"
  cat >"$NODE_DIR/containerd.toml" <<EOF
# Written by test/env/lib/node.sh on every start. Not Docker's containerd: own socket, root,
# state and runc root, so neither sees the other's containers.
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
required_plugins = ["io.containerd.grpc.v1.cri"]
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CONTAINERD_SOCK"

[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/$PAUSE_IMAGE"
  # Required here: this machine refuses negative oom_score_adj values, and containerd would
  # give sandboxes -998 (runc then fails with "can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  # Network namespaces under our state directory instead of /var/run/netns: down finds and
  # unmounts them with the rest.
  netns_mounts_under_state_dir = true
  # kubectl exec/attach/port-forward streams: loopback, a free port.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_PLUGINS"
    conf_dir = "$CNI_DIR/conf"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$NODE_DIR/runc"
EOF
}

node_containerd_up() {
  if pid_alive containerd && containerd_ready; then
    log "containerd already running (pid $(cat "$PIDS/containerd.pid"))"
    return 0
  fi
  stop_pid containerd
  rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
  node_containerd_config
  : >"$LOGS/containerd.log"
  start_bg containerd "$LOGS/containerd.log" containerd --config "$NODE_DIR/containerd.toml"
  wait_for "containerd on $CONTAINERD_SOCK" 30 containerd_ready || {
    tail -n 30 "$LOGS/containerd.log" >&2
    die "containerd did not start, see $LOGS/containerd.log"
  }
}

# --- kubelet ------------------------------------------------------------------------------

# Writes the kubelet's configuration to kubelet.yaml.next (node_kubelet_up compares it with the
# running one's).
node_kubelet_config() {
  mkdir -p "$KUBELET_DIR" "$NODE_DIR/pod-logs" "$NODE_DIR/volume-plugins"
  cat >"$NODE_DIR/kubelet.yaml.next" <<EOF
# Written by test/env/lib/node.sh on every start.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The API (logs, exec) on the bridge address: loopback is refused as a node IP, and the
# apiserver reaches the kubelet at the Node's address. Healthz on loopback.
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
# Only the apiserver (client certificate from our CA) may call it, and may do anything.
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: AlwaysAllow }
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
imageServiceEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
# Not needed: node_rules holds the few host rules pods need.
makeIPTablesUtilChains: false
# Paths that default to /var/lib, /var/log and /usr/libexec: under out/ instead.
podLogsDir: $NODE_DIR/pod-logs
volumePluginDir: $NODE_DIR/volume-plugins
resolvConf: /etc/resolv.conf
# Pods resolve Service names with lib/cluster-dns.py on the bridge address (node_dns_up).
clusterDNS: [$NODE_IP]
clusterDomain: $CLUSTER_DOMAIN
# A test machine's disk may be nearly full; evict only when it really is. Images are never
# garbage-collected: they cannot be pulled back.
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.inodesFree: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
registerNode: true
maxPods: 110
# Lambda's 1,024 processes and threads per environment (ADR 0029): the pod's pids cgroup bounds
# the runtime's 1,024 plus the agent's own threads and the pause process.
podPidsLimit: 1100
EOF
}

# A running kubelet is kept unless its configuration changed (an environment from before a
# change of node_kubelet_config): then it restarts, and its pods keep running.
node_kubelet_up() {
  node_kubelet_config
  if pid_alive kubelet && kubelet_ready; then
    if cmp -s "$NODE_DIR/kubelet.yaml.next" "$NODE_DIR/kubelet.yaml"; then
      rm -f "$NODE_DIR/kubelet.yaml.next"
      log "kubelet already running (pid $(cat "$PIDS/kubelet.pid"))"
      return 0
    fi
    log "kubelet configuration changed: restarting the kubelet (its pods keep running)"
  fi
  stop_pid kubelet
  port_open "$KUBELET_HEALTHZ_PORT" &&
    die "port $KUBELET_HEALTHZ_PORT is taken by a process we did not start"
  node_port_open "$KUBELET_PORT" &&
    die "port $NODE_IP:$KUBELET_PORT is taken by a process we did not start"
  mv "$NODE_DIR/kubelet.yaml.next" "$NODE_DIR/kubelet.yaml"
  : >"$LOGS/kubelet.log"
  # The kubelet talks to the apiserver as the admin (system:masters), so NodeRestriction does not
  # apply; its own serving certificate is self-signed (the apiserver does not verify it).
  start_bg kubelet "$LOGS/kubelet.log" "$K8S_BIN/kubelet" \
    --config "$NODE_DIR/kubelet.yaml" --kubeconfig "$ADMIN_KUBECONFIG" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --root-dir "$KUBELET_DIR" --cert-dir "$KUBELET_DIR/pki"
  wait_for "kubelet healthz on 127.0.0.1:$KUBELET_HEALTHZ_PORT" 60 kubelet_ready || {
    tail -n 30 "$LOGS/kubelet.log" >&2
    die "the kubelet did not start, see $LOGS/kubelet.log"
  }
}

# --- kube-proxy and cluster DNS -------------------------------------------------------------

kube_proxy_ready() { curl -sf "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz" >/dev/null; }
cluster_dns_ready() {
  python3 "$ENV_DIR/lib/cluster-dns.py" query --server "$NODE_IP" \
    "kubernetes.default.svc.$CLUSTER_DOMAIN" 2>/dev/null | grep -qx "$APISERVER_SERVICE_IP"
}

# kube-proxy (iptables mode) makes ClusterIPs route to their endpoints, for pods and the host.
# Narrowed to this node: NodePorts only on the bridge address, no localhost NodePorts (which
# would set route_localnet on every interface), conntrack sysctls left as they are. Every
# Service connection is masqueraded to the bridge address, so replies come back through the
# host whether or not bridged traffic passes iptables (br_netfilter). `down` removes its rules.
node_proxy_up() {
  if pid_alive kube-proxy && kube_proxy_ready; then
    log "kube-proxy already running (pid $(cat "$PIDS/kube-proxy.pid"))"
    return 0
  fi
  stop_pid kube-proxy
  port_open "$KUBE_PROXY_HEALTHZ_PORT" &&
    die "port $KUBE_PROXY_HEALTHZ_PORT is taken by a process we did not start"
  : >"$LOGS/kube-proxy.log"
  start_bg kube-proxy "$LOGS/kube-proxy.log" "$K8S_BIN/kube-proxy" \
    --kubeconfig "$ADMIN_KUBECONFIG" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --cluster-cidr "$NODE_SUBNET" --masquerade-all \
    --nodeport-addresses "$NODE_IP/32" --iptables-localhost-nodeports=false \
    --healthz-bind-address "127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT" \
    --metrics-bind-address "127.0.0.1:$KUBE_PROXY_METRICS_PORT" \
    --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 \
    --conntrack-tcp-timeout-close-wait 0
  wait_for "kube-proxy healthz on 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT" 60 kube_proxy_ready || {
    tail -n 30 "$LOGS/kube-proxy.log" >&2
    die "kube-proxy did not become healthy, see $LOGS/kube-proxy.log"
  }
}

# Service names for pods (the kubelet's clusterDNS): lib/cluster-dns.py on $NODE_IP:53.
node_dns_up() {
  if pid_alive cluster-dns && cluster_dns_ready; then
    log "cluster DNS already running (pid $(cat "$PIDS/cluster-dns.pid"))"
    return 0
  fi
  stop_pid cluster-dns
  node_port_open 53 && die "port $NODE_IP:53 is taken by a process we did not start"
  : >"$LOGS/cluster-dns.log"
  start_bg cluster-dns "$LOGS/cluster-dns.log" python3 "$ENV_DIR/lib/cluster-dns.py" serve \
    --listen "$NODE_IP" --apiserver "$APISERVER_URL" --ca "$PKI/ca.crt" \
    --cert "$PKI/admin.crt" --key "$PKI/admin.key" --domain "$CLUSTER_DOMAIN"
  wait_for "cluster DNS on $NODE_IP:53" 30 cluster_dns_ready || {
    tail -n 30 "$LOGS/cluster-dns.log" >&2
    die "cluster DNS did not answer, see $LOGS/cluster-dns.log"
  }
}

# --- up / down ----------------------------------------------------------------------------

# An apiserver started before lib/kube.sh had --kubelet-preferred-address-types dials the node by
# its name, which resolves nowhere: say so rather than let `kubectl logs` fail mysteriously.
node_check_apiserver() {
  local pid
  pid_alive kube-apiserver || return 0
  pid="$(cat "$PIDS/kube-apiserver.pid")"
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- '--kubelet-preferred-address-types' && return 0
  log "warning: kube-apiserver (pid $pid) runs without --kubelet-preferred-address-types, so" \
    "kubectl logs/exec fail (\"no such host\") until it restarts (test/env/down; test/env/up)"
}

node_up() {
  [ -x "$K8S_BIN/kubelet" ] || die "kubelet missing in $K8S_BIN (lib/build-go.sh)"
  [ -x "$K8S_BIN/kube-proxy" ] || die "kube-proxy missing in $K8S_BIN (lib/build-go.sh)"
  apiserver_ready || die "the control plane is not running (test/env/up kube)"
  node_check_apiserver
  docker_ready || die "Docker is not running (test/env/up docker)"
  # Unix socket paths are limited to 108 bytes; containerd also listens on <socket>.ttrpc.
  [ "${#CONTAINERD_SOCK}" -lt 100 ] ||
    die "socket path $CONTAINERD_SOCK is too long (${#CONTAINERD_SOCK} chars): use a shorter clone path"
  mkdir -p "$NODE_DIR" "$LOGS"
  node_bridge
  wait_for "service kubernetes at $APISERVER_SERVICE_IP" 30 node_service_ip ||
    die "the kubernetes Service's ClusterIP is not $APISERVER_SERVICE_IP (lib/kube.sh)"
  node_rules
  node_cni_config
  node_containerd_up
  # The sandbox image must be in containerd before the first pod: it cannot be pulled.
  "$ENV_DIR/images/build-pause"
  "$ENV_DIR/load-image" "$PAUSE_IMAGE"
  node_kubelet_up
  wait_for "node $NODE_NAME Ready" 60 node_ready || {
    tail -n 30 "$LOGS/kubelet.log" >&2
    die "node $NODE_NAME did not become Ready, see $LOGS/kubelet.log"
  }
  # kube-proxy takes its node IP from the Node object.
  node_proxy_up
  node_dns_up
  log "node $NODE_NAME Ready: pods on $NODE_SUBNET via $NODE_BRIDGE, containerd $CONTAINERD_SOCK," \
    "Services through kube-proxy, DNS on $NODE_IP:53"
}

# Kills every container of our containerd (pods and sandboxes) and deletes it, its task and its
# snapshot. Bypasses the CRI (no CNI DEL): the IPAM state is dropped afterwards instead.
node_kill_containers() {
  local ids id i
  ids="$(nctr tasks ls -q 2>/dev/null || true)"
  for id in $ids; do nctr tasks kill --signal SIGKILL "$id" >/dev/null 2>&1 || true; done
  # The CRI plugin deletes a task once it has exited; whatever is still listed after 5 s is
  # deleted by force.
  for ((i = 0; i < 50; i++)); do
    [ -z "$(nctr tasks ls -q 2>/dev/null)" ] && break
    sleep 0.1
  done
  for id in $(nctr tasks ls -q 2>/dev/null); do
    nctr tasks delete --force "$id" >/dev/null 2>&1 || log "  could not delete task $id"
  done
  ids="$(nctr containers ls -q 2>/dev/null || true)"
  for id in $ids; do
    nctr containers delete "$id" >/dev/null 2>&1 || log "  could not delete container $id"
    # The CNI result cache of the sandbox's networks (ours and containerd's loopback).
    rm -f /var/lib/cni/results/*-"$id"-*
  done
  [ -z "$ids" ] || log "  removed $(wc -w <<<"$ids") containers"
}

# The pids of shims serving our containerd (their command line names its socket).
node_shim_pids() {
  local f pid cmd
  while read -r f; do
    cmd="$(tr '\0' ' ' 2>/dev/null <"$f")" || continue
    [[ "$cmd" == *containerd-shim* && "$cmd" == *" -address $CONTAINERD_SOCK "* ]] || continue
    pid="${f#/proc/}"
    echo "${pid%/cmdline}"
  done < <(grep -lsaF -e "$CONTAINERD_SOCK" /proc/[0-9]*/cmdline)
}

# Processes still in the kubelet's pod cgroups (a shim that died before its container).
node_pod_pids() {
  local d
  for d in /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
  return 0
}

node_kill_leftovers() {
  local pids
  # The pod cgroups are machine-wide: while another clone's node runs they hold its pods.
  if node_foreign_owner >/dev/null; then
    pids="$(node_shim_pids)"
  else
    pids="$(node_shim_pids; node_pod_pids)"
  fi
  [ -n "$pids" ] || return 0
  log "  killing leftover shims and pod processes: $(tr '\n' ' ' <<<"$pids")"
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL $pids 2>/dev/null || true
  sleep 0.2
}

# Everything mounted under out/node (pod volumes, network namespaces, sandbox /dev/shm, container
# root filesystems), deepest first.
node_unmount() {
  local m n=0
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "  could not unmount $m"
    n=$((n + 1))
  done < <(awk -v p="$NODE_DIR/" 'index($2, p) == 1 { print length($2) "\t" $2 }' /proc/mounts |
    sort -rn | cut -f2-)
  [ "$n" -eq 0 ] || log "  unmounted $n mounts under $NODE_DIR"
}

node_down() {
  local d
  stop_pid cluster-dns
  stop_pid kube-proxy
  stop_pid kubelet 30
  # Before the control plane stops (down stops the node first): the Node object goes, so the
  # next `up` registers a fresh one.
  if [ -x "$K8S_BIN/kubectl" ] && apiserver_ready; then
    "$K8S_BIN/kubectl" --kubeconfig="$ADMIN_KUBECONFIG" delete node "$NODE_NAME" \
      --ignore-not-found --wait=false >/dev/null 2>&1 || log "  could not delete node $NODE_NAME"
  fi
  if pid_alive containerd && containerd_ready; then node_kill_containers; fi
  node_kill_leftovers
  stop_pid containerd 30
  node_unmount
  rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
  # No sandbox is left, so no address is taken.
  rm -rf "$CNI_DIR/ipam"
  # Empty pod cgroups (rmdir refuses non-empty ones); the kubelet recreates them. The host rules
  # are machine-wide too.
  if ! node_foreign_owner >/dev/null; then
    node_rules_down
    # kube-proxy's chains (its own cleanup; the kubelet's KUBE-FIREWALL stays, as before up).
    if [ -x "$K8S_BIN/kube-proxy" ]; then
      "$K8S_BIN/kube-proxy" --cleanup --proxy-mode iptables >"$LOGS/kube-proxy-cleanup.log" 2>&1 ||
        log "  kube-proxy --cleanup failed, see $LOGS/kube-proxy-cleanup.log"
    fi
    for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
      [ -d "$d" ] && { find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; }
    done
  fi
  if [ -s "$NODE_OWNER_FILE" ] && [ "$(cat "$NODE_OWNER_FILE")" = "$OUT" ]; then
    rm -f "$NODE_OWNER_FILE"
  fi
}

# down --purge: the bridge too (unless another clone's node uses it); the data goes with out/.
node_purge() {
  node_foreign_owner >/dev/null && return 0
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link del "$NODE_BRIDGE" && log "  deleted bridge $NODE_BRIDGE"
  fi
}
