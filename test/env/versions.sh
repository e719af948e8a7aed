# shellcheck shell=bash
# shellcheck disable=SC2034 # sourced: the variables are used by the files that source this
# Pinned versions and fixed loopback ports of the test environment. Sourced by lib/common.sh.
# Bumping a version here makes `up` build or fetch it once into the cache, keyed by version.

K8S_VERSION="${LAMINA_K8S_VERSION:-1.34.4}"  # k8s.io/kubernetes, newest 1.34.x on the Go proxy
ETCD_VERSION="${LAMINA_ETCD_VERSION:-3.6.16}" # go.etcd.io/etcd, newest 3.6.x on the Go proxy
KAFKA_VERSION="${LAMINA_KAFKA_VERSION:-4.4.0}" # org.apache.kafka:kafka_2.13, see docs/adr/0003
DEBIAN_SUITE="bookworm"                       # base images' root filesystem

# Ports, all on 127.0.0.1. Chosen away from the services' defaults so that a developer's own
# Redis/Kafka/etcd/apiserver can keep running beside the test environment.
REDIS_PORT=16379
REDIS_DURABLE_PORT=16380
KAFKA_PORT=19092
KAFKA_CONTROLLER_PORT=19093
ETCD_CLIENT_PORT=12379
ETCD_PEER_PORT=12380
APISERVER_PORT=16443
KCM_PORT=10257       # kube-controller-manager's secure (healthz) port, bound to 127.0.0.1
SCHEDULER_PORT=10259 # kube-scheduler's secure (healthz) port, bound to 127.0.0.1
