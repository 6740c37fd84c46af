//! The user's mounts: `-v`, `--mount`, `--tmpfs`, then the image's
//! VOLUMEs as anonymous volumes where nothing else is mounted; and the
//! `--device` binds. Volumes made here are undone by the `Cleanup`.

use super::cleanup::Cleanup;
use super::usage;
use crate::container::options::{DeviceSpec, MountSpec, VolumeSource, VolumeSpec};
use crate::container::record::VolumeUse;
use crate::storage::volume;
use oci_spec::runtime::{Mount, MountBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The mounts to add to the spec, and the volumes they use.
#[derive(Default)]
pub(super) struct UserMounts {
    pub mounts: Vec<Mount>,
    pub volumes: Vec<VolumeUse>,
}

impl UserMounts {
    /// The destinations, as `create_info` keeps them.
    pub fn destinations(&self) -> Vec<String> {
        self.mounts
            .iter()
            .map(|m| m.destination().to_string_lossy().to_string())
            .collect()
    }
}

/// Every mount the flags and the image ask for, in that order.
pub(super) fn plan(
    volumes: &[VolumeSpec],
    mounts: &[MountSpec],
    image_volumes: &[String],
    cleanup: &mut Cleanup,
) -> anyhow::Result<UserMounts> {
    let mut out = UserMounts::default();
    for v in volumes {
        let mut mount_opts: Vec<String> = vec!["rbind".into()];
        mount_opts.push(if v.read_only {
            "ro".into()
        } else {
            "rw".into()
        });
        mount_opts.extend(
            v.options
                .iter()
                .filter(|o| !matches!(o.as_str(), "ro" | "rw" | "z" | "Z" | "U"))
                .cloned(),
        );
        let source = match &v.source {
            VolumeSource::Bind(path) => bind_source(path, "-v")?,
            VolumeSource::Named(vol) => {
                claim_volume(Some(vol), &v.destination, cleanup, &mut out.volumes)?
            }
            VolumeSource::Anonymous => {
                claim_volume(None, &v.destination, cleanup, &mut out.volumes)?
            }
        };
        out.mounts
            .push(bind_mount(&v.destination, &source, &mount_opts)?);
    }
    for m in mounts {
        match m {
            MountSpec::Bind {
                source,
                destination,
                read_only,
                options,
            } => {
                let source = bind_source(source, "--mount")?;
                let mut o: Vec<String> = vec![
                    "rbind".into(),
                    if *read_only { "ro".into() } else { "rw".into() },
                ];
                o.extend(options.iter().cloned());
                out.mounts.push(bind_mount(destination, &source, &o)?);
            }
            MountSpec::Volume {
                name,
                destination,
                read_only,
                options,
            } => {
                let mountpoint =
                    claim_volume(name.as_deref(), destination, cleanup, &mut out.volumes)?;
                let mut o: Vec<String> = vec![
                    "rbind".into(),
                    if *read_only { "ro".into() } else { "rw".into() },
                ];
                o.extend(options.iter().cloned());
                out.mounts.push(bind_mount(destination, &mountpoint, &o)?);
            }
            MountSpec::Tmpfs {
                destination,
                size,
                mode,
                options,
            } => {
                let mut o: Vec<String> = options.clone();
                if let Some(size) = size {
                    o.push(format!("size={size}"));
                }
                if let Some(mode) = mode {
                    o.push(format!("mode={mode:o}"));
                }
                out.mounts.push(
                    MountBuilder::default()
                        .destination(destination)
                        .typ("tmpfs")
                        .source("tmpfs")
                        .options(o)
                        .build()?,
                );
            }
        }
    }
    let taken = out.destinations();
    for dest in image_volumes {
        let dest = dest.trim_end_matches('/').to_string();
        if taken.contains(&dest) || dest.is_empty() {
            continue;
        }
        let mountpoint = claim_volume(None, &dest, cleanup, &mut out.volumes)?;
        out.mounts.push(bind_mount(
            &dest,
            &mountpoint,
            &["rbind".into(), "rw".into()],
        )?);
    }
    Ok(out)
}

/// Take a named volume (created on first use) or a new anonymous one for
/// `destination`, remembering what this container made and uses.
fn claim_volume(
    name: Option<&str>,
    destination: &str,
    cleanup: &mut Cleanup,
    used: &mut Vec<VolumeUse>,
) -> anyhow::Result<PathBuf> {
    let volume = match name {
        Some(n) => {
            let (volume, new) = volume::ensure(cleanup.root(), n)?;
            if new {
                cleanup.created_volume(volume.name.clone());
            }
            volume
        }
        None => {
            let volume =
                volume::create(cleanup.root(), None, BTreeMap::new(), BTreeMap::new(), true)?;
            cleanup.created_volume(volume.name.clone());
            volume
        }
    };
    used.push(VolumeUse {
        name: volume.name.clone(),
        destination: destination.to_string(),
        anonymous: name.is_none(),
    });
    Ok(volume.mountpoint)
}

fn bind_source(path: &Path, flag: &str) -> anyhow::Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    std::fs::canonicalize(&absolute).map_err(|e| {
        usage(format!(
            "{flag}: the bind mount source {} does not exist ({e}); create it first",
            absolute.display()
        ))
    })
}

/// A bind mount of `source` on `destination` (absolute) in the spec.
pub(super) fn bind_mount(
    destination: &str,
    source: &Path,
    options: &[String],
) -> anyhow::Result<Mount> {
    if !destination.starts_with('/') {
        return Err(usage(format!(
            "mount destination {destination} must be an absolute path"
        )));
    }
    Ok(MountBuilder::default()
        .destination(destination)
        .typ("bind")
        .source(source)
        .options(options.to_vec())
        .build()?)
}

/// The `--device` binds (host path, container path); each device must
/// exist on the host.
pub(super) fn device_binds(devices: &[DeviceSpec]) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut binds = Vec::new();
    for d in devices {
        if !d.host.exists() {
            return Err(usage(format!(
                "--device {}: no such device on the host",
                d.host.display()
            )));
        }
        binds.push((d.host.clone(), d.container.clone()));
    }
    Ok(binds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::options::{parse_mount, parse_tmpfs, parse_volume};

    fn summary(m: &Mount) -> (String, String, Vec<String>) {
        (
            m.destination().to_string_lossy().to_string(),
            m.typ().clone().unwrap_or_default(),
            m.options().clone().unwrap_or_default(),
        )
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_then_image_volumes_where_nothing_is_mounted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let host = dir.path().join("host");
        std::fs::create_dir(&host).unwrap();
        let volumes = vec![
            parse_volume(&format!("{}:/h:ro,z", host.display())).unwrap(),
            parse_volume("data:/data").unwrap(),
        ];
        let mounts = vec![
            parse_mount("type=volume,destination=/anon").unwrap(),
            parse_tmpfs("/scratch:size=1m").unwrap(),
        ];
        let mut cleanup = Cleanup::new(&root);
        cleanup.lock_volumes().unwrap();
        let planned = plan(
            &volumes,
            &mounts,
            &strings(&["/data/", "/cache", ""]),
            &mut cleanup,
        )
        .unwrap();
        cleanup.disarm();
        let got: Vec<_> = planned.mounts.iter().map(summary).collect();
        assert_eq!(
            got[0],
            ("/h".into(), "bind".into(), strings(&["rbind", "ro"]))
        );
        assert_eq!(planned.mounts[0].source().as_deref(), Some(host.as_path()));
        assert_eq!(got[1].0, "/data");
        assert_eq!(got[2].0, "/anon");
        assert_eq!(got[3].0, "/scratch");
        assert_eq!(got[3].1, "tmpfs");
        assert!(
            got[3].2.contains(&"size=1048576".to_string()),
            "{:?}",
            got[3]
        );
        // The image's /data is taken by -v; /cache gets an anonymous volume.
        assert_eq!(
            got[4],
            ("/cache".into(), "bind".into(), strings(&["rbind", "rw"]))
        );
        assert_eq!(got.len(), 5);
        let used: Vec<_> = planned
            .volumes
            .iter()
            .map(|v| (v.destination.as_str(), v.anonymous))
            .collect();
        assert_eq!(
            used,
            vec![("/data", false), ("/anon", true), ("/cache", true)]
        );
        assert_eq!(planned.volumes[0].name, "data");
        assert_eq!(volume::list(&root).unwrap().len(), 3);
    }

    #[test]
    fn a_failure_after_a_claim_removes_the_new_volumes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        volume::create(&root, Some("old"), BTreeMap::new(), BTreeMap::new(), false).unwrap();
        let volumes = vec![
            parse_volume("old:/old").unwrap(),
            parse_volume("new:/new").unwrap(),
            parse_volume(&format!("{}:/x", dir.path().join("missing").display())).unwrap(),
        ];
        let mut cleanup = Cleanup::new(&root);
        cleanup.lock_volumes().unwrap();
        let e = plan(&volumes, &[], &[], &mut cleanup).err().unwrap();
        drop(cleanup);
        assert!(format!("{e}").contains("does not exist"), "{e}");
        let left: Vec<_> = volume::list(&root)
            .unwrap()
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(left, vec!["old".to_string()]);
    }

    #[test]
    fn destinations_are_absolute_and_devices_exist() {
        assert!(bind_mount("rel", Path::new("/"), &[]).is_err());
        let null = DeviceSpec {
            host: "/dev/null".into(),
            container: "/dev/mine".into(),
            permissions: "rwm".into(),
        };
        assert_eq!(
            device_binds(std::slice::from_ref(&null)).unwrap(),
            vec![(PathBuf::from("/dev/null"), "/dev/mine".to_string())]
        );
        let missing = DeviceSpec {
            host: "/dev/no-such-device".into(),
            ..null
        };
        let e = device_binds(&[missing]).err().unwrap();
        assert!(format!("{e}").contains("no such device on the host"));
    }
}
