# shellcheck shell=bash
# Pinned versions of the Python runtimes, read by setup.sh and bootstrap.
RIC_VERSION=4.2.2 # awslambdaric on PyPI
# Where setup.sh installs it for Python X.Y, under the cache root (LAMINA_CACHE_DIR or
# ~/.cache/lamina): ric_home <cache root> [X.Y] (default 3.11).
ric_home() { echo "$1/runtimes/python${2:-3.11}/awslambdaric-$RIC_VERSION"; }
