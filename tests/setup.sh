#!/usr/bin/env bash
# Installs what cove's tests, benchmarks and demo need on Debian/Ubuntu
# and creates the unprivileged test users. Idempotent. Run as root
# (`make deps`); as an ordinary user it only says what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
    missing=""
    for tool in docker-registry busybox newuidmap htpasswd; do
        command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/bin/$tool" ] || missing="$missing $tool"
    done
    if [ -n "$missing" ]; then
        echo "missing:$missing; as root run: make deps (or apt-get install docker-registry busybox-static uidmap apache2-utils)" >&2
        exit 1
    fi
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# docker-registry: the real registry the tests push to and pull from.
# busybox-static: the fixture images' userland. uidmap: newuidmap/newgidmap.
# apache2-utils: htpasswd for the authenticated registry. podman and
# skopeo: the interoperability tests (archives, the store as OCI layout).
# gcc-multilib: a real 32-bit program for the seccomp filter's i386 test;
# script (bsdutils, essential) gives the terminal tests a real pty.
# passt (pasta), dnsmasq-base (a DNS server on loopback) and iperf3: the
# network tests and benchmarks; fuse-overlayfs: the fuse driver's
# benchmark compares with it. runc: podman's crun 1.8 refuses hybrid
# cgroups, so the benchmarks run podman with runc; slirp4netns: the
# network benchmark compares with it. libacl1-dev: to build pjdfstest.
# hyperfine: the start, network and completion benchmarks time commands
# with it. zsh, fish and bash-completion: tests/completion.rs drives the
# real shells' completion. xvfb, x11-apps, x11-utils, dbus: tests/dev.rs
# draws a window from a sandbox on an X server of its own and asks a
# session bus. iproute2: tests/networks.rs makes a namespace to stand for
# the outside. netavark, aardvark-dns: the user-network benchmark compares
# with Podman's bridge networks. podman-compose: tests/compose.rs drives
# cove with it (--podman-path), and the compose benchmark compares with it.
apt-get install -y -qq --no-install-recommends \
    docker-registry busybox-static uidmap apache2-utils ca-certificates \
    podman runc slirp4netns skopeo attr gcc gcc-multilib libc6-dev \
    passt dnsmasq-base iperf3 iproute2 fuse-overlayfs libacl1-dev hyperfine \
    zsh fish bash-completion xvfb x11-apps x11-utils dbus netavark aardvark-dns \
    podman-compose >/dev/null
# The Debian package starts a registry on :5000 we do not use.
systemctl disable --now docker-registry >/dev/null 2>&1 || true

# pjdfstest, the POSIX file system suite (its Rust rewrite, from
# crates.io), for tests/posix.rs and the fuse benchmark.
if [ ! -x /opt/pjdfstest/bin/pjdfstest ]; then
    cargo install --quiet --locked pjdfstest --version 0.2.2 --root /opt/pjdfstest
fi

# The unprivileged user the suite runs cove as, with subordinate ids.
if ! id covetest >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh covetest
fi
grep -q '^covetest:' /etc/subuid || usermod --add-subuids 200000-265535 covetest
grep -q '^covetest:' /etc/subgid || usermod --add-subgids 200000-265535 covetest
# A second user without ranges: the single-id fallback.
id covenoid >/dev/null 2>&1 || useradd --create-home --shell /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 covenoid
sed -i '/^covenoid:/d' /etc/subuid /etc/subgid

# Minimal machines ship these 0600; most distributions have them 0666.
chmod 0666 /dev/fuse /dev/net/tun 2>/dev/null || true

