#!/usr/bin/env bash
# pause/unpause benchmark (part of `make bench`): prints figures, never
# asserts. Target (issue 21): under 10 ms each.
#
#   1. `pause C` of a running container (its processes get SIGSTOP)
#   2. `unpause C` (SIGCONT)
#   3. `container exists C`: the floor, a cove process that only reads the
#      container's record
#   4. the cost of writing an event: `kill -s CONT C` with and without the
#      events file (target: under 0.2 ms)
#
# Run as root it measures root and, when the user COVE_BENCH_USER (default
# covetest) exists, that unprivileged user too. Needs hyperfine.
# Environment: COVE (binary), BENCH_PAUSE_RUNS (default 100),
# COVE_BENCH_USER.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
RUNS="${BENCH_PAUSE_RUNS:-100}"
BENCH_USER="${COVE_BENCH_USER:-covetest}"

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
[ -x "$COVE" ] || die "$COVE not found: run 'make build'"
command -v hyperfine >/dev/null || die "hyperfine is needed (apt-get install hyperfine)"
[ -x /bin/busybox ] || die "/bin/busybox is needed (apt-get install busybox-static)"

WORK="$(mktemp -d /tmp/cove-bench-pause.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
    rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/"
for a in sh sleep; do ln -s busybox "$WORK/rootfs/bin/$a"; done
tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
chmod 644 "$WORK/busybox.tar"
cp "$COVE" "$WORK/cove"
chmod 755 "$WORK/cove"

median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.2f" % (x["median"]*1000) for x in r))' "$1"; }

measure() {
    local who="$1"; shift
    local home="$WORK/$who"
    mkdir -p "$home/run" "$home/data"
    chmod 700 "$home/run"
    local prefix=()
    if [ "$who" != root ]; then
        chown -R "$BENCH_USER:" "$home"
        prefix=(setpriv --reuid="$(id -u "$BENCH_USER")" --regid="$(id -g "$BENCH_USER")" --init-groups --)
    fi
    local envs=(env -i PATH=/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_DATA_HOME="$home/data")
    local cove=("${prefix[@]}" "${envs[@]}" "$WORK/cove" --storage-driver vfs)
    # Root's default store is the system's: keep to a private one.
    [ "$who" = root ] && cove+=(--root "$home/data/cove" --runroot "$home/run/cove")
    "${cove[@]}" import -q "$WORK/busybox.tar" bb >/dev/null
    "${cove[@]}" run -d --name c bb sh -c 'while :; do sleep 1; done' >/dev/null
    local c="${cove[*]}"
    # The prepare step puts the container in the state the command
    # leaves (it fails harmlessly when it is there already).
    hyperfine -N --style none --runs "$RUNS" --export-json "$home/h.json" \
        --prepare "sh -c '$c unpause c >/dev/null 2>&1; true'" "$c pause c" \
        --prepare "sh -c '$c pause c >/dev/null 2>&1; true'" "$c unpause c" \
        --prepare true "$c container exists c" >/dev/null
    read -r p u e <<<"$(median_ms "$home/h.json")"
    printf '    %-10s pause %6s ms   unpause %6s ms   (container exists: %s ms)\n' "$who" "$p" "$u" "$e"
    # The cost of writing an event: `kill -s CONT` (which records one) with
    # the events file, then with a directory in its place (the open fails
    # at once and nothing is written).
    local evdir
    if [ "$who" = root ]; then evdir="$home/run/cove/events"; else evdir="$home/run/cove/events"; fi
    hyperfine -N --style none --runs "$RUNS" --export-json "$home/e1.json" "$c kill -s CONT c" >/dev/null
    local log="$evdir/events.log"
    [ -f "$log" ] || log="$(find "$home/run" -name events.log 2>/dev/null | head -1)"
    if [ -n "$log" ]; then
        rm -f "$log" && mkdir "$log"
        hyperfine -N --style none --runs "$RUNS" --export-json "$home/e2.json" "$c kill -s CONT c" >/dev/null
        rmdir "$log"
        read -r with <<<"$(median_ms "$home/e1.json")"
        read -r without <<<"$(median_ms "$home/e2.json")"
        printf '    %-10s kill -s CONT with an event %s ms, without %s ms\n' "$who" "$with" "$without"
    fi
    "${cove[@]}" rm -f -t 0 c >/dev/null 2>&1 || true
    "${cove[@]}" unshare rm -rf "$home/data" 2>/dev/null || true
}

echo "==> pause / unpause of a running container (median of $RUNS, $COVE)"
if [ "$(id -u)" = 0 ]; then
    measure root
    id "$BENCH_USER" >/dev/null 2>&1 && measure "$BENCH_USER"
else
    measure "$(id -un)"
fi
