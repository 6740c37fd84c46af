#!/usr/bin/env bash
# `cove build` benchmark (part of `make bench`): prints figures beside
# `podman build` when Podman is installed, never asserts.
#
#   1. unchanged rebuild of a 3-stage, ~20-instruction Containerfile with a
#      10,000-file context (every step from the cache): median
#   2. cold build of 10 RUN steps on busybox (--no-cache): median
#
# Run as root it measures root and, when COVE_BENCH_USER (default covetest)
# exists, that user too; as anyone else, that user. Needs hyperfine.
# Environment: COVE (binary), BENCH_BUILD_RUNS (default 20),
# BENCH_NO_PODMAN=1, COVE_BENCH_USER.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
RUNS="${BENCH_BUILD_RUNS:-20}"
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

WORK="$(mktemp -d /tmp/cove-bench-build.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
    awk -v w="$WORK" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
    rm -rf "$WORK" 2>/dev/null || "$COVE" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/"
for a in sh true ls cat echo sleep mkdir cp wc; do ln -s busybox "$WORK/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
chmod 644 "$WORK/busybox.tar"
cp "$COVE" "$WORK/cove"
chmod 755 "$WORK/cove"

# The 10,000-file context and the 3-stage Containerfile.
CTX="$WORK/ctx"
mkdir -p "$CTX"
python3 - "$CTX" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    os.makedirs(f"{root}/src/d{d}", exist_ok=True)
    for f in range(100):
        with open(f"{root}/src/d{d}/f{f}.txt", "w") as fh:
            fh.write(f"file {d}/{f}\n" * 4)
PY
cat >"$CTX/Containerfile" <<'CF'
FROM bb AS deps
ARG VERSION=1
ENV STAGE=deps
RUN mkdir -p /deps && echo "$VERSION" > /deps/version
WORKDIR /deps
RUN echo one > one
FROM bb AS build
ENV STAGE=build
WORKDIR /build
COPY src/ /build/src/
RUN ls /build/src | wc -l > count
COPY --from=deps /deps/version /build/version
LABEL stage=build
FROM bb
LABEL org.example=bench
ENV APP=/app
WORKDIR /app
COPY --from=build /build/count /app/count
COPY --from=build /build/version /app/version
EXPOSE 8080
USER 0
CMD ["cat", "/app/count"]
CF
cat >"$WORK/ten.Containerfile" <<'CF'
FROM bb
RUN echo 1 > /1
RUN echo 2 > /2
RUN echo 3 > /3
RUN echo 4 > /4
RUN echo 5 > /5
RUN echo 6 > /6
RUN echo 7 > /7
RUN echo 8 > /8
RUN echo 9 > /9
RUN echo 10 > /10
CF
chmod -R a+rX "$WORK"

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
    "${cove[@]}" build -q -t app "$CTX" >/dev/null || die "cove build failed for $label"
    local q; q="$(printf '%q ' "${cove[@]}")"
    local pq=""
    if [ -n "$PODMAN" ]; then
        local podman=("${as[@]}" "${envs[@]}" "$PODMAN" "${PODMAN_RUNTIME[@]}" --root "$home/podman" --runroot "$home/podman-run" --storage-driver overlay)
        if "${podman[@]}" import -q "$WORK/busybox.tar" bb >/dev/null 2>"$home/podman.err" &&
            "${podman[@]}" build -q -t app "$CTX" >/dev/null 2>>"$home/podman.err"; then
            pq="$(printf '%q ' "${podman[@]}")"
        else
            note "podman could not build here ($(tail -n 1 "$home/podman.err")); cove figures only"
        fi
    fi
    say "$label: unchanged rebuild, 3 stages, 20 instructions, 10,000-file context"
    local cmds=("$q build -q -t app $CTX")
    [ -n "$pq" ] && cmds+=("$pq build -q -t app $CTX")
    hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$home/rebuild.json" "${cmds[@]}" >/dev/null 2>&1
    read -r c p _ <<<"$(median_ms "$home/rebuild.json") NA"
    note "median: cove ${c} ms${pq:+, podman ${p} ms (podman/cove $(ratio "$p" "$c")x)}"

    say "$label: cold build, 10 RUN steps (--no-cache)"
    local ten=("$q build -q --no-cache -f $WORK/ten.Containerfile $WORK")
    [ -n "$pq" ] && ten+=("$pq build -q --no-cache -f $WORK/ten.Containerfile $WORK")
    hyperfine -N --warmup 1 --runs 5 --export-json "$home/cold.json" "${ten[@]}" >/dev/null 2>&1
    read -r c p _ <<<"$(median_ms "$home/cold.json") NA"
    note "median: cove ${c} ms${pq:+, podman ${p} ms (podman/cove $(ratio "$p" "$c")x)}"
    return 0
}

say "build benchmark — $(nproc) CPUs, $(uname -r), ${PODMAN:+$($PODMAN --version)}"
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
