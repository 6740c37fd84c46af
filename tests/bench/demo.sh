#!/usr/bin/env bash
# cove demo (`make demo`, after `make install`): on a fresh machine with no
# access to Docker Hub, make a tiny root filesystem from the static busybox,
# import it as an image, then list, inspect and (once cove can run
# containers) run it.
#
# Uses the cove on PATH, else target/release/cove (COVE=... overrides).
# Works in a temporary store that is removed at the end, unless
# COVE_DEMO_KEEP=1: then the image goes to your normal store (or $COVE_ROOT).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
IMAGE=localhost/busybox-demo:latest

# Quote an argument for display the way a person would type it.
shq() {
    local s="$1"
    if [[ -n "$s" && "$s" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
        printf '%s' "$s"
    else
        printf "'%s'" "${s//\'/\'\\\'\'}"
    fi
}
say() { printf '\n==> %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
show() {
    local a
    printf '$'
    for a in "$@"; do printf ' %s' "$(shq "$a")"; done
    printf '\n'
}
run() {
    show "$@"
    "$@"
}

if [ -n "${COVE:-}" ]; then
    :
elif command -v cove >/dev/null; then
    COVE="$(command -v cove)"
elif [ -x "$REPO/target/release/cove" ]; then
    COVE="$REPO/target/release/cove"
else
    die "cove is neither on PATH nor built: run 'make install' (or 'make build')"
fi
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: install busybox-static (apt-get install busybox-static)"
if command -v file >/dev/null && ! file -L "$BUSYBOX" | grep -q 'statically linked'; then
    printf 'demo: note: %s does not look statically linked; the image may not run\n' "$BUSYBOX" >&2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cove-demo.XXXXXX")"
cleanup() {
    local rc=$?
    if [ -e "$WORK" ]; then
        # The store may hold files made in cove's user namespace.
        rm -rf "$WORK" 2>/dev/null || "$COVE" unshare rm -rf "$WORK" 2>/dev/null || rm -rf "$WORK" || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cove with the demo's store.
if [ "${COVE_DEMO_KEEP:-0}" = 1 ]; then
    graph_root="$("$COVE" info --format '{{.Store.GraphRoot}}' 2>/dev/null || echo '?')"
    STORE_NOTE="your store, $graph_root"
    cove() { "$COVE" "$@"; }
    SHOWN_COVE=(cove)
else
    STORE="$WORK/store"
    STORE_NOTE="a temporary store, $STORE (COVE_DEMO_KEEP=1 keeps the image in your store)"
    cove() { "$COVE" --root "$STORE" "$@"; }
    SHOWN_COVE=(cove --root "$STORE")
fi
# run_cove ARGS...: print and run a cove command.
run_cove() {
    show "${SHOWN_COVE[@]}" "$@"
    cove "$@"
}

say "cove demo: $("$COVE" --version) at $COVE, using $STORE_NOTE"

say "1. A root filesystem from the static busybox: bin/busybox, applet links, etc/passwd, tmp"
ROOTFS="$WORK/rootfs"
mkdir -p "$ROOTFS/bin" "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/root"
chmod 1777 "$ROOTFS/tmp"
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
chmod 0755 "$ROOTFS/bin/busybox"
for applet in sh ls cat echo uname; do
    ln -s busybox "$ROOTFS/bin/$applet"
done
cat >"$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$ROOTFS/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
run tar -C "$ROOTFS" --owner=0 --group=0 --numeric-owner -czf "$WORK/busybox-rootfs.tar.gz" .
tar -tvzf "$WORK/busybox-rootfs.tar.gz" | sed 's/^/    /'

say "2. Import it as $IMAGE, with CMD [\"/bin/sh\"]: prints the new image's id"
run_cove import --change 'CMD ["/bin/sh"]' --message 'busybox demo' "$WORK/busybox-rootfs.tar.gz" "$IMAGE"

say "3. The image is listed in local storage (short names resolve to localhost/)"
run_cove images

say "4. Its id and the command it runs by default, from its configuration"
run_cove image inspect --format '{{.Id}} {{.Config.Cmd}}' busybox-demo

say "5. Its history: one layer, added by the import"
run_cove image history busybox-demo

if cove run --help >/dev/null 2>&1; then
    say "6. Run a command in a container from it (removed afterwards with --rm)"
    run_cove run --rm busybox-demo echo hello from cove
else
    say "6. (skipped: this cove has no 'run' command yet)"
fi

if [ "${COVE_DEMO_KEEP:-0}" = 1 ]; then
    say "done: $IMAGE stays in your store; remove it with: cove rmi busybox-demo"
else
    say "done: the temporary store is removed now"
fi
