#!/usr/bin/env bash
# FUSE storage driver benchmark (part of `make bench`): the same work inside
# a container with cove's fuse driver, cove's kernel overlay driver and
# podman with fuse-overlayfs (its mount_program), side by side; prints
# figures, never asserts.
#
#   1. stat + readdir of a 10,000-file tree (ls -lR)
#   2. cat of the same 10,000 small files
#   3. untar of a 10,000-file archive into the container
#   4. sequential write, then read, of 1 GiB (in `run --rm` containers,
#      whose upper dirs both podman and cove make volatile: fsync does
#      not wait for the disk), then the write again in kept containers,
#      where it does
#   5. first start with --userns=keep-id of a ~175 MB image (hyperfine
#      would hide the first run: one fresh store per sample)
#   6. pjdfstest pass counts (POSIX conformance)
#
# Rootless, as the product is: run as root it switches to COVE_BENCH_USER
# (default covetest, made by tests/setup.sh). Times are measured inside the
# container (busybox time), so container start costs are not counted.
#
# Environment: COVE (binary), BENCH_NO_PODMAN=1, COVE_BENCH_USER,
# BENCH_FUSE_GIB (size of the bulk test, default 1), BENCH_FUSE_ROUNDS
# (default 3).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
BENCH_USER="${COVE_BENCH_USER:-covetest}"
GIB="${BENCH_FUSE_GIB:-1}"

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ -x "$COVE" ] || die "$COVE not found: run 'make build'"
[ -x /bin/busybox ] || die "/bin/busybox is needed (apt-get install busybox-static)"
PODMAN=""
if [ "${BENCH_NO_PODMAN:-0}" != 1 ] && command -v podman >/dev/null && [ -x /usr/bin/fuse-overlayfs ]; then
    PODMAN="$(command -v podman)"
fi
# crun 1.8 (Debian 12) refuses hybrid cgroup hierarchies; runc runs there.
PODMAN_RUNTIME=()
if command -v runc >/dev/null; then PODMAN_RUNTIME=(--runtime "$(command -v runc)"); fi

WORK="$(mktemp -d /tmp/cove-bench-fuse.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
    rm -rf "$WORK" 2>/dev/null || "$COVE" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

AS=()
if [ "$(id -u)" = 0 ]; then
    id "$BENCH_USER" >/dev/null 2>&1 || die "user $BENCH_USER missing (make deps creates it)"
    AS=(setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups --)
fi

# The image: busybox, a 10,000-file tree, a 10,000-file tar of it, and
# ~175 MB of data for the keep-id start.
R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/data/tree" "$R/data/bulk"
chmod 1777 "$R/tmp"
cp /bin/busybox "$R/bin/"
for a in sh true ls cat echo find xargs tar dd time sync rm mkdir; do ln -s busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
for d in $(seq 0 99); do
    mkdir "$R/data/tree/d$d"
    for f in $(seq 0 99); do echo "file $d $f" >"$R/data/tree/d$d/f$f"; done
done
tar -C "$R/data" -cf "$R/data/tree.tar" tree
for i in $(seq 1 35); do head -c 5M /dev/urandom >"$R/data/bulk/b$i"; done
tar -C "$R" -cf "$WORK/image.tar" .
rm -rf "$R"
chmod 644 "$WORK/image.tar"
cp "$COVE" "$WORK/cove"
chmod 755 "$WORK/cove"

home="$WORK/home"
mkdir -p "$home/xdg-run" "$home/data" "$home/config"
chmod 700 "$home/xdg-run"
[ ${#AS[@]} -eq 0 ] || chown -R "$BENCH_USER:" "$home" "$WORK"
ENVS=(env HOME="$home" XDG_RUNTIME_DIR="$home/xdg-run" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin)

# The workload, one line of seconds per step. The write starts after a
# sync: the host's disk still writing the untar's files made it swing 2x.
WORKLOAD="
t() { /bin/busybox time -f %e \"\$@\" 2>&1 >/dev/null | tail -n 1; }
t ls -lR /data/tree
t sh -c 'find /data/tree -type f | xargs cat'
mkdir /tmp/untar && t tar -C /tmp/untar -xf /data/tree.tar
sync
t dd if=/dev/zero of=/tmp/big bs=1M count=$((GIB * 1024)) conv=fsync
t dd if=/tmp/big of=/dev/null bs=1M
"
STEPS=("stat+readdir 10k files" "cat 10k files" "untar 10k files" "write ${GIB} GiB" "read ${GIB} GiB")

# run_tool LABEL COMMAND...: the workload in a fresh container; appends
# the step times (one line per step) to RESULT[LABEL], one column per
# round.
declare -A RESULT
run_tool() {
    local label="$1"; shift
    local out
    # The previous run's writeback must not be this run's cost.
    sync
    if ! out="$("$@" sh -c "$WORKLOAD" 2>"$WORK/$label.err")"; then
        note "$label failed: $(tail -n 2 "$WORK/$label.err")"
        return
    fi
    if [ -z "${RESULT[$label]:-}" ]; then
        RESULT[$label]="$out"
    else
        RESULT[$label]="$(paste -d' ' <(printf '%s\n' "${RESULT[$label]}") <(printf '%s\n' "$out"))"
    fi
}

# The host filesystem under the containers' upper dirs makes single runs
# swing by 3x here (writeback of the previous run, ext4 freeing): the
# tools take turns, ROUNDS times, and the medians are compared.
ROUNDS="${BENCH_FUSE_ROUNDS:-3}"
cove() { "${AS[@]}" "${ENVS[@]}" "$WORK/cove" --root "$home/cove-$1" "${@:2}"; }
for d in fuse overlay; do
    cove "$d" --storage-driver "$d" import -q "$WORK/image.tar" img >/dev/null
done
PODMAN_OK=""
if [ -n "$PODMAN" ]; then
    podman_() { "${AS[@]}" "${ENVS[@]}" "$PODMAN" "${PODMAN_RUNTIME[@]}" --root "$home/podman" --runroot "$home/podman-run" --storage-driver overlay --storage-opt overlay.mount_program=/usr/bin/fuse-overlayfs "$@"; }
    if podman_ import -q "$WORK/image.tar" img >/dev/null 2>"$WORK/podman.err"; then
        PODMAN_OK=1
    else
        note "podman could not import here ($(tail -n 1 "$WORK/podman.err")): no fuse-overlayfs figures"
    fi
fi
for round in $(seq 1 "$ROUNDS"); do
    for d in fuse overlay; do
        run_tool "cove-$d" cove "$d" --storage-driver "$d" run --rm --network none img
    done
    [ -z "$PODMAN_OK" ] || run_tool "fuse-overlayfs" podman_ run --rm --network none img
done

# median_of LABEL STEP: the median of the step's rounds; nothing when the
# tool has no figures (podman missing or failed): not an error.
median_of() {
    sed -n "$(($2 + 1))p" <<<"${RESULT[$1]:-}" | tr ' ' '\n' | grep . | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }' || true
}
say "fuse driver benchmark — $(nproc) CPUs, $(uname -r), rootless; seconds inside the container, median of $ROUNDS rounds"
printf '    %-24s %10s %10s %15s %s\n' step cove-fuse cove-overlay fuse-overlayfs "fuse-overlayfs/cove-fuse"
for i in "${!STEPS[@]}"; do
    f="$(median_of cove-fuse "$i")"
    o="$(median_of cove-overlay "$i")"
    p="$(median_of fuse-overlayfs "$i")"
    ratio=""
    if [ -n "$f" ] && [ -n "$p" ]; then ratio="$(awk -v a="$p" -v b="$f" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }')"; fi
    printf '    %-24s %10s %10s %15s %s\n' "${STEPS[$i]}" "${f:--}" "${o:--}" "${p:--}" "$ratio"
done
note "all rounds (cove-fuse | fuse-overlayfs):"
for i in "${!STEPS[@]}"; do
    note "  ${STEPS[$i]}: $(sed -n "$((i + 1))p" <<<"${RESULT[cove-fuse]:-}") | $(sed -n "$((i + 1))p" <<<"${RESULT[fuse-overlayfs]:-}")"
done

# The bulk write in containers that are kept (no --rm): fsync goes to the
# disk, for both. Seconds, every round.
say "write ${GIB} GiB with fsync in a kept container (not volatile), s"
DURABLE="/bin/busybox time -f %e dd if=/dev/zero of=/tmp/big bs=1M count=$((GIB * 1024)) conv=fsync 2>&1 >/dev/null | tail -n 1"
durable_cove="" durable_podman=""
for round in $(seq 1 "$ROUNDS"); do
    sync
    durable_cove+=" $(cove fuse --storage-driver fuse run --name durable --network none img sh -c "$DURABLE" 2>&1 | tail -n 1 || echo failed)"
    cove fuse rm -f durable >/dev/null 2>&1 || true
    if [ -n "$PODMAN_OK" ]; then
        sync
        durable_podman+=" $(podman_ run --name durable --network none img sh -c "$DURABLE" 2>&1 | tail -n 1 || echo failed)"
        podman_ rm -f durable >/dev/null 2>&1 || true
    fi
done
note "cove fuse:${durable_cove}"
[ -z "$PODMAN_OK" ] || note "fuse-overlayfs:${durable_podman}"

# First start with keep-id: a fresh store each time, so the overlay
# driver's one-off copy of the image is what is measured.
say "first start with --userns=keep-id (~175 MB image), ms"
first_start() {
    local driver="$1" n="$2" total=0
    for i in $(seq 1 "$n"); do
        local root="$home/keep-$driver-$i"
        "${AS[@]}" "${ENVS[@]}" "$WORK/cove" --root "$root" --storage-driver "$driver" import -q "$WORK/image.tar" img >/dev/null
        local t0 t1
        t0="$(date +%s%N)"
        "${AS[@]}" "${ENVS[@]}" "$WORK/cove" --root "$root" --storage-driver "$driver" run --rm --network none --userns=keep-id img true
        t1="$(date +%s%N)"
        total=$((total + (t1 - t0) / 1000000))
        "${AS[@]}" "${ENVS[@]}" "$WORK/cove" --root "$root" unshare rm -rf "$root" 2>/dev/null || true
    done
    echo $((total / n))
}
note "cove fuse:    $(first_start fuse 5) ms"
note "cove overlay: $(first_start overlay 3) ms (copies the image once per id mapping)"
if [ -n "$PODMAN" ]; then
    proot="$home/podman-keep"
    p_() { "${AS[@]}" "${ENVS[@]}" "$PODMAN" "${PODMAN_RUNTIME[@]}" --root "$proot" --runroot "$home/podman-keep-run" --storage-driver overlay "$@"; }
    if p_ import -q "$WORK/image.tar" img >/dev/null 2>&1; then
        t0="$(date +%s%N)"
        p_ run --rm --network none --userns=keep-id img true >/dev/null 2>&1 || true
        t1="$(date +%s%N)"
        note "podman (overlay): $(((t1 - t0) / 1000000)) ms"
    fi
fi

# POSIX conformance: pjdfstest (tests/setup.sh installs it) in a container
# on each, pass counts side by side. tests/posix.rs holds cove's fuse
# driver to the kernel overlay's results; this adds fuse-overlayfs's.
PJD="${PJDFSTEST:-/opt/pjdfstest/bin/pjdfstest}"
say "pjdfstest pass counts (rootless, default capabilities)"
if [ ! -x "$PJD" ]; then
    note "$PJD missing: run tests/setup.sh (cargo install pjdfstest): no conformance figures"
    exit 0
fi
P="$WORK/pjd"
mkdir -p "$P/bin" "$P/etc" "$P/tmp" "$P/work"
chmod 1777 "$P/tmp"
chmod 777 "$P/work"
cp "$PJD" "$P/bin/pjdfstest"
for lib in $(ldd "$PJD" | grep -o '/[^ ]*'); do
    mkdir -p "$P$(dirname "$lib")"
    cp -L "$lib" "$P$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\ntests:x:1001:1001:tests:/:/bin/sh\n' >"$P/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\ntests:x:1001:\n' >"$P/etc/group"
cp "$REPO/tests/fixtures/pjdfstest.toml" "$P/etc/pjdfstest.toml"
tar -C "$P" -cf "$WORK/pjd.tar" .
chmod 644 "$WORK/pjd.tar"
pjd_summary() { grep -o 'Summary:.*' | sed 's/Summary: //'; }
for d in fuse overlay; do
    cove "$d" --storage-driver "$d" import -q "$WORK/pjd.tar" pjd >/dev/null
    note "cove $d: $(cove "$d" --storage-driver "$d" run --rm --network none pjd pjdfstest -c /etc/pjdfstest.toml -p /work 2>&1 | pjd_summary)"
done
if [ -n "$PODMAN_OK" ] && podman_ import -q "$WORK/pjd.tar" pjd >/dev/null 2>&1; then
    note "fuse-overlayfs: $(podman_ run --rm --network none pjd pjdfstest -c /etc/pjdfstest.toml -p /work 2>&1 | pjd_summary)"
fi
