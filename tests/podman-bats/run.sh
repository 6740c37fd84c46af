#!/usr/bin/env bash
# Podman's own system tests (test/system/*.bats of the containers/podman
# repository) run against cove, as the unprivileged user covetest, with the
# test image served by a loopback registry. Prints pass/fail/skip per file.
# Not part of `make test`: it measures how far scripts written for Podman
# run unchanged (`make podman-bats`).
#
#   PODMAN_SRC=/path/to/podman/checkout tests/podman-bats/run.sh [FILE...]
#
# FILE is a bats file's number or name (030, 030-run, 030-run.bats); the
# default is the set of issue 21. Environment: COVE (binary, default
# target/debug/cove, else target/release/cove), PODMAN_SRC (a checkout or
# an extract holding test/system; the bats files are never committed here),
# BATS_USER (default covetest), BATS_OUT (logs, default target/podman-bats),
# BATS_FILTER (a regex passed to bats --filter).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PODMAN_SRC="${PODMAN_SRC:-/tmp/podman-src}"
SYSTEM="$PODMAN_SRC/test/system"
USER_NAME="${BATS_USER:-covetest}"
OUT="${BATS_OUT:-$REPO/target/podman-bats}"
REGISTRY_BIN=/usr/bin/docker-registry
DEFAULT_FILES=(001-basic 010-images 030-run 035-logs 040-ps 045-start 050-stop
    055-rm 075-exec 130-kill 160-volumes)

die() { printf 'podman-bats: %s\n' "$*" >&2; exit 1; }

if [ -z "${COVE:-}" ]; then
    for c in "$REPO/target/debug/cove" "$REPO/target/release/cove"; do
        [ -x "$c" ] && { COVE="$c"; break; }
    done
fi
[ -x "${COVE:-}" ] || die "no cove binary: cargo build (or set COVE=)"
[ -d "$SYSTEM" ] || die "$SYSTEM missing: extract podman's test/system there (or set PODMAN_SRC)"
command -v bats >/dev/null || die "bats missing: apt-get install bats"
[ -x "$REGISTRY_BIN" ] || die "$REGISTRY_BIN missing: apt-get install docker-registry"
[ -x /bin/busybox ] || die "/bin/busybox missing: apt-get install busybox-static"
[ "$(id -u)" = 0 ] || die "run as root (it switches to $USER_NAME)"
uid="$(id -u "$USER_NAME")" || die "user $USER_NAME missing: make deps"
gid="$(id -g "$USER_NAME")"

WORK="$(mktemp -d /tmp/cove-podman-bats.XXXXXX)"
chmod 755 "$WORK"
REG_PID=
cleanup() {
    [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null || true
    # The user's containers may hold files owned by subordinate ids.
    setpriv --reuid="$uid" --regid="$gid" --init-groups env HOME="$WORK/home" \
        XDG_RUNTIME_DIR="$WORK/run" XDG_DATA_HOME="$WORK/data" "$WORK/cove" \
        rm -af -t 0 >/dev/null 2>&1 || true
    setpriv --reuid="$uid" --regid="$gid" --init-groups env HOME="$WORK/home" \
        XDG_RUNTIME_DIR="$WORK/run" XDG_DATA_HOME="$WORK/data" "$WORK/cove" \
        unshare rm -rf "$WORK/data" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

cp "$COVE" "$WORK/cove"
chmod 755 "$WORK/cove"
mkdir -p "$WORK/home" "$WORK/run" "$WORK/data" "$WORK/tmp" "$WORK/bin" "$OUT"
chmod 700 "$WORK/run"
chown "$uid:$gid" "$WORK/home" "$WORK/run" "$WORK/data" "$WORK/tmp"

# ------------------------------------------------------------ registry
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$WORK/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
"$REGISTRY_BIN" serve "$WORK/registry.yml" >/dev/null 2>&1 &
REG_PID=$!
for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done
REGISTRY="127.0.0.1:$port"
cat >"$WORK/registries.conf" <<EOF
unqualified-search-registries = ["$REGISTRY"]
[[registry]]
location = "$REGISTRY"
insecure = true
EOF
chmod 644 "$WORK/registries.conf"

# ------------------------------------------------------------ test image
# What podman's build-testimage puts in quay.io/libpod/testimage, on
# busybox instead of alpine: the applets, a passwd, /home/podman's files.
TAG=20241011
root="$WORK/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,var/tmp,home/podman,dev,proc,sys,run}
chmod 1777 "$root/tmp" "$root/var/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list-full); do
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
# Applets Debian's busybox lacks that the tests call.
[ -e "$root/usr/bin/printenv" ] || cat >"$root/usr/bin/printenv" <<'EOF'
#!/bin/sh
[ $# -eq 0 ] && exec env
rc=0
for v in "$@"; do
    if eval "[ -n \"\${$v+x}\" ]"; then eval "printf '%s\n' \"\$$v\""; else rc=1; fi
done
exit $rc
EOF
chmod 755 "$root/usr/bin/printenv"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
mail:x:8:12:mail:/var/mail:/sbin/nologin
operator:x:11:0:operator:/root:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
wheel:x:10:root
mail:x:12:mail
users:x:100:games
nogroup:x:65533:
nobody:x:65534:
EOF
printf 'NAME="cove test image"\nID=busybox\nVERSION_ID=%s\n' "$TAG" >"$root/etc/os-release"
echo "$TAG" >"$root/home/podman/testimage-id"
touch --date=@1600000000 "$root/home/podman/testimage-id"
cat >"$root/home/podman/pause" <<'EOF'
#!/bin/sh
trap 'exit 0' SIGTERM
echo Confirmed: testimage pause invoked as $0
while :; do
    sleep 0.1
done
EOF
cat >"$root/home/podman/healthcheck" <<'EOF'
#!/bin/sh
if test -e /uh-oh || test -e /uh-oh-only-once; then
    echo "Uh-oh on stdout!"
    echo "Uh-oh on stderr!" >&2
    rm -f /uh-oh-only-once
    exit 1
else
    echo "Life is Good on stdout"
    echo "Life is Good on stderr" >&2
    exit 0
fi
EOF
cat >"$root/home/podman/bytecheck" <<'EOF'
#!/bin/sh
tmpfile=`mktemp bytecheck.XXXXXXX`
cat >$tmpfile
size=`stat -c %s $tmpfile`
hash=`md5sum <$tmpfile`
odl=`head -c8 $tmpfile | od -An -tx1`
odr=`tail -c8 $tmpfile | od -An -tx1`
rm -f $tmpfile
echo size=$size hash=$hash head=$odl tail=$odr
EOF
chmod 755 "$root/home/podman/"{pause,healthcheck,bytecheck}
tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$WORK/testimage.tar" .

IMAGE="$REGISTRY/libpod/testimage:$TAG"
NONLOCAL="$REGISTRY/libpod/testimage:00000004"
admin=("$WORK/cove" --root "$WORK/admin-store" --runroot "$WORK/admin-run")
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
CONTAINERS_REGISTRIES_CONF="$WORK/registries.conf" "${admin[@]}" import -q \
    --change 'WORKDIR /home/podman' \
    --change 'CMD ["/bin/echo", "This container is intended for podman CI testing"]' \
    --change "LABEL created_by=test/system/build-testimage" \
    --change "LABEL created_at=$created" \
    "$WORK/testimage.tar" "$IMAGE" >/dev/null
for ref in "$IMAGE" "$NONLOCAL"; do
    [ "$ref" = "$IMAGE" ] || "${admin[@]}" tag "$IMAGE" "$ref"
    CONTAINERS_REGISTRIES_CONF="$WORK/registries.conf" "${admin[@]}" push -q \
        --tls-verify=false "$ref" >/dev/null
done
rm -rf "$WORK/admin-store" "$WORK/admin-run" "$root"

# Podman's _prefetch copies a missing image with skopeo into
# containers-storage; for cove that is a pull from the loopback registry.
cat >"$WORK/bin/skopeo" <<EOF
#!/bin/sh
for a in "\$@"; do last="\$a"; done
case "\$last" in
    containers-storage:*) exec "$WORK/cove" pull -q "\${last#containers-storage:}" >/dev/null ;;
    oci-archive:*) : >"\${last#oci-archive:}"; exit 0 ;;
esac
exec /usr/bin/skopeo "\$@"
EOF
chmod 755 "$WORK/bin/skopeo"

# The suite's setup makes TLS pairs with `openssl req -quiet`, an option
# Debian 12's openssl 3.0 lacks; the same command without it.
cat >"$WORK/bin/openssl" <<'EOF'
#!/bin/bash
args=()
for a in "$@"; do [ "$a" = -quiet ] || args+=("$a"); done
exec /usr/bin/openssl "${args[@]}"
EOF
chmod 755 "$WORK/bin/openssl"

# ------------------------------------------------------------ run
as_user() {
    setpriv --reuid="$uid" --regid="$gid" --init-groups -- env -i \
        PATH="$WORK/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" \
        HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run" XDG_DATA_HOME="$WORK/data" \
        XDG_CONFIG_HOME="$WORK/home/.config" TMPDIR="$WORK/tmp" \
        CONTAINERS_REGISTRIES_CONF="$WORK/registries.conf" \
        PODMAN="$WORK/cove" PODMAN_TEST_IMAGE_REGISTRY="$REGISTRY" \
        PODMAN_TEST_IMAGE_USER=libpod PODMAN_TEST_IMAGE_NAME=testimage \
        PODMAN_TEST_IMAGE_TAG="$TAG" PODMAN_TIMEOUT="${PODMAN_TIMEOUT:-60}" \
        "$@"
}
as_user "$WORK/cove" pull -q "$IMAGE" >/dev/null

files=("$@")
[ ${#files[@]} -gt 0 ] || files=("${DEFAULT_FILES[@]}")
total_pass=0 total_fail=0 total_skip=0
printf '%-22s %5s %5s %5s %5s\n' FILE PASS FAIL SKIP TOTAL
for f in "${files[@]}"; do
    f="${f%.bats}"
    path="$(ls "$SYSTEM/$f"*.bats 2>/dev/null | head -1)"
    [ -n "$path" ] || die "no bats file $f in $SYSTEM"
    name="$(basename "$path" .bats)"
    log="$OUT/$name.tap"
    filter=()
    [ -n "${BATS_FILTER:-}" ] && filter=(--filter "$BATS_FILTER")
    as_user bats --tap "${filter[@]}" "$path" >"$log" 2>&1 || true
    pass=$(grep -E '^ok ' "$log" | grep -vc '# skip' || true)
    skip=$(grep -E '^ok .*# skip' -c "$log" || true)
    fail=$(grep -Ec '^not ok ' "$log" || true)
    printf '%-22s %5d %5d %5d %5d\n' "$name" "$pass" "$fail" "$skip" $((pass + fail + skip))
    total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail)) total_skip=$((total_skip + skip))
done
printf '%-22s %5d %5d %5d %5d\n' TOTAL "$total_pass" "$total_fail" "$total_skip" \
    $((total_pass + total_fail + total_skip))
echo "logs (TAP, with each failure's output): $OUT/"
