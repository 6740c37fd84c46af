//! A container in a pod: what `create` changes for it (`--pod`), the
//! namespaces it leaves out of its own spec, and, at each start, the
//! infra it joins (started first when it is not running).

use super::record::{self, PodConfig, PodDir};
use crate::container::record::{self as crecord, ContainerConfig};
use crate::container::request::CreateOptions;
use crate::context::Ctx;
use crate::error::exit_error;
use crate::runtime::exec::Target;
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use std::path::Path;

fn invalid(message: &str) -> anyhow::Error {
    exit_error(125, format!("invalid config provided: {message}"))
}

/// A member's create options: `--pod` (or `--pod-id-file`) resolved to
/// the pod's id (`new:NAME` creates the pod, taking the network flags),
/// the network, hostname and user namespace of the pod's infra where they
/// are shared, and Podman's refusals of what cannot be set per member.
/// None when the container is in no pod; the pod made for `new:`, if any,
/// is returned so that a failed create can remove it.
pub fn options(
    ctx: &Ctx,
    opts: &CreateOptions,
) -> anyhow::Result<Option<(CreateOptions, Option<PodDir>)>> {
    let root = &ctx.paths.root;
    let given = match (&opts.pod, &opts.pod_id_file) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(exit_error(
                125,
                "--pod and --pod-id-file cannot be given together",
            ))
        }
        (Some(p), None) => p.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .map_err(|e| {
                exit_error(
                    125,
                    format!("reading the pod id file {}: {e}", file.display()),
                )
            })?
            .trim()
            .to_string(),
    };
    let mut out = opts.clone();
    let (pod, made) = match given.strip_prefix("new:") {
        Some(name) => {
            let pod = super::create(
                ctx,
                &super::PodOptions {
                    name: Some(name.to_string()),
                    infra: true,
                    network: std::mem::take(&mut out.network).into_iter().next(),
                    publish: std::mem::take(&mut out.publish),
                    userns: out.userns.clone(),
                    create_command: std::env::args().collect(),
                    ..Default::default()
                },
            )?;
            (pod.clone(), Some(pod))
        }
        None => (record::lookup(root, &given)?, None),
    };
    let config = &pod.config;
    out.pod = Some(config.id.clone());
    out.pod_id_file = None;
    if let Some(infra) = &config.infra_id {
        if !config.share.is_empty() {
            match &out.userns {
                Some(u) if *u != config.userns => {
                    return Err(invalid(
                        "a pod's containers share its user namespace: set --userns on the pod (cove pod create --userns)",
                    ))
                }
                _ => out.userns = Some(config.userns.clone()),
            }
        }
        if config.shares("net") {
            if !out.network.is_empty() {
                return Err(invalid(
                    "networks must be defined when the pod is created: network cannot be configured when it is shared with a pod",
                ));
            }
            if !out.publish.is_empty() || out.publish_all {
                return Err(invalid(
                    "published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod",
                ));
            }
            out.network = vec![format!("container:{infra}")];
        }
        if config.shares("uts") {
            if out.hostname.is_some() {
                return Err(invalid(
                    "cannot set hostname when joining the pod UTS namespace",
                ));
            }
            out.hostname = Some(config.hostname.clone());
        }
    }
    Ok(Some((out, made)))
}

/// The namespaces a member of `pod` takes from its infra instead of making
/// them (the network is left out already: its mode is `container:`).
fn joined_kinds(pod: &PodConfig) -> Vec<LinuxNamespaceType> {
    if pod.infra_id.is_none() {
        return Vec::new();
    }
    [
        ("ipc", LinuxNamespaceType::Ipc),
        ("uts", LinuxNamespaceType::Uts),
        ("pid", LinuxNamespaceType::Pid),
        ("net", LinuxNamespaceType::Network),
    ]
    .into_iter()
    .filter(|(name, _)| pod.shares(name))
    .map(|(_, kind)| kind)
    .collect()
}

/// Drop from a member's spec the namespaces it joins: the runtime makes
/// new ones only for those listed.
pub fn shape_spec(root: &Path, pod_id: &str, spec: &mut Spec) -> anyhow::Result<()> {
    let pod = record::lookup(root, pod_id)?;
    let joined = joined_kinds(&pod.config);
    if let Some(linux) = spec.linux_mut() {
        if let Some(list) = linux.namespaces().clone() {
            let kept = list
                .into_iter()
                .filter(|n| !joined.contains(&n.typ()))
                .collect();
            linux.set_namespaces(Some(kept));
        }
    }
    Ok(())
}

/// The infra a starting member joins, pinned, narrowed to what the pod
/// shares. None for a container in no pod, or in a pod without infra.
pub fn join(root: &Path, config: &ContainerConfig) -> anyhow::Result<Option<Target>> {
    let Some(pod_id) = config.pod.as_deref().filter(|_| !config.infra) else {
        return Ok(None);
    };
    let pod = record::lookup(root, pod_id).map_err(|_| gone(pod_id, &config.name))?;
    let Some(infra_id) = pod.config.infra_id.as_deref() else {
        return Ok(None);
    };
    if pod.config.share.is_empty() {
        return Ok(None);
    }
    let infra = crecord::lookup(root, infra_id).map_err(|_| gone(pod_id, &config.name))?;
    let not_running = || {
        exit_error(
            125,
            format!(
                "the infra container of pod {} is not running: start the pod (cove pod start {})",
                pod.config.name, pod.config.name
            ),
        )
    };
    let pid = infra.running_pid()?.ok_or_else(not_running)?;
    let share: Vec<&str> = pod.config.share.iter().map(String::as_str).collect();
    let pinned = Target::open(pid, not_running)?.narrowed_to(&share);
    // Pinned: make sure the pid is still the infra's.
    if infra.running_pid()? != Some(pid) {
        return Err(not_running());
    }
    Ok(Some(pinned))
}

fn gone(pod_id: &str, name: &str) -> anyhow::Error {
    exit_error(
        125,
        format!("pod {pod_id}, which container {name} belongs to, no longer exists; remove {name}"),
    )
}

/// Before a member starts: start its pod's infra unless it runs (another
/// command starting it at the same moment is waited for).
pub fn ensure_infra(ctx: &Ctx, config: &ContainerConfig) -> anyhow::Result<()> {
    let Some(pod_id) = config.pod.as_deref().filter(|_| !config.infra) else {
        return Ok(());
    };
    let pod = record::lookup(&ctx.paths.root, pod_id).map_err(|_| gone(pod_id, &config.name))?;
    start_infra(ctx, &pod.config)
}

/// Start the pod's infra unless it runs; returns once it runs.
pub fn start_infra(ctx: &Ctx, pod: &PodConfig) -> anyhow::Result<()> {
    let Some(infra_id) = pod.infra_id.as_deref() else {
        return Ok(());
    };
    let infra = crecord::lookup(&ctx.paths.root, infra_id)?;
    // The common case, without try_lock's retries on a held lock.
    if infra.running_pid()?.is_some() {
        return Ok(());
    }
    if let Some(lock) = infra.try_lock()? {
        return crate::container::start::start_detached(ctx, &infra, Some(lock));
    }
    // Someone else is starting it (or it runs): wait until it is recorded
    // running, or its starter gave up.
    for _ in 0..1000 {
        if infra.running_pid()?.is_some() {
            return Ok(());
        }
        if !infra.monitor_alive() {
            // The other start failed: try ourselves once.
            if let Some(lock) = infra.try_lock()? {
                return crate::container::start::start_detached(ctx, &infra, Some(lock));
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Err(exit_error(
        125,
        format!("the infra container of pod {} did not start", pod.name),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::pod::record::tests::config;

    #[test]
    fn members_leave_out_what_the_infra_holds() {
        let mut pod = config(&crecord::new_id(), "p");
        assert!(joined_kinds(&pod).is_empty(), "no infra, nothing joined");
        pod.infra_id = Some(crecord::new_id());
        assert_eq!(
            joined_kinds(&pod),
            [
                LinuxNamespaceType::Ipc,
                LinuxNamespaceType::Uts,
                LinuxNamespaceType::Network
            ]
        );
        pod.share = vec!["pid".into()];
        assert_eq!(joined_kinds(&pod), [LinuxNamespaceType::Pid]);

        let root = tempfile::tempdir().unwrap();
        let mut pod = config(&crecord::new_id(), "p");
        pod.infra_id = Some(crecord::new_id());
        pod.share = vec!["ipc".into(), "pid".into()];
        let id = pod.id.clone();
        record::stage(root.path(), pod).unwrap().publish().unwrap();
        let mut spec = Spec::default();
        let kinds = |spec: &Spec| -> Vec<LinuxNamespaceType> {
            spec.linux()
                .as_ref()
                .and_then(|l| l.namespaces().clone())
                .unwrap_or_default()
                .iter()
                .map(|n| n.typ())
                .collect()
        };
        assert!(kinds(&spec).contains(&LinuxNamespaceType::Pid));
        shape_spec(root.path(), &id, &mut spec).unwrap();
        let left = kinds(&spec);
        assert!(!left.contains(&LinuxNamespaceType::Pid), "{left:?}");
        assert!(!left.contains(&LinuxNamespaceType::Ipc), "{left:?}");
        assert!(left.contains(&LinuxNamespaceType::Mount), "{left:?}");
        assert!(shape_spec(root.path(), "nope", &mut spec).is_err());
    }
}
