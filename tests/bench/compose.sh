#!/usr/bin/env bash
# `cove compose` benchmark (not in CI): prints figures, never asserts.
#
#   1. `compose up -d` of a 3-service stack from a local image, all running
#      (from nothing: each run starts after a `down`)
#   2. `compose down` of that stack
#   3. a second `compose up -d` with nothing changed
#
# Side by side with podman-compose on podman when both are installed
# (BENCH_NO_PODMAN=1 skips it). Runs as the invoking user with private
# stores. Needs hyperfine and busybox-static.
#
# Environment: COVE (binary, default target/release/cove), BENCH_RUNS
# (default 10), BENCH_NO_PODMAN=1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
RUNS="${BENCH_RUNS:-10}"

say() { printf '==> %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ -x "$COVE" ] || die "$COVE not found: run 'make build'"
command -v hyperfine >/dev/null || die "hyperfine is needed (apt-get install hyperfine)"
[ -x /bin/busybox ] || die "/bin/busybox is needed (apt-get install busybox-static)"

WORK="$(mktemp -d /tmp/cove-bench-compose.XXXXXX)"
export COVE_ROOT="$WORK/root" COVE_RUNROOT="$WORK/run"
cleanup() {
    (cd "$WORK/cove" 2>/dev/null && "$COVE" compose down >/dev/null 2>&1) || true
    if [ -n "${PODMAN_OK:-}" ]; then
        (cd "$WORK/podman" && podman-compose --podman-path "$PODMAN_WRAP" down >/dev/null 2>&1) || true
    fi
    rm -rf "$WORK" 2>/dev/null || "$COVE" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# The image: busybox and its applets.
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/"
for a in sh sleep httpd; do ln -s busybox "$WORK/rootfs/bin/$a"; done
tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
"$COVE" import -q -c 'ENV PATH=/bin' "$WORK/busybox.tar" localhost/bench-bb >/dev/null

stack() {
    cat <<EOF
services:
  web:
    image: localhost/bench-bb
    command: sleep 100000
    init: true
    depends_on: [app]
  app:
    image: localhost/bench-bb
    command: sleep 100000
    init: true
    depends_on: [db]
  db:
    image: localhost/bench-bb
    command: sleep 100000
    init: true
EOF
}
mkdir -p "$WORK/cove" "$WORK/podman"
stack >"$WORK/cove/compose.yaml"
stack >"$WORK/podman/compose.yaml"

say "cove compose ($(id -un)), $RUNS runs each"
cd "$WORK/cove"
hyperfine -N --runs "$RUNS" --prepare "$COVE compose down" \
    -n "cove compose up -d" "$COVE compose up -d" 2>&1 | sed -n '/Time/,/Range/p'
"$COVE" compose up -d 2>/dev/null
hyperfine -N --runs "$RUNS" \
    -n "cove compose up -d (no change)" "$COVE compose up -d" 2>&1 | sed -n '/Time/,/Range/p'
hyperfine -N --runs "$RUNS" --prepare "$COVE compose up -d" \
    -n "cove compose down" "$COVE compose down" 2>&1 | sed -n '/Time/,/Range/p'

if [ "${BENCH_NO_PODMAN:-0}" = 1 ] || ! command -v podman >/dev/null || ! command -v podman-compose >/dev/null; then
    say "podman-compose on podman: not measured (not installed, or BENCH_NO_PODMAN=1)"
    exit 0
fi
# A private podman store; runc, since Debian 12's crun refuses hybrid
# cgroups.
PODMAN_WRAP="$WORK/podman-wrap"
RUNTIME=""
if command -v runc >/dev/null; then RUNTIME="--runtime $(command -v runc)"; fi
cat >"$PODMAN_WRAP" <<EOF
#!/bin/sh
exec podman --root "$WORK/proot" --runroot "$WORK/prun" $RUNTIME "\$@"
EOF
chmod 755 "$PODMAN_WRAP"
"$PODMAN_WRAP" import -q -c 'ENV PATH=/bin' "$WORK/busybox.tar" localhost/bench-bb >/dev/null
cd "$WORK/podman"
if ! podman-compose --podman-path "$PODMAN_WRAP" up -d >/dev/null 2>&1; then
    say "podman-compose on podman: up failed here, not measured"
    exit 0
fi
PODMAN_OK=1
PC="podman-compose --podman-path $PODMAN_WRAP"
say "podman-compose on podman, $RUNS runs each"
hyperfine --runs "$RUNS" --prepare "$PC down -t 1" \
    -n "podman-compose up -d" "$PC up -d" 2>&1 | sed -n '/Time/,/Range/p'
$PC up -d >/dev/null 2>&1
hyperfine --runs "$RUNS" \
    -n "podman-compose up -d (no change)" "$PC up -d" 2>&1 | sed -n '/Time/,/Range/p'
hyperfine --runs "$RUNS" --prepare "$PC up -d" \
    -n "podman-compose down" "$PC down -t 1" 2>&1 | sed -n '/Time/,/Range/p'
