//! Integration test harness: runs the real `cove` binary against a real
//! registry on loopback, as root and (when the suite runs as root) as an
//! unprivileged user with /etc/subuid ranges, each test with its own
//! HOME, XDG dirs and store.
#![allow(dead_code)]

pub mod fixtures;
pub mod registry;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// Who cove runs as in a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Real root (CI, or a developer with sudo).
    Root,
    /// An unprivileged user we switch to from root with setpriv.
    User { name: String, uid: u32, gid: u32 },
    /// The developer running `make test` unprivileged: already rootless.
    Myself,
}

impl Mode {
    pub fn is_root(&self) -> bool {
        matches!(self, Mode::Root)
    }
    pub fn label(&self) -> String {
        match self {
            Mode::Root => "root".into(),
            Mode::User { name, .. } => format!("user {name}"),
            Mode::Myself => "myself".into(),
        }
    }
}

/// Every mode the suite runs each scenario in on this machine.
pub fn modes() -> Vec<Mode> {
    if !nix::unistd::geteuid().is_root() {
        return vec![Mode::Myself];
    }
    let name = std::env::var("COVE_TEST_USER").unwrap_or_else(|_| "covetest".into());
    let user = nix::unistd::User::from_name(&name)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("test user {name} does not exist: run .ci/run, or create it with subuid ranges (useradd {name}; usermod --add-subuids 200000-265535 --add-subgids 200000-265535 {name})"));
    vec![
        Mode::Root,
        Mode::User {
            name,
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
        },
    ]
}

/// The storage drivers each container test runs with (COVE_TEST_DRIVERS,
/// comma-separated, narrows it).
pub fn drivers() -> Vec<String> {
    std::env::var("COVE_TEST_DRIVERS")
        .unwrap_or_else(|_| "overlay,vfs,fuse".into())
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn scratch_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cove-tests-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    })
}

/// The cove binary, copied where an unprivileged user can run it (the
/// checkout may be under /root, which is 0700).
pub fn cove_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let src = PathBuf::from(env!("CARGO_BIN_EXE_cove"));
        let dst = scratch_root().join("cove");
        std::fs::copy(&src, &dst).unwrap();
        std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).unwrap();
        dst
    })
}

/// One test's world: a mode and private directories.
pub struct Env {
    pub mode: Mode,
    pub dir: PathBuf,
    pub home: PathBuf,
    pub runtime: PathBuf,
    pub data: PathBuf,
    pub config: PathBuf,
    /// COVE_STORAGE_DRIVER for every command, when set.
    pub driver: Option<String>,
}

impl Env {
    pub fn new(mode: &Mode) -> Env {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = scratch_root().join(format!("t{}", N.fetch_add(1, Ordering::Relaxed)));
        let home = dir.join("home");
        let runtime = dir.join("run");
        let data = dir.join("data");
        let config = home.join(".config");
        for d in [&dir, &home, &runtime, &data, &config] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        if let Mode::User { uid, gid, .. } = mode {
            for d in [&dir, &home, &runtime, &data, &config] {
                chown(d, *uid, *gid);
            }
        }
        let _ = cove_binary();
        Env {
            mode: mode.clone(),
            dir,
            home,
            runtime,
            data,
            config,
            driver: None,
        }
    }

    /// The same env with a storage driver chosen for every command.
    pub fn with_driver(mut self, driver: &str) -> Env {
        self.driver = Some(driver.to_string());
        self
    }

    /// Where cove keeps images in this env.
    pub fn store_root(&self) -> PathBuf {
        self.data.join("cove")
    }

    /// A command running cove in this env's mode and directories.
    pub fn cove(&self, args: &[&str]) -> Command {
        self.command(cove_binary(), args)
    }

    /// Any program, run as this env's user with its environment.
    pub fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = match &self.mode {
            Mode::User { uid, gid, .. } => {
                let mut c = Command::new("setpriv");
                c.args([
                    &format!("--reuid={uid}"),
                    &format!("--regid={gid}"),
                    "--init-groups",
                    "--",
                ]);
                c.arg(program);
                c
            }
            _ => Command::new(program),
        };
        cmd.args(args);
        cmd.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env("XDG_DATA_HOME", &self.data)
            .env("XDG_CONFIG_HOME", &self.config)
            .env(
                "CONTAINERS_REGISTRIES_CONF",
                self.dir.join("registries.conf"),
            )
            .current_dir(&self.dir);
        if let Some(d) = &self.driver {
            cmd.env("COVE_STORAGE_DRIVER", d);
        }
        if self.mode.is_root() {
            cmd.env("COVE_ROOT", self.store_root())
                .env("COVE_RUNROOT", self.runtime.join("cove"));
        }
        cmd
    }

    /// Run cove, returning its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cove(args)
            .stdin(Stdio::null())
            .output()
            .expect("spawning cove")
    }

    /// Run cove with stdin from bytes.
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write;
        let mut child = self
            .cove(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning cove");
        let mut stdin = child.stdin.take().unwrap();
        let data = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    }

    /// Run cove and insist on success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "[{}] cove {} failed ({:?}):\nstdout: {}\nstderr: {}",
            self.mode.label(),
            args.join(" "),
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run cove expecting failure with `code`; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "[{}] cove {} should exit {code}:\nstdout: {}\nstderr: {}",
            self.mode.label(),
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Write a file in this env's directory, readable by its user.
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        p
    }

    /// Run a shell command inside cove's user namespace (to look at files
    /// owned by subordinate ids the way the container sees them).
    pub fn unshare_sh(&self, script: &str) -> String {
        self.ok(&["unshare", "/bin/sh", "-c", script])
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn chown(path: &Path, uid: u32, gid: u32) {
    nix::unistd::chown(
        path,
        Some(nix::unistd::Uid::from_raw(uid)),
        Some(nix::unistd::Gid::from_raw(gid)),
    )
    .unwrap();
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
