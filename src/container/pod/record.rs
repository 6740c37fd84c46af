//! Pod records on disk: `<root>/pods/<id>/pod.json`, names claimed with a
//! symlink `pods/names/<name> -> ../<id>` (atomic, as containers' are).
//! A pod is built under a temporary name and renamed into place once its
//! name is claimed and its infra container exists, so a failure leaves
//! nothing visible. The members are not listed here: a container names
//! its pod (`ContainerConfig::pod`).

use crate::error::exit_error;
use crate::network::ports::PortMapping;
use crate::network::NetworkMode;
use crate::sys::fsutil::{create_dir_all_mode, unique_name, write_replace};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a pod is: asked at `pod create`, fixed afterwards.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PodConfig {
    pub id: String,
    pub name: String,
    pub created: String,
    pub hostname: String,
    pub labels: BTreeMap<String, String>,
    /// The namespaces members share with the infra, Podman's names in
    /// Podman's order (`ipc`, `net`, `pid`, `uts`); empty without infra.
    pub share: Vec<String>,
    /// The infra container (cove holding the namespaces), if any.
    pub infra_id: Option<String>,
    /// The infra's network; on user networks the infra is attached as a
    /// container would be, and its members share that namespace.
    pub network: NetworkMode,
    /// `-p`, published by the infra's monitor.
    pub ports: Vec<PortMapping>,
    /// `--userns` of the infra, which members default to.
    pub userns: String,
    /// `--add-host`, `--dns` as given (the infra's /etc files hold them).
    pub add_hosts: Vec<String>,
    pub dns: Vec<String>,
    pub create_command: Vec<String>,
}

impl PodConfig {
    pub fn shares(&self, namespace: &str) -> bool {
        self.share.iter().any(|s| s == namespace)
    }
}

/// A pod's directory and its record.
#[derive(Debug, Clone)]
pub struct PodDir {
    pub path: PathBuf,
    pub config: PodConfig,
}

pub fn pods_dir(root: &Path) -> PathBuf {
    root.join("pods")
}

fn names_dir(root: &Path) -> PathBuf {
    pods_dir(root).join("names")
}

/// Podman's error for an unknown pod.
pub fn no_such_pod(name_or_id: &str) -> anyhow::Error {
    exit_error(
        125,
        format!("no pod with name or ID {name_or_id} found: no such pod"),
    )
}

/// Whether `e` says a pod does not exist.
pub fn is_no_such_pod(e: &anyhow::Error) -> bool {
    crate::error::describe(e).ends_with("no such pod")
}

/// A pod under construction: its name is claimed, its directory is not yet
/// visible. Dropped without [`Staged::publish`], it leaves nothing.
pub struct Staged {
    root: PathBuf,
    tmp: PathBuf,
    pub config: PodConfig,
    published: bool,
}

/// Claim `config.name` and stage the pod's directory.
pub fn stage(root: &Path, config: PodConfig) -> anyhow::Result<Staged> {
    create_dir_all_mode(&names_dir(root), 0o700)?;
    let link = names_dir(root).join(&config.name);
    if let Err(e) = std::os::unix::fs::symlink(format!("../{}", config.id), &link) {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(exit_error(
                125,
                format!(
                    "adding pod to state: name \"{}\" is in use: pod already exists",
                    config.name
                ),
            ));
        }
        return Err(e).context("claiming the pod name");
    }
    let tmp = pods_dir(root).join(format!(".tmp-{}", unique_name("create")));
    let mut staged = Staged {
        root: root.to_path_buf(),
        tmp,
        config,
        published: false,
    };
    create_dir_all_mode(&staged.tmp, 0o700)?;
    staged.write()?;
    Ok(staged)
}

impl Staged {
    fn write(&mut self) -> anyhow::Result<()> {
        write_replace(
            &self.tmp.join("pod.json"),
            &serde_json::to_vec_pretty(&self.config)?,
            0o600,
        )
    }

    /// Make the pod visible under its id.
    pub fn publish(mut self) -> anyhow::Result<PodDir> {
        self.write()?;
        let path = pods_dir(&self.root).join(&self.config.id);
        std::fs::rename(&self.tmp, &path).context("publishing the pod")?;
        self.published = true;
        Ok(PodDir {
            path,
            config: self.config.clone(),
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.tmp);
            release_name(&self.root, &self.config.name, &self.config.id);
        }
    }
}

fn release_name(root: &Path, name: &str, id: &str) {
    let link = names_dir(root).join(name);
    if std::fs::read_link(&link).is_ok_and(|t| t.ends_with(id)) {
        let _ = std::fs::remove_file(link);
    }
}

fn load(path: PathBuf) -> anyhow::Result<PodDir> {
    let bytes = std::fs::read(path.join("pod.json"))
        .with_context(|| format!("reading {}", path.display()))?;
    let config =
        serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))?;
    Ok(PodDir { path, config })
}

fn is_id(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Find a pod by name, full id or unique id prefix.
pub fn lookup(root: &Path, name_or_id: &str) -> anyhow::Result<PodDir> {
    if name_or_id.is_empty() || name_or_id.contains('/') || name_or_id.starts_with('.') {
        return Err(no_such_pod(name_or_id));
    }
    if let Ok(target) = std::fs::read_link(names_dir(root).join(name_or_id)) {
        if let Some(id) = target.file_name() {
            let path = pods_dir(root).join(id);
            if path.exists() {
                return load(path);
            }
        }
    }
    if name_or_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        let matches: Vec<PathBuf> = std::fs::read_dir(pods_dir(root))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| {
                        let n = e.file_name();
                        let n = n.to_string_lossy();
                        is_id(&n) && n.starts_with(name_or_id)
                    })
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default();
        match matches.len() {
            1 => return load(matches.into_iter().next().unwrap_or_default()),
            0 => {}
            _ => {
                return Err(exit_error(
                    125,
                    format!("more than one pod matches \"{name_or_id}\"; give more of the id"),
                ))
            }
        }
    }
    Err(no_such_pod(name_or_id))
}

/// Every pod, in no particular order; unreadable ones are skipped.
pub fn list(root: &Path) -> Vec<PodDir> {
    let Ok(entries) = std::fs::read_dir(pods_dir(root)) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| is_id(&e.file_name().to_string_lossy()))
        .filter_map(|e| load(e.path()).ok())
        .collect()
}

/// Remove the pod's record and free its name (its containers are the
/// caller's to remove first). Renamed away first: never half visible.
pub fn remove(root: &Path, pod: &PodDir) -> anyhow::Result<()> {
    let graveyard = pods_dir(root).join(format!(".tmp-{}", unique_name("rm")));
    std::fs::rename(&pod.path, &graveyard).context("removing the pod")?;
    release_name(root, &pod.config.name, &pod.config.id);
    let _ = std::fs::remove_dir_all(&graveyard);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn config(id: &str, name: &str) -> PodConfig {
        PodConfig {
            id: id.into(),
            name: name.into(),
            created: "2026-01-01T00:00:00Z".into(),
            hostname: name.into(),
            labels: BTreeMap::new(),
            share: vec!["ipc".into(), "net".into(), "uts".into()],
            infra_id: None,
            network: NetworkMode::None,
            ports: Vec::new(),
            userns: String::new(),
            add_hosts: Vec::new(),
            dns: Vec::new(),
            create_command: Vec::new(),
        }
    }

    #[test]
    fn names_are_claimed_once_and_staging_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let id = crate::container::record::new_id();
        let pod = stage(root, config(&id, "web")).unwrap().publish().unwrap();
        assert_eq!(lookup(root, "web").unwrap().config, pod.config);
        assert_eq!(lookup(root, &id[..12]).unwrap().config.id, id);
        let other = crate::container::record::new_id();
        let err = stage(root, config(&other, "web")).err().unwrap();
        assert_eq!(
            crate::error::describe(&err),
            "adding pod to state: name \"web\" is in use: pod already exists"
        );
        // Dropped unpublished: the name is free again, no directory left.
        drop(stage(root, config(&other, "db")).unwrap());
        assert!(is_no_such_pod(&lookup(root, "db").unwrap_err()));
        assert_eq!(list(root).len(), 1);
        let names: Vec<_> = std::fs::read_dir(pods_dir(root))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(".tmp"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
        remove(root, &pod).unwrap();
        assert!(list(root).is_empty());
        let err = lookup(root, "web").unwrap_err();
        assert_eq!(
            crate::error::describe(&err),
            "no pod with name or ID web found: no such pod"
        );
        stage(root, config(&other, "web"))
            .unwrap()
            .publish()
            .unwrap();
    }
}
