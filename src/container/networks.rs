//! Containers on user networks: who uses a network (for `network rm` and
//! `prune`), and the interfaces a running container has (for `inspect`).

use super::record::{self, ContainerDir};
use crate::error::exit_error;
use crate::network::named::host::{Interface, Request};
use crate::network::{Attachment, NetworkMode};
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

fn write_interfaces(container: &ContainerDir, interfaces: &[Interface]) -> anyhow::Result<()> {
    crate::sys::fsutil::write_replace(
        &container.path.join(crate::monitor::net::INTERFACES_FILE),
        &serde_json::to_vec(interfaces)?,
        0o600,
    )
}

fn user_networks(container: &ContainerDir) -> anyhow::Result<&[Attachment]> {
    match &container.config.network {
        NetworkMode::Bridge { networks } => Ok(networks),
        other => Err(exit_error(
            125,
            format!(
                "container {} uses --network {}: only a container on user networks can be connected to another one",
                container.config.name,
                other.name()
            ),
        )),
    }
}

/// `network connect`: attach `container` to one more network, at once
/// when it runs, and for its next starts.
pub fn connect(
    root: &Path,
    runroot: &Path,
    container: &ContainerDir,
    mut attachment: Attachment,
) -> anyhow::Result<()> {
    let network = crate::network::named::lookup(root, &attachment.network)?;
    attachment.network = network.name.clone();
    crate::network::named::check_static(&network, &attachment.ips)?;
    let name = &container.config.name;
    if user_networks(container)?
        .iter()
        .any(|a| a.network == network.name)
    {
        return Err(exit_error(
            125,
            format!(
                "container {name} is already connected to network {}: network is already connected",
                network.name
            ),
        ));
    }
    if let Some(pid) = container.running_pid()? {
        let netns = std::fs::File::open(format!("/proc/{pid}/ns/net")).map_err(|e| {
            exit_error(125, format!("opening the network namespace of {name}: {e}"))
        })?;
        let request = Request::Connect {
            id: container.config.id.clone(),
            attachment: attachment.clone(),
        };
        let interfaces = crate::runtime::netns::change(runroot, &request, Some(&netns))?;
        write_interfaces(container, &interfaces)?;
    }
    record::update_config(container, |c| {
        if let NetworkMode::Bridge { networks } = &mut c.network {
            networks.push(attachment);
        }
        Ok(())
    })?;
    Ok(())
}

/// `network disconnect`: take `container` off `network`, at once when it
/// runs, and for its next starts.
pub fn disconnect(
    root: &Path,
    runroot: &Path,
    container: &ContainerDir,
    network: &str,
) -> anyhow::Result<()> {
    let network = crate::network::named::lookup(root, network)?.name;
    let name = &container.config.name;
    if !user_networks(container)?
        .iter()
        .any(|a| a.network == network)
    {
        return Err(exit_error(
            125,
            format!("container {name} is not connected to network {network}"),
        ));
    }
    if container.running_pid()?.is_some() {
        let request = Request::Disconnect {
            id: container.config.id.clone(),
            network: network.clone(),
        };
        let interfaces = crate::runtime::netns::change(runroot, &request, None)?;
        write_interfaces(container, &interfaces)?;
    }
    record::update_config(container, |c| {
        if let NetworkMode::Bridge { networks } = &mut c.network {
            networks.retain(|a| a.network != network);
        }
        Ok(())
    })?;
    Ok(())
}
