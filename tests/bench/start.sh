#!/usr/bin/env bash
# Container start benchmark (part of `make bench`): prints figures beside
# Podman's, never asserts.
#
#   1. `run --rm --network none IMAGE true`: median of BENCH_START_RUNS
#   2. 16 of those, 8 at a time: median of 5 batches
#   3. peak memory (max RSS) of `cove run`
#   4. where the milliseconds go: process start, create, start, and the
#      cost of the network namespace and of the user namespace's id maps
#
# Run as root it measures root and, when the user COVE_BENCH_USER (default
# covetest, made by tests/setup.sh) exists, that unprivileged user too;
# run as anyone else it measures that user. The image is a busybox root
# filesystem imported into private stores. Needs hyperfine.
#
# Environment: COVE (binary), BENCH_START_RUNS (default 50),
# BENCH_NO_PODMAN=1, COVE_BENCH_USER.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
RUNS="${BENCH_START_RUNS:-50}"
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
# crun 1.8 (Debian 12) refuses hybrid cgroup hierarchies; runc runs there.
PODMAN_RUNTIME=()
if command -v runc >/dev/null; then PODMAN_RUNTIME=(--runtime "$(command -v runc)"); fi

WORK="$(mktemp -d /tmp/cove-bench-start.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
    # Podman as root leaves its overlay mounted.
    awk -v w="$WORK" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
    # Stores may hold files of subordinate ids; remove them from inside a
    # user namespace when plain rm cannot.
    rm -rf "$WORK" 2>/dev/null || "$COVE" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# The image: busybox and its applets.
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/"
for a in sh true ls cat echo sleep; do ln -s busybox "$WORK/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
chmod 644 "$WORK/busybox.tar"
cp "$COVE" "$WORK/cove"
chmod 755 "$WORK/cove"

median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.1f" % (x["median"]*1000) for x in r))' "$1"; }

# bench_mode LABEL PREFIX...: PREFIX runs a command as the measured user.
bench_mode() {
    local label="$1"; shift
    local as=("$@")
    local home="$WORK/$label"
    mkdir -p "$home/xdg-run" "$home/data" "$home/config"
    chmod 700 "$home/xdg-run"
    [ "$label" = root ] || chown -R "$BENCH_USER:" "$home"
    local envs=(env HOME="$home" XDG_RUNTIME_DIR="$home/xdg-run" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin)
    local cove=("${as[@]}" "${envs[@]}" "$WORK/cove" --root "$home/cove")
    local run_args=(run --rm --network none bb true)
    local podman_args=(run --rm --network none bb true)
    say "$label: cove run --rm --network none IMAGE true"
    "${cove[@]}" import -q "$WORK/busybox.tar" bb >/dev/null
    "${cove[@]}" "${run_args[@]}" || die "cove run failed for $label"
    local q; q="$(printf '%q ' "${cove[@]}")"
    local pq=""
    if [ -n "$PODMAN" ]; then
        local podman=("${as[@]}" "${envs[@]}" "$PODMAN" "${PODMAN_RUNTIME[@]}" --root "$home/podman" --runroot "$home/podman-run" --storage-driver overlay)
        if "${podman[@]}" import -q "$WORK/busybox.tar" bb >/dev/null 2>"$home/podman.err" &&
            "${podman[@]}" "${podman_args[@]}" 2>>"$home/podman.err"; then
            pq="$(printf '%q ' "${podman[@]}")"
        else
            note "podman could not run here ($(tail -n 1 "$home/podman.err")); cove figures only"
        fi
    fi

    local cmds=("$q ${run_args[*]}")
    [ -n "$pq" ] && cmds+=("$pq ${podman_args[*]}")
    hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$home/single.json" "${cmds[@]}" >/dev/null 2>&1 ||
        hyperfine --warmup 5 --runs "$RUNS" --export-json "$home/single.json" "${cmds[@]}" >/dev/null
    read -r c p _ <<<"$(median_ms "$home/single.json") NA"
    note "median: cove ${c} ms${pq:+, podman ${p} ms (podman/cove $(awk -v a="$p" -v b="$c" 'BEGIN{printf "%.1f", a/b}')x)}"

    local batch="seq 16 | xargs -P8 -I{} $q ${run_args[*]}"
    local cmds16=("$batch")
    [ -n "$pq" ] && cmds16+=("seq 16 | xargs -P8 -I{} $pq ${podman_args[*]}")
    hyperfine --warmup 1 --runs 5 --export-json "$home/batch.json" "${cmds16[@]}" >/dev/null
    read -r c p _ <<<"$(median_ms "$home/batch.json") NA"
    note "16 runs, 8 at a time: cove ${c} ms${pq:+, podman ${p} ms (podman/cove $(awk -v a="$p" -v b="$c" 'BEGIN{printf "%.1f", a/b}')x)}"

    if [ -x /usr/bin/time ]; then
        local rss
        rss="$(/usr/bin/time -f %M "${cove[@]}" "${run_args[@]}" 2>&1 >/dev/null | tail -n 1)"
        note "peak RSS of cove run: $(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}') MiB"
    fi

    # Where the time goes.
    local id
    id="$("${cove[@]}" create --network none bb true)"
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$home/parts.json" \
        "$q version" \
        "$q create --network none bb true" \
        "$q start -a $id" \
        "$q run --rm --network host bb true" \
        "$q ${run_args[*]}" >/dev/null 2>&1
    read -r v cr st hostnet full <<<"$(median_ms "$home/parts.json")"
    note "breakdown (medians): process start + CLI ${v} ms; create (record, spec, image lookup) ${cr} ms;"
    note "  start -a (namespaces, id maps, mounts, exec, wait, teardown) ${st} ms;"
    note "  run without a network namespace ${hostnet} ms vs ${full} ms with one"

    # run -d: create, hand over to a detached monitor, print the id.
    say "$label: cove run -d IMAGE sleep 1000"
    local dcmds=("$q run -d --network none bb sleep 1000")
    [ -n "$pq" ] && dcmds+=("$pq run -d --network none bb sleep 1000")
    hyperfine -N --warmup 3 --runs 20 --export-json "$home/detach.json" "${dcmds[@]}" >/dev/null 2>&1
    read -r c p _ <<<"$(median_ms "$home/detach.json") NA"
    note "median: cove ${c} ms${pq:+, podman ${p} ms (podman/cove $(awk -v a="$p" -v b="$c" 'BEGIN{printf "%.1f", a/b}')x)}"
    "${cove[@]}" rm -af >/dev/null
    [ -n "$pq" ] && eval "$pq rm -af -t 0" >/dev/null 2>&1

    # exec into a detached container; the idle monitor's memory.
    say "$label: cove exec CONTAINER true"
    local ctr
    ctr="$("${cove[@]}" run -d --name bench-exec --network none bb sleep 1000)" ||
        die "the exec benchmark's container did not start"
    local ecmds=("$q exec bench-exec true")
    if [ -n "$pq" ] && eval "$pq run -d --name bench-exec --network none bb sleep 1000" >/dev/null 2>&1; then
        ecmds+=("$pq exec bench-exec true")
    fi
    hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$home/exec.json" "${ecmds[@]}" >/dev/null 2>&1
    read -r c p _ <<<"$(median_ms "$home/exec.json") NA"
    note "median: cove ${c} ms${pq:+, podman ${p} ms (podman/cove $(awk -v a="$p" -v b="$c" 'BEGIN{printf "%.1f", a/b}')x)}"
    local mon
    mon="$(pgrep -f "container-monitor .*$ctr" | head -n 1)"
    [ -n "$mon" ] && note "idle monitor RSS: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$mon/status")"
    "${cove[@]}" rm -f bench-exec >/dev/null
    [ -n "$pq" ] && eval "$pq rm -f -t 0 bench-exec" >/dev/null 2>&1
    return 0
}

say "container start benchmark — $(nproc) CPUs, $(uname -r), ${PODMAN:+$($PODMAN --version)}"
if [ "$(id -u)" = 0 ]; then
    bench_mode root
    if id "$BENCH_USER" >/dev/null 2>&1; then
        bench_mode rootless setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups --
    else
        note "user $BENCH_USER missing: rootless figures skipped (make deps creates it)"
    fi
else
    bench_mode rootless
fi
