#!/usr/bin/env bash
# User-network benchmark (part of `make bench`): prints figures beside
# Podman's bridge networks (netavark + aardvark-dns when installed), never
# asserts. Rootless, as COVE_BENCH_USER (default covetest) when run as
# root, else as the calling user. Targets (issue 17) in brackets.
#
#   1. `network create` [< 10 ms]
#   2. `run -d` on a user network against the default user-mode network
#      [at most 10 ms more]; another container keeps the network host up,
#      as it is whenever a network has containers
#   3. DNS lookups of a container's name from a container, 1,000 one after
#      another, timed inside the container (dnsbench.c) [p99 < 0.2 ms]
#   4. container-to-container TCP over the bridge, iperf3 [>= 20 Gbit/s]
#
# Environment: COVE (binary), BENCH_NET_SECONDS (iperf3 -t, default 5),
# BENCH_RUNS (default 30), BENCH_NO_PODMAN=1, COVE_BENCH_USER.
set -euo pipefail

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SECONDS_EACH="${BENCH_NET_SECONDS:-5}"
RUNS="${BENCH_RUNS:-30}"
need iperf3 gcc
[ ${#AS[@]} -eq 0 ] || chmod 0666 /dev/net/tun 2>/dev/null || true

WORK="$(mktemp -d /tmp/cbu.XXXXXX)"
chmod 755 "$WORK"
HOME_DIR="$WORK/h"
mkdir -p "$HOME_DIR/r" "$HOME_DIR/data" "$HOME_DIR/config"
chmod 700 "$HOME_DIR/r"
[ ${#AS[@]} -eq 0 ] || chown -R "$BENCH_USER:" "$HOME_DIR"
ENVS=(env HOME="$HOME_DIR" XDG_RUNTIME_DIR="$HOME_DIR/r" XDG_DATA_HOME="$HOME_DIR/data"
    XDG_CONFIG_HOME="$HOME_DIR/config" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin)
cp "$COVE" "$WORK/cove"
chmod 755 "$WORK/cove"
CV=("${AS[@]}" "${ENVS[@]}" "$WORK/cove" --root "$HOME_DIR/cove")
PM=()
[ -n "$PODMAN" ] && PM=("${AS[@]}" "${ENVS[@]}" "$PODMAN" "${PODMAN_RUNTIME[@]}" --root "$HOME_DIR/podman" --runroot "$HOME_DIR/podman-run" --storage-driver overlay)

cleanup() {
    "${CV[@]}" rm -af -t 0 >/dev/null 2>&1 || true
    if [ ${#PM[@]} -ne 0 ]; then
        "${PM[@]}" rm -af -t 0 >/dev/null 2>&1 || true
        "${PM[@]}" network rm -f benchnet >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK" 2>/dev/null || "$COVE" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# The image: busybox, iperf3 with the libraries it links, dnsbench.
R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/etc" "$R/tmp"
cp /bin/busybox "$R/bin/"
for a in sh true sleep; do ln -s busybox "$R/bin/$a"; done
cp /usr/bin/iperf3 "$R/bin/"
for lib in $(ldd /usr/bin/iperf3 | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
    cp --parents -L "$lib" "$R/"
done
gcc -O2 -static -o "$R/bin/dnsbench" "$HERE/dnsbench.c"
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
tar -C "$R" -cf "$WORK/img.tar" .
chmod 644 "$WORK/img.tar"

gbits() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d.get("error"); print("failed (%s)" % e if e else "%.1f Gbit/s" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' "$1"; }

say "user-network benchmark — $(nproc) CPUs, $(uname -r), rootless${PODMAN:+, $($PODMAN --version)}"
"${CV[@]}" import -q "$WORK/img.tar" netimg >/dev/null
if [ ${#PM[@]} -ne 0 ]; then
    if ! "${PM[@]}" import -q "$WORK/img.tar" netimg >/dev/null 2>"$WORK/podman.err"; then
        note "podman could not import here ($(tail -n 1 "$WORK/podman.err")); cove figures only"
        PM=()
    else
        note "podman's network backend: $("${PM[@]}" info --format '{{.Host.NetworkBackend}}' 2>/dev/null)"
    fi
fi

# bench TOOL...: the figures for one tool (the cove or podman command).
bench() {
    local label="$1"; shift
    local t=("$@") q
    q="$(printf '%q ' "${t[@]}")"
    say "$label"
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/$label-create.json" \
        --prepare "sh -c '$q network rm -f benchnet >/dev/null 2>&1; true'" "$q network create benchnet" >/dev/null 2>&1 ||
        { note "network create failed"; return 0; }
    note "network create: median $(median_ms "$WORK/$label-create.json") ms"
    "${t[@]}" network rm -f benchnet >/dev/null 2>&1 || true
    "${t[@]}" network create benchnet >/dev/null
    "${t[@]}" run -d --name keeper --network benchnet netimg sleep 1000 >/dev/null
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/$label-run.json" \
        --prepare "sh -c '$q rm -f -t 0 bench-run >/dev/null 2>&1; true'" \
        "$q run -d --name bench-run netimg sleep 1000" \
        "$q run -d --name bench-run --network benchnet netimg sleep 1000" >/dev/null 2>&1 ||
        { note "run -d failed"; return 0; }
    local default user
    read -r default user <<<"$(median_ms "$WORK/$label-run.json")"
    note "run -d: default network ${default} ms, user network ${user} ms (+$(awk -v a="$user" -v b="$default" 'BEGIN{printf "%.1f", a-b}') ms)"
    "${t[@]}" rm -f -t 0 bench-run >/dev/null 2>&1 || true
    if "${t[@]}" run --rm --network benchnet netimg dnsbench keeper 1000 >"$WORK/$label-dns" 2>&1; then
        note "DNS lookup of a container's name, 1000 in a row (ms): $(cat "$WORK/$label-dns")"
    else
        note "DNS lookups failed: $(tail -n 1 "$WORK/$label-dns")"
    fi
    "${t[@]}" run -d --name iperf-server --network benchnet netimg iperf3 -s >/dev/null
    local ok=0
    for _ in $(seq 50); do
        if "${t[@]}" run --rm --network benchnet netimg iperf3 -c iperf-server -t "$SECONDS_EACH" -J >"$WORK/$label-iperf.json" 2>/dev/null; then
            ok=1
            break
        fi
        sleep 0.1
    done
    if [ "$ok" = 1 ]; then
        note "container -> container over the bridge: $(gbits "$WORK/$label-iperf.json")"
    else
        note "iperf3 between containers did not get through"
    fi
    "${t[@]}" rm -f -t 0 iperf-server keeper >/dev/null 2>&1 || true
    "${t[@]}" network rm -f benchnet >/dev/null 2>&1 || true
}

bench cove "${CV[@]}"
[ ${#PM[@]} -eq 0 ] || bench podman "${PM[@]}"
