//! Applying resolved CDI edits to a container's OCI runtime spec.
//!
//! The spec gets what any OCI runtime expects (environment, `linux.devices`
//! with cgroup rules, mounts, hooks, supplementary groups), so config.json
//! stays a faithful bundle. cove itself makes device nodes visible by
//! binding the host's node (an unprivileged user cannot mknod), so the
//! host/container pairs come back to the caller for the container record.

use super::schema::{ContainerEdits, DeviceNode, Hook as CdiHook, Mount as CdiMount};
use crate::error::{exit_error, EXIT_COVE};
use anyhow::Result;
use oci_spec::runtime::{
    Hook, HookBuilder, Hooks, LinuxBuilder, LinuxDevice, LinuxDeviceBuilder, LinuxDeviceCgroup,
    LinuxDeviceCgroupBuilder, LinuxDeviceType, Mount, MountBuilder, ProcessBuilder, Spec,
};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// A host device node to bind at a path in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceBind {
    pub host: PathBuf,
    pub container: String,
}

/// Apply `edits` to `spec`: environment (a name already set is
/// replaced), device nodes (replacing one at the same path), mounts
/// (replacing one at the same destination; parents before children),
/// hooks and supplementary groups. Returns the device nodes to bind.
///
/// Device nodes must exist on the host: their type and numbers are read
/// from there when the spec leaves them out.
pub fn apply(spec: &mut Spec, edits: &ContainerEdits) -> Result<Vec<DeviceBind>> {
    if edits.intel_rdt.is_some() {
        return Err(unsupported("intelRdt (resctrl classes of service)"));
    }
    if !edits.net_devices.is_empty() {
        return Err(unsupported(
            "netDevices (moving host network interfaces into the container)",
        ));
    }
    let mut process = spec
        .process()
        .clone()
        .unwrap_or_else(|| ProcessBuilder::default().build().unwrap_or_default());
    let mut env = process.env().clone().unwrap_or_default();
    for var in &edits.env {
        set_env(&mut env, var);
    }
    process.set_env(Some(env));

    let mut binds = Vec::new();
    let mut linux = spec
        .linux()
        .clone()
        .unwrap_or_else(|| LinuxBuilder::default().build().unwrap_or_default());
    let mut devices = linux.devices().clone().unwrap_or_default();
    let mut resources = linux.resources().clone().unwrap_or_default();
    let mut rules = resources.devices().clone().unwrap_or_default();
    for node in &edits.device_nodes {
        let device = linux_device(node, process.user().uid(), process.user().gid())?;
        devices.retain(|d| d.path() != device.path());
        if matches!(device.typ(), LinuxDeviceType::B | LinuxDeviceType::C) {
            rules.push(cgroup_rule(&device, node.permissions.as_deref())?);
        }
        binds.push(DeviceBind {
            host: PathBuf::from(node.host()),
            container: node.path.clone(),
        });
        devices.push(device);
    }
    if !edits.device_nodes.is_empty() {
        resources.set_devices(Some(rules));
        linux.set_resources(Some(resources));
        linux.set_devices(Some(devices));
    }

    let mut mounts = spec.mounts().clone().unwrap_or_default();
    for m in &edits.mounts {
        mounts.retain(|old| old.destination() != Path::new(&m.container_path));
        mounts.push(oci_mount(m)?);
    }
    if !edits.mounts.is_empty() {
        // Stable: same-depth mounts keep their order, parents precede children.
        mounts.sort_by_key(|m| m.destination().components().count());
    }

    let mut hooks = spec.hooks().clone().unwrap_or_default();
    for h in &edits.hooks {
        add_hook(&mut hooks, h)?;
    }

    let mut user = process.user().clone();
    let mut gids = user.additional_gids().clone().unwrap_or_default();
    for &gid in &edits.additional_gids {
        if gid != 0 && !gids.contains(&gid) {
            gids.push(gid);
        }
    }
    if !gids.is_empty() {
        user.set_additional_gids(Some(gids));
    }
    process.set_user(user);

    spec.set_process(Some(process));
    spec.set_linux(Some(linux));
    if !edits.mounts.is_empty() {
        spec.set_mounts(Some(mounts));
    }
    if !edits.hooks.is_empty() {
        spec.set_hooks(Some(hooks));
    }
    Ok(binds)
}

fn unsupported(what: &str) -> anyhow::Error {
    exit_error(
        EXIT_COVE,
        format!("the CDI spec asks for {what}, which cove does not support; use the device's plain nodes with --device PATH instead"),
    )
}

/// Set `NAME=VALUE`, replacing an earlier value of NAME.
fn set_env(env: &mut Vec<String>, var: &str) {
    let name = var.split('=').next().unwrap_or(var);
    match env.iter_mut().find(|e| e.split('=').next() == Some(name)) {
        Some(old) => *old = var.to_string(),
        None => env.push(var.to_string()),
    }
}

/// The OCI device for a CDI node; what the spec leaves out is read from
/// the host node. Owner defaults to the container user (when not root),
/// as the reference implementation does.
fn linux_device(node: &DeviceNode, uid: u32, gid: u32) -> Result<LinuxDevice> {
    let host = node.host();
    let kind_given = node.kind.as_deref().filter(|k| !k.is_empty());
    let meta = std::fs::metadata(host).map_err(|e| {
        exit_error(
            EXIT_COVE,
            format!("CDI device node {host} (for {} in the container): {e}; is the device's driver loaded?", node.path),
        )
    })?;
    let ft = meta.file_type();
    let host_kind = if ft.is_char_device() {
        Some(LinuxDeviceType::C)
    } else if ft.is_block_device() {
        Some(LinuxDeviceType::B)
    } else if ft.is_fifo() {
        Some(LinuxDeviceType::P)
    } else {
        None
    };
    let kind = match kind_given {
        Some("b") => LinuxDeviceType::B,
        Some("c") => LinuxDeviceType::C,
        Some("u") => LinuxDeviceType::U,
        Some("p") => LinuxDeviceType::P,
        _ => host_kind.ok_or_else(|| {
            exit_error(
                EXIT_COVE,
                format!("CDI device node {host} is not a device node on the host"),
            )
        })?,
    };
    let rdev = meta.rdev();
    let major = node.major.unwrap_or(nix::sys::stat::major(rdev) as i64);
    let minor = node.minor.unwrap_or(nix::sys::stat::minor(rdev) as i64);
    let mode = node.file_mode.unwrap_or(meta.mode() & 0o777);
    let mut builder = LinuxDeviceBuilder::default()
        .path(node.path.clone())
        .typ(kind)
        .major(major)
        .minor(minor)
        .file_mode(mode);
    if let Some(uid) = node.uid.or((uid > 0).then_some(uid)) {
        builder = builder.uid(uid);
    }
    if let Some(gid) = node.gid.or((gid > 0).then_some(gid)) {
        builder = builder.gid(gid);
    }
    Ok(builder.build()?)
}

/// The cgroup rule allowing a block or character device: `rwm` unless
/// the spec says otherwise, nothing for `none`.
fn cgroup_rule(device: &LinuxDevice, permissions: Option<&str>) -> Result<LinuxDeviceCgroup> {
    let access = match permissions {
        None | Some("") => "rwm",
        Some("none") => "",
        Some(p) => p,
    };
    Ok(LinuxDeviceCgroupBuilder::default()
        .allow(true)
        .typ(device.typ())
        .major(device.major())
        .minor(device.minor())
        .access(access)
        .build()?)
}

/// A CDI mount as an OCI mount. A mount without a filesystem type can
/// only be a bind mount; cove's runtime (like runc) recognises binds by
/// the `bind`/`rbind` option, so one is added when neither is given.
fn oci_mount(m: &CdiMount) -> Result<Mount> {
    let kind = m.kind.clone().filter(|k| !k.is_empty());
    let mut options = m.options.clone();
    let is_bind_type = kind.as_deref().is_none_or(|k| k == "bind" || k == "none");
    if is_bind_type && !options.iter().any(|o| o == "bind" || o == "rbind") {
        options.push("bind".into());
    }
    let mut builder = MountBuilder::default()
        .destination(&m.container_path)
        .source(&m.host_path)
        .options(options);
    if let Some(kind) = kind {
        builder = builder.typ(kind);
    } else {
        builder = builder.typ("bind");
    }
    Ok(builder.build()?)
}

fn add_hook(hooks: &mut Hooks, h: &CdiHook) -> Result<()> {
    let mut builder = HookBuilder::default().path(&h.path);
    if !h.args.is_empty() {
        builder = builder.args(h.args.clone());
    }
    if !h.env.is_empty() {
        builder = builder.env(h.env.clone());
    }
    if let Some(t) = h.timeout {
        builder = builder.timeout(t);
    }
    let hook: Hook = builder.build()?;
    let push = |list: &mut Option<Vec<Hook>>| list.get_or_insert_with(Vec::new).push(hook.clone());
    #[allow(deprecated)] // prestart is deprecated in OCI but still a CDI hook name
    match h.hook_name.as_str() {
        "prestart" => push(hooks.prestart_mut()),
        "createRuntime" => push(hooks.create_runtime_mut()),
        "createContainer" => push(hooks.create_container_mut()),
        "startContainer" => push(hooks.start_container_mut()),
        "poststart" => push(hooks.poststart_mut()),
        "poststop" => push(hooks.poststop_mut()),
        other => {
            return Err(exit_error(
                EXIT_COVE,
                format!("CDI hook name {other:?} is not an OCI hook"),
            ))
        }
    }
    Ok(())
}

/// True when the edits carry hooks (cove's runtime does not run OCI hooks
/// yet; the caller must refuse or run them).
pub fn has_hooks(edits: &ContainerEdits) -> bool {
    !edits.hooks.is_empty()
}

#[cfg(test)]
mod tests {
    use super::super::schema::{self, Format};
    use super::*;
    use oci_spec::runtime::{SpecBuilder, UserBuilder};

    fn base_spec(uid: u32) -> Spec {
        let process = ProcessBuilder::default()
            .args(vec!["sh".to_string()])
            .env(vec!["PATH=/bin".to_string(), "GPU=old".to_string()])
            .user(UserBuilder::default().uid(uid).gid(uid).build().unwrap())
            .build()
            .unwrap();
        let mounts = vec![
            MountBuilder::default()
                .destination("/proc")
                .typ("proc")
                .build()
                .unwrap(),
            MountBuilder::default()
                .destination("/opt/lib/sub")
                .typ("tmpfs")
                .build()
                .unwrap(),
            MountBuilder::default()
                .destination("/dev")
                .typ("tmpfs")
                .build()
                .unwrap(),
        ];
        SpecBuilder::default()
            .process(process)
            .mounts(mounts)
            .build()
            .unwrap()
    }

    fn edits(yaml_edits: &str) -> ContainerEdits {
        let text = format!(
            "cdiVersion: 0.7.0\nkind: test.cove/dev\ndevices:\n  - name: d\n    containerEdits:\n{yaml_edits}"
        );
        schema::parse(&text, Format::Yaml).unwrap().devices[0]
            .container_edits
            .clone()
    }

    #[test]
    fn a_fixture_device_lands_in_the_spec() {
        let e = edits(
            r#"      env: [GPU=1, NEW=x]
      deviceNodes:
        - {path: /dev/vendor0, hostPath: /dev/null}
        - {path: /dev/z, hostPath: /dev/zero, type: c, major: 1, minor: 5, permissions: r, uid: 7, gid: 8, fileMode: 0o600}
      mounts:
        - {hostPath: /usr/lib/x, containerPath: /opt/lib, options: [ro]}
        - {hostPath: tmpfs, containerPath: /scratch, type: tmpfs, options: [size=1m]}
      hooks:
        - {hookName: createContainer, path: /bin/hook, args: [hook, a], timeout: 3}
        - {hookName: poststop, path: /bin/after}
      additionalGids: [0, 44, 44]
"#,
        );
        let mut spec = base_spec(1000);
        let binds = apply(&mut spec, &e).unwrap();
        assert_eq!(
            binds,
            vec![
                DeviceBind {
                    host: "/dev/null".into(),
                    container: "/dev/vendor0".into()
                },
                DeviceBind {
                    host: "/dev/zero".into(),
                    container: "/dev/z".into()
                },
            ]
        );
        let process = spec.process().as_ref().unwrap();
        assert_eq!(
            process.env().as_ref().unwrap(),
            &["PATH=/bin", "GPU=1", "NEW=x"]
        );
        assert_eq!(process.user().additional_gids().as_ref().unwrap(), &[44]);

        let linux = spec.linux().as_ref().unwrap();
        let devices = linux.devices().as_ref().unwrap();
        // /dev/null on the host is char 1:3; the owner defaults to the user.
        let null = &devices[0];
        assert_eq!(null.path(), Path::new("/dev/vendor0"));
        assert_eq!(
            (null.typ(), null.major(), null.minor()),
            (LinuxDeviceType::C, 1, 3)
        );
        assert_eq!((null.uid(), null.gid()), (Some(1000), Some(1000)));
        let z = &devices[1];
        assert_eq!(
            (z.major(), z.minor(), z.uid(), z.gid()),
            (1, 5, Some(7), Some(8))
        );
        assert_eq!(z.file_mode(), Some(0o600));
        let rules = linux
            .resources()
            .as_ref()
            .unwrap()
            .devices()
            .as_ref()
            .unwrap();
        let access: Vec<&str> = rules
            .iter()
            .map(|r| r.access().as_deref().unwrap())
            .collect();
        assert_eq!(access, ["rwm", "r"]);

        let mounts = spec.mounts().as_ref().unwrap();
        let dests: Vec<&Path> = mounts.iter().map(|m| m.destination().as_path()).collect();
        // Shallower first, so /opt/lib comes before /opt/lib/sub (which
        // was in the spec before it); same depths keep their order.
        let want = ["/proc", "/dev", "/scratch", "/opt/lib", "/opt/lib/sub"];
        assert_eq!(dests, want.map(Path::new));
        let lib = &mounts[3];
        assert_eq!(lib.typ().as_deref(), Some("bind"));
        assert_eq!(lib.options().as_ref().unwrap(), &["ro", "bind"]);
        assert_eq!(mounts[2].typ().as_deref(), Some("tmpfs"));
        assert_eq!(mounts[2].options().as_ref().unwrap(), &["size=1m"]);

        let hooks = spec.hooks().as_ref().unwrap();
        let create = &hooks.create_container().as_ref().unwrap()[0];
        assert_eq!(create.path(), Path::new("/bin/hook"));
        assert_eq!(create.args().as_ref().unwrap(), &["hook", "a"]);
        assert_eq!(create.timeout(), Some(3));
        assert_eq!(hooks.poststop().as_ref().unwrap().len(), 1);
        assert!(has_hooks(&e));
    }

    #[test]
    fn edits_without_mounts_keep_the_mount_order() {
        let mut spec = base_spec(0);
        let before = spec.mounts().clone();
        apply(&mut spec, &edits("      env: [A=1]\n")).unwrap();
        assert_eq!(spec.mounts(), &before);
    }

    #[test]
    fn same_path_replaces() {
        let mut spec = base_spec(0);
        apply(
            &mut spec,
            &edits("      deviceNodes: [{path: /dev/a, hostPath: /dev/null}]\n"),
        )
        .unwrap();
        apply(&mut spec, &edits("      deviceNodes: [{path: /dev/a, hostPath: /dev/zero}]\n      mounts: [{hostPath: /x, containerPath: /dev}]\n")).unwrap();
        let linux = spec.linux().as_ref().unwrap();
        let devices = linux.devices().as_ref().unwrap();
        assert_eq!(devices.len(), 1);
        assert_eq!(
            devices[0].minor(),
            5,
            "the /dev/zero node replaced /dev/null"
        );
        // Root in the container: no owner forced.
        assert_eq!(devices[0].uid(), None);
        let dev_mounts: Vec<&Mount> = spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .filter(|m| m.destination() == Path::new("/dev"))
            .collect();
        assert_eq!(dev_mounts.len(), 1);
        assert_eq!(dev_mounts[0].source().as_deref(), Some(Path::new("/x")));
    }

    #[test]
    fn refusals_name_the_reason() {
        let cases = [
            (
                "      deviceNodes: [{path: /dev/x, hostPath: /dev/cove-no-such-node}]\n",
                "/dev/cove-no-such-node (for /dev/x",
            ),
            (
                concat!(
                    "      deviceNodes: [{path: /dev/x, hostPath: ",
                    env!("CARGO_MANIFEST_DIR"),
                    "/Cargo.toml}]\n"
                ),
                "not a device node",
            ),
            ("      intelRdt: {closID: c}\n", "intelRdt"),
            (
                "      netDevices: [{hostInterfaceName: eth1, name: eth0}]\n",
                "netDevices",
            ),
        ];
        for (yaml, want) in cases {
            let mut spec = base_spec(0);
            let before = spec.clone();
            let err = apply(&mut spec, &edits(yaml)).unwrap_err();
            assert_eq!(crate::error::exit_code(&err), 125);
            assert!(format!("{err:#}").contains(want), "{yaml}: {err:#}");
            assert_eq!(spec, before, "a refused edit leaves the spec alone");
        }
    }
}
