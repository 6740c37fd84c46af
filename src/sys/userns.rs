//! User namespaces for an unprivileged user: which ids the user may map
//! (/etc/subuid, /etc/subgid), and entering a namespace where the user is
//! root and image uids such as 1000 are real (subordinate) ids.
//!
//! The mapping is always the same, as Podman's: container 0 is the user,
//! container 1.. are the subordinate ranges in file order. Unpacked layers
//! and containers depend on it staying stable.

use super::syscall::{IdMapper, Kernel, Syscall};
use anyhow::Context;
use nix::sched::CloneFlags;
use nix::unistd::{ForkResult, Uid};
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

/// One line of a uid_map/gid_map: `container_id host_id size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdRange {
    pub container_id: u32,
    pub host_id: u32,
    pub size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdMaps {
    pub uids: Vec<IdRange>,
    pub gids: Vec<IdRange>,
}

impl IdMaps {
    /// More than the single id: files owned by other ids can exist.
    pub fn is_full(&self) -> bool {
        self.uids.len() > 1 && self.gids.len() > 1
    }

    /// Highest container uid + 1 that is mapped.
    pub fn uid_count(&self) -> u64 {
        self.uids
            .iter()
            .map(|r| r.container_id as u64 + r.size as u64)
            .max()
            .unwrap_or(0)
    }
}

/// Parse /etc/subuid-style text for `user` (name or numeric uid).
pub fn parse_subid(text: &str, name: &str, id: u32) -> Vec<(u32, u32)> {
    let id_str = id.to_string();
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let mut parts = line.split(':');
            let owner = parts.next()?;
            let start: u32 = parts.next()?.trim().parse().ok()?;
            let count: u32 = parts.next()?.trim().parse().ok()?;
            ((owner == name || owner == id_str) && count > 0).then_some((start, count))
        })
        .collect()
}

/// Build the container mapping: 0 -> our id, then the subordinate ranges.
pub fn build_ranges(own: u32, subordinate: &[(u32, u32)]) -> Vec<IdRange> {
    let mut ranges = vec![IdRange {
        container_id: 0,
        host_id: own,
        size: 1,
    }];
    let mut next = 1u32;
    for &(start, count) in subordinate {
        ranges.push(IdRange {
            container_id: next,
            host_id: start,
            size: count,
        });
        next = next.saturating_add(count);
    }
    ranges
}

/// Why the mapping is only a single id, when it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SingleIdReason {
    NoSubuidRange,
    NoNewuidmap,
}

impl std::fmt::Display for SingleIdReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SingleIdReason::NoSubuidRange => f.write_str(
                "no range for this user in /etc/subuid and /etc/subgid; files owned by other users in images will belong to you (ask an administrator to run `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER`)",
            ),
            SingleIdReason::NoNewuidmap => f.write_str(
                "newuidmap/newgidmap not found; install the uidmap package to use the ranges in /etc/subuid",
            ),
        }
    }
}

/// The mapping this user gets, and why it is a single id if it is.
pub fn user_maps() -> (IdMaps, Option<SingleIdReason>) {
    let uid = nix::unistd::getuid().as_raw();
    let gid = nix::unistd::getgid().as_raw();
    let name = nix::unistd::User::from_uid(Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_default();
    let read = |p: &str| fs::read_to_string(p).unwrap_or_default();
    let subuids = parse_subid(&read("/etc/subuid"), &name, uid);
    let subgids = parse_subid(&read("/etc/subgid"), &name, uid);
    let single = IdMaps {
        uids: build_ranges(uid, &[]),
        gids: build_ranges(gid, &[]),
    };
    if subuids.is_empty() || subgids.is_empty() {
        return (single, Some(SingleIdReason::NoSubuidRange));
    }
    if find_helper("newuidmap").is_none() || find_helper("newgidmap").is_none() {
        return (single, Some(SingleIdReason::NoNewuidmap));
    }
    (
        IdMaps {
            uids: build_ranges(uid, &subuids),
            gids: build_ranges(gid, &subgids),
        },
        None,
    )
}

fn find_helper(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/bin".into(), "/usr/sbin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// True when this process is already root of a namespace we can write in
/// (real root, or inside a user namespace such as `cove unshare`).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// True when this process is in a user namespace other than the initial
/// one (its uid map is not the identity over the whole range).
pub fn in_user_namespace() -> bool {
    match std::fs::read_to_string("/proc/self/uid_map") {
        Ok(map) => map.split_whitespace().collect::<Vec<_>>() != ["0", "0", "4294967295"],
        Err(_) => false,
    }
}

/// Move this process into a new user namespace with `maps`, where it is
/// root. Must be called while the process has a single thread (before any
/// runtime or thread starts): the kernel refuses otherwise.
pub fn enter(maps: &IdMaps) -> anyhow::Result<()> {
    if maps.uids.len() == 1 && maps.gids.len() == 1 {
        nix::sched::unshare(CloneFlags::CLONE_NEWUSER)
            .context("creating a user namespace (are unprivileged user namespaces disabled? check sysctl kernel.unprivileged_userns_clone and user.max_user_namespaces)")?;
        write_single_maps(&Kernel, maps)
    } else {
        enter_with_helpers(maps)
    }
}

fn write_single_maps(sys: &dyn Syscall, maps: &IdMaps) -> anyhow::Result<()> {
    let line = |r: &IdRange| format!("{} {} {}\n", r.container_id, r.host_id, r.size);
    for (file, contents) in [
        ("/proc/self/setgroups", "deny".to_string()),
        ("/proc/self/uid_map", line(&maps.uids[0])),
        ("/proc/self/gid_map", line(&maps.gids[0])),
    ] {
        sys.write_id_map(Path::new(file), &contents)
            .with_context(|| format!("writing {file}"))?;
    }
    Ok(())
}

/// newuidmap must act from outside the new namespace, so a child forked
/// beforehand maps us once we have unshared.
fn enter_with_helpers(maps: &IdMaps) -> anyhow::Result<()> {
    let (go_read, go_write) = nix::unistd::pipe()?;
    let (result_read, result_write) = nix::unistd::pipe()?;
    let parent = nix::unistd::getpid();
    // SAFETY: the process is single-threaded here (documented contract), so
    // the child may allocate and spawn commands freely.
    match unsafe { nix::unistd::fork() }.context("forking the id-mapping helper")? {
        ForkResult::Child => {
            drop(go_write);
            drop(result_read);
            let mut byte = [0u8; 1];
            let mut go = fs::File::from(go_read);
            let message = match go.read(&mut byte) {
                Ok(1) => match run_idmap_helpers(&Kernel, parent.as_raw(), maps) {
                    Ok(()) => String::new(),
                    Err(e) => format!("{e:#}"),
                },
                _ => "parent went away".to_string(),
            };
            let mut out = fs::File::from(result_write);
            let _ = out.write_all(message.as_bytes());
            drop(out);
            // SAFETY: leave without running the parent's destructors/atexit.
            unsafe { libc::_exit(if message.is_empty() { 0 } else { 1 }) };
        }
        ForkResult::Parent { child } => {
            drop(go_read);
            drop(result_write);
            let unshared = nix::sched::unshare(CloneFlags::CLONE_NEWUSER);
            let mut go = fs::File::from(go_write);
            if unshared.is_ok() {
                let _ = go.write_all(b"g");
            }
            drop(go);
            let mut message = String::new();
            let _ = fs::File::from(result_read).read_to_string(&mut message);
            let _ = nix::sys::wait::waitpid(child, None);
            unshared.context("creating a user namespace (are unprivileged user namespaces disabled? check sysctl kernel.unprivileged_userns_clone and user.max_user_namespaces)")?;
            if !message.is_empty() {
                anyhow::bail!("mapping the ids in /etc/subuid and /etc/subgid failed: {message}");
            }
            Ok(())
        }
    }
}

/// Run newuidmap/newgidmap for `pid` (used for our own namespace and, by
/// `run`, for a container's). The two run side by side: each is a setuid
/// exec, and together they are most of a rootless container's start.
pub fn run_idmap_helpers(sys: &dyn Syscall, pid: i32, maps: &IdMaps) -> anyhow::Result<()> {
    sys.run_id_mappers(&id_mappers(pid, maps))
}

/// newuidmap and newgidmap for `pid`: each range as `container host size`.
pub fn id_mappers(pid: i32, maps: &IdMaps) -> Vec<IdMapper> {
    [("newuidmap", &maps.uids), ("newgidmap", &maps.gids)]
        .into_iter()
        .map(|(tool, ranges)| {
            let mut args = vec![pid.to_string()];
            for r in ranges {
                args.push(r.container_id.to_string());
                args.push(r.host_id.to_string());
                args.push(r.size.to_string());
            }
            IdMapper { tool, args }
        })
        .collect()
}

/// Start every mapper, then wait for all; the first failure is reported
/// with the tool's own words.
pub(super) fn spawn_id_mappers(mappers: &[IdMapper]) -> anyhow::Result<()> {
    let mut running = Vec::new();
    for mapper in mappers {
        let tool = mapper.tool;
        let exe = find_helper(tool)
            .ok_or_else(|| anyhow::anyhow!("{tool} not found; install the uidmap package"))?;
        let mut cmd = std::process::Command::new(exe);
        cmd.args(&mapper.args);
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        running.push((
            tool,
            cmd.spawn().with_context(|| format!("running {tool}"))?,
        ));
    }
    let mut failure = None;
    for (tool, child) in running {
        let out = child
            .wait_with_output()
            .with_context(|| format!("running {tool}"))?;
        if !out.status.success() && failure.is_none() {
            failure = Some(format!(
                "{tool}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    match failure {
        Some(f) => anyhow::bail!("{f}"),
        None => Ok(()),
    }
}

/// Enter the user namespace for a command that writes image files, when we
/// are not root already. Prints the single-id notice once per store.
pub fn enter_for_storage(store_root: &Path) -> anyhow::Result<IdMaps> {
    if is_root() {
        return Ok(current_maps());
    }
    let (maps, single_reason) = user_maps();
    if let Some(reason) = single_reason {
        let marker = store_root.join(".single-id-notice");
        if !marker.exists() {
            eprintln!("cove: using a single-id user namespace: {reason}");
            let _ = crate::sys::fsutil::create_dir_all_mode(store_root, 0o700);
            let _ = fs::write(&marker, b"");
        }
    }
    enter(&maps)?;
    Ok(maps)
}

/// The mapping of the namespace we are in, from /proc/self/uid_map.
pub fn current_maps() -> IdMaps {
    let parse = |p: &str| -> Vec<IdRange> {
        fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace().map(|x| x.parse::<u32>());
                Some(IdRange {
                    container_id: it.next()?.ok()?,
                    host_id: it.next()?.ok()?,
                    size: it.next()?.ok()?,
                })
            })
            .collect()
    };
    IdMaps {
        uids: parse("/proc/self/uid_map"),
        gids: parse("/proc/self/gid_map"),
    }
}

/// Whether files may be chowned to ids other than our own: root outside
/// any user namespace, or a namespace with a full mapping.
pub fn can_chown_freely(maps: &IdMaps) -> bool {
    maps.uid_count() > 1
}

/// Delete a tree whose files may belong to subordinate ids (a container's
/// upper directory): unprivileged, that needs the user namespace.
pub fn remove_tree(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if !is_root() => remove_tree_in_userns(path),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

fn remove_tree_in_userns(path: &Path) -> anyhow::Result<()> {
    // SAFETY: the child only enters a namespace, deletes and exits.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Child => {
            let (maps, _) = user_maps();
            let ok = enter(&maps).is_ok() && std::fs::remove_dir_all(path).is_ok();
            // SAFETY: end the forked child without the parent's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        nix::unistd::ForkResult::Parent { child } => {
            let status = nix::sys::wait::waitpid(child, None)?;
            if status != nix::sys::wait::WaitStatus::Exited(child, 0) {
                anyhow::bail!("could not remove {}", path.display());
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_subuid_by_name_and_id() {
        let text =
            "# comment\nalice:100000:65536\n1001:200000:1000\nbob:300000:0\nalice:500000:10\n";
        assert_eq!(
            parse_subid(text, "alice", 1000),
            vec![(100000, 65536), (500000, 10)]
        );
        assert_eq!(parse_subid(text, "carol", 1001), vec![(200000, 1000)]);
        assert!(parse_subid(text, "bob", 1002).is_empty());
    }

    #[test]
    fn our_own_single_id_map_is_written_after_setgroups() {
        let dir = tempfile::tempdir().unwrap();
        let rec = super::super::syscall::Recorder::new(dir.path());
        let maps = IdMaps {
            uids: build_ranges(1000, &[]),
            gids: build_ranges(100, &[]),
        };
        write_single_maps(&rec, &maps).unwrap();
        assert_eq!(
            rec.log(),
            [
                r#"write /proc/self/setgroups "deny""#,
                r#"write /proc/self/uid_map "0 1000 1\n""#,
                r#"write /proc/self/gid_map "0 100 1\n""#,
            ]
        );
    }

    #[test]
    fn ranges_follow_each_other() {
        let r = build_ranges(1000, &[(100000, 65536), (500000, 10)]);
        assert_eq!(
            r[0],
            IdRange {
                container_id: 0,
                host_id: 1000,
                size: 1
            }
        );
        assert_eq!(
            r[1],
            IdRange {
                container_id: 1,
                host_id: 100000,
                size: 65536
            }
        );
        assert_eq!(
            r[2],
            IdRange {
                container_id: 65537,
                host_id: 500000,
                size: 10
            }
        );
        let maps = IdMaps {
            uids: r.clone(),
            gids: r,
        };
        assert!(maps.is_full());
        assert_eq!(maps.uid_count(), 65547);
    }
}
