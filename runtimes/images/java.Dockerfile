# javaNN runtime image: Debian's OpenJDK NN (headless JRE; 17 from Debian 12, 21 from Debian 13)
# and the official AWS Lambda Java runtime interface client in /var/runtime/lib, laid out like
# AWS's Lambda base images.
# Built by runtimes/images/build.sh; BASE is the local Debian base (test/env/images/build-base)
# of the suite that ships that JDK, JAVA the major.
ARG BASE
FROM ${BASE}
ARG JAVA=17
# The base image leaves out /usr/share/man; the JRE's postinst links its man pages there.
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "openjdk-${JAVA}-jre-headless" \
 && java -version 2>&1 | grep -q "version \"${JAVA}[.\"]" \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
COPY lib/ /var/runtime/lib/
ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime LANG=en_US.UTF-8 TZ=UTC
WORKDIR /var/task
COPY lambda-entrypoint.sh /lambda-entrypoint.sh
COPY bootstrap /var/runtime/bootstrap
ENTRYPOINT ["/lambda-entrypoint.sh"]
