# Worker image of one runtime (cluster mode, ADR 0014): the runtime image (AWS base-image layout,
# /var/runtime/bootstrap starts the official runtime interface client) plus the worker agent at
# /var/lamina/agent — one bundled ESM file and a Node.js 22 binary (a link to the runtime's own
# node in the nodejs image). Not under /opt: that is where a function's layers go (ADR 0020). The agent is the entrypoint; it serves the agent protocol on
# LAMINA_WORKER_PORT and starts the bootstrap as its one execution environment.
# Runs as uid 10001 with a read-only root filesystem: the agent writes only below $TMPDIR (/tmp).
# Built by runtimes/images/build-worker.sh; RUNTIME_IMAGE is a runtimes/images/build.sh image.
# PARKED_BOOTSTRAP (the Node.js image: /var/lamina/agent/nodejs-parked.mjs, Python's:
# python-parked.py) is the runtime's start that a generic pod boots before its function is known
# (ADR 0019); empty: none.
ARG RUNTIME_IMAGE
FROM ${RUNTIME_IMAGE}
ARG PARKED_BOOTSTRAP=""
COPY opt/ /var/lamina/agent/
# V8's compile cache of the bundle, made here once (agent-start.mjs reads it): the agent loads it
# with no configuration and exits at once. Node.js keys the cache by uid, so the pod's user makes it.
RUN mkdir /var/lamina/agent/compile-cache && chown 10001:10001 /var/lamina/agent/compile-cache
USER 10001:10001
RUN /var/lamina/agent/node /var/lamina/agent/start.mjs >/dev/null 2>&1; \
    test -n "$(ls -A /var/lamina/agent/compile-cache)"
ENV LAMINA_BOOTSTRAP=/var/runtime/bootstrap LAMINA_WORKER_PORT=8080 \
    LAMINA_PARKED_BOOTSTRAP=${PARKED_BOOTSTRAP}
EXPOSE 8080
ENTRYPOINT ["/var/lamina/agent/node", "/var/lamina/agent/start.mjs"]
