//! `cove save` and `cove load`: images to and from docker-archive and
//! oci-archive tars (see `crate::image::archive` for the formats).

use crate::cli::{LoadArgs, SaveArgs};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::archive::ArchiveFormat;
use crate::image::archive::{self, SaveImage};
use crate::image::store::{Catalog, ImageEntry};
use crate::sys::fsutil;
use anyhow::Context;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

pub fn save(ctx: &Ctx, args: &SaveArgs) -> anyhow::Result<i32> {
    if args.output.is_none() && std::io::stdout().is_terminal() {
        anyhow::bail!("refusing to save to terminal. Use -o flag or redirect");
    }
    let store = crate::image::store::Store::open_existing(&ctx.paths.root);
    let catalog = match &store {
        Some(s) => s.catalog()?,
        None => Catalog::default(),
    };
    let mut images: Vec<SaveImage> = Vec::new();
    for input in &args.images {
        let entry = catalog
            .resolve(input)?
            .ok_or_else(|| exit_error(125, format!("{input}: image not known")))?;
        let names = names_to_save(&catalog, entry, input);
        // The same image asked for twice (by two names) is saved once.
        match images.iter_mut().find(|i| i.entry.id == entry.id) {
            Some(img) => {
                for n in names {
                    if !img.names.contains(&n) {
                        img.names.push(n);
                    }
                }
            }
            None => images.push(SaveImage {
                entry: entry.clone(),
                names,
            }),
        }
    }
    // Podman and skopeo read only single-image oci-archives; Podman refuses
    // to write others, and so does cove.
    if images.len() > 1 && matches!(args.format, ArchiveFormat::OciArchive) {
        return Err(exit_error(
            125,
            "unsupported format \"oci-archive\" for saving multiple images (only docker-archive)",
        ));
    }
    let Some(store) = store else {
        return Err(exit_error(125, "no images in the store"));
    };
    // Keeps a concurrent garbage collection from deleting blobs mid-save.
    let _writing = store.lock_writing()?;
    match &args.output {
        None => {
            let out = BufWriter::with_capacity(256 << 10, std::io::stdout().lock());
            let mut out = archive::save_archive(&store, &images, args.format, out)?;
            out.flush().context("writing to stdout")?;
        }
        Some(path) => write_output(path, |file| {
            let out = BufWriter::with_capacity(256 << 10, file);
            let out = archive::save_archive(&store, &images, args.format, out)?;
            out.into_inner()
                .map_err(|e| e.into_error())
                .context("writing the archive")
        })?,
    }
    Ok(0)
}

/// The names to record for an image: the one the user named it by, as
/// Podman does for `save busybox`; all of them when it was named by id.
fn names_to_save(catalog: &Catalog, entry: &ImageEntry, input: &str) -> Vec<String> {
    match catalog.name_referred_to(input, entry) {
        Some(name) => vec![name.clone()],
        None => entry.names.clone(),
    }
}

/// Write the archive to a temporary file next to `path` and rename it into
/// place when complete, so a failed save never leaves a partial archive
/// under the final name.
fn write_output(
    path: &Path,
    write: impl FnOnce(File) -> anyhow::Result<File>,
) -> anyhow::Result<()> {
    if let Ok(meta) = fs::metadata(path) {
        if meta.is_dir() {
            anyhow::bail!("{}: is a directory", path.display());
        }
        // A device or pipe (-o /dev/stdout) cannot be replaced: write to it.
        if !meta.is_file() {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            write(file)?;
            return Ok(());
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let base = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("archive");
    let tmp = dir.join(format!(".{}", fsutil::unique_name(base)));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let result = (|| -> anyhow::Result<()> {
        let file = write(file)?;
        file.sync_all()
            .with_context(|| format!("writing {}", path.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("creating {}", path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

pub fn load(ctx: &Ctx, args: &LoadArgs) -> anyhow::Result<i32> {
    // Open the input before entering the user namespace, with the caller's
    // own permissions.
    let input: Box<dyn Read + Send> = match &args.input {
        Some(path) => {
            Box::new(File::open(path).with_context(|| format!("opening {}", path.display()))?)
        }
        None => {
            if std::io::stdin().is_terminal() {
                anyhow::bail!(
                    "cannot read from terminal, use command-line redirection or the --input flag"
                );
            }
            Box::new(std::io::stdin())
        }
    };
    let (store, opts) = crate::image::store::open_for_writing(&ctx.paths.root)?;
    let _writing = store.lock_writing()?;
    store.clean_tmp();
    let loaded = archive::load_archive(&store, &opts, input)?;
    let mut out = std::io::stdout().lock();
    for img in &loaded {
        if img.names.is_empty() {
            writeln!(out, "Loaded image: {}", img.id)?;
        }
        for name in &img.names {
            writeln!(out, "Loaded image: {name}")?;
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::digest;

    #[test]
    fn the_name_used_is_the_name_saved() {
        let entry = ImageEntry {
            id: digest::sha256_of(b"config"),
            manifest_digest: digest::sha256_of(b"manifest"),
            manifest_media_type: crate::image::manifest::OCI_MANIFEST.into(),
            manifest_size: 1,
            names: vec![
                "docker.io/library/busybox:latest".into(),
                "localhost/mine:1".into(),
            ],
            created: None,
            size: 0,
            list_digest: None,
            added: None,
        };
        let catalog = Catalog {
            images: vec![entry.clone()],
        };
        assert_eq!(
            names_to_save(&catalog, &entry, "busybox"),
            vec!["docker.io/library/busybox:latest"]
        );
        assert_eq!(
            names_to_save(&catalog, &entry, "mine:1"),
            vec!["localhost/mine:1"]
        );
        let hex = digest::short_id_full(&entry.id);
        assert_eq!(names_to_save(&catalog, &entry, &hex[..8]), entry.names);
    }
}
