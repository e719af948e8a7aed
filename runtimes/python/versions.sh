# shellcheck shell=bash
# Pinned versions of the Python runtime, read by setup.sh and bootstrap.
RIC_VERSION=4.2.2 # awslambdaric on PyPI
# Where setup.sh installs it, under the cache root (LAMINA_CACHE_DIR or ~/.cache/lamina).
ric_home() { echo "$1/runtimes/python3.11/awslambdaric-$RIC_VERSION"; }
