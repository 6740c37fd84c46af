//! Filesystem semantics inside real containers, the same script on every
//! storage driver (overlay, vfs, fuse), as root and as the unprivileged
//! user: what package managers, git and editors rely on. Plus the fuse
//! driver's own lifecycle: nothing mounted on the host, a clear error
//! when /dev/fuse cannot be used, keep-id without a copy of the image.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{modes, stderr, stdout, Env, Mode};
use serde_json::json;

/// Two layers: a base with files, dirs, hardlinks and an owned file; a
/// top layer with a whiteout and an opaque dir.
fn image() -> Image {
    let base = TarBuilder::new()
        .busybox_full()
        .dir("tmp", 0o1777)
        .dir("home", 0o755)
        .dir("home/user", 0o755)
        .file("home/user/owned", b"mine", 0o644, 1000, 1000)
        .file("home/user/secret", b"hidden", 0o600, 1000, 1000)
        .dir("a", 0o755)
        .file("a/x", b"x", 0o644, 0, 0)
        .file("a/y", b"y", 0o644, 0, 0)
        .dir("b", 0o755)
        .file("b/old", b"old", 0o644, 0, 0)
        .dir("deep", 0o755)
        .dir("deep/er", 0o755)
        .file("deep/er/file", b"deep", 0o644, 0, 0)
        .dir("gone", 0o755)
        .file("gone/old", b"old", 0o644, 0, 0)
        .file("hl1", b"linked", 0o644, 0, 0)
        .hardlink("hl2", "hl1")
        .file("etc/conf", b"v1\n", 0o644, 0, 0)
        .finish();
    let top = TarBuilder::new()
        .whiteout("a", "x")
        .dir("b", 0o755)
        .opaque("b")
        .file("b/new", b"new", 0o644, 0, 0)
        .dir("deep", 0o755)
        .file("deep/top", b"top", 0o644, 0, 0)
        .finish();
    Image::for_platform(
        vec![
            Layer::new(base, Compression::Gzip),
            Layer::new(top, Compression::Gzip),
        ],
        false,
        "amd64",
        None,
        json!({"Cmd": ["sh"], "Env": ["PATH=/bin"]}),
    )
}

fn setup(mode: &Mode, driver: &str) -> (Env, Registry) {
    let registry = Registry::start();
    push(&registry, "fs", "latest", &image());
    let env = Env::new(mode).with_driver(driver);
    let reference = format!("{}/fs:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "fs"]);
    (env, registry)
}

/// Every driver this machine can run (COVE_TEST_DRIVERS narrows it).
fn all_drivers() -> Vec<String> {
    std::env::var("COVE_TEST_DRIVERS")
        .unwrap_or_else(|_| "overlay,vfs,fuse".into())
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first run: changes of every kind, each checked at once. Prints
/// "done" when every check passed.
const CHANGES: &str = r#"
set -e
fail() { echo "FAIL: $*"; exit 1; }
[ "$(cat /a/y)" = y ] || fail read
[ ! -e /a/x ] || fail whiteout-from-image
[ "$(ls /b)" = new ] || fail opaque-from-image
[ "$(ls /deep | tr '\n' ' ')" = "er top " ] || fail merged-dir
[ "$(stat -c %u:%g /home/user/owned)" = 1000:1000 ] || fail owner
# sed -i: a temporary file renamed over a lower file.
printf 'v1\nv2\n' > /etc/conf.new && mv /etc/conf.new /etc/conf
sed -i 's/v2/v3/' /etc/conf
[ "$(cat /etc/conf | tr '\n' ' ')" = "v1 v3 " ] || fail sed-i
# Renames of lower files and directories across layers.
mkdir /moved
mv /a/y /moved/y
[ "$(cat /moved/y)" = y ] && [ ! -e /a/y ] || fail rename-lower-file
mv /deep /moved/deep
[ "$(cat /moved/deep/er/file)" = deep ] && [ "$(cat /moved/deep/top)" = top ] || fail rename-merged-dir
[ ! -e /deep ] || fail rename-left-source
mkdir /deep && [ -z "$(ls -A /deep)" ] || fail recreate-after-rename
# A directory renamed over an empty one.
mkdir /empty && mv /moved/deep/er /empty/ && [ -f /empty/er/file ] || fail rename-into
# Hardlinks.
echo data > /hl-a && ln /hl-a /hl-b && echo more >> /hl-b
[ /hl-a -ef /hl-b ] || fail hardlink-identity
[ "$(stat -c %h /hl-a)" = 2 ] || fail hardlink-count
[ "$(cat /hl-a | tr '\n' ' ')" = "data more " ] || fail hardlink-data
[ "$(cat /hl2)" = linked ] || fail image-hardlink
rm /hl1 && [ "$(cat /hl2)" = linked ] || fail unlink-one-of-hardlinks
# Deleting a lower directory and making it again: empty.
rm -rf /gone && [ ! -e /gone ] || fail rm-dir
mkdir /gone && [ -z "$(ls -A /gone)" ] || fail recreated-dir-not-empty
echo fresh > /gone/new
# chmod and chown of lower files.
chmod 640 /home/user/owned && chown 1234:1235 /home/user/owned
[ "$(stat -c %a:%u:%g /home/user/owned)" = 640:1234:1235 ] || fail chmod-chown
[ "$(cat /home/user/owned)" = mine ] || fail chown-data
touch -d '2001-02-03 04:05:06' /b/new
[ "$(stat -c %Y /b/new)" = "$(date -d '2001-02-03 04:05:06' +%s)" ] || fail utimens
# Truncate, append, symlinks, fifos.
echo 123456 > /trunc && truncate -s 3 /trunc && [ "$(cat /trunc)" = 123 ] || fail truncate
ln -s /moved/y /sym && [ "$(readlink /sym)" = /moved/y ] && [ "$(cat /sym)" = y ] || fail symlink
mkfifo /fifo && [ -p /fifo ] || fail fifo
# A large sparse file keeps its holes.
dd if=/dev/zero of=/sparse bs=1 count=1 seek=1073741823 2>/dev/null
[ "$(stat -c %s /sparse)" = 1073741824 ] || fail sparse-size
[ "$(du -k /sparse | cut -f1)" -lt 1024 ] || fail sparse-holes
# Concurrent writers appending to one file.
for i in 1 2 3 4 5 6 7 8; do (for j in $(seq 1 50); do echo "$i $j" >> /conc; done) & done
wait
[ "$(wc -l < /conc)" = 400 ] || fail concurrent-appends
# readdir while the directory changes.
mkdir /rd && for i in $(seq 1 200); do touch /rd/f$i; done
n=0; for f in /rd/*; do rm "$f"; touch "$f.x"; n=$((n+1)); done
[ "$n" = 200 ] && [ "$(ls /rd | wc -l)" = 200 ] || fail readdir-during-change
# Rename over an existing file and RENAME_NOREPLACE-style checks.
echo one > /r1 && echo two > /r2 && mv /r1 /r2 && [ "$(cat /r2)" = one ] && [ ! -e /r1 ] || fail rename-over
echo done
"#;

/// The second run of the same container: every change is still there and
/// nothing deleted came back.
const AFTER_RESTART: &str = r#"
set -e
fail() { echo "FAIL: $*"; exit 1; }
[ ! -e /a/x ] && [ ! -e /a/y ] || fail whiteouts-lost
[ -z "$(ls -A /deep)" ] || fail recreated-dir-refilled
[ "$(ls -A /gone)" = new ] || fail recreated-lower-dir-refilled
[ "$(cat /moved/deep/top)" = top ] || fail renamed-dir-lost
[ "$(cat /etc/conf | tr '\n' ' ')" = "v1 v3 " ] || fail sed-lost
[ "$(stat -c %a:%u:%g /home/user/owned)" = 640:1234:1235 ] || fail chown-lost
[ ! -e /hl1 ] && [ "$(cat /hl2)" = linked ] || fail hardlink-lost
[ "$(ls /b)" = new ] || fail opaque-lost
if [ -e /sparse ]; then
  [ "$(du -k /sparse | cut -f1)" -lt 1024 ] || fail sparse-lost
  # Not worth a gigabyte of zeros in the committed image.
  rm /sparse
fi
echo done
"#;

/// First run: the changes; later runs (restart, or a committed image):
/// the checks that they persisted.
fn script() -> String {
    let changes = CHANGES.replace("echo done", "touch /.ran\necho done");
    format!("if [ -e /.ran ]; then\n{AFTER_RESTART}\nelse\n{changes}\nfi")
}

#[test]
fn filesystem_semantics_on_every_driver() {
    let script = script();
    for mode in modes() {
        for driver in all_drivers() {
            let (env, _registry) = setup(&mode, &driver);
            let label = format!("[{} {driver}]", mode.label());
            let out = env.run(&["run", "--name", "sem", "fs", "sh", "-c", &script]);
            assert_eq!(
                stdout(&out).trim(),
                "done",
                "{label} first run: {}",
                stderr(&out)
            );
            // Restarted: whiteouts, opaque dirs and renames persisted.
            let out = env.run(&["start", "-a", "sem"]);
            assert_eq!(
                stdout(&out).trim(),
                "done",
                "{label} restart: {}",
                stderr(&out)
            );
            // The upper dir reads the same way for commit (whiteouts,
            // opaque dirs become .wh. entries).
            env.ok(&["commit", "-q", "sem", "sem-image"]);
            let out = env.run(&["run", "--rm", "sem-image", "sh", "-c", &script]);
            assert_eq!(
                stdout(&out).trim(),
                "done",
                "{label} committed image: {}",
                stderr(&out)
            );
        }
    }
}

/// Layer directories re-owned for an id mapping (the overlay driver's
/// keep-id copies), anywhere in the store.
fn shifted_copies(env: &Env) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![env.store_root()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("idmap-") {
                found.push(e.path().display().to_string());
            } else if e.file_type().map(|t| t.is_dir()).unwrap_or(false)
                && dir.components().count() < env.store_root().components().count() + 3
            {
                stack.push(e.path());
            }
        }
    }
    found
}

#[test]
fn fuse_keep_id_shifts_owners_without_a_copy() {
    for mode in modes() {
        let Mode::User { uid, gid, .. } = &mode else {
            continue;
        };
        let (env, _registry) = setup(&mode, "fuse");
        let script = "id -u; stat -c %u:%g /bin/busybox /home/user/owned; \
                      cat /home/user/owned; echo; touch /tmp/mine; stat -c %u:%g /tmp/mine; \
                      chown 1000:1000 /tmp/mine 2>/dev/null || echo no-chown; \
                      echo changed >> /tmp/mine && echo wrote";
        let got = env.ok(&[
            "run",
            "--name",
            "k",
            "--userns=keep-id",
            "fs",
            "sh",
            "-c",
            script,
        ]);
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines[0], uid.to_string(), "{got}");
        // The image's owners, as the image says, not the store's.
        assert_eq!(lines[1], "0:0", "{got}");
        assert_eq!(lines[2], "1000:1000", "{got}");
        assert_eq!(lines[3], "mine", "{got}");
        assert_eq!(lines[4], format!("{uid}:{gid}"), "{got}");
        assert_eq!(lines[5], "no-chown", "{got}");
        assert_eq!(lines[6], "wrote", "{got}");
        assert!(
            shifted_copies(&env).is_empty(),
            "{:?}",
            shifted_copies(&env)
        );
        // The same container started again sees what it wrote.
        let again = env.ok(&["start", "-a", "k"]);
        assert!(again.contains("wrote"), "{again}");
        // Committed, its files keep the owners the container saw.
        env.ok(&["commit", "-q", "k", "kimg"]);
        let owners = env.ok(&[
            "run",
            "--rm",
            "kimg",
            "stat",
            "-c",
            "%u:%g",
            "/tmp/mine",
            "/bin/busybox",
        ]);
        assert_eq!(owners.trim(), format!("{uid}:{gid}\n0:0"), "{owners}");
    }
}

#[test]
fn fuse_mmap_writes_and_nothing_left_mounted() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, "fuse");
        // busybox has no mmap tool; a shared writable mapping is what
        // `dd conv=notrunc` on a file being read through mmap by the page
        // cache amounts to for the kernel: write through the page cache,
        // read back through a fresh open.
        let got = env.ok(&[
            "run",
            "--rm",
            "fs",
            "sh",
            "-c",
            "dd if=/dev/zero of=/f bs=4096 count=4 2>/dev/null; \
             printf XY | dd of=/f bs=1 seek=5000 conv=notrunc 2>/dev/null; sync; \
             dd if=/f bs=1 skip=5000 count=2 2>/dev/null; echo; \
             cat /home/user/owned > /dev/null; mount | grep ' / ' | cut -d' ' -f1,5",
        ]);
        assert_eq!(got.trim(), "XY\ncove fuse.cove", "[{}] {got}", mode.label());
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        let root = env.store_root().display().to_string();
        assert!(
            !mounts.contains(&root),
            "[{}] left mounted:\n{mounts}",
            mode.label()
        );
    }
}

#[test]
fn fuse_fsync_in_removed_and_kept_containers() {
    // fsync of a file and of a directory (busybox `sync FILE...`) succeed
    // in a `--rm` container, whose server skips the disk (volatile), and
    // in a kept one, whose server syncs; either way the data is in the
    // upper dir once fsync has returned, while the container still runs.
    let script = "mkdir /d && dd if=/dev/zero of=/d/big bs=64k count=16 conv=fsync 2>/dev/null \
                  && echo data > /d/y && sync /d /d/y && echo synced; sleep 300";
    for mode in modes() {
        let (env, _registry) = setup(&mode, "fuse");
        let label = mode.label();
        for (name, rm) in [("removed", true), ("kept", false)] {
            let mut args = vec!["run", "-d", "--name", name];
            if rm {
                args.push("--rm");
            }
            args.extend(["fs", "sh", "-c", script]);
            let id = env.ok(&args);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while !env.ok(&["logs", name]).contains("synced") {
                assert!(
                    std::time::Instant::now() < deadline,
                    "[{label}] {name}: no 'synced' in {}",
                    env.ok(&["logs", name])
                );
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let upper = env
                .store_root()
                .join("containers")
                .join(id.trim())
                .join("upper/d");
            assert_eq!(
                std::fs::read_to_string(upper.join("y")).unwrap(),
                "data\n",
                "[{label}] {name}"
            );
            assert_eq!(
                std::fs::metadata(upper.join("big")).unwrap().len(),
                1 << 20,
                "[{label}] {name}"
            );
            env.ok(&["rm", "-f", "-t", "0", name]);
        }
    }
}

#[test]
fn a_killed_fuse_server_is_reported_by_ps_and_inspect() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, "fuse");
        let label = mode.label();
        env.ok(&[
            "run",
            "-d",
            "--name",
            "victim",
            "fs",
            "sh",
            "-c",
            "while true; do cat /a/y >/dev/null 2>&1 && echo ok || echo broken; sleep 0.1; done",
        ]);
        let id = env.ok(&["inspect", "--format", "{{.Id}}", "victim"]);
        let dir = env.store_root().join("containers").join(id.trim());
        let pid: i32 = std::fs::read_to_string(dir.join("fuse-server.pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let error = env.ok(&["inspect", "--format", "{{.State.Error}}", "victim"]);
        assert_eq!(error.trim(), "", "[{label}] healthy server");
        // Once the loop has run, its shell and busybox's pages are in
        // memory: a kill earlier could fault the shell itself to death.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !env.ok(&["logs", "victim"]).contains("ok") {
            assert!(
                std::time::Instant::now() < deadline,
                "[{label}] the loop never ran"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        // The container sees errors, and ps and inspect say why.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let logs = env.ok(&["logs", "victim"]);
            if logs.contains("broken") {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "[{label}] {logs}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let error = env.ok(&["inspect", "--format", "{{.State.Error}}", "victim"]);
        assert!(
            error.contains("fuse storage server") && error.contains(&format!("pid {pid}")),
            "[{label}] {error}"
        );
        let status = env.ok(&["ps", "--format", "{{.Status}}"]);
        assert!(status.contains("(storage failed)"), "[{label}] {status}");
        let err = env.fails(&["rm", "-t", "0", "victim"], 125);
        assert!(err.contains("--force option must be specified"), "{err}");
        env.ok(&["rm", "-f", "-t", "0", "victim"]);
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        assert!(
            !mounts.contains(&env.store_root().display().to_string()),
            "[{label}] left mounted"
        );
    }
}

/// `cmd` run in a mount namespace of its own where /dev/fuse is a plain
/// root-owned 0600 file: unopenable for the user (as /dev/fuse 0600 is on
/// minimal systems), not a FUSE device for root.
fn without_fuse_device(cmd: std::process::Command, fake: &std::path::Path) -> std::process::Output {
    let mut wrapped = std::process::Command::new("unshare");
    wrapped
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg("mount --bind \"$0\" /dev/fuse && exec \"$@\"")
        .arg(fake)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped.stdin(std::process::Stdio::null()).output().unwrap()
}

#[test]
fn fuse_unusable_device_is_one_clear_error() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("needs root to fake /dev/fuse in a mount namespace: skipped");
        return;
    }
    let fake = std::env::temp_dir().join(format!("cove-fake-fuse-{}", std::process::id()));
    std::fs::write(&fake, b"").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o600)).unwrap();
    for mode in modes() {
        let (env, _registry) = setup(&mode, "fuse");
        let out = without_fuse_device(env.cove(&["run", "--rm", "fs", "true"]), &fake);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(125), "[{}] {err}", mode.label());
        assert_eq!(
            err.lines().count(),
            1,
            "[{}] one message: {err}",
            mode.label()
        );
        if mode.is_root() {
            assert!(err.contains("mounting the fuse root filesystem"), "{err}");
        } else {
            assert!(
                err.contains("cannot open /dev/fuse") && err.contains("chmod 0666 /dev/fuse"),
                "{err}"
            );
        }
        // Nothing left: no container (--rm), no mount, no server.
        let ps = env.ok(&["ps", "-a", "-q"]);
        assert!(ps.trim().is_empty(), "[{}] {ps}", mode.label());
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        assert!(!mounts.contains(&env.store_root().display().to_string()));
    }
    let _ = std::fs::remove_file(&fake);
}

/// What busybox cannot do: a shared writable mapping of an image file,
/// RENAME_NOREPLACE and RENAME_EXCHANGE (of a lower file and a lower
/// directory), in a small static C program built for the test.
const SYSCALLS_C: &str = r#"
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what) { printf("FAIL %s: %s\n", what, strerror(errno)); return 1; }

int main(void) {
    int fd = open("/data/mm", O_RDWR);
    if (fd < 0) return fail("open");
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return fail("mmap");
    memcpy(p + 4000, "MMAPPED", 7);
    if (msync(p, 8192, MS_SYNC)) return fail("msync");
    munmap(p, 8192);
    close(fd);
    char buf[8] = {0};
    fd = open("/data/mm", O_RDONLY);
    if (fd < 0 || pread(fd, buf, 7, 4000) != 7 || memcmp(buf, "MMAPPED", 7)) return fail("mmap-readback");
    close(fd);
    if (renameat2(AT_FDCWD, "/data/x1", AT_FDCWD, "/data/x2", RENAME_NOREPLACE) == 0 || errno != EEXIST)
        return fail("rename-noreplace");
    if (renameat2(AT_FDCWD, "/data/x1", AT_FDCWD, "/data/dir", RENAME_EXCHANGE)) {
        /* The kernel overlay without redirect_dir refuses to move a lower
           directory; callers (mv) fall back to copying. */
        if (errno == EXDEV) { printf("ok-exdev\n"); return 0; }
        return fail("rename-exchange");
    }
    struct stat st;
    if (stat("/data/x1", &st) || !S_ISDIR(st.st_mode)) return fail("exchange-dir");
    if (stat("/data/dir", &st) || !S_ISREG(st.st_mode)) return fail("exchange-file");
    if (stat("/data/x1/inner", &st)) return fail("exchange-content");
    printf("ok\n");
    return 0;
}
"#;

#[test]
fn mmap_and_rename_flags_on_every_driver() {
    let dir = std::env::temp_dir().join(format!("cove-fsops-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fsops.c"), SYSCALLS_C).unwrap();
    let built = std::process::Command::new("gcc")
        .args(["-static", "-O1", "-o"])
        .arg(dir.join("fsops"))
        .arg(dir.join("fsops.c"))
        .status();
    if !matches!(built, Ok(s) if s.success()) {
        eprintln!("gcc -static is not available (tests/setup.sh installs it): skipped");
        return;
    }
    let binary = std::fs::read(dir.join("fsops")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let layer = TarBuilder::new()
        .busybox()
        .file("bin/fsops", &binary, 0o755, 0, 0)
        .dir("data", 0o755)
        .file("data/mm", &[b'.'; 8192], 0o644, 0, 0)
        .file("data/x1", b"1", 0o644, 0, 0)
        .file("data/x2", b"2", 0o644, 0, 0)
        .dir("data/dir", 0o755)
        .file("data/dir/inner", b"in", 0o644, 0, 0)
        .finish();
    let img = Image::for_platform(
        vec![Layer::new(layer, Compression::Gzip)],
        false,
        "amd64",
        None,
        json!({"Cmd": ["/bin/fsops"]}),
    );
    for mode in modes() {
        for driver in all_drivers() {
            let registry = Registry::start();
            push(&registry, "ops", "latest", &img);
            let env = Env::new(&mode).with_driver(&driver);
            let reference = format!("{}/ops:latest", registry.host());
            env.ok(&["pull", "-q", &reference]);
            let out = env.run(&["run", "--rm", &reference]);
            // Only the kernel overlay may refuse the exchange of a lower
            // directory (EXDEV, as overlayfs without redirect_dir does).
            let expected = match (driver.as_str(), stdout(&out).trim()) {
                ("overlay", "ok-exdev") => "ok-exdev",
                _ => "ok",
            };
            assert_eq!(
                stdout(&out).trim(),
                expected,
                "[{} {driver}] {}",
                mode.label(),
                stderr(&out)
            );
        }
    }
}
