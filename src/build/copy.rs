//! The layer of a COPY or ADD step, written as a tar stream: the chosen
//! files (from the context, from another image's layers, or a heredoc's
//! text) under their destination, with the owner of `--chown` (root by
//! default) and the mode of `--chmod`, plus the destination's parent
//! directories that the image does not have yet (0755, root). Local tar
//! archives given to ADD are unpacked beneath the destination.

use crate::image::manifest;
use anyhow::Context;
use std::collections::BTreeMap;
use std::fs::Metadata;
use std::io::{BufReader, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub enum Source {
    /// A file, directory or symlink on the host (or in a layer directory).
    Path(PathBuf),
    /// Text written as a regular file (a heredoc).
    Bytes(Vec<u8>),
    /// A tar archive (maybe compressed) unpacked beneath the target.
    Archive(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Item {
    /// Absolute path in the image.
    pub target: String,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub uid: u64,
    pub gid: u64,
    /// `--chmod`: replaces the mode of every file and directory copied.
    pub chmod: Option<u32>,
}

/// Whether `path` (absolute, in the image) exists in the layers (top
/// first), stopping at a whiteout.
pub fn exists_in_layers(layers: &[PathBuf], path: &str) -> Option<Metadata> {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() {
        return layers.first().and_then(|l| l.symlink_metadata().ok());
    }
    for layer in layers {
        if let Ok(m) = layer.join(rel).symlink_metadata() {
            if m.file_type().is_char_device() && m.rdev() == 0 {
                return None;
            }
            return Some(m);
        }
    }
    None
}

/// The entries of directory `rel` in the merged layers: name -> the path
/// of the top-most copy (whiteouts hide, opaque directories stop).
pub fn merged_dir(layers: &[PathBuf], rel: &str) -> BTreeMap<String, PathBuf> {
    let mut seen: BTreeMap<String, Option<PathBuf>> = BTreeMap::new();
    for layer in layers {
        let dir = layer.join(rel.trim_start_matches('/'));
        let Ok(meta) = dir.symlink_metadata() else {
            continue;
        };
        if !meta.is_dir() {
            break;
        }
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if seen.contains_key(&name) {
                continue;
            }
            let whiteout = e
                .metadata()
                .is_ok_and(|m| m.file_type().is_char_device() && m.rdev() == 0);
            seen.insert(name, (!whiteout).then(|| e.path()));
        }
        let opaque = ["user.overlay.opaque", "trusted.overlay.opaque"]
            .iter()
            .any(|x| xattr_y(&dir, x));
        if opaque {
            break;
        }
    }
    seen.into_iter()
        .filter_map(|(k, v)| v.map(|p| (k, p)))
        .collect()
}

fn xattr_y(path: &Path, name: &str) -> bool {
    let (Ok(p), Ok(n)) = (
        std::ffi::CString::new(path.as_os_str().as_encoded_bytes()),
        std::ffi::CString::new(name),
    ) else {
        return false;
    };
    let mut buf = [0u8; 4];
    // SAFETY: both strings are NUL-terminated and outlive the call; the
    // buffer is valid for its length.
    let n = unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    n == 1 && buf[0] == b'y'
}

/// Items for a tree in the merged layers: `rel` itself at `target` and,
/// for a directory, everything beneath it.
pub fn merged_tree(layers: &[PathBuf], rel: &str, target: &str, out: &mut Vec<Item>) {
    let Some(top) = layers
        .iter()
        .map(|l| l.join(rel.trim_start_matches('/')))
        .find(|p| p.symlink_metadata().is_ok())
    else {
        return;
    };
    out.push(Item {
        target: target.to_string(),
        source: Source::Path(top.clone()),
    });
    if top.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        for (name, _) in merged_dir(layers, rel) {
            merged_tree(
                layers,
                &format!("{}/{name}", rel.trim_end_matches('/')),
                &format!("{}/{name}", target.trim_end_matches('/')),
                out,
            );
        }
    }
}

/// The parents of the targets that the image lacks, shallow first.
pub fn missing_parents(layers: &[PathBuf], items: &[Item]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut known: std::collections::BTreeSet<String> = Default::default();
    for item in items {
        let mut parent = String::new();
        let parts: Vec<&str> = item.target.trim_matches('/').split('/').collect();
        // An archive is unpacked beneath its target: that is a directory too.
        let own = matches!(item.source, Source::Archive(_)) as usize;
        for part in &parts[..(parts.len() + own).saturating_sub(1)] {
            parent = format!("{parent}/{part}");
            if !known.insert(parent.clone()) {
                continue;
            }
            let targeted = items.iter().any(|i| i.target == parent);
            if !targeted && exists_in_layers(layers, &parent).is_none() {
                out.push(parent.clone());
            }
        }
    }
    out
}

/// Write the layer: `parents` as plain directories, then the items.
pub fn write_layer<W: Write>(
    out: W,
    parents: &[String],
    items: &[Item],
    opts: &Options,
) -> anyhow::Result<W> {
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Complete);
    for p in parents {
        let mut h = header(tar::EntryType::Directory, 0o755, 0, 0);
        tar.append_data(&mut h, rel(p), std::io::empty())?;
    }
    for item in items {
        let name = rel(&item.target);
        match &item.source {
            Source::Bytes(bytes) => {
                let mut h = header(
                    tar::EntryType::Regular,
                    opts.chmod.unwrap_or(0o644),
                    opts.uid,
                    opts.gid,
                );
                h.set_size(bytes.len() as u64);
                tar.append_data(&mut h, name, bytes.as_slice())?;
            }
            Source::Path(path) => {
                let meta = path
                    .symlink_metadata()
                    .with_context(|| format!("reading {}", path.display()))?;
                let mode = opts.chmod.unwrap_or(meta.mode() & 0o7777);
                let ft = meta.file_type();
                if ft.is_dir() {
                    let mut h = header(tar::EntryType::Directory, mode, opts.uid, opts.gid);
                    h.set_mtime(meta.mtime().max(0) as u64);
                    tar.append_data(&mut h, name, std::io::empty())?;
                } else if ft.is_symlink() {
                    let target = std::fs::read_link(path)?;
                    let mut h = header(tar::EntryType::Symlink, 0o777, opts.uid, opts.gid);
                    h.set_mtime(meta.mtime().max(0) as u64);
                    tar.append_link(&mut h, name, target)?;
                } else if ft.is_file() {
                    let file = std::fs::File::open(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let mut h = header(tar::EntryType::Regular, mode, opts.uid, opts.gid);
                    h.set_size(meta.len());
                    h.set_mtime(meta.mtime().max(0) as u64);
                    let body = std::io::Read::take(file, meta.len());
                    tar.append_data(&mut h, name, body)?;
                }
                // Sockets, fifos and devices are not copied, as with Docker.
            }
            Source::Archive(path) => unpack_archive(&mut tar, path, &name)?,
        }
    }
    tar.into_inner().context("finishing the layer")
}

/// Whether `path` is a tar archive (maybe gzip/zstd compressed), as ADD
/// auto-extracts.
pub fn is_archive(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let Ok(mut reader) = manifest::decompress(BufReader::new(file)) else {
        return false;
    };
    let mut block = vec![0u8; 512];
    if std::io::Read::read_exact(&mut reader, &mut block).is_err() {
        return false;
    }
    &block[257..262] == b"ustar"
}

/// Whether these bytes start a tar archive, plain or gzip/zstd compressed.
pub fn looks_like_archive(bytes: &[u8]) -> bool {
    match manifest::sniff_compression(bytes) {
        manifest::Compression::None => bytes.len() >= 262 && &bytes[257..262] == b"ustar",
        _ => true,
    }
}

fn unpack_archive<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &Path,
    dest: &str,
) -> anyhow::Result<()> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let reader = manifest::decompress(BufReader::new(file))?;
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let inner = entry
            .path()?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        if inner.is_empty() || inner.split('/').any(|c| c == "..") {
            continue;
        }
        let name = format!(
            "{}/{}",
            dest.trim_end_matches('/'),
            inner.trim_end_matches('/')
        );
        let mut h = entry.header().clone();
        match h.entry_type() {
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let mut target = entry
                    .link_name()?
                    .map(|t| t.to_path_buf())
                    .unwrap_or_default();
                if h.entry_type() == tar::EntryType::Link {
                    let t = target
                        .to_string_lossy()
                        .trim_start_matches("./")
                        .to_string();
                    target = PathBuf::from(format!("{}/{t}", dest.trim_end_matches('/')));
                }
                tar.append_link(&mut h, &name, target)?;
            }
            _ => tar.append_data(&mut h, &name, &mut entry)?,
        }
    }
    Ok(())
}

fn rel(target: &str) -> String {
    let r = target.trim_start_matches('/');
    if r.is_empty() {
        ".".into()
    } else {
        r.to_string()
    }
}

fn header(kind: tar::EntryType, mode: u32, uid: u64, gid: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(uid);
    h.set_gid(gid);
    h.set_size(0);
    h.set_mtime(0);
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_has_missing_parents_owner_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let layer = dir.path().join("layer");
        std::fs::create_dir_all(layer.join("usr/bin")).unwrap();
        std::fs::write(dir.path().join("f"), "hello").unwrap();
        let items = vec![
            Item {
                target: "/usr/bin/f".into(),
                source: Source::Path(dir.path().join("f")),
            },
            Item {
                target: "/app/sub/note".into(),
                source: Source::Bytes(b"text\n".to_vec()),
            },
        ];
        let parents = missing_parents(std::slice::from_ref(&layer), &items);
        assert_eq!(parents, ["/app", "/app/sub"]);
        let opts = Options {
            uid: 10,
            gid: 20,
            chmod: Some(0o700),
        };
        let bytes = write_layer(Vec::new(), &parents, &items, &opts).unwrap();
        let mut a = tar::Archive::new(bytes.as_slice());
        let got: Vec<(String, u32, u64)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().to_string_lossy().to_string(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("app".to_string(), 0o755, 0),
                ("app/sub".to_string(), 0o755, 0),
                ("usr/bin/f".to_string(), 0o700, 10),
                ("app/sub/note".to_string(), 0o700, 10),
            ]
        );
    }

    #[test]
    fn merged_view_honours_whiteouts() {
        let dir = tempfile::tempdir().unwrap();
        let (top, low) = (dir.path().join("top"), dir.path().join("low"));
        std::fs::create_dir_all(low.join("d")).unwrap();
        std::fs::create_dir_all(top.join("d")).unwrap();
        std::fs::write(low.join("d/a"), "a").unwrap();
        std::fs::write(low.join("d/b"), "b").unwrap();
        std::fs::write(top.join("d/c"), "c").unwrap();
        let layers = vec![top, low];
        let names: Vec<String> = merged_dir(&layers, "/d").into_keys().collect();
        assert_eq!(names, ["a", "b", "c"]);
        let mut items = Vec::new();
        merged_tree(&layers, "/d", "/out", &mut items);
        let targets: Vec<&str> = items.iter().map(|i| i.target.as_str()).collect();
        assert_eq!(targets, ["/out", "/out/a", "/out/b", "/out/c"]);
        assert!(exists_in_layers(&layers, "/d/a").is_some());
        assert!(exists_in_layers(&layers, "/d/z").is_none());
    }
}
