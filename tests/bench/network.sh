#!/usr/bin/env bash
# Network benchmark (part of `make bench`): prints figures beside Podman's
# slirp4netns and pasta, never asserts. Rootless, as COVE_BENCH_USER
# (default covetest) when run as root, else as the calling user.
#
#   1. added start latency: `run --rm IMAGE true` with cove's stack
#      (the default) against `--network none`, medians
#   2. iperf3 through a published port, host -> container and
#      container -> host (-R), for cove, podman slirp4netns, podman pasta
#   3. the monitor's memory (VmRSS now, VmHWM peak) after the transfers
#
# Environment: COVE (binary), BENCH_NET_SECONDS (iperf3 -t, default 5),
# BENCH_START_RUNS (default 30), BENCH_NO_PODMAN=1, COVE_BENCH_USER.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
SECONDS_EACH="${BENCH_NET_SECONDS:-5}"
RUNS="${BENCH_START_RUNS:-30}"
BENCH_USER="${COVE_BENCH_USER:-covetest}"

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ -x "$COVE" ] || die "$COVE not found: run 'make build'"
command -v hyperfine >/dev/null || die "hyperfine is needed (apt-get install hyperfine)"
command -v iperf3 >/dev/null || die "iperf3 is needed (apt-get install iperf3)"
[ -x /bin/busybox ] || die "/bin/busybox is needed (apt-get install busybox-static)"
PODMAN=""
if [ "${BENCH_NO_PODMAN:-0}" != 1 ] && command -v podman >/dev/null; then
    PODMAN="$(command -v podman)"
fi
# crun 1.8 (Debian 12) refuses hybrid cgroup hierarchies; runc runs there.
PODMAN_RUNTIME=()
if command -v runc >/dev/null; then PODMAN_RUNTIME=(--runtime "$(command -v runc)"); fi

AS=()
if [ "$(id -u)" = 0 ]; then
    id "$BENCH_USER" >/dev/null 2>&1 || die "user $BENCH_USER missing (make deps creates it)"
    AS=(setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups --)
    chmod 0666 /dev/net/tun 2>/dev/null || true
fi

# Short paths: slirp4netns's API socket lives under the runtime directory
# and must fit in 108 bytes.
WORK="$(mktemp -d /tmp/cbn.XXXXXX)"
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
    "${CV[@]}" rm -af >/dev/null 2>&1 || true
    [ ${#PM[@]} -eq 0 ] || "${PM[@]}" rm -af -t 0 >/dev/null 2>&1 || true
    rm -rf "$WORK" 2>/dev/null || "$COVE" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# The image: busybox and iperf3 with the libraries it links.
R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/etc" "$R/tmp"
cp /bin/busybox "$R/bin/"
for a in sh true sleep; do ln -s busybox "$R/bin/$a"; done
cp /usr/bin/iperf3 "$R/bin/"
for lib in $(ldd /usr/bin/iperf3 | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
    cp --parents -L "$lib" "$R/"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
tar -C "$R" -cf "$WORK/img.tar" .
chmod 644 "$WORK/img.tar"

median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.1f" % (x["median"]*1000) for x in r))' "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# iperf3 -J exits 0 even when it could not connect: look for its error.
gbits() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d.get("error"); print("failed (%s)" % e if e else "%.2f Gbit/s" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' "$1"; }
iperf_ok() { python3 -c 'import json,sys; sys.exit(1 if json.load(open(sys.argv[1])).get("error") else 0)' "$1"; }

say "network benchmark — $(nproc) CPUs, $(uname -r), rootless${PODMAN:+, $($PODMAN --version)}"
"${CV[@]}" import -q "$WORK/img.tar" netimg >/dev/null
if [ ${#PM[@]} -ne 0 ] && ! "${PM[@]}" import -q "$WORK/img.tar" netimg >/dev/null 2>"$WORK/podman.err"; then
    note "podman could not import here ($(tail -n 1 "$WORK/podman.err")); cove figures only"
    PM=()
fi

say "added start latency of the network: cove run --rm IMAGE true"
q="$(printf '%q ' "${CV[@]}")"
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/start.json" \
    "$q run --rm --network none netimg true" "$q run --rm netimg true" \
    "$q run --rm -p $(free_port):80 netimg true" >/dev/null 2>&1
read -r none slirp published <<<"$(median_ms "$WORK/start.json")"
note "median: --network none ${none} ms, slirp (default) ${slirp} ms (+$(awk -v a="$slirp" -v b="$none" 'BEGIN{printf "%.1f", a-b}') ms), slirp with -p ${published} ms"

# iperf LABEL TOOL [RUN FLAGS...]: an iperf3 server in a container of
# TOOL (cove or podman) publishing a port, then both directions from the
# host.
iperf() {
    local label="$1" tool="$2"; shift 2
    local base=("${CV[@]}")
    [ "$tool" = podman ] && base=("${PM[@]}")
    local port; port="$(free_port)"
    # A failed start can leave the name taken (podman creates first).
    "${base[@]}" rm -f bench-iperf >/dev/null 2>&1 || true
    if ! "${base[@]}" run "$@" -d --name "bench-iperf" -p "$port:5201" netimg iperf3 -s >/dev/null 2>"$WORK/$label.err"; then
        note "$label: could not start ($(tail -n 1 "$WORK/$label.err"))"
        return 0
    fi
    local up=0
    for _ in $(seq 50); do
        if iperf3 -c 127.0.0.1 -p "$port" -t 1 -J >"$WORK/probe.json" 2>/dev/null && iperf_ok "$WORK/probe.json"; then
            up=1
            break
        fi
        sleep 0.1
    done
    if [ "$up" = 1 ] &&
        iperf3 -c 127.0.0.1 -p "$port" -t "$SECONDS_EACH" -J >"$WORK/$label-in.json" 2>/dev/null &&
        iperf3 -c 127.0.0.1 -p "$port" -t "$SECONDS_EACH" -R -J >"$WORK/$label-out.json" 2>/dev/null; then
        note "$label: host -> container $(gbits "$WORK/$label-in.json"), container -> host $(gbits "$WORK/$label-out.json")"
    else
        note "$label: iperf3 did not get through"
    fi
    if [ "$label" = cove ]; then
        local id mon
        id="$("${CV[@]}" inspect --format '{{.Id}}' bench-iperf)"
        mon="$(pgrep -f "container-monitor .*$id" | head -n 1)"
        [ -n "$mon" ] && note "cove's monitor after the transfers: $(awk '/VmRSS/ {r=$2} /VmHWM/ {h=$2} END {printf "RSS %.1f MiB, peak %.1f MiB", r/1024, h/1024}' "/proc/$mon/status")"
    fi
    "${base[@]}" rm -f bench-iperf >/dev/null 2>&1 || true
}

say "iperf3 through a published port, ${SECONDS_EACH} s each way"
iperf cove cove
if [ ${#PM[@]} -ne 0 ]; then
    # Podman relays published ports with its rootlessport helper by
    # default, beside slirp4netns; port_handler=slirp4netns sends them
    # through slirp4netns's stack, as cove's go through its own.
    iperf "podman-slirp4netns(rootlessport)" podman --network slirp4netns
    iperf "podman-slirp4netns(port_handler=slirp4netns)" podman --network slirp4netns:port_handler=slirp4netns
    if "${PM[@]}" version --format '{{.Client.Version}}' 2>/dev/null | grep -qE '^4\.[0-3]\.'; then
        note "podman-pasta: podman $("${PM[@]}" version --format '{{.Client.Version}}') has no pasta mode (it came in 4.4)"
    elif command -v pasta >/dev/null; then
        iperf "podman-pasta" podman --network pasta
    else
        note "podman pasta: pasta not installed (apt-get install passt)"
    fi
fi
if command -v pasta >/dev/null; then
    iperf "cove-pasta" cove --network pasta
fi
