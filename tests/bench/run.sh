#!/usr/bin/env bash
# cove benchmark (`make bench`): prints figures beside Podman's, never asserts.
#
# Self-contained: starts its own docker-registry on a free loopback port,
# pushes generated fixture images to it, and pulls them with cove and, when
# it is installed, podman, each into a temporary store. Everything temporary
# is removed on exit. Raw numbers go to target/bench/results.txt.
#
#   1. pull of a one-layer image (~60 MB gzip, ~175 MB unpacked, 10,000 files)
#   2. pull of the same data as a four-layer image: wall time and CPU use
#   3. peak memory (max RSS) of the one-layer pull
#   4. `images` with 500 images in the store
#
# Environment: COVE (binary, default target/release/cove), BENCH_RUNS
# (one-layer pull runs, default 5), BENCH_MULTI_RUNS (default 3),
# BENCH_IMAGES (default 500), BENCH_NO_PODMAN=1 to leave podman out,
# BENCH_DROP_CACHES=0 (see settle below), BENCH_OUT_DIR (default
# target/bench).
# Fixture tarballs are cached in target/bench/fixtures (rebuilt when
# tests/bench/fixture.py changes).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
FIXTURE_PY="$HERE/fixture.py"
COVE="${COVE:-$REPO/target/release/cove}"
RUNS="${BENCH_RUNS:-5}"
MULTI_RUNS="${BENCH_MULTI_RUNS:-3}"
N_IMAGES="${BENCH_IMAGES:-500}"
OUT_DIR="${BENCH_OUT_DIR:-$REPO/target/bench}"
RESULTS="$OUT_DIR/results.txt"
CACHE="$OUT_DIR/fixtures"
REGISTRY_BIN=/usr/bin/docker-registry

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
# Quote an argument for display the way a person would type it.
shq() {
    local s="$1"
    if [[ -n "$s" && "$s" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
        printf '%s' "$s"
    else
        printf "'%s'" "${s//\'/\'\\\'\'}"
    fi
}
show_cmd() {
    local a
    printf '    $'
    for a in "$@"; do printf ' %s' "$(shq "$a")"; done
    printf '\n'
}

# ---------------------------------------------------------------- checks
[ -x "$COVE" ] || die "$COVE not found: run 'make build' (or set COVE=/path/to/cove)"
[ -x "$REGISTRY_BIN" ] || die "$REGISTRY_BIN not found: install Debian's docker-registry package"
command -v python3 >/dev/null || die "python3 not found"
command -v tar >/dev/null && command -v gzip >/dev/null || die "tar and gzip are needed"

TIME_BIN=""
if [ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null; then
    TIME_BIN=/usr/bin/time
else
    note "GNU time (/usr/bin/time) is missing: CPU and memory figures are skipped (apt-get install time)"
fi
HAVE_HYPERFINE=0
if command -v hyperfine >/dev/null; then
    HAVE_HYPERFINE=1
else
    note "hyperfine is missing: timing 'images' with a bash loop instead (apt-get install hyperfine)"
fi
PODMAN=""
if [ "${BENCH_NO_PODMAN:-0}" != 1 ] && command -v podman >/dev/null; then
    PODMAN="$(command -v podman)"
else
    note "podman is not installed (or BENCH_NO_PODMAN=1): cove figures only"
fi

# ---------------------------------------------------------------- workspace
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cove-bench.XXXXXX")"
REG_PID=""

# Remove a store. Files made in a user namespace may belong to subordinate
# ids an ordinary user cannot remove directly, so fall back to unshare.
wipe() {
    local dir="$1"
    [ -e "$dir" ] || return 0
    # Podman run as root may leave mounts under its storage; undo them.
    if [ "$(id -u)" = 0 ]; then
        local m
        while read -r m; do
            umount -l "$m" 2>/dev/null || true
        done < <(awk -v d="$dir" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    fi
    rm -rf "$dir" 2>/dev/null && return 0
    chmod -R u+rwx "$dir" 2>/dev/null || true
    rm -rf "$dir" 2>/dev/null && return 0
    # cove's user namespace maps the same subordinate ids podman uses.
    # (Not `podman unshare`: that would set up the user's default store.)
    "$COVE" --root "$dir/.unshare-root" unshare rm -rf "$dir" 2>/dev/null && return 0
    rm -rf "$dir"
}

cleanup() {
    local rc=$?
    if [ -n "$REG_PID" ]; then
        kill "$REG_PID" 2>/dev/null || true
        wait "$REG_PID" 2>/dev/null || true
    fi
    # Rootless podman leaves a pause process holding its user namespace;
    # this one belongs to our private XDG_RUNTIME_DIR, so end it.
    local pause
    pause="$(cat "$WORK/xdg/run/libpod/tmp/pause.pid" 2>/dev/null || true)"
    if [ -n "$pause" ] && [ "$(id -u)" != 0 ]; then
        kill "$pause" 2>/dev/null || true
    fi
    wipe "$WORK/podman" || true
    wipe "$WORK" || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Without root, keep podman's per-user state (runtime dir and pause
# process, CNI config, blob info cache) inside the work dir too.
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$WORK/xdg/data" "$WORK/xdg/config" "$WORK/xdg/run"
    chmod 700 "$WORK/xdg/run"
    export XDG_DATA_HOME="$WORK/xdg/data" XDG_CONFIG_HOME="$WORK/xdg/config" XDG_RUNTIME_DIR="$WORK/xdg/run"
fi

mkdir -p "$OUT_DIR" 2>/dev/null && [ -w "$OUT_DIR" ] ||
    die "cannot write to $OUT_DIR (set BENCH_OUT_DIR to a writable directory)"
RAW="$WORK/raw.txt"
: >"$RAW"
raw() { printf '%s\n' "$*" >>"$RAW"; }

# ---------------------------------------------------------------- measuring
# measure CMD...: runs CMD (stdout/stderr to $WORK/cmd.{out,err}) and sets
# M_WALL (s, from date +%s%N), M_USER, M_SYS (s) and M_RSS (KiB) from
# GNU time -v. Returns CMD's exit status.
measure() {
    local tf="$WORK/time.txt" start end rc=0
    M_WALL=NA M_USER=NA M_SYS=NA M_RSS=NA
    start="$(date +%s%N)"
    if [ -n "$TIME_BIN" ]; then
        "$TIME_BIN" -v -o "$tf" "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err" || rc=$?
    else
        "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err" || rc=$?
    fi
    end="$(date +%s%N)"
    M_WALL="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
    if [ -n "$TIME_BIN" ] && [ -s "$tf" ]; then
        M_USER="$(awk -F': ' '/User time \(seconds\)/ { print $2 }' "$tf")"
        M_SYS="$(awk -F': ' '/System time \(seconds\)/ { print $2 }' "$tf")"
        M_RSS="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf")"
    fi
    return "$rc"
}

median() { python3 "$FIXTURE_PY" median "$1"; }
maximum() { sort -g "$1" | tail -n 1; }
# fmt VALUE DECIMALS, or NA
fmt() { case "$1" in NA|'') echo NA ;; *) awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }' ;; esac; }
ratio() {
    case "$1$2" in *NA*) echo NA; return ;; esac
    [ -n "$1" ] && [ -n "$2" ] || { echo NA; return; }
    awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "NA"; else if (a / b < 0.1) printf "%.3f", a / b; else printf "%.2f", a / b }'
}
cpu_pct() {
    case "$1$2$3" in *NA*) echo NA; return ;; esac
    awk -v u="$1" -v s="$2" -v w="$3" 'BEGIN { if (w > 0) printf "%.0f\n", 100 * (u + s) / w; else print "NA" }'
}

show_failure() {
    printf '    failed; its stderr:\n' >&2
    sed 's/^/      /' "$WORK/cmd.err" | tail -n 20 >&2
}

# ---------------------------------------------------------------- versions
say "cove benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(uname -r), uid $(id -u)"
COVE_VERSION="$("$COVE" --version 2>/dev/null || echo unknown)"
note "cove:   $COVE ($COVE_VERSION)"
PODMAN_VERSION=""
if [ -n "$PODMAN" ]; then
    PODMAN_VERSION="$("$PODMAN" --version 2>/dev/null || echo unknown)"
    # Podman's default driver is overlay, but rootless podman 4.3 without a
    # storage.conf falls back to vfs (it does on Debian 12 without
    # fuse-overlayfs, though the kernel can do rootless overlay). The
    # comparison is against overlay, so ask for it explicitly then.
    PODMAN_DRIVER_OPT=()
    probe="$WORK/podman-probe"
    driver="$("$PODMAN" --root "$probe/root" --runroot "$probe/run" info --format '{{.Store.GraphDriverName}}' 2>/dev/null || echo unknown)"
    wipe "$probe"
    if [ "$driver" != overlay ]; then
        if [ "$("$PODMAN" --root "$probe/root" --runroot "$probe/run" --storage-driver overlay info --format '{{.Store.GraphDriverName}}' 2>/dev/null || true)" = overlay ]; then
            PODMAN_DRIVER_OPT=(--storage-driver overlay)
            note "podman would use the $driver driver here by default; passing --storage-driver overlay"
            driver=overlay
        else
            note "WARNING: podman cannot use overlay here; it uses $driver, so the comparison is not like for like"
        fi
        wipe "$probe"
    fi
    note "podman: $PODMAN ($PODMAN_VERSION; $driver driver, --root/--runroot in temp dirs)"
fi
note "work dir: $WORK"
[ "$(id -u)" = 0 ] || note "XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR point into the work dir"
raw "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
raw "cove $COVE_VERSION"
raw "commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
raw "podman ${PODMAN_VERSION:-none}"
raw "cpus $(nproc)"
raw "kernel $(uname -r)"

# ---------------------------------------------------------------- fixtures
# One root filesystem, tarred whole (one layer) and split into its four
# top-level subtrees (four layers). tar + gzip -n with fixed owners, order
# and mtimes, so the tarballs are the same from run to run.
FIX_KEY="$(sha256sum "$FIXTURE_PY" | cut -c1-16)"
build_fixtures() {
    local rootfs="$WORK/rootfs"
    say "building the fixture root filesystem (10,000 files, 175 MB; cached in $CACHE)"
    rm -rf "$CACHE"
    mkdir -p "$CACHE"
    python3 "$FIXTURE_PY" rootfs "$rootfs" --files 10000 --bytes 175000000 --groups 4 | sed 's/^/    /'
    local tar_opts=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 --format=gnu)
    # Five gzip streams, two at a time (two cores).
    (tar -C "$rootfs" "${tar_opts[@]}" -cf - . | gzip -n -6 >"$CACHE/single.tar.gz") &
    local p1=$!
    (
        set -e
        tar -C "$rootfs" "${tar_opts[@]}" -cf - ./bin ./etc ./tmp ./usr/lib | gzip -n -6 >"$CACHE/layer0.tar.gz"
        tar -C "$rootfs" "${tar_opts[@]}" -cf - ./usr/share | gzip -n -6 >"$CACHE/layer1.tar.gz"
        tar -C "$rootfs" "${tar_opts[@]}" -cf - ./opt/app | gzip -n -6 >"$CACHE/layer2.tar.gz"
        tar -C "$rootfs" "${tar_opts[@]}" -cf - ./var/lib/data | gzip -n -6 >"$CACHE/layer3.tar.gz"
    ) &
    local p2=$!
    wait "$p1" || die "making single.tar.gz failed"
    wait "$p2" || die "making the layer tarballs failed"
    rm -rf "$rootfs"
    echo "$FIX_KEY" >"$CACHE/key"
}
if [ "$(cat "$CACHE/key" 2>/dev/null || true)" != "$FIX_KEY" ] ||
    ! [ -s "$CACHE/single.tar.gz" ] || ! [ -s "$CACHE/layer3.tar.gz" ]; then
    build_fixtures
else
    say "reusing the fixture tarballs in $CACHE"
fi
SINGLE_GZ="$(stat -c %s "$CACHE/single.tar.gz")"
SINGLE_TAR="$(gzip -dc "$CACHE/single.tar.gz" | wc -c)"
note "one layer:   $(awk -v s="$SINGLE_GZ" 'BEGIN { printf "%.1f", s / 1e6 }') MB gzip, $(awk -v s="$SINGLE_TAR" 'BEGIN { printf "%.1f", s / 1e6 }') MB tar ($(awk -v a="$SINGLE_TAR" -v b="$SINGLE_GZ" 'BEGIN { printf "%.2f", a / b }'):1)"
for i in 0 1 2 3; do
    note "layer $i:     $(awk -v s="$(stat -c %s "$CACHE/layer$i.tar.gz")" 'BEGIN { printf "%.1f", s / 1e6 }') MB gzip"
done
raw "fixture single_gz_bytes=$SINGLE_GZ single_tar_bytes=$SINGLE_TAR"

# ---------------------------------------------------------------- registry
PORT="$(python3 "$FIXTURE_PY" freeport)"
mkdir -p "$WORK/registry"
cat >"$WORK/registry/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
EOF
say "starting docker-registry on 127.0.0.1:$PORT"
"$REGISTRY_BIN" serve "$WORK/registry/config.yml" >"$WORK/registry/log" 2>&1 &
REG_PID=$!
for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
    kill -0 "$REG_PID" 2>/dev/null || { cat "$WORK/registry/log" >&2; die "docker-registry exited"; }
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || die "docker-registry did not listen on port $PORT"
REG="127.0.0.1:$PORT"
BIG="$REG/bench/big:1"
MULTI="$REG/bench/multi:1"

# cove import stores a layer uncompressed and cove push sends it as stored,
# which would make the pull test a 175 MB uncompressed transfer. So the
# fixtures are pushed as the gzip streams tar made, by fixture.py speaking
# the registry API (POST + PUT ?digest= per blob, PUT of an OCI manifest).
say "pushing $BIG (1 layer) and $MULTI (4 layers) with tests/bench/fixture.py push"
show_cmd python3 tests/bench/fixture.py push "$REG" bench/big 1 single.tar.gz
python3 "$FIXTURE_PY" push "$REG" bench/big 1 "$CACHE/single.tar.gz" | sed 's/^/    manifest /'
show_cmd python3 tests/bench/fixture.py push "$REG" bench/multi 1 layer0.tar.gz layer1.tar.gz layer2.tar.gz layer3.tar.gz
python3 "$FIXTURE_PY" push "$REG" bench/multi 1 "$CACHE"/layer{0,1,2,3}.tar.gz | sed 's/^/    manifest /'

CSTORE="$WORK/cove-store"
PSTORE="$WORK/podman/root"
PRUN="$WORK/podman/runroot"
cove_cmd() { printf '%s\0' "$COVE" --root "$CSTORE" "$@"; }
podman_cmd() { printf '%s\0' "$PODMAN" --root "$PSTORE" --runroot "$PRUN" ${PODMAN_DRIVER_OPT[@]+"${PODMAN_DRIVER_OPT[@]}"} "$@"; }

# On this kind of VM, every 200 MB written and deleted makes the next
# write slower (system time of a plain `tar xzf` grows ~0.7 s per repetition
# until the page cache is dropped), so as root the page cache is dropped
# before every timed pull, then the binaries and the registry's blobs are
# read back in: each run starts from the same warm state. Without root the
# runs are only interleaved (cove, podman, cove, ...) so the drift hits
# both alike. BENCH_DROP_CACHES=0 turns the dropping off.
DROP_CACHES=0
if [ "${BENCH_DROP_CACHES:-1}" = 1 ] && [ -w /proc/sys/vm/drop_caches ]; then
    DROP_CACHES=1
fi
settle() {
    sync
    if [ "$DROP_CACHES" = 1 ]; then
        echo 1 >/proc/sys/vm/drop_caches
        cat "$COVE" ${PODMAN:+"$PODMAN"} >/dev/null
        find "$WORK/registry/data" -type f -exec cat {} + >/dev/null
    fi
}

# pull_cmd TOOL IMAGE: the pull command, NUL-separated.
pull_cmd() {
    if [ "$1" = cove ]; then
        cove_cmd pull -q --tls-verify=false "$2"
    else
        podman_cmd pull -q --tls-verify=false "$2"
    fi
}
wipe_store() {
    if [ "$1" = cove ]; then wipe "$CSTORE"; else wipe "$WORK/podman"; fi
}

# bench_pulls KEY IMAGE RUNS: pull IMAGE RUNS times with each tool, runs
# interleaved, each from an empty store. Writes $WORK/KEY.TOOL.{wall,cpu,
# rss,id}; a tool whose pull fails gets $WORK/KEY.TOOL.failed.
bench_pulls() {
    local key="$1" image="$2" runs="$3" i tool cmd=() tools=(cove)
    [ -z "$PODMAN" ] || tools+=(podman)
    for tool in "${tools[@]}"; do
        mapfile -d '' cmd < <(pull_cmd "$tool" "$image")
        show_cmd "${cmd[@]}"
        : >"$WORK/$key.$tool.wall"
        : >"$WORK/$key.$tool.cpu"
        : >"$WORK/$key.$tool.rss"
    done
    if [ "$DROP_CACHES" = 1 ]; then
        note "(untimed before each run: remove the store, sync, drop the page cache, re-read binaries and registry blobs)"
    else
        note "(untimed before each run: remove the store, sync; page cache not dropped)"
    fi
    for i in $(seq "$runs"); do
        for tool in "${tools[@]}"; do
            [ ! -e "$WORK/$key.$tool.failed" ] || continue
            mapfile -d '' cmd < <(pull_cmd "$tool" "$image")
            wipe_store "$tool"
            settle
            if ! measure "${cmd[@]}"; then
                note "$tool run $i failed"
                show_failure
                touch "$WORK/$key.$tool.failed"
                continue
            fi
            echo "$M_WALL" >>"$WORK/$key.$tool.wall"
            [ "$M_USER" = NA ] || cpu_pct "$M_USER" "$M_SYS" "$M_WALL" >>"$WORK/$key.$tool.cpu"
            [ "$M_RSS" = NA ] || echo "$M_RSS" >>"$WORK/$key.$tool.rss"
            printf '    %-6s run %d: wall %s s, user %s s, sys %s s, CPU %s%%, max RSS %s MiB\n' "$tool" "$i" \
                "$(fmt "$M_WALL" 2)" "$M_USER" "$M_SYS" "$(cpu_pct "$M_USER" "$M_SYS" "$M_WALL")" \
                "$(awk -v k="$M_RSS" 'BEGIN { if (k == "NA") print "NA"; else printf "%.1f", k / 1024 }')"
            raw "$key $tool run=$i wall_s=$M_WALL user_s=$M_USER sys_s=$M_SYS maxrss_kib=$M_RSS"
        done
    done
    local id store
    for tool in "${tools[@]}"; do
        [ ! -e "$WORK/$key.$tool.failed" ] || continue
        if [ "$tool" = cove ]; then
            store="$CSTORE"
            id="$("$COVE" --root "$CSTORE" image inspect --format '{{.Id}}' "$image" 2>&1)" || id="(inspect failed: $id)"
        else
            store="$PSTORE"
            id="$("$PODMAN" --root "$PSTORE" --runroot "$PRUN" ${PODMAN_DRIVER_OPT[@]+"${PODMAN_DRIVER_OPT[@]}"} image inspect --format '{{.Id}}' "$image" 2>&1)" || id="(inspect failed: $id)"
        fi
        echo "$id" >"$WORK/$key.$tool.id"
        printf '    %-6s store after the last run: %s MiB on disk, image id %s\n' "$tool" "$(du -sm "$store" | cut -f1)" "$id"
    done
    if [ -s "$WORK/$key.cove.id" ] && [ -s "$WORK/$key.podman.id" ]; then
        if [ "$(cat "$WORK/$key.cove.id")" = "$(cat "$WORK/$key.podman.id")" ]; then
            note "cove and podman agree on the image id"
        else
            note "WARNING: cove and podman report different image ids"
        fi
    fi
    wipe_store cove
    [ -z "$PODMAN" ] || wipe_store podman
}

# stat_of KEY TOOL KIND (wall|cpu|rss) FN (median|maximum): NA when missing
stat_of() {
    local f="$WORK/$1.$2.$3"
    if [ -s "$f" ] && [ ! -e "$WORK/$1.$2.failed" ]; then "$4" "$f"; else echo NA; fi
}

# ---------------------------------------------------------------- 1 + 3
say "1. pull of a one-layer image: $RUNS runs each, every run from an empty store"
bench_pulls single "$BIG" "$RUNS"

# ---------------------------------------------------------------- 2
say "2. pull of the same data as a four-layer image: $MULTI_RUNS runs each; CPU use = (user+sys)/wall"
bench_pulls multi "$MULTI" "$MULTI_RUNS"

# ---------------------------------------------------------------- 4
say "4. 'images' with $N_IMAGES images in the store"
python3 "$FIXTURE_PY" tiny "$WORK/tiny" "$N_IMAGES"
CISTORE="$WORK/cove-images"
PISTORE="$WORK/podman/images-root"
PIRUN="$WORK/podman/images-runroot"
show_cmd "$COVE" --root "$CISTORE" import -q "$WORK/tiny/img-N.tar" "bench/img-N"
start="$(date +%s%N)"
for i in $(seq 0 $((N_IMAGES - 1))); do
    "$COVE" --root "$CISTORE" import -q "$WORK/tiny/img-$i.tar" "bench/img-$i" >/dev/null ||
        die "cove import of img-$i failed"
done
COVE_IMPORT_S="$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')"
note "$N_IMAGES cove imports: $COVE_IMPORT_S s ($(awk -v t="$COVE_IMPORT_S" -v n="$N_IMAGES" 'BEGIN { printf "%.1f", 1000 * t / n }') ms each)"
raw "import cove n=$N_IMAGES total_s=$COVE_IMPORT_S"
PODMAN_IMPORT_S=NA
PODMAN_IMAGES_OK=0
if [ -n "$PODMAN" ]; then
    show_cmd "$PODMAN" --root "$PISTORE" --runroot "$PIRUN" ${PODMAN_DRIVER_OPT[@]+"${PODMAN_DRIVER_OPT[@]}"} import -q "$WORK/tiny/img-N.tar" "bench/img-N"
    start="$(date +%s%N)"
    PODMAN_IMAGES_OK=1
    for i in $(seq 0 $((N_IMAGES - 1))); do
        if ! "$PODMAN" --root "$PISTORE" --runroot "$PIRUN" ${PODMAN_DRIVER_OPT[@]+"${PODMAN_DRIVER_OPT[@]}"} import -q "$WORK/tiny/img-$i.tar" "bench/img-$i" >/dev/null 2>"$WORK/cmd.err"; then
            show_failure
            PODMAN_IMAGES_OK=0
            break
        fi
    done
    PODMAN_IMPORT_S="$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')"
    if [ "$PODMAN_IMAGES_OK" = 1 ]; then
        note "$N_IMAGES podman imports: $PODMAN_IMPORT_S s ($(awk -v t="$PODMAN_IMPORT_S" -v n="$N_IMAGES" 'BEGIN { printf "%.1f", 1000 * t / n }') ms each)"
        raw "import podman n=$N_IMAGES total_s=$PODMAN_IMPORT_S"
    else
        PODMAN_IMPORT_S=NA
    fi
fi

count="$("$COVE" --root "$CISTORE" images --noheading | wc -l)"
[ "$count" = "$N_IMAGES" ] || note "WARNING: cove images lists $count images, expected $N_IMAGES"
if [ "$PODMAN_IMAGES_OK" = 1 ]; then
    count="$("$PODMAN" --root "$PISTORE" --runroot "$PIRUN" ${PODMAN_DRIVER_OPT[@]+"${PODMAN_DRIVER_OPT[@]}"} images --noheading | wc -l)"
    [ "$count" = "$N_IMAGES" ] || note "WARNING: podman images lists $count images, expected $N_IMAGES"
fi

# time_images TOOL CMD...: median milliseconds on stdout, progress on stderr
time_images() {
    local tool="$1"
    shift
    local cmdline
    cmdline="$(printf '%q ' "$@")"
    cmdline="${cmdline% }"
    if [ "$HAVE_HYPERFINE" = 1 ]; then
        printf '    $ hyperfine --warmup 3 -N %s\n' "$(shq "$cmdline")" >&2
        hyperfine --warmup 3 -N --style basic --export-json "$WORK/hf.$tool.json" "$cmdline" >"$WORK/hf.$tool.out" 2>&1 ||
            { sed 's/^/      /' "$WORK/hf.$tool.out" >&2; echo NA; return; }
        grep -E 'Time|Range' "$WORK/hf.$tool.out" | sed 's/^ */    /' >&2
        python3 "$FIXTURE_PY" hyperfine "$WORK/hf.$tool.json"
    else
        printf '    $ %s   (3 warmups, then 20 runs timed with date +%%s%%N)\n' "$cmdline" >&2
        local i s e
        : >"$WORK/loop.$tool"
        for i in 1 2 3; do "$@" >/dev/null 2>&1 || true; done
        for i in $(seq 20); do
            s="$(date +%s%N)"
            "$@" >/dev/null 2>&1 || { echo NA; return; }
            e="$(date +%s%N)"
            awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$WORK/loop.$tool"
        done
        median "$WORK/loop.$tool"
    fi
}
COVE_IMAGES_MS="$(time_images cove "$COVE" --root "$CISTORE" images)"
note "cove images: median $(fmt "$COVE_IMAGES_MS" 2) ms"
raw "images cove n=$N_IMAGES median_ms=$COVE_IMAGES_MS"
PODMAN_IMAGES_MS=NA
if [ "$PODMAN_IMAGES_OK" = 1 ]; then
    PODMAN_IMAGES_MS="$(time_images podman "$PODMAN" --root "$PISTORE" --runroot "$PIRUN" ${PODMAN_DRIVER_OPT[@]+"${PODMAN_DRIVER_OPT[@]}"} images)"
    note "podman images: median $(fmt "$PODMAN_IMAGES_MS" 2) ms"
    raw "images podman n=$N_IMAGES median_ms=$PODMAN_IMAGES_MS"
fi

# ---------------------------------------------------------------- summary
C_SINGLE="$(stat_of single cove wall median)"
P_SINGLE="$(stat_of single podman wall median)"
C_SINGLE_CPU="$(stat_of single cove cpu median)"
P_SINGLE_CPU="$(stat_of single podman cpu median)"
C_RSS="$(stat_of single cove rss maximum)"
P_RSS="$(stat_of single podman rss maximum)"
C_MULTI="$(stat_of multi cove wall median)"
P_MULTI="$(stat_of multi podman wall median)"
C_MULTI_CPU="$(stat_of multi cove cpu median)"
P_MULTI_CPU="$(stat_of multi podman cpu median)"
C_MULTI_RSS="$(stat_of multi cove rss maximum)"
P_MULTI_RSS="$(stat_of multi podman rss maximum)"
mib() { case "$1" in NA) echo NA ;; *) awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' ;; esac; }
C_RSS_MIB="$(mib "$C_RSS")"
P_RSS_MIB="$(mib "$P_RSS")"
C_MULTI_RSS_MIB="$(mib "$C_MULTI_RSS")"
P_MULTI_RSS_MIB="$(mib "$P_MULTI_RSS")"

row() { printf '%-44s %10s %10s %7s   %s\n' "$@"; }
pct() { case "$1" in NA) echo NA ;; *) echo "$1%" ;; esac; }
{
    echo
    say "summary ($COVE_VERSION; ratio = cove / podman)"
    row "metric" "cove" "podman" "ratio" "target"
    row "1. pull, 1 layer, median of $RUNS (s)" "$(fmt "$C_SINGLE" 2)" "$(fmt "$P_SINGLE" 2)" "$(ratio "$C_SINGLE" "$P_SINGLE")" "ratio <= 0.5"
    row "   CPU use of that pull, median" "$(pct "$C_SINGLE_CPU")" "$(pct "$P_SINGLE_CPU")" "" ""
    row "2. pull, 4 layers, median of $MULTI_RUNS (s)" "$(fmt "$C_MULTI" 2)" "$(fmt "$P_MULTI" 2)" "$(ratio "$C_MULTI" "$P_MULTI")" ""
    row "   CPU use (user+sys)/wall, median" "$(pct "$C_MULTI_CPU")" "$(pct "$P_MULTI_CPU")" "" "> 100% (both cores)"
    row "   peak RSS, 4 layers (MiB)" "$C_MULTI_RSS_MIB" "$P_MULTI_RSS_MIB" "$(ratio "$C_MULTI_RSS" "$P_MULTI_RSS")" ""
    row "3. peak RSS, 1-layer pull (MiB)" "$C_RSS_MIB" "$P_RSS_MIB" "$(ratio "$C_RSS" "$P_RSS")" "cove < 64 MiB"
    row "4. images with $N_IMAGES images, median (ms)" "$(fmt "$COVE_IMAGES_MS" 1)" "$(fmt "$PODMAN_IMAGES_MS" 1)" "$(ratio "$COVE_IMAGES_MS" "$PODMAN_IMAGES_MS")" "cove < 20 ms"
    row "   import of $N_IMAGES tiny images (s)" "$COVE_IMPORT_S" "$PODMAN_IMPORT_S" "$(ratio "$COVE_IMPORT_S" "$PODMAN_IMPORT_S")" ""
    echo
    if [ "$DROP_CACHES" = 1 ]; then
        note "Pulls: page cache dropped, binaries and registry blobs re-read before each run (untimed)."
    else
        note "Pulls: page cache not dropped (not root, or BENCH_DROP_CACHES=0); runs interleaved."
    fi
    note "The registry runs on the same $(nproc) CPUs. Figures only: nothing is asserted."
} | tee "$WORK/summary.txt"

{
    echo "# cove benchmark raw numbers (tests/bench/run.sh)"
    cat "$RAW"
    echo
    echo "# summary"
    sed -n '/^==> summary/,$p' "$WORK/summary.txt"
} >"$RESULTS"
say "raw numbers written to $RESULTS"
