//! Generating the OCI runtime spec (config.json) for a container from the
//! image configuration and the command line, with Podman's defaults.
//!
//! `oci_spec`'s `Spec::default()` is youki's example, so every field cove
//! relies on is built here explicitly.

use crate::sys::userns::IdMaps;
use anyhow::Context;
use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxIdMappingBuilder,
    LinuxNamespaceBuilder, LinuxNamespaceType, LinuxSeccomp, Mount, MountBuilder,
    PosixRlimitBuilder, PosixRlimitType, ProcessBuilder, RootBuilder, Spec, SpecBuilder,
    UserBuilder,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Paths hidden from the container, as Podman hides them.
pub const MASKED_PATHS: &[&str] = &[
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
    "/sys/devices/virtual/powercap",
];

/// Paths the container sees read-only, as Podman's.
pub const READONLY_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// One resource limit, e.g. RLIMIT_NOFILE 1024:2048.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rlimit {
    pub kind: String,
    pub soft: u64,
    pub hard: u64,
}

/// Everything the spec is made from, already parsed and resolved.
#[derive(Debug, Clone)]
pub struct SpecInput {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub hostname: String,
    pub terminal: bool,
    pub capabilities: Vec<String>,
    /// `--cap-add`ed capabilities: all a non-root container user holds
    /// (Podman keeps the default set in the bounding set only for them).
    pub added_capabilities: Vec<String>,
    pub no_new_privileges: bool,
    pub rlimits: Vec<Rlimit>,
    pub read_only: bool,
    pub read_only_tmpfs: bool,
    pub network: crate::network::NetworkMode,
    /// Maps of a new user namespace; None runs in the caller's.
    pub id_maps: Option<IdMaps>,
    /// Mounts from -v, --mount and --tmpfs, in order.
    pub user_mounts: Vec<Mount>,
    /// The container directory: generated /etc files live there.
    pub bundle: PathBuf,
    pub masked_paths: Vec<String>,
    pub readonly_paths: Vec<String>,
    pub seccomp: Option<LinuxSeccomp>,
    pub annotations: BTreeMap<String, String>,
    pub rootfs: PathBuf,
    /// `--umask`; None: the runtime's 0022.
    pub umask: Option<u32>,
    pub oom_score_adj: Option<i32>,
    /// `--sysctl`s, set in the container's namespaces before it starts.
    pub sysctls: BTreeMap<String, String>,
    /// `--shm-size` in bytes; None: 64 MiB.
    pub shm_size: Option<u64>,
}

fn mount(destination: &str, kind: &str, source: &str, options: &[&str]) -> anyhow::Result<Mount> {
    Ok(MountBuilder::default()
        .destination(destination)
        .typ(kind)
        .source(source)
        .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .build()?)
}

/// The mounts every container gets, before the user's.
pub fn default_mounts(input: &SpecInput) -> anyhow::Result<Vec<Mount>> {
    // gid 5 (tty) owns ptys only when the namespace maps it.
    let tty_gid_mapped = input
        .id_maps
        .as_ref()
        .is_none_or(|m| m.gids.iter().any(|r| r.container_id + r.size > 5));
    let mut devpts = vec![
        "nosuid",
        "noexec",
        "newinstance",
        "ptmxmode=0666",
        "mode=0620",
    ];
    if tty_gid_mapped {
        devpts.push("gid=5");
    }
    let shm_size = format!(
        "size={}k",
        input.shm_size.unwrap_or(64 << 20).div_ceil(1024)
    );
    let mut mounts = vec![
        mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        )?,
        mount("/dev/pts", "devpts", "devpts", &devpts)?,
        mount(
            "/dev/mqueue",
            "mqueue",
            "mqueue",
            &["nosuid", "noexec", "nodev"],
        )?,
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", &shm_size],
        )?,
        mount(
            "/sys",
            "sysfs",
            "sysfs",
            &["nosuid", "noexec", "nodev", "ro"],
        )?,
    ];
    if input.read_only && input.read_only_tmpfs {
        for dir in ["/tmp", "/var/tmp", "/run"] {
            mounts.push(mount(
                dir,
                "tmpfs",
                "tmpfs",
                &["rw", "rprivate", "nosuid", "nodev"],
            )?);
        }
    }
    Ok(mounts)
}

/// The generated files bound into /etc (and /run/.containerenv, which
/// tools use to tell they are in a container).
pub fn etc_mounts(
    bundle: &Path,
    destinations_taken: &HashSet<String>,
) -> anyhow::Result<Vec<Mount>> {
    let mut out = Vec::new();
    for (file, dest) in [
        ("hosts", "/etc/hosts"),
        ("hostname", "/etc/hostname"),
        ("resolv.conf", "/etc/resolv.conf"),
        ("containerenv", "/run/.containerenv"),
    ] {
        if destinations_taken.contains(dest) {
            continue;
        }
        let source = bundle.join(file);
        out.push(mount(
            dest,
            "bind",
            &source.to_string_lossy(),
            &["bind", "rprivate"],
        )?);
    }
    Ok(out)
}

pub(crate) fn capability_set(names: &[String]) -> anyhow::Result<HashSet<Capability>> {
    names
        .iter()
        .map(|n| {
            serde_json::from_value::<Capability>(serde_json::Value::String(n.clone()))
                .map_err(|_| anyhow::anyhow!("unknown capability {n}"))
        })
        .collect()
}

fn rlimit_type(kind: &str) -> anyhow::Result<PosixRlimitType> {
    serde_json::from_value(serde_json::Value::String(kind.to_string()))
        .with_context(|| format!("unknown resource limit {kind}"))
}

/// Build the whole spec.
pub fn build(input: &SpecInput) -> anyhow::Result<Spec> {
    let bounding = capability_set(&input.capabilities)?;
    let capabilities = if input.uid == 0 {
        LinuxCapabilitiesBuilder::default()
            .bounding(bounding.clone())
            .effective(bounding.clone())
            .permitted(bounding)
            .inheritable(HashSet::new())
            .ambient(HashSet::new())
            .build()?
    } else {
        // Ambient capabilities are what survives exec for a non-root uid.
        let added: HashSet<Capability> = capability_set(&input.added_capabilities)?
            .intersection(&bounding)
            .cloned()
            .collect();
        LinuxCapabilitiesBuilder::default()
            .bounding(bounding)
            .effective(added.clone())
            .permitted(added.clone())
            .inheritable(added.clone())
            .ambient(added)
            .build()?
    };
    let mut rlimits = Vec::new();
    for r in &input.rlimits {
        rlimits.push(
            PosixRlimitBuilder::default()
                .typ(rlimit_type(&r.kind)?)
                .soft(r.soft)
                .hard(r.hard)
                .build()?,
        );
    }
    let mut user = UserBuilder::default()
        .uid(input.uid)
        .gid(input.gid)
        .additional_gids(input.additional_gids.clone())
        .build()?;
    user.set_umask(input.umask);
    let mut process = ProcessBuilder::default()
        .terminal(input.terminal)
        .user(user)
        .args(input.args.clone())
        .env(input.env.clone())
        .cwd(&input.cwd)
        .capabilities(capabilities)
        .no_new_privileges(input.no_new_privileges)
        .build()?;
    if !rlimits.is_empty() {
        process.set_rlimits(Some(rlimits));
    }
    process.set_oom_score_adj(input.oom_score_adj);

    let mut namespaces = Vec::new();
    let mut kinds = vec![
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Cgroup,
    ];
    if input.network.own_namespace() {
        kinds.push(LinuxNamespaceType::Network);
    }
    if input.id_maps.is_some() {
        kinds.push(LinuxNamespaceType::User);
    }
    for kind in kinds {
        namespaces.push(LinuxNamespaceBuilder::default().typ(kind).build()?);
    }
    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .masked_paths(input.masked_paths.clone())
        .readonly_paths(input.readonly_paths.clone())
        .build()?;
    if let Some(maps) = &input.id_maps {
        let convert = |ranges: &[crate::sys::userns::IdRange]| -> anyhow::Result<Vec<_>> {
            ranges
                .iter()
                .map(|r| {
                    Ok(LinuxIdMappingBuilder::default()
                        .container_id(r.container_id)
                        .host_id(r.host_id)
                        .size(r.size)
                        .build()?)
                })
                .collect()
        };
        linux.set_uid_mappings(Some(convert(&maps.uids)?));
        linux.set_gid_mappings(Some(convert(&maps.gids)?));
    }
    if let Some(seccomp) = &input.seccomp {
        linux.set_seccomp(Some(seccomp.clone()));
    }
    if !input.sysctls.is_empty() {
        linux.set_sysctl(Some(input.sysctls.clone().into_iter().collect()));
    }

    let mut mounts = default_mounts(input)?;
    let user_destinations: HashSet<String> = input
        .user_mounts
        .iter()
        .map(|m| m.destination().to_string_lossy().to_string())
        .collect();
    // A user mount on a default destination (e.g. --tmpfs /dev/shm) wins.
    mounts.retain(|m| !user_destinations.contains(&*m.destination().to_string_lossy()));
    mounts.extend(input.user_mounts.iter().cloned());
    mounts.extend(etc_mounts(&input.bundle, &user_destinations)?);

    let root = RootBuilder::default()
        .path(&input.rootfs)
        .readonly(input.read_only)
        .build()?;
    let annotations: HashMap<String, String> = input.annotations.clone().into_iter().collect();
    let spec = SpecBuilder::default()
        .version("1.0.2")
        .root(root)
        .hostname(&input.hostname)
        .process(process)
        .mounts(mounts)
        .linux(linux)
        .annotations(annotations)
        .build()?;
    Ok(spec)
}

/// The command to run: Podman's rules for combining the image's
/// Entrypoint and Cmd with `--entrypoint` and the command line.
pub fn command(
    image_entrypoint: &[String],
    image_cmd: &[String],
    entrypoint_flag: Option<&str>,
    command_line: &[String],
) -> anyhow::Result<Vec<String>> {
    let (mut all, cmd) =
        entrypoint_and_cmd(image_entrypoint, image_cmd, entrypoint_flag, command_line)?;
    all.extend(cmd);
    Ok(all)
}

/// [`command`] in its two parts, the entrypoint and the command (Podman's
/// `Config.Entrypoint` and `Config.Cmd`).
pub fn entrypoint_and_cmd(
    image_entrypoint: &[String],
    image_cmd: &[String],
    entrypoint_flag: Option<&str>,
    command_line: &[String],
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let entrypoint: Vec<String> = match entrypoint_flag {
        // A JSON array is taken as is, any other string is one word.
        Some(e) if e.trim_start().starts_with('[') => serde_json::from_str(e)
            .with_context(|| format!("--entrypoint {e}: not a JSON array of strings"))?,
        Some("") => Vec::new(),
        Some(e) => vec![e.to_string()],
        None => image_entrypoint.to_vec(),
    };
    // --entrypoint clears the image's Cmd, as in Docker and Podman.
    let cmd: Vec<String> = if !command_line.is_empty() {
        command_line.to_vec()
    } else if entrypoint_flag.is_some() {
        Vec::new()
    } else {
        image_cmd.to_vec()
    };
    if entrypoint.is_empty() && cmd.is_empty() {
        anyhow::bail!("no command specified: the image has no Entrypoint or Cmd; give a command after the image name");
    }
    Ok((entrypoint, cmd))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SpecInput {
        SpecInput {
            args: vec!["sh".into()],
            env: vec!["PATH=/bin".into()],
            cwd: "/".into(),
            uid: 0,
            gid: 0,
            additional_gids: vec![],
            hostname: "abc".into(),
            terminal: false,
            capabilities: vec!["CAP_CHOWN".into(), "CAP_KILL".into()],
            added_capabilities: vec!["CAP_KILL".into()],
            no_new_privileges: false,
            rlimits: vec![Rlimit {
                kind: "RLIMIT_NOFILE".into(),
                soft: 10,
                hard: 20,
            }],
            read_only: false,
            read_only_tmpfs: true,
            network: crate::network::NetworkMode::None,
            id_maps: None,
            user_mounts: vec![],
            bundle: "/b".into(),
            masked_paths: MASKED_PATHS.iter().map(|s| s.to_string()).collect(),
            readonly_paths: READONLY_PATHS.iter().map(|s| s.to_string()).collect(),
            seccomp: None,
            annotations: BTreeMap::new(),
            rootfs: "/b/rootfs".into(),
            umask: None,
            oom_score_adj: None,
            sysctls: BTreeMap::new(),
            shm_size: None,
        }
    }

    #[test]
    fn umask_oom_score_sysctls_and_shm_size() {
        let spec = build(&input()).unwrap();
        let process = spec.process().as_ref().unwrap();
        assert_eq!(process.user().umask(), None);
        assert_eq!(process.oom_score_adj(), None);
        assert!(spec.linux().as_ref().unwrap().sysctl().is_none());
        let shm = |spec: &Spec| {
            spec.mounts()
                .as_ref()
                .unwrap()
                .iter()
                .find(|m| m.destination() == Path::new("/dev/shm"))
                .unwrap()
                .options()
                .clone()
                .unwrap()
        };
        assert!(shm(&spec).contains(&"size=65536k".to_string()));

        let mut i = input();
        i.umask = Some(0o077);
        i.oom_score_adj = Some(500);
        i.sysctls.insert("net.ipv4.ip_forward".into(), "1".into());
        i.shm_size = Some(1 << 30);
        let spec = build(&i).unwrap();
        let process = spec.process().as_ref().unwrap();
        assert_eq!(process.user().umask(), Some(0o077));
        assert_eq!(process.oom_score_adj(), Some(500));
        let sysctl = spec.linux().as_ref().unwrap().sysctl().clone().unwrap();
        assert_eq!(
            sysctl.get("net.ipv4.ip_forward").map(String::as_str),
            Some("1")
        );
        assert!(shm(&spec).contains(&"size=1048576k".to_string()));
    }

    #[test]
    fn spec_has_what_we_rely_on() {
        let spec = build(&input()).unwrap();
        assert_eq!(spec.hostname().as_deref(), Some("abc"));
        let process = spec.process().as_ref().unwrap();
        assert_eq!(process.args().as_ref().unwrap(), &vec!["sh".to_string()]);
        assert_eq!(process.user().uid(), 0);
        let caps = process.capabilities().as_ref().unwrap();
        assert_eq!(caps.bounding().as_ref().unwrap().len(), 2);
        assert!(caps.ambient().as_ref().unwrap().is_empty());
        let ns: Vec<_> = spec
            .linux()
            .as_ref()
            .unwrap()
            .namespaces()
            .as_ref()
            .unwrap()
            .iter()
            .map(|n| n.typ())
            .collect();
        assert!(ns.contains(&LinuxNamespaceType::Network));
        assert!(!ns.contains(&LinuxNamespaceType::User));
        let dests: Vec<String> = spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .map(|m| m.destination().to_string_lossy().to_string())
            .collect();
        for d in [
            "/proc",
            "/dev",
            "/dev/pts",
            "/dev/shm",
            "/dev/mqueue",
            "/sys",
            "/etc/hosts",
            "/etc/resolv.conf",
        ] {
            assert!(dests.contains(&d.to_string()), "{d} missing");
        }
        assert_eq!(spec.root().as_ref().unwrap().readonly(), Some(false));
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["process"]["rlimits"][0]["type"], "RLIMIT_NOFILE");
    }

    #[test]
    fn non_root_user_gets_only_added_caps_and_userns_maps() {
        let mut i = input();
        i.uid = 1000;
        i.network = crate::network::NetworkMode::Host;
        i.id_maps = Some(IdMaps {
            uids: crate::sys::userns::build_ranges(1000, &[(100000, 65536)]),
            gids: crate::sys::userns::build_ranges(1000, &[(100000, 65536)]),
        });
        let spec = build(&i).unwrap();
        let caps = spec
            .process()
            .as_ref()
            .unwrap()
            .capabilities()
            .as_ref()
            .unwrap();
        assert_eq!(caps.bounding().as_ref().unwrap().len(), 2);
        assert_eq!(caps.ambient().as_ref().unwrap().len(), 1);
        assert_eq!(caps.effective().as_ref().unwrap().len(), 1);
        let linux = spec.linux().as_ref().unwrap();
        assert_eq!(linux.uid_mappings().as_ref().unwrap().len(), 2);
        let ns: Vec<_> = linux
            .namespaces()
            .as_ref()
            .unwrap()
            .iter()
            .map(|n| n.typ())
            .collect();
        assert!(!ns.contains(&LinuxNamespaceType::Network));
        assert!(ns.contains(&LinuxNamespaceType::User));
    }

    #[test]
    fn user_mount_replaces_default() {
        let mut i = input();
        i.user_mounts = vec![mount("/dev/shm", "tmpfs", "tmpfs", &["size=1m"]).unwrap()];
        let spec = build(&i).unwrap();
        let shm: Vec<_> = spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .filter(|m| m.destination() == Path::new("/dev/shm"))
            .collect();
        assert_eq!(shm.len(), 1);
        assert_eq!(
            shm[0].options().as_ref().unwrap(),
            &vec!["size=1m".to_string()]
        );
    }

    #[test]
    fn read_only_adds_tmpfs_dirs() {
        let mut i = input();
        i.read_only = true;
        let spec = build(&i).unwrap();
        assert_eq!(spec.root().as_ref().unwrap().readonly(), Some(true));
        assert!(spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .any(|m| m.destination() == Path::new("/tmp")));
    }

    #[test]
    fn command_rules() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            command(&s(&["/ep"]), &s(&["a"]), None, &[]).unwrap(),
            s(&["/ep", "a"])
        );
        assert_eq!(
            command(&s(&["/ep"]), &s(&["a"]), None, &s(&["b"])).unwrap(),
            s(&["/ep", "b"])
        );
        assert_eq!(
            command(&s(&["/ep"]), &s(&["a"]), Some("/x"), &[]).unwrap(),
            s(&["/x"])
        );
        assert_eq!(
            command(&s(&["/ep"]), &s(&["a"]), Some(""), &s(&["ls"])).unwrap(),
            s(&["ls"])
        );
        assert_eq!(
            command(&[], &[], Some("[\"/a\",\"b\"]"), &[]).unwrap(),
            s(&["/a", "b"])
        );
        assert!(command(&[], &[], None, &[]).is_err());
    }
}
