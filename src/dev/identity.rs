//! The user inside a dev sandbox: the host user's passwd, group and shadow
//! entries merged into the image's files, a sudoers file for passwordless
//! sudo (as toolbox and distrobox set up), and the checks that an image
//! can hold a user at all.
//!
//! The merging is text in, text out: `dev create` reads the image's files
//! and writes the results into the sandbox's own layer, so the image is
//! never copied or re-owned for the user's ids (the sandbox runs with
//! keep-id).

use crate::error::{exit_error, EXIT_COVE};
use anyhow::Result;
use std::path::Path;

/// The host user as the sandbox will know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// The primary group's name.
    pub group: String,
    pub gecos: String,
    pub home: String,
    pub shell: String,
    /// Supplementary groups (name, gid), without the primary group.
    pub groups: Vec<(String, u32)>,
}

impl HostUser {
    /// The calling user, from the system's user database (NSS, so
    /// directory users count), with this process's supplementary groups.
    pub fn current() -> Result<HostUser> {
        use nix::unistd::{getgid, getgroups, getuid, Group, User};
        let uid = getuid();
        let user = User::from_uid(uid)?.ok_or_else(|| {
            exit_error(
                EXIT_COVE,
                format!(
                    "your uid {uid} has no entry in the user database: a sandbox needs a user name"
                ),
            )
        })?;
        let gid = getgid();
        let group_name = |gid: nix::unistd::Gid| -> Result<Option<String>> {
            Ok(Group::from_gid(gid)?.map(|g| g.name))
        };
        let group = group_name(gid)?.unwrap_or_else(|| user.name.clone());
        let mut groups = Vec::new();
        for g in getgroups()? {
            if g != gid {
                if let Some(name) = group_name(g)? {
                    groups.push((name, g.as_raw()));
                }
            }
        }
        Ok(HostUser {
            name: user.name,
            uid: uid.as_raw(),
            gid: gid.as_raw(),
            group,
            gecos: user.gecos.to_string_lossy().into_owned(),
            home: user.dir.to_string_lossy().into_owned(),
            shell: user.shell.to_string_lossy().into_owned(),
            groups,
        })
    }

    /// A name that is safe in passwd, group and sudoers: letters, digits,
    /// `.`, `_`, `-`, `@` (directory users), a trailing `$`, not starting
    /// with `-`. Anything else would break a colon-separated line.
    pub fn check_name(name: &str) -> Result<()> {
        let body = name.strip_suffix('$').unwrap_or(name);
        let ok = !body.is_empty()
            && !body.starts_with('-')
            && body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if ok {
            Ok(())
        } else {
            Err(exit_error(
                EXIT_COVE,
                format!("the name {name:?} cannot be written into the sandbox's /etc/passwd and sudoers (use letters, digits, '.', '_', '-', '@')"),
            ))
        }
    }
}

/// The fields of a colon-separated line, or None for a comment, a blank
/// line or a line with fewer fields than `min`.
fn fields(line: &str, min: usize) -> Option<Vec<&str>> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let f: Vec<&str> = line.split(':').collect();
    (f.len() >= min).then_some(f)
}

/// Join lines into file text ending with one newline.
fn join(lines: Vec<String>) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The image's passwd with the user's entry: any entry with the user's
/// name or uid is replaced (an image's own `ubuntu` user with uid 1000
/// would otherwise shadow the host user), everything else kept in order.
pub fn merge_passwd(image: &str, user: &HostUser, shell: &str) -> Result<String> {
    HostUser::check_name(&user.name)?;
    let uid = user.uid.to_string();
    let mut lines: Vec<String> = image
        .lines()
        .filter(|line| match fields(line, 4) {
            Some(f) => f[0] != user.name && f[2] != uid,
            None => true,
        })
        .map(str::to_string)
        .collect();
    let gecos = user.gecos.replace([':', '\n'], " ");
    lines.push(format!(
        "{}:x:{}:{}:{}:{}:{}",
        user.name, user.uid, user.gid, gecos, user.home, shell
    ));
    Ok(join(lines))
}

/// The image's group file with the user's groups:
/// - the primary group replaces any group of the same name or gid (their
///   members are kept);
/// - a supplementary group whose gid the image has gets the user as a
///   member; one whose gid it lacks is added under the host's name,
///   unless the image uses that name for another gid (then the gid stays
///   nameless inside, as the kernel shows it anyway).
pub fn merge_group(image: &str, user: &HostUser) -> Result<String> {
    HostUser::check_name(&user.name)?;
    HostUser::check_name(&user.group)?;
    let primary_gid = user.gid.to_string();
    let mut kept_members: Vec<String> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for line in image.lines() {
        match fields(line, 3) {
            Some(f) if f[0] == user.group || f[2] == primary_gid => {
                for m in f.get(3).unwrap_or(&"").split(',') {
                    let m = m.trim();
                    if !m.is_empty() && !kept_members.iter().any(|k| k == m) {
                        kept_members.push(m.to_string());
                    }
                }
            }
            _ => lines.push(line.to_string()),
        }
    }
    for (name, gid) in &user.groups {
        let gid_text = gid.to_string();
        let at_gid = lines
            .iter()
            .position(|l| fields(l, 3).is_some_and(|f| f[2] == gid_text));
        match at_gid {
            Some(i) => lines[i] = with_member(&lines[i], &user.name),
            None => {
                let name_taken = lines
                    .iter()
                    .any(|l| fields(l, 3).is_some_and(|f| f[0] == name));
                if !name_taken && HostUser::check_name(name).is_ok() {
                    lines.push(format!("{name}:x:{gid}:{}", user.name));
                }
            }
        }
    }
    lines.push(format!(
        "{}:x:{}:{}",
        user.group,
        user.gid,
        kept_members.join(",")
    ));
    Ok(join(lines))
}

/// A group line with `member` added to its member list (once).
fn with_member(line: &str, member: &str) -> String {
    let mut f: Vec<String> = line.split(':').map(str::to_string).collect();
    while f.len() < 4 {
        f.push(String::new());
    }
    let members: Vec<&str> = f[3].split(',').filter(|m| !m.is_empty()).collect();
    if !members.contains(&member) {
        f[3] = if f[3].is_empty() {
            member.to_string()
        } else {
            format!("{},{member}", f[3])
        };
    }
    f.join(":")
}

/// The image's shadow file with a locked-password entry for the user
/// (sudo below needs no password; a locked one cannot be guessed).
pub fn merge_shadow(image: &str, user: &HostUser) -> Result<String> {
    HostUser::check_name(&user.name)?;
    let mut lines: Vec<String> = image
        .lines()
        .filter(|line| fields(line, 2).is_none_or(|f| f[0] != user.name))
        .map(str::to_string)
        .collect();
    lines.push(format!("{}:!:::::::", user.name));
    Ok(join(lines))
}

/// The sudoers.d file giving the user passwordless sudo: its name (sudo
/// skips names with a `.` or ending in `~`) and content (mode 0440).
pub fn sudoers_file(user: &HostUser) -> Result<(String, String)> {
    HostUser::check_name(&user.name)?;
    let file: String = user
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        format!("cove-{file}"),
        format!(
            "# Written by cove dev: the sandbox's user may run anything as root.\n\"{}\" ALL=(ALL:ALL) NOPASSWD: ALL\n",
            user.name
        ),
    ))
}

/// Shells tried, in order, when the user's own is not in the image.
const FALLBACK_SHELLS: &[&str] = &["/bin/bash", "/usr/bin/bash", "/bin/sh", "/usr/bin/sh"];

/// What an image needs to become a sandbox, checked before anything is
/// made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageCheck {
    /// The login shell to write for the user.
    pub shell: String,
    /// One line each for what works differently than asked.
    pub notices: Vec<String>,
}

/// Check an image's userland: it must have /etc/passwd (`passwd`, None
/// when absent) and a shell; `has` tells whether an executable exists at
/// a path in the image. The user's own shell is used when the image has
/// it, else bash, else sh.
pub fn check_image(
    image: &str,
    passwd: Option<&str>,
    wanted_shell: &str,
    has: &dyn Fn(&str) -> bool,
) -> Result<ImageCheck> {
    if passwd.is_none() {
        return Err(exit_error(
            EXIT_COVE,
            format!("{image} has no /etc/passwd, so it cannot hold your user: a dev sandbox needs a distribution's userland; use an image such as docker.io/library/debian, registry.fedoraproject.org/fedora-toolbox or docker.io/library/archlinux"),
        ));
    }
    let mut notices = Vec::new();
    let shell = if has(wanted_shell) {
        wanted_shell.to_string()
    } else {
        let Some(fallback) = FALLBACK_SHELLS.iter().find(|s| has(s)) else {
            return Err(exit_error(
                EXIT_COVE,
                format!("{image} has no usable shell (looked for {wanted_shell} and {}): use an image with a shell, such as docker.io/library/debian", FALLBACK_SHELLS.join(", ")),
            ));
        };
        notices.push(format!(
            "your shell {wanted_shell} is not in {image}; using {fallback} (install it inside and run chsh to change)"
        ));
        fallback.to_string()
    };
    if !["/usr/bin/sudo", "/bin/sudo"].iter().any(|s| has(s)) {
        notices.push(format!(
            "{image} has no sudo: install it inside as root (cove exec -u 0 NAME …) to use your passwordless sudo"
        ));
    }
    Ok(ImageCheck { shell, notices })
}

/// A home given with `--home` must be a directory the user can write.
pub fn check_home(dir: &Path) -> Result<()> {
    let meta = std::fs::metadata(dir).map_err(|e| {
        exit_error(
            EXIT_COVE,
            format!(
                "home directory {}: {e}; create it first or choose another with --home",
                dir.display()
            ),
        )
    })?;
    if !meta.is_dir() {
        return Err(exit_error(
            EXIT_COVE,
            format!(
                "home directory {} is not a directory; choose another with --home",
                dir.display()
            ),
        ));
    }
    if nix::unistd::access(
        dir,
        nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK,
    )
    .is_err()
    {
        return Err(exit_error(
            EXIT_COVE,
            format!("home directory {} is not writable by you; fix its owner or mode, or choose another with --home", dir.display()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> HostUser {
        HostUser {
            name: "alice".into(),
            uid: 1000,
            gid: 1000,
            group: "alice".into(),
            gecos: "Alice A.,,,".into(),
            home: "/home/alice".into(),
            shell: "/usr/bin/zsh".into(),
            groups: vec![
                ("video".into(), 44),
                ("docker".into(), 998),
                ("users".into(), 1234),
            ],
        }
    }

    const UBUNTU_PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        # a comment stays\n\
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
        ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n";

    #[test]
    fn passwd_table() {
        let line = "alice:x:1000:1000:Alice A.,,,:/home/alice:/bin/bash";
        let cases = [
            // The image's uid 1000 user gives way.
            (
                UBUNTU_PASSWD,
                vec![
                    "root:x:0:0:root:/root:/bin/bash",
                    "# a comment stays",
                    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
                    line,
                ],
            ),
            // An old entry of the same name is replaced, not doubled.
            (
                "root:x:0:0::/root:/bin/sh\nalice:x:5:5::/x:/bin/sh",
                vec!["root:x:0:0::/root:/bin/sh", line],
            ),
            ("", vec![line]),
            // No final newline in the image.
            (
                "root:x:0:0::/root:/bin/sh",
                vec!["root:x:0:0::/root:/bin/sh", line],
            ),
        ];
        for (image, want) in cases {
            let out = merge_passwd(image, &alice(), "/bin/bash").unwrap();
            assert_eq!(out, want.join("\n") + "\n", "{image:?}");
        }
    }

    #[test]
    fn group_table() {
        let image =
            "root:x:0:\nvideo:x:44:\nubuntu:x:1000:ubuntu,bob\nusers:x:100:\nsudo:x:27:ubuntu\n";
        let out = merge_group(image, &alice()).unwrap();
        assert_eq!(
            out,
            "root:x:0:\n\
             video:x:44:alice\n\
             users:x:100:\n\
             sudo:x:27:ubuntu\n\
             docker:x:998:alice\n\
             alice:x:1000:ubuntu,bob\n"
        );
        // "users" (1234 on the host) is taken by gid 100 in the image: no line.
        assert!(!out.contains("1234"));
        // Merging twice changes nothing more.
        assert_eq!(merge_group(&out, &alice()).unwrap(), out);
    }

    #[test]
    fn shadow_and_sudoers() {
        let shadow = merge_shadow(
            "root:*:19000:0:99999:7:::\nalice:$6$old:1::::::\n",
            &alice(),
        )
        .unwrap();
        assert_eq!(shadow, "root:*:19000:0:99999:7:::\nalice:!:::::::\n");
        let (name, text) = sudoers_file(&alice()).unwrap();
        assert_eq!(name, "cove-alice");
        assert!(
            text.ends_with("\n\"alice\" ALL=(ALL:ALL) NOPASSWD: ALL\n"),
            "{text}"
        );
        let dotted = HostUser {
            name: "j.doe@corp".into(),
            ..alice()
        };
        assert_eq!(sudoers_file(&dotted).unwrap().0, "cove-j_doe_corp");
    }

    #[test]
    fn names_that_would_break_the_files_are_refused() {
        for (name, ok) in [
            ("alice", true),
            ("j.doe@corp", true),
            ("machine$", true),
            ("a:b", false),
            ("-rf", false),
            ("a b", false),
            ("a\nroot::0:0", false),
            ("", false),
            ("$", false),
        ] {
            assert_eq!(HostUser::check_name(name).is_ok(), ok, "{name:?}");
            let user = HostUser {
                name: name.into(),
                ..alice()
            };
            assert_eq!(merge_passwd("", &user, "/bin/sh").is_ok(), ok, "{name:?}");
        }
        let colon_gecos = HostUser {
            gecos: "a:b\nc".into(),
            ..alice()
        };
        let out = merge_passwd("", &colon_gecos, "/bin/sh").unwrap();
        assert_eq!(out, "alice:x:1000:1000:a b c:/home/alice:/bin/sh\n");
    }

    #[test]
    fn image_checks() {
        let debian = |p: &str| ["/bin/bash", "/bin/sh", "/usr/bin/sudo"].contains(&p);
        let busybox = |p: &str| p == "/bin/sh";
        let nothing = |_: &str| false;
        let zsh_too = |p: &str| debian(p) || p == "/usr/bin/zsh";

        let c = check_image("debian", Some(""), "/usr/bin/zsh", &zsh_too).unwrap();
        assert_eq!(
            c,
            ImageCheck {
                shell: "/usr/bin/zsh".into(),
                notices: vec![]
            }
        );

        let c = check_image("debian", Some(""), "/usr/bin/zsh", &debian).unwrap();
        assert_eq!(c.shell, "/bin/bash");
        assert_eq!(c.notices.len(), 1);
        assert!(c.notices[0].contains("your shell /usr/bin/zsh is not in debian"));

        let c = check_image("busybox", Some(""), "/bin/bash", &busybox).unwrap();
        assert_eq!(c.shell, "/bin/sh");
        assert!(
            c.notices[1].contains("busybox has no sudo"),
            "{:?}",
            c.notices
        );

        let e = check_image("scratch", None, "/bin/bash", &debian).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 125);
        assert!(e.to_string().contains("scratch has no /etc/passwd"), "{e}");
        assert!(e.to_string().contains("docker.io/library/debian"), "{e}");

        let e = check_image(
            "distroless",
            Some("root:x:0:0::/:/sbin/nologin"),
            "/bin/bash",
            &nothing,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("distroless has no usable shell"),
            "{e}"
        );
    }

    #[test]
    fn home_checks() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(check_home(tmp.path()).is_ok());
        let cases = [
            (tmp.path().join("missing"), "No such file or directory"),
            (file, "is not a directory"),
        ];
        for (path, want) in cases {
            let e = check_home(&path).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("--home"), "{e}");
        }
        // Root may write anywhere; only an ordinary user sees the refusal.
        if !nix::unistd::geteuid().is_root() {
            use std::os::unix::fs::PermissionsExt;
            let ro = tmp.path().join("ro");
            std::fs::create_dir(&ro).unwrap();
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
            let e = check_home(&ro).unwrap_err().to_string();
            assert!(e.contains("is not writable by you"), "{e}");
        }
    }

    #[test]
    fn the_current_user_is_found() {
        let me = HostUser::current().unwrap();
        assert_eq!(me.uid, nix::unistd::getuid().as_raw());
        assert_eq!(me.gid, nix::unistd::getgid().as_raw());
        assert!(!me.name.is_empty());
        assert!(me.groups.iter().all(|(_, g)| *g != me.gid));
    }
}
