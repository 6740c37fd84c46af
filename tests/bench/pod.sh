#!/usr/bin/env bash
# Pod benchmark (part of `make bench`): prints figures beside Podman's,
# never asserts.
#
#   `pod create` then `run -d --pod P IMAGE sleep 1000` three times (the
#   first start also starts the pod's infra), in one shell: median of
#   BENCH_POD_RUNS; the pod is removed between runs, outside the timing.
#   Then `pod create` alone, `run -d --pod` into a running pod alone and
#   `pod rm -f` of a pod with three running containers.
#
# Podman needs an infra image: without network access it is given the
# same busybox image with a `sleep` script as the infra command (its default pause
# image would be pulled or built with catatonit).
#
# Run as root it measures root and, when COVE_BENCH_USER (default covetest)
# exists, that unprivileged user too. Needs hyperfine and /bin/busybox.
#
# Environment: COVE (binary), BENCH_POD_RUNS (default 20), BENCH_NO_PODMAN=1,
# COVE_BENCH_USER.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
RUNS="${BENCH_POD_RUNS:-20}"
BENCH_USER="${COVE_BENCH_USER:-covetest}"

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ -x "$COVE" ] || die "$COVE not found: run 'make build'"
command -v hyperfine >/dev/null || die "hyperfine is needed (apt-get install hyperfine)"
[ -x /bin/busybox ] || die "/bin/busybox is needed (apt-get install busybox-static)"
PODMAN=""
if [ "${BENCH_NO_PODMAN:-0}" != 1 ] && command -v podman >/dev/null; then
    PODMAN="$(command -v podman)"
fi
PODMAN_RUNTIME=()
if command -v runc >/dev/null; then PODMAN_RUNTIME=(--runtime "$(command -v runc)"); fi

WORK="$(mktemp -d /tmp/cove-bench-pod.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
    awk -v w="$WORK" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
    rm -rf "$WORK" 2>/dev/null || "$COVE" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/"
for a in sh true sleep; do ln -s busybox "$WORK/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
# Podman's infra command (one executable, no arguments).
printf '#!/bin/sh\nexec sleep 1000000\n' >"$WORK/rootfs/bin/pause"
chmod 755 "$WORK/rootfs/bin/pause"
tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
chmod 644 "$WORK/busybox.tar"
cp "$COVE" "$WORK/cove"
chmod 755 "$WORK/cove"

median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.1f" % (x["median"]*1000) for x in r))' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", a/b}'; }

bench_mode() {
    local label="$1"; shift
    local as=("$@")
    local home="$WORK/$label"
    mkdir -p "$home/xdg-run" "$home/data" "$home/config"
    chmod 700 "$home/xdg-run"
    [ "$label" = root ] || chown -R "$BENCH_USER:" "$home"
    local envs=(env HOME="$home" XDG_RUNTIME_DIR="$home/xdg-run" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin)
    local cove=("${as[@]}" "${envs[@]}" "$WORK/cove" --root "$home/cove")
    "${cove[@]}" import -q "$WORK/busybox.tar" bb >/dev/null
    local q; q="$(printf '%q ' "${cove[@]}")"
    local pq="" pinfra=""
    if [ -n "$PODMAN" ]; then
        local podman=("${as[@]}" "${envs[@]}" "$PODMAN" "${PODMAN_RUNTIME[@]}" --root "$home/podman" --runroot "$home/podman-run" --storage-driver overlay)
        pinfra="--infra-image localhost/bb --infra-command /bin/pause"
        if "${podman[@]}" import -q "$WORK/busybox.tar" bb >/dev/null 2>"$home/podman.err" &&
            "${podman[@]}" pod create $pinfra --name probe >/dev/null 2>>"$home/podman.err" &&
            "${podman[@]}" run -d --pod probe bb sleep 1 >/dev/null 2>>"$home/podman.err"; then
            pq="$(printf '%q ' "${podman[@]}")"
            "${podman[@]}" pod rm -f -t 0 probe >/dev/null 2>&1 || true
        else
            note "podman could not run a pod here ($(tail -n 1 "$home/podman.err")); cove figures only"
        fi
    fi

    say "$label: pod create + 3 × run -d --pod (slirp network)"
    local seq="$q pod create --name p >/dev/null && for i in 1 2 3; do $q run -d --pod p bb sleep 1000 >/dev/null; done"
    local cmds=("$seq")
    if [ -n "$pq" ]; then
        cmds+=("$pq pod create $pinfra --name p >/dev/null && for i in 1 2 3; do $pq run -d --pod p bb sleep 1000 >/dev/null; done")
    fi
    # hyperfine takes one --prepare per command, in order.
    local prep_args=(--prepare "$q pod rm -af -t 0 >/dev/null 2>&1 || true")
    [ -n "$pq" ] && prep_args+=(--prepare "$pq pod rm -af -t 0 >/dev/null 2>&1 || true")
    hyperfine --warmup 2 --runs "$RUNS" "${prep_args[@]}" --export-json "$home/pod.json" "${cmds[@]}" >/dev/null
    read -r c p _ <<<"$(median_ms "$home/pod.json") NA"
    note "median: cove ${c} ms${pq:+, podman ${p} ms (podman/cove $(ratio "$p" "$c")x)}"
    eval "$q pod rm -af -t 0" >/dev/null 2>&1 || true
    [ -n "$pq" ] && { eval "$pq pod rm -af -t 0" >/dev/null 2>&1 || true; }

    say "$label: the parts (cove)"
    hyperfine -N --warmup 3 --runs "$RUNS" --prepare "$q pod rm -af -t 0" \
        --export-json "$home/create.json" "$q pod create --name c" >/dev/null 2>&1
    "${cove[@]}" pod rm -af -t 0 >/dev/null
    "${cove[@]}" pod create --name r >/dev/null
    "${cove[@]}" run -d --pod r bb sleep 1000 >/dev/null
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$home/member.json" \
        "$q run -d --pod r bb sleep 1000" "$q run -d bb sleep 1000" >/dev/null 2>&1
    "${cove[@]}" pod rm -af -t 0 >/dev/null
    "${cove[@]}" rm -af -t 0 >/dev/null
    hyperfine --warmup 1 --runs 10 \
        --prepare "$q pod create --name x >/dev/null && for i in 1 2 3; do $q run -d --pod x bb sleep 1000 >/dev/null; done" \
        --export-json "$home/rm.json" "$q pod rm -f x" >/dev/null 2>&1
    read -r cr <<<"$(median_ms "$home/create.json")"
    read -r member plain <<<"$(median_ms "$home/member.json")"
    read -r rm <<<"$(median_ms "$home/rm.json")"
    note "pod create ${cr} ms; run -d into a running pod ${member} ms (run -d alone ${plain} ms);"
    note "pod rm -f with 3 running containers ${rm} ms"
}

bench_mode root
if [ "$(id -u)" = 0 ] && id "$BENCH_USER" >/dev/null 2>&1; then
    bench_mode "$BENCH_USER" setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups --
fi
