#!/usr/bin/env bash
# Dev sandbox benchmark (part of `make bench`): prints figures, never
# asserts. Rootless, as COVE_BENCH_USER (default covetest) when run as root.
# Targets (issue 20) in brackets.
#
#   1. `dev enter NAME -- true` on a running sandbox [< 15 ms median]
#   2. `dev create` + the first `dev enter -- true` (it starts the sandbox)
#      from a busybox userland
#   3. the idle sandbox's cove processes' resident memory [< 4 MiB]
#
# Environment: COVE (binary), BENCH_RUNS (default 50), COVE_BENCH_USER.
set -euo pipefail

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RUNS="${BENCH_RUNS:-50}"

WORK="$(mktemp -d /tmp/cbd.XXXXXX)"
chmod 755 "$WORK"
H="$WORK/h"
mkdir -p "$H/r" "$H/home"
chmod 700 "$H/r"
[ ${#AS[@]} -eq 0 ] || chown -R "$BENCH_USER:" "$H"
cp "$COVE" "$WORK/cove"
chmod 755 "$WORK/cove"
CV=("${AS[@]}" env -i PATH=/usr/bin:/bin HOME="$H/home" XDG_RUNTIME_DIR="$H/r" "$WORK/cove" --root "$H/store")
cleanup() {
    "${CV[@]}" rm -af -t 0 >/dev/null 2>&1 || true
    rm -rf "$WORK" 2>/dev/null || "$COVE" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/etc"
cp /bin/busybox "$R/bin/"
for a in sh true sleep; do ln -s busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
echo 'root:x:0:' >"$R/etc/group"
tar -C "$R" -cf "$WORK/img.tar" .
chmod 644 "$WORK/img.tar"
"${CV[@]}" import -q "$WORK/img.tar" devimg >/dev/null

q="$(printf '%q ' "${CV[@]}")"

say "dev sandbox benchmark — $(nproc) CPUs, $(uname -r), rootless"
hyperfine -N --runs 10 --export-json "$WORK/create.json" \
    --prepare "sh -c '$q dev rm -f box >/dev/null 2>&1; true'" \
    "sh -c '$q dev create --image devimg box >/dev/null 2>&1 && $q dev enter box -- true'" >/dev/null 2>&1
note "dev create + first dev enter -- true: median $(median_ms "$WORK/create.json") ms (a shell in between)"
"${CV[@]}" dev enter box -- true
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/enter.json" "$q dev enter box -- true" >/dev/null 2>&1
note "dev enter box -- true (running): median $(median_ms "$WORK/enter.json") ms"
id="$("${CV[@]}" inspect --format '{{.Id}}' box)"
rss=0
for p in $(pgrep -f "$id" || true); do
    kb=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    rss=$((rss + ${kb:-0}))
done
note "idle sandbox's cove processes: RSS $(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}') MiB"
