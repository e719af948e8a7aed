# The platform's own images, one target per service (images/build.sh builds them with --target):
#   lamina/gateway, lamina/operator, lamina/dispatcher, lamina/poller
# Each is the Debian base image plus /opt/lamina: bin/node (Node.js 22), dist/main.mjs (the
# service's composition root bundled by images/bundle.mjs) and what it reads next to it (the
# gateway's Redis Lua scripts in scripts/). Runs as uid 10001 with a read-only root filesystem:
# nothing is written outside /tmp (the chart mounts an emptyDir there). The ENV below are the
# chart's values for the listen address and port, so a bare `docker run` listens where EXPOSE
# says; the chart sets them (and everything else) explicitly.
ARG BASE_IMAGE=lamina/base:bookworm-r1
FROM ${BASE_IMAGE} AS platform
# Node.js first, in a layer of its own that every service image shares.
COPY bin/ /opt/lamina/bin/
COPY opt/ /opt/lamina/
WORKDIR /opt/lamina
USER 10001:10001
ENTRYPOINT ["/opt/lamina/bin/node", "/opt/lamina/dist/main.mjs"]

FROM platform AS gateway
ENV LAMINA_MODE=cluster LAMINA_HOST=0.0.0.0 LAMINA_PORT=9000 LAMINA_STATE_DIR=/tmp/lamina
EXPOSE 9000

FROM platform AS operator
ENV LAMINA_HTTP_PORT=8081
EXPOSE 8081

FROM platform AS dispatcher
ENV LAMINA_HOST=0.0.0.0 LAMINA_DISPATCHER_PORT=9001
EXPOSE 9001

FROM platform AS poller
ENV LAMINA_HOST=0.0.0.0 LAMINA_POLLER_PORT=9103
EXPOSE 9103
