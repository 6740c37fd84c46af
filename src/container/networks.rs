//! Containers on user networks: who uses a network (for `network rm` and
//! `prune`), and the interfaces a running container has (for `inspect`).

use super::record::{self, ContainerDir};
use crate::network::named::host::Interface;
use crate::network::NetworkMode;
use std::path::Path;

/// The containers attached to the network `name`.
pub fn users(root: &Path, name: &str) -> Vec<ContainerDir> {
    record::list(root)
        .into_iter()
        .filter(|c| match &c.config.network {
            NetworkMode::Bridge { networks } => networks.iter().any(|a| a.network == name),
            _ => false,
        })
        .collect()
}

/// The interfaces of a running container on its user networks, as its
/// monitor recorded them.
pub fn interfaces(container: &ContainerDir) -> Vec<Interface> {
    std::fs::read(container.path.join(crate::monitor::net::INTERFACES_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
