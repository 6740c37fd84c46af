#!/usr/bin/env bash
# Two cove binaries side by side in one run (a refactor's before and after):
# `run --rm`, `run -d`, `exec`, `ps -a` with 200 containers and `images`
# with 200 images, as root and as the unprivileged user. Prints medians,
# never asserts. Not part of `make bench`:
#
#   tests/bench/compare.sh OLD_COVE NEW_COVE
#
# hyperfine alternates nothing, so each figure is measured for OLD then NEW
# back to back; run it twice if the machine is busy and compare the runs.
# Environment: COMPARE_RUNS (default 40), COVE_BENCH_USER (default covetest).
set -euo pipefail

[ $# = 2 ] || { echo "usage: $0 OLD_COVE NEW_COVE" >&2; exit 2; }
RUNS="${COMPARE_RUNS:-40}"
BENCH_USER="${COVE_BENCH_USER:-covetest}"
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/cove-compare.XXXXXX)"
chmod 755 "$WORK"
cp "$1" "$WORK/old"
cp "$2" "$WORK/new"
chmod 755 "$WORK/old" "$WORK/new"
cleanup() {
    rm -rf "$WORK" 2>/dev/null || "$WORK/new" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/"
for a in sh true sleep; do ln -s busybox "$WORK/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
chmod 644 "$WORK/busybox.tar"

median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.1f" % (x["median"]*1000) for x in r))' "$1"; }

# compare LABEL JSON CMD_OLD CMD_NEW
compare() {
    hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$2" "$3" "$4" >/dev/null 2>&1
    read -r o n <<<"$(median_ms "$2")"
    printf '    %-34s old %6s ms   new %6s ms\n' "$1" "$o" "$n"
}

mode() {
    local label="$1"; shift
    local as=("$@")
    local home="$WORK/$label"
    mkdir -p "$home/xdg-run"
    chmod 700 "$home/xdg-run"
    [ "$label" = root ] || chown -R "$BENCH_USER:" "$home"
    local envs=(env HOME="$home" XDG_RUNTIME_DIR="$home/xdg-run" PATH=/usr/bin:/bin:/usr/sbin:/sbin)
    local q=() v
    for v in old new; do
        local c=("${as[@]}" "${envs[@]}" "$WORK/$v" --root "$home/$v")
        "${c[@]}" import -q "$WORK/busybox.tar" bb >/dev/null
        q+=("$(printf '%q ' "${c[@]}")")
    done
    printf '==> %s\n' "$label"
    compare "run --rm --network none bb true" "$home/rm.json" "${q[0]} run --rm --network none bb true" "${q[1]} run --rm --network none bb true"
    compare "run -d --network none bb sleep" "$home/d.json" "${q[0]} run -d --network none bb sleep 1000" "${q[1]} run -d --network none bb sleep 1000"
    for v in 0 1; do eval "${q[$v]} rm -af -t 0" >/dev/null; done
    for v in 0 1; do eval "${q[$v]} run -d --name ex --network none bb sleep 1000" >/dev/null; done
    compare "exec ex true" "$home/exec.json" "${q[0]} exec ex true" "${q[1]} exec ex true"
    for v in 0 1; do
        eval "${q[$v]} rm -f -t 0 ex" >/dev/null
        for i in $(seq 200); do eval "${q[$v]} create --network none --name c$i bb true" >/dev/null; done
        for i in $(seq 199); do eval "${q[$v]} tag bb bb$i" >/dev/null; done
    done
    compare "ps -a (200 containers)" "$home/ps.json" "${q[0]} ps -a" "${q[1]} ps -a"
    compare "images (200)" "$home/images.json" "${q[0]} images" "${q[1]} images"
    for v in 0 1; do eval "${q[$v]} rm -af -t 0" >/dev/null; done
}

printf 'cove before/after: %s vs %s, %s CPUs, load %s\n' "$1" "$2" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(id -u)" = 0 ]; then
    mode root
    if id "$BENCH_USER" >/dev/null 2>&1; then
        mode rootless setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups --
    fi
else
    mode rootless
fi
