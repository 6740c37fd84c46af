//! The container process's user: `-u/--user` and `--group-add` resolved
//! against the image's /etc/passwd and /etc/group, with the semantics of
//! runc's libcontainer/user that Podman uses, and the reading of those files
//! from an untrusted rootfs.
//!
//! Resolution takes the files' text (None when absent) so it is testable
//! without a rootfs; [`read_rootfs_file`] gets that text without letting an
//! image's symlinks reach outside its root.

use crate::sys::openat;
use anyhow::{bail, Result};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Who the container process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups, deduplicated: the primary gid (Podman adds it
    /// too), then the image groups listing the user as a member, then
    /// `--group-add`.
    pub additional_gids: Vec<u32>,
    /// From passwd, else "/".
    pub home: String,
    /// The passwd entry's name when the user was found there.
    pub name: Option<String>,
    /// `--group-add keep-groups`: keep the calling process's supplementary
    /// groups instead of setting them (the runtime must not call setgroups).
    pub keep_groups: bool,
}

/// runc refuses ids beyond the signed 32-bit range.
const MAX_ID: i64 = i32::MAX as i64;

struct PasswdEntry<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
    home: &'a str,
}

struct GroupEntry<'a> {
    name: &'a str,
    gid: u32,
    members: Vec<&'a str>,
}

/// Entries of a passwd file; lines that do not parse are skipped (runc
/// would read a bad uid as 0, which is worse).
fn passwd_entries(text: &str) -> impl Iterator<Item = PasswdEntry<'_>> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        // name:password:uid:gid:gecos:home:shell
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 4 || fields[0].is_empty() {
            return None;
        }
        Some(PasswdEntry {
            name: fields[0],
            uid: parse_id(fields[2])?,
            gid: parse_id(fields[3])?,
            home: fields.get(5).copied().unwrap_or(""),
        })
    })
}

/// Entries of a group file; malformed lines are skipped.
fn group_entries(text: &str) -> impl Iterator<Item = GroupEntry<'_>> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        // name:password:gid:member,member
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 3 || fields[0].is_empty() {
            return None;
        }
        let members = fields
            .get(3)
            .map(|m| {
                m.split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Some(GroupEntry {
            name: fields[0],
            gid: parse_id(fields[2])?,
            members,
        })
    })
}

fn parse_id(s: &str) -> Option<u32> {
    s.parse::<u32>().ok().filter(|&id| i64::from(id) <= MAX_ID)
}

/// How a user or group was named on the command line.
enum IdArg<'a> {
    Unset,
    Id(u32),
    Name(&'a str),
}

/// As runc: anything that parses as a number is an id (and must be in
/// range), everything else a name.
fn classify(s: &str) -> Result<IdArg<'_>> {
    if s.is_empty() {
        return Ok(IdArg::Unset);
    }
    match s.parse::<i64>() {
        Ok(n) if (0..=MAX_ID).contains(&n) => Ok(IdArg::Id(n as u32)),
        Ok(_) => bail!("invalid id {s:?}: uids and gids must be in range 0-{MAX_ID}"),
        Err(_) => Ok(IdArg::Name(s)),
    }
}

/// Resolve `-u` (`spec`) and `--group-add` against the image's passwd and
/// group text.
///
/// `spec` is `""` (root), `user`, `uid`, or either followed by `:group` or
/// `:gid`. A uid missing from passwd is allowed (gid 0, home "/"); a name
/// must exist. An explicit group replaces the primary gid and, as in runc,
/// suppresses the membership lookup; without one, every group listing the
/// user's passwd name as a member is added.
pub fn resolve_user(
    passwd: Option<&str>,
    group: Option<&str>,
    spec: &str,
    group_add: &[String],
) -> Result<ResolvedUser> {
    let (user_part, group_part) = match spec.split_once(':') {
        Some((_, g)) if g.contains(':') => {
            bail!("invalid user {spec:?}: expected USER[:GROUP] (names or numeric ids)")
        }
        Some((u, g)) => (u, g),
        None => (spec, ""),
    };
    let passwd = passwd.unwrap_or("");
    let group = group.unwrap_or("");

    let mut uid = 0;
    let mut gid = 0;
    let mut home = String::new();
    let mut name = None;
    let found = match classify(user_part)? {
        // No user: whoever has uid 0 (the default) in passwd, if anyone.
        IdArg::Unset => passwd_entries(passwd).find(|e| e.uid == 0),
        IdArg::Id(id) => {
            uid = id;
            passwd_entries(passwd).find(|e| e.uid == id)
        }
        IdArg::Name(n) => match passwd_entries(passwd).find(|e| e.name == n) {
            Some(e) => Some(e),
            None => bail!("unable to find user {n}: no matching entries in passwd file"),
        },
    };
    if let Some(e) = found {
        uid = e.uid;
        gid = e.gid;
        home = e.home.to_string();
        name = Some(e.name.to_string());
    }

    let mut additional = Vec::new();
    match classify(group_part)? {
        IdArg::Unset => {
            if let Some(n) = &name {
                additional.extend(
                    group_entries(group)
                        .filter(|g| g.members.contains(&n.as_str()))
                        .map(|g| g.gid),
                );
            }
        }
        // A numeric gid need not exist in the group file.
        IdArg::Id(id) => gid = id,
        IdArg::Name(g) => match group_entries(group).find(|e| e.name == g) {
            Some(e) => gid = e.gid,
            None => bail!("unable to find group {g}: no matching entries in group file"),
        },
    }

    let keep_groups = group_add.iter().any(|g| g == "keep-groups");
    if keep_groups && group_add.len() > 1 {
        bail!("the '--group-add keep-groups' option is not allowed with any other --group-add options");
    }
    if !keep_groups {
        for g in group_add {
            additional.extend(resolve_group_add(group, g)?);
        }
    }

    let mut additional_gids = vec![gid];
    for g in additional {
        if !additional_gids.contains(&g) {
            additional_gids.push(g);
        }
    }
    if home.is_empty() {
        home = "/".to_string();
    }
    Ok(ResolvedUser {
        uid,
        gid,
        additional_gids,
        home,
        name,
        keep_groups,
    })
}

/// One `--group-add` value: every group whose name or gid matches it, else
/// the number itself (runc's GetAdditionalGroups).
fn resolve_group_add(group: &str, value: &str) -> Result<Vec<u32>> {
    if value.is_empty() {
        bail!("--group-add \"\": expected a group name or a numeric gid");
    }
    let matches: Vec<u32> = group_entries(group)
        .filter(|e| e.name == value || e.gid.to_string() == value)
        .map(|e| e.gid)
        .collect();
    if !matches.is_empty() {
        return Ok(matches);
    }
    match classify(value) {
        Ok(IdArg::Id(id)) => Ok(vec![id]),
        Ok(_) => bail!("unable to find group {value}: no matching entries in group file"),
        Err(e) => Err(e.context(format!("--group-add {value:?}"))),
    }
}

/// Replace characters that would break a colon-separated line.
fn field(s: &str) -> String {
    s.replace([':', '\n', '\r'], "_")
}

/// The passwd line `--userns=keep-id` adds for the host user
/// (`name:*:uid:gid:name:home:shell`, no newline). Characters that would
/// corrupt the file (`:`, line breaks) are replaced by `_`.
pub fn passwd_entry_for_keep_id(name: &str, uid: u32, gid: u32, home: &str, shell: &str) -> String {
    let name = field(name);
    format!(
        "{name}:*:{uid}:{gid}:{name}:{}:{}",
        field(home),
        field(shell)
    )
}

/// A group line `name:x:gid:` (no members, no newline).
pub fn group_entry(name: &str, gid: u32) -> String {
    format!("{}:x:{gid}:", field(name))
}

/// Whether passwd text already has an entry for `uid` (keep-id then leaves
/// the file alone, as Podman does).
pub fn passwd_has_uid(passwd: &str, uid: u32) -> bool {
    passwd_entries(passwd).any(|e| e.uid == uid)
}

/// Whether group text already has an entry for `gid`.
pub fn group_has_gid(group: &str, gid: u32) -> bool {
    group_entries(group).any(|e| e.gid == gid)
}

/// Read `path` (such as `/etc/passwd`) from the image root `rootfs`,
/// resolving every component, symlinks included, as if `rootfs` were `/`
/// (openat2 with RESOLVE_IN_ROOT), so a hostile image cannot make cove read
/// a host file. Ok(None) if it does not exist (or a parent is not a
/// directory). Errors if it is not a regular file, is larger than
/// `max_bytes`, or the kernel lacks openat2 (Linux < 5.6). Invalid UTF-8 is
/// replaced, not fatal.
pub fn read_rootfs_file(rootfs: &Path, path: &str, max_bytes: usize) -> io::Result<Option<String>> {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{path:?} does not name a file"),
        ));
    }
    let root = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
        .open(rootfs)?;
    // O_NONBLOCK so that a FIFO planted at the path cannot hang us; it is
    // then refused as not a regular file.
    let flags = OFlag::O_RDONLY | OFlag::O_NOCTTY | OFlag::O_NONBLOCK;
    let fd = match openat::open_in_root(&root, rel, flags) {
        Ok(fd) => fd,
        Err(Errno::ENOENT | Errno::ENOTDIR) => return Ok(None),
        Err(Errno::ENOSYS) => return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "openat2 is not available (Linux 5.6 or newer is needed to read image files safely)",
        )),
        Err(e) => {
            return Err(io::Error::new(
                io::Error::from(e).kind(),
                format!("{path} in {}: {e}", rootfs.display()),
            ))
        }
    };
    let mut file = File::from(fd);
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{path} in {} is not a regular file", rootfs.display()),
        ));
    }
    let mut buf = Vec::new();
    (&mut file)
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut buf)?;
    if buf.len() > max_bytes {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{path} in {} is larger than {max_bytes} bytes",
                rootfs.display()
            ),
        ));
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/sh
daemon:x:2:2:daemon:/sbin:/sbin/nologin
# a comment
broken line without colons
badid:x:notanumber:0::/:/bin/sh
nohome:x:1001:1001
alice:x:1000:1000:Alice:/home/alice:/bin/sh
dup:x:1000:5:dup:/dup:/bin/sh
1234:x:2000:2000::/home/numeric:/bin/sh
";

    const GROUP: &str = "\
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
wheel:x:10:root, alice
users:x:100:
staff:x:50:alice,bob
bad:x:oops:alice
audio:x:63
bob:x:1000:
";

    fn user(spec: &str, add: &[&str]) -> Result<ResolvedUser> {
        let add: Vec<String> = add.iter().map(|s| s.to_string()).collect();
        resolve_user(Some(PASSWD), Some(GROUP), spec, &add)
    }

    fn err(r: Result<ResolvedUser>) -> String {
        format!("{:#}", r.expect_err("expected an error"))
    }

    #[test]
    fn empty_spec_is_root_with_memberships() {
        let u = user("", &[]).unwrap();
        assert_eq!((u.uid, u.gid), (0, 0));
        assert_eq!(u.home, "/root");
        assert_eq!(u.name.as_deref(), Some("root"));
        assert_eq!(u.additional_gids, vec![0, 1, 2, 10]);
        assert!(!u.keep_groups);
    }

    #[test]
    fn no_files_at_all() {
        let u = resolve_user(None, None, "", &[]).unwrap();
        assert_eq!(
            u,
            ResolvedUser {
                uid: 0,
                gid: 0,
                additional_gids: vec![0],
                home: "/".into(),
                name: None,
                keep_groups: false,
            }
        );
        let u = resolve_user(None, None, "1000:1000", &[]).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (1000, 1000, "/"));
        let e = format!("{:#}", resolve_user(None, None, "alice", &[]).unwrap_err());
        assert_eq!(
            e,
            "unable to find user alice: no matching entries in passwd file"
        );
        let e = format!(
            "{:#}",
            resolve_user(None, None, "0:wheel", &[]).unwrap_err()
        );
        assert_eq!(
            e,
            "unable to find group wheel: no matching entries in group file"
        );
    }

    #[test]
    fn by_name() {
        let u = user("alice", &[]).unwrap();
        assert_eq!((u.uid, u.gid), (1000, 1000));
        assert_eq!(u.home, "/home/alice");
        assert_eq!(u.name.as_deref(), Some("alice"));
        // wheel lists " alice" (trimmed), staff lists alice; bad line skipped.
        assert_eq!(u.additional_gids, vec![1000, 10, 50]);
    }

    #[test]
    fn by_uid_found_uses_passwd_gid_and_memberships() {
        let u = user("1000", &[]).unwrap();
        // The first matching entry wins (alice, not dup).
        assert_eq!(
            (u.uid, u.gid, u.name.as_deref()),
            (1000, 1000, Some("alice"))
        );
        assert_eq!(u.additional_gids, vec![1000, 10, 50]);
    }

    #[test]
    fn by_uid_missing_from_passwd() {
        let u = user("4242", &[]).unwrap();
        assert_eq!((u.uid, u.gid), (4242, 0));
        assert_eq!(u.home, "/");
        assert_eq!(u.name, None);
        assert_eq!(u.additional_gids, vec![0]);
    }

    #[test]
    fn numeric_spec_is_always_a_uid() {
        // A user *named* 1234 exists with uid 2000, but 1234 is a uid.
        let u = user("1234", &[]).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (1234, 0, "/"));
    }

    #[test]
    fn explicit_group_forms() {
        let u = user("alice:staff", &[]).unwrap();
        assert_eq!((u.uid, u.gid), (1000, 50));
        // An explicit group suppresses the membership lookup (runc).
        assert_eq!(u.additional_gids, vec![50]);

        let u = user("alice:77", &[]).unwrap();
        assert_eq!((u.uid, u.gid), (1000, 77));

        let u = user("1000:users", &[]).unwrap();
        assert_eq!((u.uid, u.gid), (1000, 100));

        let u = user("5000:5000", &[]).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (5000, 5000, "/"));

        let u = user("0:0", &[]).unwrap();
        assert_eq!(u.home, "/root");
        assert_eq!(u.additional_gids, vec![0]);

        // "alice:" is the implicit form.
        let u = user("alice:", &[]).unwrap();
        assert_eq!(u.additional_gids, vec![1000, 10, 50]);

        // ":staff" is root with group staff.
        let u = user(":staff", &[]).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (0, 50, "/root"));
    }

    #[test]
    fn passwd_line_without_home() {
        let u = user("nohome", &[]).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (1001, 1001, "/"));
    }

    #[test]
    fn lookup_errors() {
        assert_eq!(
            err(user("mallory", &[])),
            "unable to find user mallory: no matching entries in passwd file"
        );
        assert_eq!(
            err(user("alice:nogroup", &[])),
            "unable to find group nogroup: no matching entries in group file"
        );
        // Malformed lines are not matchable by name.
        assert!(err(user("badid", &[])).contains("unable to find user badid"));
        assert!(err(user("broken line without colons", &[])).contains("unable to find user"));
        assert!(err(user("-1", &[])).contains("range"));
        assert!(err(user("0:3000000000", &[])).contains("range"));
        assert!(err(user("a:b:c", &[])).contains("USER[:GROUP]"));
    }

    #[test]
    fn group_add() {
        let u = user("alice", &["audio", "users", "100", "4000", "staff"]).unwrap();
        // audio has no member list but is a valid group; 100 == users (dedup).
        assert_eq!(u.additional_gids, vec![1000, 10, 50, 63, 100, 4000]);

        let u = user("4242", &["bob"]).unwrap();
        assert_eq!(u.additional_gids, vec![0, 1000]);

        // Name or gid string: both match groups.
        let u = user("", &["1"]).unwrap();
        assert!(u.additional_gids.contains(&1));

        let e = err(user("alice", &["nosuch"]));
        assert_eq!(
            e,
            "unable to find group nosuch: no matching entries in group file"
        );
        assert!(err(user("alice", &[""])).contains("--group-add"));
        assert!(err(user("alice", &["-5"])).contains("range"));
    }

    #[test]
    fn keep_groups() {
        let u = user("alice", &["keep-groups"]).unwrap();
        assert!(u.keep_groups);
        assert_eq!(u.additional_gids, vec![1000, 10, 50]);
        let e = err(user("alice", &["keep-groups", "users"]));
        assert!(
            e.contains("keep-groups") && e.contains("not allowed"),
            "{e}"
        );
    }

    #[test]
    fn keep_id_entries() {
        assert_eq!(
            passwd_entry_for_keep_id("alice", 1000, 1000, "/home/alice", "/bin/bash"),
            "alice:*:1000:1000:alice:/home/alice:/bin/bash"
        );
        assert_eq!(
            passwd_entry_for_keep_id("ev:il\nroot", 1, 2, "/h:x", "/bin/sh"),
            "ev_il_root:*:1:2:ev_il_root:/h_x:/bin/sh"
        );
        assert_eq!(group_entry("alice", 1000), "alice:x:1000:");
        // The generated lines read back as entries.
        let line = passwd_entry_for_keep_id("zed", 1500, 1600, "/home/zed", "/bin/sh");
        let u = resolve_user(Some(&line), Some(&group_entry("zedg", 1600)), "zed", &[]).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (1500, 1600, "/home/zed"));
        assert!(passwd_has_uid(PASSWD, 1000));
        assert!(!passwd_has_uid(PASSWD, 4242));
        assert!(group_has_gid(GROUP, 63));
        assert!(!group_has_gid(GROUP, 64));
    }

    #[test]
    fn read_rootfs_file_basics() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("rootfs");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/passwd"), PASSWD).unwrap();

        let text = read_rootfs_file(&root, "/etc/passwd", 1 << 20).unwrap();
        assert_eq!(text.as_deref(), Some(PASSWD));
        assert_eq!(
            read_rootfs_file(&root, "/etc/group", 1 << 20).unwrap(),
            None
        );
        // A parent that is a file rather than a directory: absent.
        assert_eq!(
            read_rootfs_file(&root, "/etc/passwd/x", 1 << 20).unwrap(),
            None
        );
        // Too large.
        let e = read_rootfs_file(&root, "/etc/passwd", 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("larger than 10 bytes"), "{e}");
        // Exactly at the cap is fine.
        assert!(read_rootfs_file(&root, "/etc/passwd", PASSWD.len())
            .unwrap()
            .is_some());
        // A directory is not a regular file.
        let e = read_rootfs_file(&root, "/etc", 100).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        // No file named.
        assert!(read_rootfs_file(&root, "/", 100).is_err());
        // A missing root is an error, not "absent".
        assert!(read_rootfs_file(&dir.path().join("nope"), "/etc/passwd", 100).is_err());
    }

    #[test]
    fn read_rootfs_file_stays_inside_root() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("host-secret");
        std::fs::write(&secret, "host:x:0:0::/:/bin/sh\n").unwrap();
        let root = dir.path().join("rootfs");
        std::fs::create_dir_all(root.join("etc")).unwrap();

        // An absolute symlink to the host file resolves inside the root,
        // where there is nothing.
        symlink(&secret, root.join("etc/passwd")).unwrap();
        assert_eq!(
            read_rootfs_file(&root, "/etc/passwd", 1 << 20).unwrap(),
            None
        );

        // A relative one climbing out is clamped at the root as well.
        symlink("../../host-secret", root.join("etc/group")).unwrap();
        assert_eq!(
            read_rootfs_file(&root, "/etc/group", 1 << 20).unwrap(),
            None
        );

        // And so is `..` in the requested path itself.
        assert_eq!(
            read_rootfs_file(&root, "/../host-secret", 1 << 20).unwrap(),
            None
        );

        // An absolute symlink is followed within the root.
        std::fs::create_dir_all(root.join("usr/lib")).unwrap();
        std::fs::write(root.join("usr/lib/passwd"), "inner:x:7:7::/:/bin/sh\n").unwrap();
        symlink("/usr/lib/passwd", root.join("etc/shadowed")).unwrap();
        assert_eq!(
            read_rootfs_file(&root, "/etc/shadowed", 1 << 20)
                .unwrap()
                .as_deref(),
            Some("inner:x:7:7::/:/bin/sh\n")
        );

        // A directory symlink pointing at the host's /etc is also confined.
        std::fs::remove_file(root.join("etc/passwd")).unwrap();
        std::fs::create_dir_all(dir.path().join("hostetc")).unwrap();
        std::fs::write(dir.path().join("hostetc/passwd"), "leak\n").unwrap();
        std::fs::remove_dir_all(root.join("usr")).unwrap();
        symlink(dir.path().join("hostetc"), root.join("usr")).unwrap();
        assert_eq!(
            read_rootfs_file(&root, "/usr/passwd", 1 << 20).unwrap(),
            None
        );
    }

    #[test]
    fn read_rootfs_file_refuses_fifo() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        let fifo = dir.path().join("etc/passwd");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let e = read_rootfs_file(dir.path(), "/etc/passwd", 100).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
