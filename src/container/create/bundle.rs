//! The container's bundle: the files `record::create` puts beside the
//! record before publishing it (the runtime spec, the generated /etc
//! files, the storage driver's directories).

use super::mounts::bind_mount;
use crate::storage::Driver;
use oci_spec::runtime::Spec;
use std::path::Path;

pub(super) struct Files<'a> {
    pub spec: &'a Spec,
    pub hosts: &'a str,
    pub hostname: &'a str,
    pub resolv: &'a str,
    pub containerenv: String,
    /// keep-id's /etc/passwd and /etc/group.
    pub keep_id: Option<&'a (String, String)>,
    pub driver: Driver,
}

/// Write the bundle into `dir` (the record's temporary directory).
pub(super) fn write(dir: &Path, files: &Files) -> anyhow::Result<()> {
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_vec_pretty(files.spec)?,
    )?;
    std::fs::write(dir.join("hosts"), files.hosts)?;
    std::fs::write(dir.join("hostname"), format!("{}\n", files.hostname))?;
    std::fs::write(dir.join("resolv.conf"), files.resolv)?;
    std::fs::write(dir.join("containerenv"), &files.containerenv)?;
    if let Some((p, g)) = files.keep_id {
        std::fs::write(dir.join("passwd"), p)?;
        std::fs::write(dir.join("group"), g)?;
    }
    for d in storage_dirs(files.driver) {
        crate::sys::fsutil::create_dir_all_mode(&dir.join(d), 0o755)?;
    }
    Ok(())
}

/// The directories a driver mounts or writes in at start.
fn storage_dirs(driver: Driver) -> &'static [&'static str] {
    match driver {
        Driver::Overlay | Driver::Fuse => &["rootfs", "upper", "work"],
        Driver::Vfs => &[],
    }
}

/// keep-id: the bundle's passwd and group bound over the image's.
pub(super) fn bind_keep_id_files(spec: &mut Spec, bundle: &Path) -> anyhow::Result<()> {
    let mut mounts = spec.mounts().clone().unwrap_or_default();
    for (file, dest) in [("passwd", "/etc/passwd"), ("group", "/etc/group")] {
        mounts.push(bind_mount(
            dest,
            &bundle.join(file),
            &["bind".into(), "rprivate".into()],
        )?);
    }
    spec.set_mounts(Some(mounts));
    Ok(())
}

/// Podman's /run/.containerenv content.
pub(super) fn containerenv(
    id: &str,
    name: &str,
    image: &str,
    image_id: &str,
    rootless: bool,
) -> String {
    format!(
        "engine=\"cove-{}\"\nname=\"{name}\"\nid=\"{id}\"\nimage=\"{image}\"\nimageid=\"{}\"\nrootless={}\n",
        env!("CARGO_PKG_VERSION"),
        image_id.strip_prefix("sha256:").unwrap_or(image_id),
        u8::from(rootless)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn the_bundle_has_the_spec_the_etc_files_and_the_driver_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let spec = Spec::default();
        let keep = ("p\n".to_string(), "g\n".to_string());
        let files = Files {
            spec: &spec,
            hosts: "hosts\n",
            hostname: "h",
            resolv: "nameserver 10.0.2.3\n",
            containerenv: containerenv("id1", "n", "img", "sha256:abc", true),
            keep_id: Some(&keep),
            driver: Driver::Overlay,
        };
        write(dir.path(), &files).unwrap();
        assert_eq!(
            names(dir.path()),
            [
                "config.json",
                "containerenv",
                "group",
                "hostname",
                "hosts",
                "passwd",
                "resolv.conf",
                "rootfs",
                "upper",
                "work"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("hostname")).unwrap(),
            "h\n"
        );
        let back: Spec =
            serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap())
                .unwrap();
        assert_eq!(back, spec);

        let vfs = tempfile::tempdir().unwrap();
        let files = Files {
            keep_id: None,
            driver: Driver::Vfs,
            ..files
        };
        write(vfs.path(), &files).unwrap();
        assert_eq!(
            names(vfs.path()),
            [
                "config.json",
                "containerenv",
                "hostname",
                "hosts",
                "resolv.conf"
            ]
        );
    }

    #[test]
    fn containerenv_is_podmans() {
        let text = containerenv("id1", "web", "alpine", "sha256:abc", false);
        assert!(text.starts_with("engine=\"cove-"), "{text}");
        assert!(text.ends_with(
            "name=\"web\"\nid=\"id1\"\nimage=\"alpine\"\nimageid=\"abc\"\nrootless=0\n"
        ));
    }

    #[test]
    fn keep_id_files_are_bound_last() {
        let mut spec = Spec::default();
        let before = spec.mounts().as_ref().map_or(0, |m| m.len());
        bind_keep_id_files(&mut spec, Path::new("/b")).unwrap();
        let mounts = spec.mounts().clone().unwrap();
        assert_eq!(mounts.len(), before + 2);
        let last: Vec<_> = mounts[before..]
            .iter()
            .map(|m| (m.destination().clone(), m.source().clone().unwrap()))
            .collect();
        assert_eq!(
            last,
            vec![
                ("/etc/passwd".into(), "/b/passwd".into()),
                ("/etc/group".into(), "/b/group".into())
            ]
        );
    }
}
