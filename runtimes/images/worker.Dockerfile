# Worker image of one runtime (cluster mode, ADR 0014): the runtime image (AWS base-image layout,
# /var/runtime/bootstrap starts the official runtime interface client) plus the worker agent at
# /var/lamina/agent — one bundled ESM file and a Node.js 22 binary (a link to the runtime's own
# node in the nodejs image). Not under /opt: that is where a function's layers go (ADR 0020). The agent is the entrypoint; it serves the agent protocol on
# LAMINA_WORKER_PORT and starts the bootstrap as its one execution environment.
# Runs as uid 10001 with a read-only root filesystem: the agent writes only below $TMPDIR (/tmp).
# Built by runtimes/images/build-worker.sh; RUNTIME_IMAGE is a runtimes/images/build.sh image.
# PARKED_BOOTSTRAP (the Node.js image: /var/lamina/agent/nodejs-parked.mjs) is the runtime's start
# that a generic pod boots before its function is known (ADR 0019); empty: none.
ARG RUNTIME_IMAGE
FROM ${RUNTIME_IMAGE}
ARG PARKED_BOOTSTRAP=""
COPY opt/ /var/lamina/agent/
ENV LAMINA_BOOTSTRAP=/var/runtime/bootstrap LAMINA_WORKER_PORT=8080 \
    LAMINA_PARKED_BOOTSTRAP=${PARKED_BOOTSTRAP}
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/var/lamina/agent/node", "/var/lamina/agent/agent.mjs"]
