//! Id shifting: the filesystem shows files with the owners the container
//! must see, whatever mapping the server's user namespace has.
//!
//! On disk, layers and the upper dir hold ids in the store's coordinates
//! (`storage_maps`: what `unpack`, `commit` and `diff` use). The server
//! runs in the container's user namespace (`id_maps`), where `stat` shows
//! the same host ids through the container's mapping. With
//! `--userns=keep-id` the two mappings differ, so the owner the server
//! sees is translated back to store coordinates before it is shown (and
//! the other way round on chown and create); with equal maps nothing
//! changes and no copy of the image is ever needed.

use crate::sys::userns::{IdMaps, IdRange};

/// The kernel's overflow id, shown for ids the mapping cannot express.
const OVERFLOW: u32 = 65534;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdShift {
    /// None: the identity (same maps, or no user namespace).
    maps: Option<(IdMaps, IdMaps)>,
}

fn to_host(map: &[IdRange], id: u32) -> Option<u32> {
    map.iter()
        .find(|r| id >= r.container_id && id - r.container_id < r.size)
        .map(|r| r.host_id + (id - r.container_id))
}

fn from_host(map: &[IdRange], host: u32) -> Option<u32> {
    map.iter()
        .find(|r| host >= r.host_id && host - r.host_id < r.size)
        .map(|r| r.container_id + (host - r.host_id))
}

impl IdShift {
    /// `server`: the mapping of the namespace the server runs in (the
    /// container's); `storage`: the mapping the store's files are in.
    pub fn new(server: Option<&IdMaps>, storage: Option<&IdMaps>) -> IdShift {
        match (server, storage) {
            (Some(s), Some(st)) if s != st => IdShift {
                maps: Some((s.clone(), st.clone())),
            },
            _ => IdShift { maps: None },
        }
    }

    pub fn is_identity(&self) -> bool {
        self.maps.is_none()
    }

    /// An owner as the server's `stat` reports it -> as the container sees it.
    pub fn uid_out(&self, uid: u32) -> u32 {
        match &self.maps {
            None => uid,
            Some((server, storage)) => to_host(&server.uids, uid)
                .and_then(|h| from_host(&storage.uids, h))
                .unwrap_or(OVERFLOW),
        }
    }

    pub fn gid_out(&self, gid: u32) -> u32 {
        match &self.maps {
            None => gid,
            Some((server, storage)) => to_host(&server.gids, gid)
                .and_then(|h| from_host(&storage.gids, h))
                .unwrap_or(OVERFLOW),
        }
    }

    /// An owner the container asks for -> what the server must chown to.
    /// None when the id cannot be stored (EINVAL, as chown says).
    pub fn uid_in(&self, uid: u32) -> Option<u32> {
        match &self.maps {
            None => Some(uid),
            Some((server, storage)) => {
                to_host(&storage.uids, uid).and_then(|h| from_host(&server.uids, h))
            }
        }
    }

    pub fn gid_in(&self, gid: u32) -> Option<u32> {
        match &self.maps {
            None => Some(gid),
            Some((server, storage)) => {
                to_host(&storage.gids, gid).and_then(|h| from_host(&server.gids, h))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(container_id: u32, host_id: u32, size: u32) -> IdRange {
        IdRange {
            container_id,
            host_id,
            size,
        }
    }

    fn maps(ranges: Vec<IdRange>) -> IdMaps {
        IdMaps {
            uids: ranges.clone(),
            gids: ranges,
        }
    }

    #[test]
    fn identity_when_maps_are_equal_or_absent() {
        let m = maps(vec![r(0, 1000, 1), r(1, 100000, 65536)]);
        assert!(IdShift::new(Some(&m), Some(&m)).is_identity());
        assert!(IdShift::new(None, None).is_identity());
        let s = IdShift::new(None, None);
        assert_eq!(s.uid_out(5), 5);
        assert_eq!(s.uid_in(5), Some(5));
    }

    #[test]
    fn keep_id_round_trips() {
        // Store: 0 -> user 1000, 1.. -> subuids. keep-id: 1000 -> 1000,
        // 0..999 -> subuids, 1001.. -> the rest.
        let storage = maps(vec![r(0, 1000, 1), r(1, 100000, 65536)]);
        let keep = maps(vec![
            r(0, 100000, 1000),
            r(1000, 1000, 1),
            r(1001, 101000, 64536),
        ]);
        let s = IdShift::new(Some(&keep), Some(&storage));
        // A file the image gave to root is host 1000; the server sees it
        // as 1000 and must show 0.
        assert_eq!(s.uid_out(1000), 0);
        assert_eq!(s.uid_in(0), Some(1000));
        // Image uid 1 is host 100000, seen as 0 by the server.
        assert_eq!(s.uid_out(0), 1);
        assert_eq!(s.uid_in(1), Some(0));
        for id in [0u32, 1, 5, 999, 1000, 1001, 4000, 65535] {
            let seen = s.uid_in(id).unwrap();
            assert_eq!(s.uid_out(seen), id, "id {id}");
        }
        // Beyond the store's range: not storable, shown as overflow.
        assert_eq!(s.uid_in(70000), None);
        assert_eq!(s.gid_out(4_000_000), OVERFLOW);
    }
}
