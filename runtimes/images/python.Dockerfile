# python3.11 runtime image: Debian's python3 and the official awslambdaric in /var/runtime, laid
# out like AWS's Lambda base images (function code in /var/task, CMD = the handler).
# Built by runtimes/images/build.sh; BASE is the local Debian base (test/env/images/build-base).
ARG BASE
FROM ${BASE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
# site-packages of runtimes/python/setup.sh's venv: awslambdaric and its dependencies.
COPY runtime/ /var/runtime/
ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime PYTHONPATH=/var/runtime \
    LANG=en_US.UTF-8 TZ=UTC
WORKDIR /var/task
COPY lambda-entrypoint.sh /lambda-entrypoint.sh
COPY bootstrap /var/runtime/bootstrap
ENTRYPOINT ["/lambda-entrypoint.sh"]
