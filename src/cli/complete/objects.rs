//! The user's objects as candidates: containers (by state), images,
//! volumes, network modes and networks, registries. Reads the indexes, not the records:
//! `containers/names/` (one symlink per name) and, only when a state or a
//! description is wanted, each matching container's small `state.json`;
//! the image catalog (`index.json`, one file); the volume directory.
//! Nothing is locked (the running state comes from the recorded pid, not
//! from the monitor's lock), and whatever cannot be read is left out.

use super::{directive, Answer, Candidate};
use crate::container::record::{containers_dir, State, Status};
use std::path::{Path, PathBuf};

/// The containers a command accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    All,
    Running,
    /// Created or exited: what `start` takes.
    Stopped,
}

pub struct Objects {
    root: PathBuf,
    describe: bool,
}

/// Podman offers ids only once this much of one is typed (a bare TAB
/// lists names).
const MIN_ID_PREFIX: usize = 2;

/// Past this many candidates a description is not read (one more file per
/// container): nobody reads a list that long, and the TAB must stay fast.
const MAX_DESCRIBED: usize = 200;

impl Objects {
    /// `root` is `--root` when typed on the command line.
    pub fn new(root: Option<&str>, describe: bool) -> Objects {
        let root = root.map(PathBuf::from).or_else(|| {
            std::env::var_os("COVE_ROOT")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        Objects {
            root: crate::context::Paths::resolve(root, None).root,
            describe,
        }
    }

    pub fn containers(&self, want: Want, cur: &str) -> Vec<Candidate> {
        let dir = containers_dir(&self.root);
        let mut found: Vec<(String, String)> = Vec::new(); // (candidate, id)
                                                           // Names that need no state nor description.
        let mut plain: Vec<Candidate> = Vec::new();
        let needs_record = want != Want::All || self.describe;
        if let Ok(entries) = std::fs::read_dir(dir.join("names")) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if name.starts_with('.') || !name.starts_with(cur) {
                    continue;
                }
                // `names/NAME -> ../ID`; a link whose directory is not there
                // yet (or any more) is a create or rm in progress.
                if !needs_record {
                    plain.push(Candidate::new(name, ""));
                    continue;
                }
                let Some(id) = std::fs::read_link(entry.path())
                    .ok()
                    .and_then(|t| t.file_name().and_then(|n| n.to_str()).map(str::to_string))
                else {
                    continue;
                };
                found.push((name.to_string(), id));
            }
        }
        if cur.len() >= MIN_ID_PREFIX && cur.bytes().all(|b| b.is_ascii_hexdigit()) {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten() {
                    let id = entry.file_name();
                    let Some(id) = id.to_str() else { continue };
                    if id.len() == 64 && id.starts_with(cur) {
                        found.push((id[..12].to_string(), id.to_string()));
                    }
                }
            }
        }
        // A name whose container is not there is a create or rm in
        // progress: it is dropped with one stat through the link, unless
        // the list is too long to be read anyway (then the stats would
        // cost more than all the rest, and a name that appears or goes a
        // moment later does no harm).
        if plain.len() <= MAX_DESCRIBED {
            let names = dir.join("names");
            plain.retain(|c| std::fs::metadata(names.join(&c.value)).is_ok_and(|m| m.is_dir()));
        }
        let describe = self.describe && found.len() <= MAX_DESCRIBED;
        let mut out = plain;
        for (value, id) in found {
            let path = dir.join(&id);
            let Some(status) = status(&path) else {
                continue;
            };
            let keep = match want {
                Want::All => true,
                Want::Running => status == Status::Running,
                Want::Stopped => status != Status::Running,
            };
            if !keep {
                continue;
            }
            let help = if describe {
                let image = image_of(&path).unwrap_or_default();
                format!("{image} · {}", status.as_str())
            } else {
                String::new()
            };
            out.push(Candidate::new(value, help));
        }
        out.sort_by(|a, b| a.value.cmp(&b.value));
        out
    }

    pub fn images(&self, cur: &str) -> Vec<Candidate> {
        let Some(store) = crate::image::store::Store::open_existing(&self.root) else {
            return Vec::new();
        };
        let Ok(catalog) = store.catalog() else {
            return Vec::new();
        };
        let want_ids = cur.len() >= MIN_ID_PREFIX && cur.bytes().all(|b| b.is_ascii_hexdigit());
        let describe = self.describe && catalog.images.len() <= MAX_DESCRIBED;
        let mut out: Vec<Candidate> = Vec::new();
        for img in &catalog.images {
            let help = if describe {
                format!(
                    "{} · {}",
                    crate::sys::fsutil::human_size(img.size),
                    crate::cli::output::time_ago(img.created.as_deref())
                )
            } else {
                String::new()
            };
            for name in &img.names {
                if let Some(shown) = image_name_matching(name, cur) {
                    out.push(Candidate::new(shown, help.clone()));
                }
            }
            let hex = img.id.strip_prefix("sha256:").unwrap_or(&img.id);
            if want_ids && hex.starts_with(cur) && hex.len() >= 12 {
                out.push(Candidate::new(&hex[..12], help.clone()));
            }
        }
        out.sort_by(|a, b| a.value.cmp(&b.value));
        out.dedup_by(|a, b| a.value == b.value);
        out
    }

    pub fn volumes(&self, cur: &str) -> Vec<Candidate> {
        let Ok(entries) = std::fs::read_dir(crate::storage::volume::volumes_dir(&self.root)) else {
            return Vec::new();
        };
        let mut out: Vec<Candidate> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.') && n.starts_with(cur))
            .filter(|n| crate::storage::volume::valid_name(n))
            .map(|n| Candidate::new(n, if self.describe { "volume" } else { "" }))
            .collect();
        out.sort_by(|a, b| a.value.cmp(&b.value));
        out
    }

    /// Pod names, from `pods/names/` (an index, as containers' names).
    pub fn pods(&self, cur: &str) -> Vec<Candidate> {
        let dir = crate::container::pod::record::pods_dir(&self.root).join("names");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<Candidate> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with(cur))
            .map(|n| Candidate::new(n, if self.describe { "pod" } else { "" }))
            .collect();
        out.sort_by(|a, b| a.value.cmp(&b.value));
        out
    }

    /// `-v`: a volume name or a host path, then `:` and the path inside.
    pub fn volume_spec(&self, cur: &str) -> Answer {
        if cur.contains(':') || cur.starts_with(['/', '.', '~']) {
            // A host path (the shell's), or the container's side: not ours.
            return Answer::default();
        }
        Answer {
            candidates: self
                .volumes(cur)
                .into_iter()
                .map(|c| Candidate::new(format!("{}:", c.value), c.help))
                .collect(),
            directive: directive::NO_SPACE | directive::FILES,
        }
    }

    /// `--network`: the modes cove has, and `container:NAME`.
    pub fn network_modes(&self, cur: &str) -> Answer {
        if let Some(rest) = cur.strip_prefix("container:") {
            return Answer {
                candidates: self
                    .containers(Want::All, rest)
                    .into_iter()
                    .map(|c| Candidate::new(format!("container:{}", c.value), c.help))
                    .collect(),
                directive: directive::NO_FILES,
            };
        }
        let mut candidates: Vec<Candidate> = [
            ("slirp", "user-mode network of its own (the default)"),
            ("pasta", "the pasta program's user-mode network"),
            ("pasta:", "pasta with options"),
            ("host", "the host's network"),
            ("none", "loopback only"),
            ("container:", "another container's network"),
        ]
        .iter()
        .filter(|(v, _)| v.starts_with(cur))
        .map(|(v, h)| Candidate::new(*v, *h))
        .collect();
        candidates.extend(self.named_networks(cur));
        let open = candidates.iter().any(|c| c.value.ends_with(':'));
        Answer {
            candidates,
            directive: directive::NO_FILES | if open { directive::NO_SPACE } else { 0 },
        }
    }

    /// Network names (`--network NAME`, `network rm NAME`): the default
    /// network and the records in the network directory.
    pub fn named_networks(&self, cur: &str) -> Vec<Candidate> {
        let help = if self.describe { "network" } else { "" };
        let mut names = vec![crate::network::named::DEFAULT_NAME.to_string()];
        if let Ok(entries) = std::fs::read_dir(crate::network::named::networks_dir(&self.root)) {
            names.extend(entries.flatten().filter_map(|e| {
                let file = e.file_name();
                let name = file.to_str()?.strip_suffix(".json")?.to_string();
                crate::network::named::valid_name(&name).then_some(name)
            }));
        }
        names.retain(|n| n.starts_with(cur));
        names.sort();
        names.dedup();
        names.into_iter().map(|n| Candidate::new(n, help)).collect()
    }

    /// `login`: registries named in registries.conf and in the auth file.
    pub fn registries(&self, cur: &str) -> Vec<Candidate> {
        let mut names: Vec<String> = Vec::new();
        if let Ok(conf) = crate::image::registry::conf::RegistriesConf::load() {
            names.extend(conf.unqualified_search_registries);
            names.extend(conf.registries.into_iter().map(|r| r.location));
        }
        let authfile = std::env::var_os("REGISTRY_AUTH_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(crate::image::registry::auth::default_auth_file);
        names.extend(crate::image::registry::auth::stored_keys(&authfile).unwrap_or_default());
        names.retain(|n| !n.is_empty() && n.starts_with(cur));
        names.sort();
        names.dedup();
        names.into_iter().map(|n| Candidate::new(n, "")).collect()
    }
}

/// The container's state as `ps` would show it, from the record alone:
/// `running` only while the recorded process lives (a monitor killed with
/// -9 took its container with it). None when the directory is not there.
fn status(dir: &Path) -> Option<Status> {
    match std::fs::read(dir.join("state.json")) {
        Ok(bytes) => {
            // A record cove cannot read is what `ps` shows it as: created.
            let state: State = serde_json::from_slice(&bytes).unwrap_or_else(|_| State::created());
            Some(match state.status {
                Status::Running if state.live_pid().is_none() => Status::Exited,
                s => s,
            })
        }
        // No state yet: created, if the container is there at all.
        Err(_) => dir
            .join("container.json")
            .exists()
            .then_some(Status::Created),
    }
}

/// The image a container was created from, as the user named it.
fn image_of(dir: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Brief {
        image: String,
    }
    let bytes = std::fs::read(dir.join("container.json")).ok()?;
    serde_json::from_slice::<Brief>(&bytes)
        .ok()
        .map(|b| b.image)
}

/// `name` as typed so far: the whole reference, or, once something is
/// typed, its shorter forms (`httpd:latest`, `f29/httpd:latest` of
/// `registry.fedoraproject.org/f29/httpd:latest`), as Podman offers them.
fn image_name_matching(name: &str, cur: &str) -> Option<String> {
    if name.starts_with(cur) {
        return Some(name.to_string());
    }
    if cur.is_empty() {
        return None;
    }
    let mut rest = name;
    while let Some((_, tail)) = rest.split_once('/') {
        if tail.starts_with(cur) {
            return Some(tail.to_string());
        }
        rest = tail;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_shorten_once_typed() {
        let n = "docker.io/library/busybox:latest";
        assert_eq!(image_name_matching(n, "").as_deref(), Some(n));
        assert_eq!(image_name_matching(n, "doc").as_deref(), Some(n));
        assert_eq!(
            image_name_matching(n, "bu").as_deref(),
            Some("busybox:latest")
        );
        assert_eq!(
            image_name_matching(n, "library/").as_deref(),
            Some("library/busybox:latest")
        );
        assert_eq!(image_name_matching(n, "alp"), None);
    }
}
