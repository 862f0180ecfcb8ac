#!/usr/bin/env bash
# install-deps.sh [--quiet]: install the Debian packages that building, testing and
# running jiuye locally need. A no-op (no network, no apt-get update) when all are
# present, so `make run/demo/test` can call it every time.
set -euo pipefail

quiet=0
case "${1:-}" in
    --quiet) quiet=1 ;;
    "") ;;
    *) echo "usage: $0 [--quiet]" >&2; exit 2 ;;
esac

# libpq-dev is not in the original list but the Makefile's `pkg-config libpq` needs it.
# clang is for the fuzz targets (libFuzzer); docker-compose only validates docker-compose.yml.
# prometheus is only for its promtool, which checks ops/prometheus.yml and ops/alerts.yml
# (tests/integration/prometheus_config.sh; 19 MB, under 20 s to install). On a host with
# systemd the package also starts a Prometheus server on :9090 (`systemctl disable --now
# prometheus` if it is not wanted). chromium, chromium-driver and fonts-noto-cjk are for
# tests/e2e/console.sh, which drives the staff console in headless Chromium (and the
# Chinese text in its screenshots); the running suite does not need them.
# podman .. iptables are for the compose test (tests/compose/compose_e2e.sh): rootful podman
# on runc (crun fails on this machine kind's cgroup layout; naming runc also keeps apt from
# choosing crun for podman's "crun | runc"), netavark with aardvark-dns so that containers
# reach each other by service name, iptables for its published ports, debootstrap for the
# base image (no image registry is reachable).
PACKAGES=(
    build-essential pkg-config
    libzmq3-dev libprotobuf-c-dev protobuf-c-compiler libevent-dev libpq-dev
    libjansson-dev libcurl4-openssl-dev libssl-dev libcmocka-dev
    postgresql-15 postgresql-client-15
    curl openssl docker-compose clang libclang-rt-14-dev llvm libxml2-utils prometheus jq
    chromium chromium-driver fonts-noto-cjk
    podman podman-compose runc netavark aardvark-dns iptables debootstrap
)
# node and npm run the API contract tests' tools (Spectral, Prism: tests/tools/npm-tool.sh,
# docs/api/README.md). A node that brings its own npm (NodeSource's nodejs) is kept as it is:
# Debian's npm package would conflict with it.
command -v npm >/dev/null || PACKAGES+=(nodejs npm)

# dpkg-query prints "install ok installed" only for fully installed packages;
# anything else (absent, half-configured, removed with config left) counts as missing.
missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    ((quiet)) || echo "install-deps: all ${#PACKAGES[@]} packages present"
    exit 0
fi

# Only escalate when needed: CI and containers run as root without sudo.
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
# One update, only because something is missing (package lists may be stale or absent).
"${SUDO[@]}" apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
