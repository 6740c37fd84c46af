# Shared by the benchmark scripts (sourced, after `set -euo pipefail`):
# where cove is, how to print, what every script needs, and how to run a
# command as the unprivileged benchmark user.
#
# Sets HERE, REPO, COVE (the binary: $COVE or target/release/cove),
# BENCH_USER (COVE_BENCH_USER, default covetest), AS (the prefix that runs
# a command as BENCH_USER when this runs as root, else empty) and PODMAN
# (podman's path unless absent or BENCH_NO_PODMAN=1), with
# PODMAN_RUNTIME (runc: crun 1.8 refuses hybrid cgroup hierarchies).

HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
BENCH_USER="${COVE_BENCH_USER:-covetest}"

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# need TOOL...: each on PATH (make deps installs them).
need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is needed (make deps installs it)"
    done
}

# Median of each command of a hyperfine JSON export, in ms.
median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.1f" % (x["median"]*1000) for x in r))' "$1"; }

[ -x "$COVE" ] || die "$COVE not found: run 'make build'"
need hyperfine
[ -x /bin/busybox ] || die "/bin/busybox is needed (apt-get install busybox-static)"

AS=()
if [ "$(id -u)" = 0 ]; then
    id "$BENCH_USER" >/dev/null 2>&1 || die "user $BENCH_USER missing (make deps creates it)"
    AS=(setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups --)
fi

PODMAN=""
if [ "${BENCH_NO_PODMAN:-0}" != 1 ] && command -v podman >/dev/null; then
    PODMAN="$(command -v podman)"
fi
PODMAN_RUNTIME=()
if command -v runc >/dev/null; then PODMAN_RUNTIME=(--runtime "$(command -v runc)"); fi
