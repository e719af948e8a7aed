# pythonX.Y runtime image: Debian's python3 (3.11 in Debian 12, 3.13 in Debian 13) and the
# official awslambdaric in /var/runtime, laid out like AWS's Lambda base images (function code in
# /var/task, CMD = the handler).
# Built by runtimes/images/build.sh; BASE is the local Debian base (test/env/images/build-base)
# of the suite whose python3 is PYTHON.
ARG BASE
FROM ${BASE}
ARG PYTHON=3.11
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 \
 && [ "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "${PYTHON}" ] \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
# awslambdaric and its dependencies for that CPython (runtimes/python/setup.sh).
COPY runtime/ /var/runtime/
ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime PYTHONPATH=/var/runtime \
    LANG=en_US.UTF-8 TZ=UTC
WORKDIR /var/task
COPY lambda-entrypoint.sh /lambda-entrypoint.sh
COPY bootstrap /var/runtime/bootstrap
ENTRYPOINT ["/lambda-entrypoint.sh"]
