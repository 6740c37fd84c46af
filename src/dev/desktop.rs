//! The host's desktop plumbing a dev sandbox can use: the display (X11,
//! Wayland), sound (PipeWire, PulseAudio), the D-Bus buses, GPU and sound
//! devices, fonts and icon themes, the SSH agent, and the terminal,
//! locale and time zone settings.
//!
//! Each piece is detected and passed only when present; what is missing
//! becomes one line of notice, never an error. The result is a plan of
//! plain data (binds, environment, devices, files to write) that `dev
//! create` turns into the container's spec. Sockets keep their host path
//! inside the sandbox, so the environment that names them (DISPLAY,
//! WAYLAND_DISPLAY, XDG_RUNTIME_DIR, …) is the host's, unchanged.
//!
//! Detection reads a [`Host`]: a root directory and an environment, so
//! tests run it against a fake root with real sockets in it.

use std::collections::BTreeMap;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// Where the host's shared data (fonts, icons) appears in the sandbox:
/// beside, not over, the image's own.
pub const HOST_SHARE: &str = "/run/host/share";

/// The fontconfig file that adds the host's fonts to the image's.
pub const FONTCONFIG_FILE: &str = "/etc/fonts/conf.d/50-cove-host-fonts.conf";

/// The system bus socket, at its standard path.
const SYSTEM_BUS: &str = "/run/dbus/system_bus_socket";

/// What the detection looks at.
#[derive(Debug, Clone)]
pub struct Host {
    /// `/` on a real host; a fake root in tests. Paths in the environment
    /// and in the plan are host paths, looked up beneath this root.
    pub root: PathBuf,
    pub env: BTreeMap<String, String>,
    /// The user's home on the host.
    pub home: PathBuf,
}

impl Host {
    /// The real host: `/` and this process's environment.
    pub fn current() -> Host {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = PathBuf::from(env.get("HOME").cloned().unwrap_or_else(|| "/".into()));
        Host {
            root: PathBuf::from("/"),
            env,
            home,
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A host path beneath the root.
    fn at(&self, host_path: &Path) -> PathBuf {
        self.root
            .join(host_path.strip_prefix("/").unwrap_or(host_path))
    }

    fn is_socket(&self, host_path: &Path) -> bool {
        std::fs::symlink_metadata(self.at(host_path)).is_ok_and(|m| m.file_type().is_socket())
    }

    fn is_dir(&self, host_path: &Path) -> bool {
        self.at(host_path).is_dir()
    }

    fn is_file(&self, host_path: &Path) -> bool {
        self.at(host_path).is_file()
    }
}

/// What the sandbox was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Display, fonts, icons and /dev/dri (`--no-gui` turns them off).
    pub gui: bool,
    /// `--isolated`: no host socket, device or home at all; only the
    /// terminal, locale and time zone settings.
    pub isolated: bool,
    /// The host's home is mounted at the same path (files inside it need
    /// no binds of their own).
    pub home_mounted: bool,
    /// The sandbox shares the host's network namespace, where abstract
    /// sockets (`@/tmp/.X11-unix/X0`, `unix:abstract=`) and TCP displays
    /// are reachable.
    pub host_network: bool,
}

/// A bind mount from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub source: PathBuf,
    pub destination: PathBuf,
    pub read_only: bool,
}

/// Everything the sandbox gets from the host's desktop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub binds: Vec<Bind>,
    /// Environment for every process of the sandbox, in order.
    pub env: Vec<(String, String)>,
    /// Host device nodes or directories of them to bind at the same path.
    pub devices: Vec<PathBuf>,
    /// Files to write in the sandbox: (path, content).
    pub files: Vec<(PathBuf, String)>,
    /// The sandbox's XDG_RUNTIME_DIR (the host's path): `dev create` must
    /// make it a directory of the user's own (a tmpfs, mode 0700) before
    /// the sockets are bound into it.
    pub runtime_dir: Option<PathBuf>,
    /// One line each for what was looked for and not passed.
    pub notices: Vec<String>,
}

impl Plan {
    fn bind(&mut self, path: &Path, read_only: bool) {
        self.bind_to(path, path, read_only);
    }

    fn bind_to(&mut self, source: &Path, destination: &Path, read_only: bool) {
        if !self.binds.iter().any(|b| b.destination == destination) {
            self.binds.push(Bind {
                source: source.to_path_buf(),
                destination: destination.to_path_buf(),
                read_only,
            });
        }
    }

    fn set_env(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.env.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.env.push((name.to_string(), value)),
        }
    }

    fn notice(&mut self, line: impl Into<String>) {
        self.notices.push(line.into());
    }
}

/// Detect what the host offers and plan what the sandbox gets.
pub fn plan(host: &Host, opts: &Options) -> Plan {
    let mut plan = Plan::default();
    terminal_and_locale(host, &mut plan);
    time_zone(host, &mut plan);
    if opts.isolated {
        return plan;
    }
    let runtime_dir = runtime_dir(host, &mut plan);
    if opts.gui {
        x11(host, opts, &mut plan);
        wayland(host, runtime_dir.as_deref(), &mut plan);
        fonts_and_icons(host, opts, &mut plan);
        device_dir(host, "/dev/dri", "GPU acceleration", &mut plan);
    }
    sound(host, runtime_dir.as_deref(), &mut plan);
    device_dir(host, "/dev/snd", "ALSA sound devices", &mut plan);
    session_bus(host, runtime_dir.as_deref(), opts, &mut plan);
    system_bus(host, &mut plan);
    ssh_agent(host, &mut plan);
    plan
}

/// TERM, COLORTERM, LANG, LANGUAGE and every LC_* as the host has them.
fn terminal_and_locale(host: &Host, plan: &mut Plan) {
    for name in ["TERM", "COLORTERM", "LANG", "LANGUAGE"] {
        if let Some(v) = host.var(name) {
            plan.set_env(name, v);
        }
    }
    for (name, value) in &host.env {
        if name.starts_with("LC_") && !value.is_empty() {
            plan.set_env(name, value.as_str());
        }
    }
}

/// The host's zone: TZ when set, and /etc/localtime's file (the link
/// resolved on the host, since its target may not exist in the image).
fn time_zone(host: &Host, plan: &mut Plan) {
    if let Some(tz) = host.var("TZ") {
        plan.set_env("TZ", tz);
    }
    let localtime = Path::new("/etc/localtime");
    let source = match std::fs::read_link(host.at(localtime)) {
        Ok(target) => {
            let target = if target.is_absolute() {
                target
            } else {
                lexical_normal(&Path::new("/etc").join(target))
            };
            host.is_file(&target).then_some(target)
        }
        Err(_) => host.is_file(localtime).then(|| localtime.to_path_buf()),
    };
    match source {
        Some(source) => plan.bind_to(&source, localtime, true),
        None if host.var("TZ").is_none() => plan.notice(
            "time zone: the host has no /etc/localtime and no TZ; the sandbox keeps the image's",
        ),
        None => {}
    }
}

/// `path` with `.` and `..` folded without looking at the disk (a
/// relative link's target, to bind by a clean name).
fn lexical_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn runtime_dir(host: &Host, plan: &mut Plan) -> Option<PathBuf> {
    let dir = match host.var("XDG_RUNTIME_DIR") {
        Some(dir) if host.is_dir(Path::new(dir)) => PathBuf::from(dir),
        Some(dir) => {
            plan.notice(format!(
                "XDG_RUNTIME_DIR {dir} does not exist: no Wayland, PipeWire, PulseAudio or session bus sockets from it"
            ));
            return None;
        }
        None => {
            plan.notice("XDG_RUNTIME_DIR is not set: no Wayland, PipeWire, PulseAudio or session bus sockets from it");
            return None;
        }
    };
    plan.set_env("XDG_RUNTIME_DIR", dir.to_string_lossy());
    plan.runtime_dir = Some(dir.clone());
    Some(dir)
}

/// The display number of a local DISPLAY (`:0`, `:1.0`, `unix:2`);
/// None for a TCP display (`localhost:10.0`).
fn local_display_number(display: &str) -> Option<&str> {
    let (host, rest) = display.rsplit_once(':')?;
    if !(host.is_empty() || host == "unix") {
        return None;
    }
    let number = rest.split('.').next()?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(number)
}

fn x11(host: &Host, opts: &Options, plan: &mut Plan) {
    let Some(display) = host.var("DISPLAY") else {
        plan.notice("X11: DISPLAY is not set; skipped");
        return;
    };
    let sockets = Path::new("/tmp/.X11-unix");
    match local_display_number(display) {
        Some(n) if host.is_socket(&sockets.join(format!("X{n}"))) => {
            plan.bind(sockets, false);
        }
        // An abstract-only server, or a TCP display: reachable from the
        // host's network namespace.
        _ if opts.host_network => {}
        Some(n) => {
            plan.notice(format!(
                "X11: display {display} has no socket {}/X{n} (an abstract-only X server is reachable only with the host's network); skipped",
                sockets.display()
            ));
            return;
        }
        None => {
            plan.notice(format!(
                "X11: display {display} is a network display, reachable only with the host's network; skipped"
            ));
            return;
        }
    }
    plan.set_env("DISPLAY", display);
    let xauthority = match host.var("XAUTHORITY") {
        Some(path) => Some(PathBuf::from(path)),
        None => Some(host.home.join(".Xauthority")),
    };
    match xauthority.filter(|p| host.is_file(p)) {
        Some(path) => {
            if !(opts.home_mounted && path.starts_with(&host.home)) {
                plan.bind(&path, true);
            }
            plan.set_env("XAUTHORITY", path.to_string_lossy());
        }
        None => plan.notice(
            "X11: no Xauthority file (XAUTHORITY or ~/.Xauthority); clients connect only if the server allows them without one",
        ),
    }
}

fn wayland(host: &Host, runtime_dir: Option<&Path>, plan: &mut Plan) {
    let Some(name) = host.var("WAYLAND_DISPLAY") else {
        plan.notice("Wayland: WAYLAND_DISPLAY is not set; skipped");
        return;
    };
    let socket = if name.starts_with('/') {
        PathBuf::from(name)
    } else if let Some(dir) = runtime_dir {
        dir.join(name)
    } else {
        plan.notice(format!(
            "Wayland: WAYLAND_DISPLAY {name} is relative to XDG_RUNTIME_DIR, which is not usable; skipped"
        ));
        return;
    };
    if !host.is_socket(&socket) {
        plan.notice(format!(
            "Wayland: no socket at {}; skipped",
            socket.display()
        ));
        return;
    }
    plan.bind(&socket, false);
    plan.set_env("WAYLAND_DISPLAY", name);
}

fn sound(host: &Host, runtime_dir: Option<&Path>, plan: &mut Plan) {
    let pipewire = match host.var("PIPEWIRE_REMOTE") {
        Some(path) if path.starts_with('/') => Some(PathBuf::from(path)),
        _ => runtime_dir.map(|d| d.join("pipewire-0")),
    };
    match pipewire.filter(|p| host.is_socket(p)) {
        Some(socket) => {
            plan.bind(&socket, false);
            if host.var("PIPEWIRE_REMOTE").is_some() {
                plan.set_env("PIPEWIRE_REMOTE", socket.to_string_lossy());
            }
        }
        None => plan.notice("PipeWire: no pipewire-0 socket; skipped"),
    }
    let pulse = match host
        .var("PULSE_SERVER")
        .and_then(|s| s.strip_prefix("unix:"))
    {
        Some(path) => Some(PathBuf::from(path)),
        None => runtime_dir.map(|d| d.join("pulse/native")),
    };
    match pulse.filter(|p| host.is_socket(p)) {
        Some(socket) => {
            plan.bind(&socket, false);
            plan.set_env("PULSE_SERVER", format!("unix:{}", socket.display()));
        }
        None => plan.notice("PulseAudio: no pulse/native socket; skipped"),
    }
}

/// One entry of a D-Bus address list, `transport:key=value,…`.
struct BusAddress<'a> {
    transport: &'a str,
    params: Vec<(&'a str, String)>,
    text: &'a str,
}

/// Parse a D-Bus address list (`;`-separated; values %-escaped).
fn bus_addresses(list: &str) -> Vec<BusAddress<'_>> {
    list.split(';')
        .filter(|a| !a.is_empty())
        .filter_map(|text| {
            let (transport, rest) = text.split_once(':')?;
            let params = rest
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k, unescape_bus_value(v)))
                .collect();
            Some(BusAddress {
                transport,
                params,
                text,
            })
        })
        .collect()
}

fn unescape_bus_value(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3);
        if bytes[i] == b'%' && hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
            // Two ASCII hex digits: the slice is on char boundaries.
            if let Ok(b) = u8::from_str_radix(&v[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl BusAddress<'_> {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn session_bus(host: &Host, runtime_dir: Option<&Path>, opts: &Options, plan: &mut Plan) {
    const VAR: &str = "DBUS_SESSION_BUS_ADDRESS";
    let Some(list) = host.var(VAR) else {
        // Without the variable, clients look for $XDG_RUNTIME_DIR/bus.
        match runtime_dir.map(|d| d.join("bus")).filter(|p| host.is_socket(p)) {
            Some(socket) => {
                plan.bind(&socket, false);
                plan.set_env(VAR, format!("unix:path={}", socket.display()));
            }
            None => plan.notice("D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and there is no $XDG_RUNTIME_DIR/bus; skipped"),
        }
        return;
    };
    let addresses = bus_addresses(list);
    for address in &addresses {
        if address.transport != "unix" {
            continue;
        }
        if let Some(path) = address.param("path") {
            if host.is_socket(Path::new(path)) {
                plan.bind(Path::new(path), false);
                plan.set_env(VAR, address.text);
                return;
            }
        }
    }
    if let Some(address) = addresses
        .iter()
        .find(|a| a.transport == "unix" && a.param("abstract").is_some())
    {
        if opts.host_network {
            plan.set_env(VAR, address.text);
        } else {
            plan.notice(format!(
                "D-Bus session bus: {} is an abstract socket, reachable only from the host's network namespace (create the sandbox with the host's network to use it); skipped",
                address.text
            ));
        }
        return;
    }
    plan.notice(format!(
        "D-Bus session bus: no usable unix socket in {VAR}={list}; skipped"
    ));
}

/// The system bus socket, bound read-only. A socket cannot really be
/// made read-only (connecting needs no write access to the mount); what a
/// client may do on the bus is the bus policy's decision. The read-only
/// bind keeps the sandbox from replacing the socket file.
fn system_bus(host: &Host, plan: &mut Plan) {
    let socket = Path::new(SYSTEM_BUS);
    if host.is_socket(socket) {
        plan.bind(socket, true);
    } else {
        plan.notice(format!(
            "D-Bus system bus: no socket at {SYSTEM_BUS}; skipped"
        ));
    }
}

fn ssh_agent(host: &Host, plan: &mut Plan) {
    let Some(path) = host.var("SSH_AUTH_SOCK") else {
        plan.notice("SSH agent: SSH_AUTH_SOCK is not set; skipped");
        return;
    };
    if host.is_socket(Path::new(path)) {
        plan.bind(Path::new(path), false);
        plan.set_env("SSH_AUTH_SOCK", path);
    } else {
        plan.notice(format!("SSH agent: no socket at {path}; skipped"));
    }
}

fn device_dir(host: &Host, dir: &str, what: &str, plan: &mut Plan) {
    if host.is_dir(Path::new(dir)) {
        plan.devices.push(PathBuf::from(dir));
    } else {
        plan.notice(format!("{dir} is absent: no {what}"));
    }
}

/// The host's fonts and icon themes under [`HOST_SHARE`] (read-only),
/// found through XDG_DATA_DIRS (icons) and a fontconfig file (fonts);
/// the user's own fonts come with the home, or are bound when it is not
/// mounted.
fn fonts_and_icons(host: &Host, opts: &Options, plan: &mut Plan) {
    let share = Path::new(HOST_SHARE);
    let mut any = false;
    for (dir, name) in [("/usr/share/fonts", "fonts"), ("/usr/share/icons", "icons")] {
        if host.is_dir(Path::new(dir)) {
            plan.bind_to(Path::new(dir), &share.join(name), true);
            any = true;
        } else {
            plan.notice(format!(
                "{dir} is absent on the host: the image's own {name} only"
            ));
        }
    }
    if host.is_dir(Path::new("/usr/share/fonts")) {
        plan.files.push((
            PathBuf::from(FONTCONFIG_FILE),
            fontconfig_snippet(&share.join("fonts")),
        ));
    }
    let user_fonts = host.home.join(".local/share/fonts");
    if !opts.home_mounted && host.is_dir(&user_fonts) {
        plan.bind(&user_fonts, true);
    }
    if any {
        // The image's own directories first, so its themes win.
        let image_dirs = "/usr/local/share:/usr/share";
        plan.set_env("XDG_DATA_DIRS", format!("{image_dirs}:{HOST_SHARE}"));
    }
}

/// A fontconfig file adding `dir` to the font directories.
pub fn fontconfig_snippet(dir: &Path) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"urn:fontconfig:fonts.dtd\">\n\
         <!-- Written by cove dev: the host's fonts. -->\n<fontconfig>\n  <dir>{}</dir>\n</fontconfig>\n",
        dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// A fake host: a root with the given sockets, dirs and files.
    struct Fake {
        dir: tempfile::TempDir,
        _listeners: Vec<UnixListener>,
    }

    impl Fake {
        fn new(sockets: &[&str], dirs: &[&str], files: &[&str]) -> Fake {
            let dir = tempfile::tempdir().unwrap();
            let at = |p: &str| dir.path().join(p.trim_start_matches('/'));
            let mut listeners = Vec::new();
            for s in sockets {
                std::fs::create_dir_all(at(s).parent().unwrap()).unwrap();
                listeners.push(UnixListener::bind(at(s)).unwrap());
            }
            for d in dirs {
                std::fs::create_dir_all(at(d)).unwrap();
            }
            for f in files {
                std::fs::create_dir_all(at(f).parent().unwrap()).unwrap();
                std::fs::write(at(f), "x").unwrap();
            }
            Fake {
                dir,
                _listeners: listeners,
            }
        }

        fn host(&self, env: &[(&str, &str)]) -> Host {
            Host {
                root: self.dir.path().to_path_buf(),
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                home: PathBuf::from("/home/u"),
            }
        }
    }

    const DESKTOP: Options = Options {
        gui: true,
        isolated: false,
        home_mounted: true,
        host_network: false,
    };

    fn full_desktop() -> Fake {
        Fake::new(
            &[
                "/tmp/.X11-unix/X0",
                "/run/user/1000/wayland-0",
                "/run/user/1000/pipewire-0",
                "/run/user/1000/pulse/native",
                "/run/user/1000/bus",
                "/run/dbus/system_bus_socket",
                "/tmp/ssh-x/agent.1",
            ],
            &[
                "/dev/dri",
                "/dev/snd",
                "/usr/share/fonts",
                "/usr/share/icons",
                "/usr/share/zoneinfo/Europe",
            ],
            &["/home/u/.Xauthority", "/usr/share/zoneinfo/Europe/Paris"],
        )
    }

    const FULL_ENV: &[(&str, &str)] = &[
        ("DISPLAY", ":0"),
        ("WAYLAND_DISPLAY", "wayland-0"),
        ("XDG_RUNTIME_DIR", "/run/user/1000"),
        (
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/run/user/1000/bus,guid=abc",
        ),
        ("SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1"),
        ("TERM", "xterm-256color"),
        ("LANG", "fr_FR.UTF-8"),
        ("LC_TIME", "de_DE.UTF-8"),
        ("LC_EMPTY", ""),
        ("EDITOR", "vi"),
    ];

    fn dests(plan: &Plan) -> Vec<String> {
        plan.binds
            .iter()
            .map(|b| b.destination.display().to_string())
            .collect()
    }

    fn env_of<'a>(plan: &'a Plan, name: &str) -> Option<&'a str> {
        plan.env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_full_desktop_is_passed_whole() {
        let fake = full_desktop();
        std::fs::create_dir_all(fake.dir.path().join("etc")).unwrap();
        std::os::unix::fs::symlink(
            "/usr/share/zoneinfo/Europe/Paris",
            fake.dir.path().join("etc/localtime"),
        )
        .unwrap();
        let plan = plan(&fake.host(FULL_ENV), &DESKTOP);
        assert_eq!(plan.notices, Vec::<String>::new());
        assert_eq!(
            dests(&plan),
            [
                "/etc/localtime",
                "/tmp/.X11-unix",
                "/run/user/1000/wayland-0",
                "/run/host/share/fonts",
                "/run/host/share/icons",
                "/run/user/1000/pipewire-0",
                "/run/user/1000/pulse/native",
                "/run/user/1000/bus",
                "/run/dbus/system_bus_socket",
                "/tmp/ssh-x/agent.1",
            ]
        );
        // The zone file is the link's target; the system bus is read-only.
        assert_eq!(
            plan.binds[0].source,
            Path::new("/usr/share/zoneinfo/Europe/Paris")
        );
        let ro: Vec<bool> = plan.binds.iter().map(|b| b.read_only).collect();
        assert_eq!(
            ro,
            [true, false, false, true, true, false, false, false, true, false]
        );
        let want_env = [
            ("TERM", "xterm-256color"),
            ("LANG", "fr_FR.UTF-8"),
            ("LC_TIME", "de_DE.UTF-8"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
            ("DISPLAY", ":0"),
            // In the mounted home: no bind of its own, but the variable.
            ("XAUTHORITY", "/home/u/.Xauthority"),
            ("WAYLAND_DISPLAY", "wayland-0"),
            (
                "XDG_DATA_DIRS",
                "/usr/local/share:/usr/share:/run/host/share",
            ),
            ("PULSE_SERVER", "unix:/run/user/1000/pulse/native"),
            (
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/run/user/1000/bus,guid=abc",
            ),
            ("SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1"),
        ];
        let got: Vec<(&str, &str)> = plan
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, want_env);
        assert_eq!(
            plan.devices,
            [PathBuf::from("/dev/dri"), PathBuf::from("/dev/snd")]
        );
        assert_eq!(
            plan.runtime_dir.as_deref(),
            Some(Path::new("/run/user/1000"))
        );
        assert_eq!(plan.files.len(), 1);
        assert!(plan.files[0].1.contains("<dir>/run/host/share/fonts</dir>"));
    }

    #[test]
    fn an_empty_host_gives_one_notice_per_piece() {
        let fake = Fake::new(&[], &[], &[]);
        let plan = plan(&fake.host(&[("TERM", "dumb")]), &DESKTOP);
        assert!(plan.binds.is_empty() && plan.devices.is_empty() && plan.files.is_empty());
        assert_eq!(plan.env, [("TERM".to_string(), "dumb".to_string())]);
        let starts: Vec<&str> = plan
            .notices
            .iter()
            .map(|n| n.split([':', ' ']).next().unwrap())
            .collect();
        assert_eq!(
            starts,
            [
                "time",
                "XDG_RUNTIME_DIR",
                "X11",
                "Wayland",
                "/usr/share/fonts",
                "/usr/share/icons",
                "/dev/dri",
                "PipeWire",
                "PulseAudio",
                "/dev/snd",
                "D-Bus",
                "D-Bus",
                "SSH"
            ]
        );
        assert!(plan.notices.iter().all(|n| !n.contains('\n')));
    }

    #[test]
    fn isolated_and_no_gui_pass_less() {
        let fake = full_desktop();
        let isolated = plan(
            &fake.host(FULL_ENV),
            &Options {
                isolated: true,
                ..DESKTOP
            },
        );
        assert!(isolated
            .binds
            .iter()
            .all(|b| b.destination == Path::new("/etc/localtime")));
        assert!(isolated.devices.is_empty() && isolated.runtime_dir.is_none());
        assert_eq!(env_of(&isolated, "LANG"), Some("fr_FR.UTF-8"));
        assert_eq!(env_of(&isolated, "SSH_AUTH_SOCK"), None);

        let no_gui = plan(
            &fake.host(FULL_ENV),
            &Options {
                gui: false,
                ..DESKTOP
            },
        );
        let d = dests(&no_gui);
        assert!(!d
            .iter()
            .any(|d| d.contains("X11") || d.contains("wayland") || d.contains("share")));
        assert!(d.contains(&"/run/user/1000/pipewire-0".to_string()));
        assert_eq!(no_gui.devices, [PathBuf::from("/dev/snd")]);
        assert_eq!(env_of(&no_gui, "DISPLAY"), None);
    }

    #[test]
    fn displays_and_buses_table() {
        let fake = Fake::new(
            &[
                "/tmp/.X11-unix/X1",
                "/run/user/5/custom-bus",
                "/run/user/5/pulse-elsewhere",
            ],
            &["/run/user/5"],
            &["/run/xauth/cookie"],
        );
        struct Case {
            env: &'static [(&'static str, &'static str)],
            host_network: bool,
            want_env: &'static [(&'static str, Option<&'static str>)],
            notice: Option<&'static str>,
        }
        let cases = [
            Case {
                env: &[("DISPLAY", ":1.0"), ("XAUTHORITY", "/run/xauth/cookie")],
                host_network: false,
                want_env: &[
                    ("DISPLAY", Some(":1.0")),
                    ("XAUTHORITY", Some("/run/xauth/cookie")),
                ],
                notice: None,
            },
            Case {
                env: &[("DISPLAY", "unix:1")],
                host_network: false,
                want_env: &[("DISPLAY", Some("unix:1")), ("XAUTHORITY", None)],
                notice: Some("X11: no Xauthority file"),
            },
            Case {
                env: &[("DISPLAY", ":7")],
                host_network: false,
                want_env: &[("DISPLAY", None)],
                notice: Some("no socket /tmp/.X11-unix/X7 (an abstract-only X server"),
            },
            Case {
                env: &[("DISPLAY", ":7")],
                host_network: true,
                want_env: &[("DISPLAY", Some(":7"))],
                notice: None,
            },
            Case {
                env: &[("DISPLAY", "localhost:10.0")],
                host_network: false,
                want_env: &[("DISPLAY", None)],
                notice: Some("is a network display"),
            },
            Case {
                env: &[
                    ("XDG_RUNTIME_DIR", "/run/user/5"),
                    (
                        "DBUS_SESSION_BUS_ADDRESS",
                        "unix:abstract=/tmp/dbus-x;unix:path=/run/user/5/custom%2dbus",
                    ),
                ],
                host_network: false,
                want_env: &[(
                    "DBUS_SESSION_BUS_ADDRESS",
                    Some("unix:path=/run/user/5/custom%2dbus"),
                )],
                notice: None,
            },
            Case {
                env: &[(
                    "DBUS_SESSION_BUS_ADDRESS",
                    "unix:abstract=/tmp/dbus-x,guid=1",
                )],
                host_network: false,
                want_env: &[("DBUS_SESSION_BUS_ADDRESS", None)],
                notice: Some(
                    "is an abstract socket, reachable only from the host's network namespace",
                ),
            },
            Case {
                env: &[(
                    "DBUS_SESSION_BUS_ADDRESS",
                    "unix:abstract=/tmp/dbus-x,guid=1",
                )],
                host_network: true,
                want_env: &[(
                    "DBUS_SESSION_BUS_ADDRESS",
                    Some("unix:abstract=/tmp/dbus-x,guid=1"),
                )],
                notice: None,
            },
            Case {
                env: &[("DBUS_SESSION_BUS_ADDRESS", "tcp:host=localhost,port=1")],
                host_network: false,
                want_env: &[("DBUS_SESSION_BUS_ADDRESS", None)],
                notice: Some("no usable unix socket"),
            },
            Case {
                env: &[("PULSE_SERVER", "unix:/run/user/5/pulse-elsewhere")],
                host_network: false,
                want_env: &[("PULSE_SERVER", Some("unix:/run/user/5/pulse-elsewhere"))],
                notice: None,
            },
            Case {
                env: &[("WAYLAND_DISPLAY", "wayland-0")],
                host_network: false,
                want_env: &[("WAYLAND_DISPLAY", None)],
                notice: Some("relative to XDG_RUNTIME_DIR"),
            },
            Case {
                env: &[("SSH_AUTH_SOCK", "/tmp/gone")],
                host_network: false,
                want_env: &[("SSH_AUTH_SOCK", None)],
                notice: Some("SSH agent: no socket at /tmp/gone"),
            },
        ];
        for case in cases {
            let opts = Options {
                host_network: case.host_network,
                ..DESKTOP
            };
            let plan = plan(&fake.host(case.env), &opts);
            for (name, want) in case.want_env {
                assert_eq!(env_of(&plan, name), *want, "{:?}: {name}", case.env);
            }
            if let Some(notice) = case.notice {
                assert!(
                    plan.notices.iter().any(|n| n.contains(notice)),
                    "{:?}: {:?}",
                    case.env,
                    plan.notices
                );
            }
        }
    }

    #[test]
    fn bus_address_values_are_unescaped() {
        let a = bus_addresses("unix:path=/run/a%20b,guid=x;;tcp:host=h");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].param("path"), Some("/run/a b"));
        assert_eq!(a[0].param("guid"), Some("x"));
        assert_eq!(a[1].transport, "tcp");
        assert_eq!(unescape_bus_value("%2"), "%2");
        assert_eq!(unescape_bus_value("a%zzb"), "a%zzb");
    }

    #[test]
    fn time_zone_sources() {
        let fake = Fake::new(&[], &["/etc"], &["/usr/share/zoneinfo/Asia/Tokyo"]);
        let localtime = fake.dir.path().join("etc/localtime");
        std::os::unix::fs::symlink("../usr/share/zoneinfo/Asia/Tokyo", &localtime).unwrap();
        let p = plan(&fake.host(&[]), &DESKTOP);
        assert_eq!(
            p.binds[0].source,
            Path::new("/usr/share/zoneinfo/Asia/Tokyo")
        );
        assert_eq!(p.binds[0].destination, Path::new("/etc/localtime"));
        assert!(!p.notices.iter().any(|n| n.starts_with("time zone")));

        // A link to nothing: no bind; TZ alone is enough to say nothing.
        std::fs::remove_file(&localtime).unwrap();
        std::os::unix::fs::symlink("/usr/share/zoneinfo/Nowhere", &localtime).unwrap();
        let p = plan(&fake.host(&[("TZ", "Asia/Tokyo")]), &DESKTOP);
        assert!(!p
            .binds
            .iter()
            .any(|b| b.destination == Path::new("/etc/localtime")));
        assert_eq!(env_of(&p, "TZ"), Some("Asia/Tokyo"));
        assert!(!p.notices.iter().any(|n| n.starts_with("time zone")));
        let p = plan(&fake.host(&[]), &DESKTOP);
        assert!(p.notices.iter().any(|n| n.starts_with("time zone")));
    }

    #[test]
    fn display_numbers() {
        for (display, want) in [
            (":0", Some("0")),
            (":12.1", Some("12")),
            ("unix:3", Some("3")),
            ("localhost:10.0", None),
            (":", None),
            (":x", None),
        ] {
            assert_eq!(local_display_number(display), want, "{display}");
        }
    }
}
