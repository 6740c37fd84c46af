//! Who the container is: the user namespace's id maps (the store's
//! mapping, or keep-id's around the user) and the user the command runs
//! as, resolved in the image's /etc/passwd and /etc/group.

use super::usage;
use crate::container::options::UsernsMode;
use crate::container::user::{self, ResolvedUser};
use crate::sys::userns::{self, IdMaps, IdRange};

/// The calling user and the mappings the container gets.
pub(super) struct Ids {
    /// Not real root in the initial user namespace.
    pub rootless: bool,
    pub host_uid: u32,
    pub host_gid: u32,
    /// The store's mapping (rootless), which the layers' owners follow.
    pub storage_maps: Option<IdMaps>,
    /// The container's user namespace; none as root.
    pub id_maps: Option<IdMaps>,
}

impl Ids {
    /// The namespace maps only the user's own id: no other owners, no
    /// supplementary groups.
    pub fn single_id(&self) -> bool {
        self.id_maps.as_ref().is_some_and(|m| !m.is_full())
    }
}

/// The mappings of this user for `--userns` as asked.
pub(super) fn plan(mode: &UsernsMode) -> anyhow::Result<Ids> {
    let rootless = !userns::is_root() || userns::in_user_namespace();
    let (storage_maps, single_reason) = if rootless {
        let (maps, reason) = userns::user_maps();
        (Some(maps), reason)
    } else {
        (None, None)
    };
    if let Some(reason) = &single_reason {
        crate::log::debug(&format!("single-id user namespace: {reason}"));
    }
    let host_uid = nix::unistd::getuid().as_raw();
    let host_gid = nix::unistd::getgid().as_raw();
    let id_maps = container_maps(mode, storage_maps.as_ref(), host_uid, host_gid)?;
    Ok(Ids {
        rootless,
        host_uid,
        host_gid,
        storage_maps,
        id_maps,
    })
}

/// The container's maps: the store's, or keep-id's built from them.
fn container_maps(
    mode: &UsernsMode,
    storage: Option<&IdMaps>,
    host_uid: u32,
    host_gid: u32,
) -> anyhow::Result<Option<IdMaps>> {
    match (mode, storage) {
        (UsernsMode::KeepId { uid, gid }, Some(storage)) => Ok(Some(keep_id_maps(
            storage,
            host_uid,
            host_gid,
            uid.unwrap_or(host_uid),
            gid.unwrap_or(host_gid),
        )?)),
        (UsernsMode::KeepId { .. }, None) => Err(usage(
            "--userns=keep-id is only supported for rootless containers",
        )),
        (_, maps) => Ok(maps.cloned()),
    }
}

/// `--userns=keep-id`: the user's own uid and gid keep their numbers in
/// the container; the subordinate ranges fill the ids around them.
fn keep_id_maps(
    storage: &IdMaps,
    host_uid: u32,
    host_gid: u32,
    uid: u32,
    gid: u32,
) -> anyhow::Result<IdMaps> {
    if !storage.is_full() {
        return Err(usage(
            "--userns=keep-id needs a range in /etc/subuid and /etc/subgid for this user (ask an administrator to run `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER`)",
        ));
    }
    let subordinate = |ranges: &[IdRange]| -> Vec<(u32, u32)> {
        ranges
            .iter()
            .filter(|r| r.container_id != 0)
            .map(|r| (r.host_id, r.size))
            .collect()
    };
    Ok(IdMaps {
        uids: keep_id_ranges(host_uid, uid, &subordinate(&storage.uids))?,
        gids: keep_id_ranges(host_gid, gid, &subordinate(&storage.gids))?,
    })
}

/// Container ids 0..target from the subordinate ids, `target` -> `own`,
/// then the rest of the subordinate ids.
pub fn keep_id_ranges(
    own: u32,
    target: u32,
    subordinate: &[(u32, u32)],
) -> anyhow::Result<Vec<IdRange>> {
    let total: u64 = subordinate.iter().map(|(_, c)| *c as u64).sum();
    if (target as u64) > total {
        return Err(usage(format!(
            "--userns=keep-id: id {target} is beyond the {total} subordinate ids this user has in /etc/subuid"
        )));
    }
    let mut out = Vec::new();
    let mut next_container = 0u32;
    let mut push = |out: &mut Vec<IdRange>, host: u32, size: u32| {
        if size > 0 {
            out.push(IdRange {
                container_id: next_container,
                host_id: host,
                size,
            });
            next_container += size;
        }
    };
    let mut before = target;
    let mut placed_own = false;
    for &(start, count) in subordinate {
        let mut start = start;
        let mut count = count;
        if !placed_own {
            let take = before.min(count);
            push(&mut out, start, take);
            before -= take;
            start += take;
            count -= take;
            if before == 0 {
                push(&mut out, own, 1);
                placed_own = true;
            }
        }
        push(&mut out, start, count);
    }
    if !placed_own {
        push(&mut out, own, 1);
    }
    Ok(out)
}

/// The `-u` to resolve: the flag's, keep-id's (the user's own ids, or
/// those asked for), else the image's.
pub(super) fn user_spec(
    flag: Option<&str>,
    mode: &UsernsMode,
    image_user: Option<&str>,
    ids: &Ids,
) -> String {
    match (flag, mode) {
        (Some(u), _) => u.to_string(),
        (None, UsernsMode::KeepId { uid, gid }) => format!(
            "{}:{}",
            uid.unwrap_or(ids.host_uid),
            gid.unwrap_or(ids.host_gid)
        ),
        (None, _) => image_user.unwrap_or_default().to_string(),
    }
}

/// Resolve `spec` and `--group-add` in the image's passwd and group.
pub(super) fn resolve_user(
    passwd: Option<&str>,
    group: Option<&str>,
    spec: &str,
    group_add: &[String],
    single_id: bool,
) -> anyhow::Result<ResolvedUser> {
    if group_add.iter().any(|g| g == "keep-groups") {
        return Err(usage(
            "--group-add keep-groups is not supported by cove; name the groups instead",
        ));
    }
    if single_id && !group_add.is_empty() {
        return Err(usage(
            "--group-add needs a range in /etc/subgid for this user (the user namespace maps a single id)",
        ));
    }
    let mut resolved =
        user::resolve_user(passwd, group, spec, group_add).map_err(|e| usage(format!("{e:#}")))?;
    if single_id {
        // Only the primary group exists in a single-id namespace; groups the
        // image lists the user in cannot be set, as crun drops them too.
        resolved.additional_gids.retain(|g| *g == resolved.gid);
    }
    Ok(resolved)
}

/// /etc/passwd and /etc/group with the host user added, for keep-id.
pub(super) fn keep_id_etc_files(
    passwd: Option<&str>,
    group: Option<&str>,
    resolved: &ResolvedUser,
    host_uid: u32,
    host_gid: u32,
) -> (String, String) {
    let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(host_uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| "user".into());
    let group_name = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(host_gid))
        .ok()
        .flatten()
        .map(|g| g.name)
        .unwrap_or_else(|| name.clone());
    let home = std::env::var("HOME").unwrap_or_else(|_| "/".into());
    keep_id_files_for(passwd, group, resolved, &name, &group_name, &home)
}

fn keep_id_files_for(
    passwd: Option<&str>,
    group: Option<&str>,
    resolved: &ResolvedUser,
    name: &str,
    group_name: &str,
    home: &str,
) -> (String, String) {
    let mut p = passwd.unwrap_or_default().to_string();
    let has_uid = p
        .lines()
        .any(|l| l.split(':').nth(2) == Some(&resolved.uid.to_string()));
    if !has_uid {
        if !p.is_empty() && !p.ends_with('\n') {
            p.push('\n');
        }
        p.push_str(&user::passwd_entry_for_keep_id(
            name,
            resolved.uid,
            resolved.gid,
            home,
            "/bin/sh",
        ));
        p.push('\n');
    }
    let mut g = group.unwrap_or_default().to_string();
    let has_gid = g
        .lines()
        .any(|l| l.split(':').nth(2) == Some(&resolved.gid.to_string()));
    if !has_gid {
        if !g.is_empty() && !g.ends_with('\n') {
            g.push('\n');
        }
        g.push_str(&user::group_entry(group_name, resolved.gid));
        g.push('\n');
    }
    (p, g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitError;

    fn code(e: &anyhow::Error) -> Option<i32> {
        e.downcast_ref::<ExitError>().map(|e| e.code)
    }

    fn maps(own: u32, subordinate: &[(u32, u32)]) -> IdMaps {
        IdMaps {
            uids: userns::build_ranges(own, subordinate),
            gids: userns::build_ranges(own + 1, subordinate),
        }
    }

    fn ids(id_maps: Option<IdMaps>) -> Ids {
        Ids {
            rootless: id_maps.is_some(),
            host_uid: 1000,
            host_gid: 1001,
            storage_maps: id_maps.clone(),
            id_maps,
        }
    }

    #[test]
    fn keep_id_ranges_split_around_the_user() {
        let r = keep_id_ranges(1000, 1000, &[(100000, 65536)]).unwrap();
        assert_eq!(
            r,
            vec![
                IdRange {
                    container_id: 0,
                    host_id: 100000,
                    size: 1000
                },
                IdRange {
                    container_id: 1000,
                    host_id: 1000,
                    size: 1
                },
                IdRange {
                    container_id: 1001,
                    host_id: 101000,
                    size: 64536
                },
            ]
        );
        let r = keep_id_ranges(1000, 5, &[(100000, 3), (200000, 10)]).unwrap();
        assert_eq!(
            r.iter()
                .map(|x| (x.container_id, x.host_id, x.size))
                .collect::<Vec<_>>(),
            vec![(0, 100000, 3), (3, 200000, 2), (5, 1000, 1), (6, 200002, 8)]
        );
        assert!(keep_id_ranges(1000, 70000, &[(100000, 65536)]).is_err());
    }

    #[test]
    fn the_container_gets_the_store_mapping_or_keep_ids() {
        let store = maps(1000, &[(100000, 65536)]);
        // Default: the store's mapping; as root, none.
        let m = container_maps(&UsernsMode::Default, Some(&store), 1000, 1001).unwrap();
        assert_eq!(m.as_ref(), Some(&store));
        assert_eq!(
            container_maps(&UsernsMode::Default, None, 0, 0).unwrap(),
            None
        );
        // keep-id: the user's own ids at their own numbers.
        let keep = UsernsMode::KeepId {
            uid: None,
            gid: None,
        };
        let m = container_maps(&keep, Some(&store), 1000, 1001)
            .unwrap()
            .unwrap();
        assert!(m.uids.contains(&IdRange {
            container_id: 1000,
            host_id: 1000,
            size: 1
        }));
        assert!(m.gids.contains(&IdRange {
            container_id: 1001,
            host_id: 1001,
            size: 1
        }));
        let asked = UsernsMode::KeepId {
            uid: Some(5),
            gid: Some(6),
        };
        let m = container_maps(&asked, Some(&store), 1000, 1001)
            .unwrap()
            .unwrap();
        assert_eq!(
            m.uids[1],
            IdRange {
                container_id: 5,
                host_id: 1000,
                size: 1
            }
        );
        // keep-id needs a namespace of ours, with subordinate ids.
        let e = container_maps(&keep, None, 0, 0).err().unwrap();
        assert_eq!(code(&e), Some(125));
        assert!(format!("{e}").contains("only supported for rootless"));
        let e = container_maps(&keep, Some(&maps(1000, &[])), 1000, 1001)
            .err()
            .unwrap();
        assert!(format!("{e}").contains("needs a range in /etc/subuid"));
    }

    #[test]
    fn the_user_comes_from_the_flag_keep_id_or_the_image() {
        let ids = ids(Some(maps(1000, &[(100000, 65536)])));
        let keep = UsernsMode::KeepId {
            uid: None,
            gid: Some(7),
        };
        assert_eq!(user_spec(Some("app"), &keep, Some("img"), &ids), "app");
        assert_eq!(user_spec(None, &keep, Some("img"), &ids), "1000:7");
        assert_eq!(
            user_spec(None, &UsernsMode::Default, Some("img"), &ids),
            "img"
        );
        assert_eq!(user_spec(None, &UsernsMode::Default, None, &ids), "");
    }

    #[test]
    fn a_single_id_namespace_has_no_supplementary_groups() {
        assert!(ids(Some(maps(1000, &[]))).single_id());
        assert!(!ids(Some(maps(1000, &[(100000, 65536)]))).single_id());
        assert!(!ids(None).single_id());
        let passwd = "app:x:100:200::/home/app:/bin/sh\n";
        let group = "app:x:200:\nwheel:x:10:app\n";
        let full = resolve_user(Some(passwd), Some(group), "app", &[], false).unwrap();
        assert_eq!(full.additional_gids, vec![200, 10]);
        let single = resolve_user(Some(passwd), Some(group), "app", &[], true).unwrap();
        assert_eq!(single.additional_gids, vec![200]);
        let e = resolve_user(Some(passwd), Some(group), "app", &["10".into()], true)
            .err()
            .unwrap();
        assert!(format!("{e}").contains("--group-add needs a range"));
        let e = resolve_user(None, None, "", &["keep-groups".into()], false)
            .err()
            .unwrap();
        assert_eq!(code(&e), Some(125));
        let e = resolve_user(Some(passwd), None, "nobody", &[], false)
            .err()
            .unwrap();
        assert_eq!(code(&e), Some(125));
    }

    #[test]
    fn keep_id_adds_the_user_where_the_image_lacks_them() {
        let resolved = ResolvedUser {
            uid: 1000,
            gid: 1000,
            additional_gids: vec![1000],
            home: "/home/me".into(),
            name: None,
            keep_groups: false,
        };
        let (p, g) = keep_id_files_for(
            Some("root:x:0:0::/root:/bin/sh"),
            Some("root:x:0:\n"),
            &resolved,
            "me",
            "us",
            "/home/me",
        );
        assert!(p.starts_with("root:x:0:0::/root:/bin/sh\n"), "{p}");
        assert!(p.lines().nth(1).unwrap().starts_with("me:"), "{p}");
        assert!(p.contains(":1000:1000:") && p.ends_with('\n'), "{p}");
        assert_eq!(g.lines().nth(1).unwrap().split(':').next(), Some("us"));
        // Already there: left alone.
        let (p2, g2) = keep_id_files_for(Some(&p), Some(&g), &resolved, "me", "us", "/home/me");
        assert_eq!((p2, g2), (p, g));
    }
}
