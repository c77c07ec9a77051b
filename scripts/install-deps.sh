#!/usr/bin/env bash
# Installs the Debian packages Splicer builds and tests with, when they are missing.
# Usage: scripts/install-deps.sh [build|test|container]
#   build: what the build needs; test (the default): build and what the tests need;
#   container: what scripts/image-smoke.sh needs to build and run the image with podman.
set -euo pipefail

group="${1:-test}"
need=()
case $group in
  build | test)
    # libcap-dev and libyaml-dev: the C libraries the binary links (CCap, CYAML).
    need+=(libcap-dev libyaml-dev)
    ;;
  container)
    # podman builds and runs the image without a daemon; runc is the runtime it is told to use
    # (deploy/podman/containers.conf: crun refuses hybrid cgroup hierarchies); slirp4netns
    # gives the container a network that reaches the host's loopback; python3: the backend.
    need+=(podman runc slirp4netns python3)
    ;;
  *)
    echo "usage: scripts/install-deps.sh [build|test|container]" >&2
    exit 2
    ;;
esac
if [[ $group == test ]]; then
  # libssl-dev: SHA-256 in the tests; iperf3, curl, python3, prometheus: the real clients and
  # servers the tests use; systemd: systemd-socket-activate and systemd-analyze; util-linux:
  # setpriv; openssl (s_server, s_client), nginx with its stream module, socat: the TLS,
  # PROXY-protocol and unix-socket peers of the routing tests; iproute2: ip, which configures
  # the fault-injection tests' TUN interface; dnsmasq-base: the DNS server of the SRV discovery
  # tests (the binary alone, without the package that starts a system service).
  need+=(libssl-dev iperf3 curl python3 prometheus systemd util-linux openssl nginx libnginx-mod-stream socat
    iproute2 dnsmasq-base)
fi

missing=()
for package in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
