#!/usr/bin/env bash
# Shell completion benchmark (part of `make bench`): prints figures beside
# Podman's, never asserts.
#
#   1. `cove rm <TAB>` with BENCH_COMPLETE_CONTAINERS (1000) containers,
#      through the bash script (completions/cove.bash): the whole TAB, a
#      bash started for each (hyperfine), and the function alone, timed
#      inside one bash (what a user's interactive shell pays)
#   2. `cove run <TAB>` with BENCH_COMPLETE_IMAGES (500) images, the same way
#   3. the engine alone: `cove __completeNoDesc rm ''`
#   4. Podman, when installed, with as many containers: `podman __complete
#      rm ''` and its own bash script (`__start_podman`) in a running bash
#
# Run as root it measures root and, when COVE_BENCH_USER (default covetest,
# made by tests/setup.sh) exists, that user too; run as anyone else it
# measures that user. Containers are `cove create`d from a busybox image
# imported into a private store. Needs hyperfine.
#
# Environment: COVE (binary), BENCH_COMPLETE_CONTAINERS, BENCH_COMPLETE_IMAGES,
# BENCH_COMPLETE_RUNS (default 100), BENCH_NO_PODMAN=1, COVE_BENCH_USER.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COVE="${COVE:-$REPO/target/release/cove}"
N_CONTAINERS="${BENCH_COMPLETE_CONTAINERS:-1000}"
N_IMAGES="${BENCH_COMPLETE_IMAGES:-500}"
RUNS="${BENCH_COMPLETE_RUNS:-100}"
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
PODMAN_BASH=/usr/share/bash-completion/completions/podman

WORK="$(mktemp -d /tmp/cove-bench-complete.XXXXXX)"
chmod 755 "$WORK"
PODMAN_RUNROOTS=()
cleanup() {
    for d in "${PODMAN_RUNROOTS[@]}"; do rm -rf "$d" 2>/dev/null || true; done
    awk -v w="$WORK" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
    rm -rf "$WORK" 2>/dev/null || "$COVE" --root "$WORK/.u" unshare rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc"
cp /bin/busybox "$WORK/rootfs/bin/"
ln -s busybox "$WORK/rootfs/bin/true"
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
mkdir -p "$WORK/bin"
cp "$COVE" "$WORK/bin/cove"
cp "$REPO/completions/cove.bash" "$WORK/cove.bash"
chmod -R a+rX "$WORK"

median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.1f" % (x["median"]*1000) for x in r))' "$1"; }

# bash-completion's helpers, loaded once in an interactive shell (Podman's
# script needs them; cove's uses them when present).
HELPERS=/usr/share/bash-completion/bash_completion
[ -r "$HELPERS" ] || HELPERS=/dev/null

# A bash program that presses TAB after LINE once (COMP_* as bash sets them)
# and prints how many candidates it got.
tab_once() { # SCRIPT FUNCTION LINE
    printf 'source %q; source %q; COMP_LINE=%q; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<<"$COMP_LINE"; COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); %s 2>/dev/null; echo ${#COMPREPLY[@]}' "$HELPERS" "$1" "$3" "$2"
}

# The same TAB RUNS times inside one bash: the median of what each call of
# the completion function takes (EPOCHREALTIME), in ms.
tab_in_shell() { # SCRIPT FUNCTION LINE
    printf 'source %q; source %q; COMP_LINE=%q; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<<"$COMP_LINE"; COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); t=(); for ((i=0;i<%d;i++)); do a=$EPOCHREALTIME; %s 2>/dev/null; b=$EPOCHREALTIME; t+=($(( (${b/./}-${a/./}) ))); done; printf "%%s\\n" "${t[@]}" | sort -n | awk "{v[NR]=\\$1} END{printf \\"%%.1f\\", v[int((NR+1)/2)]/1000}"' "$HELPERS" "$1" "$3" "$RUNS" "$2"
}

# bench_mode LABEL PREFIX...: PREFIX runs a command as the measured user.
bench_mode() {
    local label="$1"; shift
    local as=("$@")
    local home="$WORK/$label"
    mkdir -p "$home/xdg-run" "$home/data" "$home/config"
    chmod 700 "$home/xdg-run"
    [ "$label" = root ] || chown -R "$BENCH_USER:" "$home"
    local envs=(env HOME="$home" XDG_RUNTIME_DIR="$home/xdg-run" XDG_DATA_HOME="$home/data"
        XDG_CONFIG_HOME="$home/config" COVE_ROOT="$home/cove" COVE_RUNROOT="$home/cove-run"
        PATH="$WORK/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
    local run=("${as[@]}" "${envs[@]}")
    local cove=("${run[@]}" "$WORK/bin/cove")

    say "$label: $N_CONTAINERS containers, $N_IMAGES images"
    "${cove[@]}" import -q "$WORK/busybox.tar" bb >/dev/null
    "${run[@]}" bash -c 'for ((i = 0; i < '"$N_CONTAINERS"'; i++)); do cove create --name "c$i" bb true >/dev/null || exit 1; done' ||
        die "cove create failed for $label"
    # Distinct images (ids): one layer, a config each.
    "${run[@]}" bash -c 'for ((i = 1; i < '"$N_IMAGES"'; i++)); do cove import -q --message "$i" '"$WORK/busybox.tar"' "img$i" >/dev/null || exit 1; done' ||
        die "cove import failed for $label"
    note "containers: $("${cove[@]}" __completeNoDesc rm '' | grep -vc '^:')," \
        "images: $("${cove[@]}" images -q | wc -l)"

    local rm_line run_line
    rm_line="$(tab_once "$WORK/cove.bash" __cove_complete "cove rm ")"
    run_line="$(tab_once "$WORK/cove.bash" __cove_complete "cove run ")"
    local q; q="$(printf '%q ' "${run[@]}")"
    local cmds=(
        "$q bash --norc -c $(printf '%q' "$rm_line")"
        "$q bash --norc -c $(printf '%q' "$run_line")"
        "$q cove __completeNoDesc rm ''"
    )
    local names=("cove rm <TAB> (a new bash each)" "cove run <TAB> (a new bash each)" "cove __completeNoDesc rm ''")
    local pline=""

    if [ -n "$PODMAN" ]; then
        # Podman refuses a runroot path longer than 50 characters.
        local prun; prun="$(mktemp -d /tmp/cbp.XXXXXX)"
        PODMAN_RUNROOTS+=("$prun")
        chmod 755 "$prun"
        [ "$label" = root ] || chown "$BENCH_USER:" "$prun"
        local pflags=(--root "$home/podman" --runroot "$prun/run" --storage-driver vfs)
        local podman=("${run[@]}" "$PODMAN" "${pflags[@]}")
        if "${podman[@]}" import -q "$WORK/busybox.tar" bb >/dev/null 2>"$home/podman.err"; then
            note "podman: creating $N_CONTAINERS containers"
            seq "$N_CONTAINERS" | "${run[@]}" xargs -P 4 -I{} "$PODMAN" "${pflags[@]}" create --name "c{}" bb true \
                >/dev/null 2>>"$home/podman.err" || true
            note "podman containers: $("${podman[@]}" ps -aq | wc -l)"
            local pq; pq="$(printf '%q ' "${podman[@]}")"
            cmds+=("$pq __complete rm ''")
            names+=("podman __complete rm ''")
            if [ -r "$PODMAN_BASH" ]; then
                # Podman's script runs `podman __complete` with the words
                # typed; the store flags go on the command line.
                pline="podman ${pflags[*]} rm "
                note "podman rm <TAB> candidates through its script: $("${run[@]}" bash --norc -c "$(tab_once "$PODMAN_BASH" __start_podman "$pline")")"
            fi
        else
            note "podman could not run here ($(tail -n 1 "$home/podman.err")); cove figures only"
        fi
    fi
    note "cove rm <TAB> candidates through its script: $("${run[@]}" bash --norc -c "$rm_line")"

    local args=()
    for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$home/h.json" "${args[@]}" >"$home/hyperfine.txt" 2>&1 ||
        { cat "$home/hyperfine.txt"; die "hyperfine failed"; }
    local medians; read -ra medians <<<"$(median_ms "$home/h.json")"
    for i in "${!names[@]}"; do note "median ${names[$i]}: ${medians[$i]} ms"; done
    local in_rm in_run in_podman=""
    in_rm="$("${run[@]}" bash --norc -c "$(tab_in_shell "$WORK/cove.bash" __cove_complete "cove rm ")")"
    in_run="$("${run[@]}" bash --norc -c "$(tab_in_shell "$WORK/cove.bash" __cove_complete "cove run ")")"
    note "median TAB in a running bash (its script's function): cove rm <TAB> ${in_rm} ms, cove run <TAB> ${in_run} ms"
    if [ -n "$pline" ]; then
        in_podman="$("${run[@]}" bash --norc -c "$(tab_in_shell "$PODMAN_BASH" __start_podman "$pline")")"
        note "median TAB in a running bash: podman rm <TAB> ${in_podman} ms (podman/cove $(awk -v a="$in_podman" -v b="$in_rm" 'BEGIN{printf "%.1f", a/b}')x)"
    fi
    if [ -n "$PODMAN" ] && [ "${#medians[@]}" -ge 4 ]; then
        note "engines alone, podman/cove: $(awk -v a="${medians[3]}" -v b="${medians[2]}" 'BEGIN{printf "%.1f", a/b}')x"
    fi
    note "command: hyperfine -N --warmup 5 --runs $RUNS (full list in $home/hyperfine.txt while the bench runs)"
}

say "completion benchmark — $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), ${PODMAN:+$($PODMAN --version)}"
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
