//! `run`/`create` flags that scripts pass and that come down to other
//! options before the container layer sees them: --label-file, --tz,
//! --cidfile, --decryption-key.

use crate::cli::CreateOpts;
use crate::container::record::ContainerDir;
use crate::container::request::CreateOptions;
use crate::error::{exit_error, EXIT_COVE};
use std::path::{Path, PathBuf};

/// Where `--cidfile` is remembered, so `rm` removes the file (Podman's key).
const CIDFILE_ANNOTATION: &str = "io.podman.annotations.cid-file";

/// The container layer's request for these flags.
pub(super) fn options(o: &CreateOpts) -> anyhow::Result<CreateOptions> {
    if !o.decryption_key.is_empty() {
        return Err(exit_error(
            EXIT_COVE,
            "--decryption-key: cove does not support encrypted images",
        ));
    }
    let mut opts = o.options();
    // Labels from files first: a --label of the same key wins.
    let mut labels = Vec::new();
    for file in &o.label_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| exit_error(EXIT_COVE, format!("--label-file {}: {e}", file.display())))?;
        labels.extend(key_value_lines(&text));
    }
    labels.append(&mut opts.label);
    opts.label = labels;
    if let Some(tz) = &o.tz {
        let zone = zone_file(tz, Path::new("/usr/share/zoneinfo"))?;
        opts.volume
            .push(format!("{}:/etc/localtime:ro", zone.display()));
    }
    if let Some(file) = &o.cidfile {
        let path = std::path::absolute(file)
            .map_err(|e| exit_error(EXIT_COVE, format!("--cidfile {}: {e}", file.display())))?;
        opts.annotation
            .push(format!("{CIDFILE_ANNOTATION}={}", path.display()));
    }
    Ok(opts)
}

/// `--cidfile`: the id, as Podman writes it (no newline).
pub(super) fn write_cidfile(o: &CreateOpts, id: &str) -> anyhow::Result<()> {
    if let Some(file) = &o.cidfile {
        std::fs::write(file, id).map_err(|e| {
            exit_error(
                EXIT_COVE,
                format!(
                    "writing the container id to --cidfile {}: {e}",
                    file.display()
                ),
            )
        })?;
    }
    Ok(())
}

/// The `--cidfile` a container was created with.
pub(super) fn cidfile_of(c: &ContainerDir) -> Option<PathBuf> {
    let spec = c.spec().ok()?;
    spec.annotations()
        .as_ref()?
        .get(CIDFILE_ANNOTATION)
        .map(PathBuf::from)
}

/// KEY=VALUE lines; blank lines and # comments skipped.
fn key_value_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The host file that becomes the container's /etc/localtime: `local` is
/// the host's own zone (TZ and TZDIR do not matter, as in Podman).
fn zone_file(tz: &str, zoneinfo: &Path) -> anyhow::Result<PathBuf> {
    let unknown = || {
        exit_error(
            EXIT_COVE,
            format!("finding timezone: unknown time zone {tz}"),
        )
    };
    if tz == "local" {
        return std::fs::canonicalize("/etc/localtime").map_err(|_| unknown());
    }
    if tz.is_empty() || tz.starts_with('/') || tz.split('/').any(|c| c == ".." || c.is_empty()) {
        return Err(unknown());
    }
    let path = zoneinfo.join(tz);
    if path.is_file() {
        Ok(path)
    } else {
        Err(unknown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_files_skip_comments_and_blanks() {
        assert_eq!(
            key_value_lines("# c\na=1\n\n  b=two words  \n"),
            ["a=1", "b=two words"]
        );
    }

    #[test]
    fn zones_are_files_under_zoneinfo() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("Europe")).unwrap();
        std::fs::write(dir.path().join("Europe/Berlin"), b"TZif").unwrap();
        assert_eq!(
            zone_file("Europe/Berlin", dir.path()).unwrap(),
            dir.path().join("Europe/Berlin")
        );
        for bad in [
            "Europe",
            "Nowhere/City",
            "../etc/passwd",
            "/etc/passwd",
            "",
            "a//b",
        ] {
            let e = zone_file(bad, dir.path()).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("finding timezone: unknown time zone"),
                "{bad}"
            );
        }
    }
}
