# syntax=docker/dockerfile:1
#
# Splicer image: a release build with the Swift standard library linked in, on Debian slim.
#
#   docker build -t splicer .
#   docker run --rm --stop-timeout 45 -p 8080:8080 -p 9090:9090 \
#     -v "$PWD/splicer.yaml:/etc/splicer/splicer.yaml:ro" splicer
#
# The build commands are not here: the build stage runs scripts/docker-build.sh, the same script
# CI and developers run, so this recipe cannot drift from a build that is exercised.
# docs/OPERATIONS.md covers the image.

# The toolchain the tests run on. Any 6.x image with a Debian 12 variant works:
#   docker build --build-arg SWIFT_VERSION=6.2 .
ARG SWIFT_VERSION=6.3

FROM swift:${SWIFT_VERSION}-bookworm AS build
WORKDIR /src
# Debian packages first (libcap-dev, libyaml-dev), from the same list the script checks, then the
# dependencies, each in its own layer so that a source edit rebuilds neither.
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh build && rm -rf /var/lib/apt/lists/*
COPY Package.swift Package.resolved* ./
RUN swift package resolve --scratch-path .build-static
COPY . .
RUN scripts/docker-build.sh /out

FROM debian:bookworm-slim
# The binary needs glibc, libstdc++ and libgcc (all in the base image), libcap and libyaml. No
# CA certificates: Splicer relays TCP and never opens TLS itself.
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libcap2 libyaml-0-2 \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --user-group --uid 10001 --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin splicer
COPY --from=build /out/splicer /usr/local/bin/splicer
COPY etc/splicer.yaml /etc/splicer/splicer.yaml
# Fail the image build, not the container start, if the example config does not validate.
RUN ["/usr/local/bin/splicer", "check", "--config", "/etc/splicer/splicer.yaml"]

# Numeric, so that runtimes can check "not root" without reading /etc/passwd. Ports below 1024
# still work: Docker sets net.ipv4.ip_unprivileged_port_start=0 in the container (other
# runtimes may not; then grant NET_BIND_SERVICE or use a higher port).
USER 10001:10001
# Listeners of the example config, and the admin endpoint (/metrics, /healthz, /status).
EXPOSE 8080 8081 9090

# GET /healthz on the admin endpoint: 200 while serving, 503 while draining. bash's /dev/tcp
# speaks enough HTTP for that, so the image needs no curl: the check reads the status line.
# It needs `admin: { bind: ... :9090 }` in the config.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]

# SIGTERM drains for timeouts.drain (30s by default): give `docker stop` more than that
# (--stop-timeout 45, or stop_grace_period in compose), or it kills mid-drain after 10s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/splicer"]
CMD ["run", "--config", "/etc/splicer/splicer.yaml"]
