# shellcheck shell=bash
# shellcheck disable=SC2034 # sourced: the variables are used by the files that source this
# Pinned versions and fixed loopback ports of the test environment. Sourced by lib/common.sh.
# Bumping a version here makes `up` build or fetch it once into the cache, keyed by version.

K8S_VERSION="${LAMINA_K8S_VERSION:-1.34.4}"  # k8s.io/kubernetes, newest 1.34.x on the Go proxy
ETCD_VERSION="${LAMINA_ETCD_VERSION:-3.6.16}" # go.etcd.io/etcd, newest 3.6.x on the Go proxy
KAFKA_VERSION="${LAMINA_KAFKA_VERSION:-4.4.0}" # org.apache.kafka:kafka_2.13, see docs/adr/0003
NETPOL_VERSION="${LAMINA_NETPOL_VERSION:-0.8.0}" # sigs.k8s.io/kube-network-policies (lib/netpol.sh)
ELASTICMQ_VERSION="${LAMINA_ELASTICMQ_VERSION:-1.7.1}" # org.elasticmq:elasticmq-server_2.13
OTELCOL_VERSION="${LAMINA_OTELCOL_VERSION:-0.165.0}"   # go.opentelemetry.io/collector (beta modules)
OTELCOL_STABLE_VERSION="1.71.0"                         # the collector's v1 modules of that release
OTELCOL_CONTRIB_VERSION="0.165.1"                       # contrib's fileexporter of that release
PROMETHEUS_DEBIAN_SUITE="${LAMINA_PROMETHEUS_DEBIAN_SUITE:-trixie}" # Prometheus + promtool: that suite's packages, unpacked (lib/observability.sh)
# github.com/rclone/gofakes3 (MIT): the S3-compatible server (lib/s3.sh, s3/main.go, docs/adr/0045).
GOFAKES3_VERSION="${LAMINA_GOFAKES3_VERSION:-v0.0.12}"
S3_MAIN_REVISION="r1"                         # s3/main.go's; bump it with the file (a new cached build)
DEBIAN_SUITE="bookworm"                       # base images' root filesystem
PAUSE_IMAGE="lamina/pause:r2"                 # images/build-pause; bump the revision with the recipe

# Ports, all on 127.0.0.1. Chosen away from the services' defaults so that a developer's own
# Redis/Kafka/etcd/apiserver can keep running beside the test environment.
# LAMINA_TEST_ENV_PORT_OFFSET shifts them all, so a second clone (say, a clean-clone CI rehearsal)
# can run its own environment beside a developer's.
_o="${LAMINA_TEST_ENV_PORT_OFFSET:-0}"
REDIS_PORT=$((16379 + _o))
REDIS_DURABLE_PORT=$((16380 + _o))
KAFKA_PORT=$((19092 + _o))
KAFKA_CONTROLLER_PORT=$((19093 + _o))
ELASTICMQ_PORT=$((19324 + _o))       # ElasticMQ's SQS API
S3_PORT=$((18333 + _o))              # the S3 API (lib/s3.sh; LAMINA_TEST_S3_ENDPOINT)
ETCD_CLIENT_PORT=$((12379 + _o))
ETCD_PEER_PORT=$((12380 + _o))
APISERVER_PORT=$((16443 + _o))
KCM_PORT=$((10257 + _o))             # kube-controller-manager's secure (healthz) port, 127.0.0.1
SCHEDULER_PORT=$((10259 + _o))       # kube-scheduler's secure (healthz) port, 127.0.0.1
KUBELET_PORT=$((10250 + _o))         # kubelet's API (logs, exec), on $NODE_IP (below), not loopback
KUBELET_HEALTHZ_PORT=$((10248 + _o)) # kubelet's /healthz, 127.0.0.1
KUBE_PROXY_HEALTHZ_PORT=$((10256 + _o)) # kube-proxy's /healthz, 127.0.0.1
KUBE_PROXY_METRICS_PORT=$((10249 + _o)) # kube-proxy's /metrics, 127.0.0.1
NETPOL_METRICS_PORT=$((19080 + _o)) # kube-network-policies' /metrics (its readiness), 127.0.0.1
OTLP_GRPC_PORT=$((14317 + _o))       # the collector's OTLP/gRPC receiver
OTLP_HTTP_PORT=$((14318 + _o))       # the collector's OTLP/HTTP receiver (services export here)
PROMETHEUS_PORT=$((19090 + _o))      # Prometheus' HTTP API

# The node's pod network (lib/node.sh). Not shifted by the offset: a Linux bridge and its subnet
# are machine-wide, so one test node runs per machine (`up node` in a second clone refuses to
# start while another clone's node owns the bridge).
NODE_BRIDGE="lamina0"
NODE_SUBNET="10.213.0.0/24"
NODE_IP="10.213.0.1" # the bridge's own address: pods' gateway, the kubelet's node IP, cluster DNS
CLUSTER_DOMAIN="cluster.local" # cluster DNS (lib/cluster-dns.py) on $NODE_IP:53
