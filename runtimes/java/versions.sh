# shellcheck shell=bash
# Pinned versions of the Java runtimes, read by setup.sh and bootstrap (pom.xml pins the same).
RIC_VERSION=2.10.1 # com.amazonaws:aws-lambda-java-runtime-interface-client on Maven Central
# Where setup.sh copies the jars, under the cache root (LAMINA_CACHE_DIR or ~/.cache/lamina).
ric_home() { echo "$1/runtimes/java/ric-$RIC_VERSION"; }
