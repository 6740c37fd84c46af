//! Writing files and directory trees as a tar stream (`cp`, `export`,
//! `commit`): owners as seen in the current user namespace (optionally
//! mapped), modes, mtimes (whole seconds), symlinks, hardlinks (the second
//! name of an inode becomes a link entry), fifos and device nodes.
//! Sockets are skipped, as tar cannot hold them.

use anyhow::Context;
use std::collections::HashMap;
use std::fs::{self, File, Metadata};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Maps a file's (uid, gid) to what the archive records.
pub type IdMap = Box<dyn Fn(u32, u32) -> (u32, u32)>;

pub struct TarWriter<W: Write> {
    builder: tar::Builder<W>,
    /// (dev, ino) of files with several names -> first archive name.
    links: HashMap<(u64, u64), PathBuf>,
    ids: Option<IdMap>,
}

/// `parent/child` for archive names, where "" or "." is the top.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() || parent == "." {
        child.to_string()
    } else {
        format!("{}/{child}", parent.trim_end_matches('/'))
    }
}

impl<W: Write> TarWriter<W> {
    pub fn new(out: W) -> Self {
        let mut builder = tar::Builder::new(out);
        builder.mode(tar::HeaderMode::Complete);
        TarWriter {
            builder,
            links: HashMap::new(),
            ids: None,
        }
    }

    /// Record owners through `map` (host ids to a container's ids).
    pub fn with_ids(mut self, map: IdMap) -> Self {
        self.ids = Some(map);
        self
    }

    /// Append `path` under the archive name `name` and, for a directory,
    /// everything beneath it. `name` "." stores a directory's contents at
    /// the top of the archive. Symlinks are stored, never followed.
    pub fn append_tree(&mut self, path: &Path, name: &str) -> anyhow::Result<()> {
        let meta =
            fs::symlink_metadata(path).with_context(|| format!("reading {}", path.display()))?;
        self.append_entry(path, name, &meta)?;
        if meta.is_dir() {
            self.append_children(path, name)?;
        }
        Ok(())
    }

    /// Append everything beneath the directory `path`, named under `name`.
    pub fn append_children(&mut self, path: &Path, name: &str) -> anyhow::Result<()> {
        let mut entries: Vec<_> = fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading {}", path.display()))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let child = e.file_name();
            let child_name = join(name, &String::from_utf8_lossy(child.as_bytes()));
            self.append_tree(&path.join(&child), &child_name)?;
        }
        Ok(())
    }

    /// Append one entry (a directory without its contents).
    pub fn append_entry(&mut self, path: &Path, name: &str, meta: &Metadata) -> anyhow::Result<()> {
        let ft = meta.file_type();
        if ft.is_socket() {
            return Ok(());
        }
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(meta, tar::HeaderMode::Complete);
        let (uid, gid) = match &self.ids {
            Some(map) => map(meta.uid(), meta.gid()),
            None => (meta.uid(), meta.gid()),
        };
        header.set_uid(uid.into());
        header.set_gid(gid.into());
        let fail = || format!("archiving {}", path.display());
        if ft.is_dir() {
            let dir_name = if name == "." {
                "./".to_string()
            } else {
                format!("{}/", name.trim_end_matches('/'))
            };
            header.set_size(0);
            return self
                .builder
                .append_data(&mut header, dir_name, io::empty())
                .with_context(fail);
        }
        if ft.is_symlink() {
            let target = fs::read_link(path).with_context(fail)?;
            header.set_size(0);
            return self
                .builder
                .append_link(&mut header, name, target)
                .with_context(fail);
        }
        if meta.nlink() > 1 {
            let key = (meta.dev(), meta.ino());
            if let Some(first) = self.links.get(&key) {
                header.set_entry_type(tar::EntryType::Link);
                header.set_size(0);
                let first = first.clone();
                return self
                    .builder
                    .append_link(&mut header, name, first)
                    .with_context(fail);
            }
            self.links.insert(key, PathBuf::from(name));
        }
        if ft.is_file() {
            let file = fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(path)
                .with_context(fail)?;
            return self.append_file(&mut header, name, file).with_context(fail);
        }
        // Fifos and device nodes: the header says it all.
        header.set_size(0);
        self.builder
            .append_data(&mut header, name, io::empty())
            .with_context(fail)
    }

    fn append_file(&mut self, header: &mut tar::Header, name: &str, file: File) -> io::Result<()> {
        // The size in the header must match what follows, even if the
        // file changes meanwhile (a running container): pad or cut.
        let size = header.size()?;
        let reader = io::Read::take(
            io::Read::chain(io::Read::take(file, size), io::repeat(0)),
            size,
        );
        self.builder.append_data(header, name, reader)
    }

    /// An entry with no file behind it: an empty regular file such as a
    /// whiteout (`.wh.name`) or the opaque marker.
    pub fn append_marker(&mut self, name: &str) -> anyhow::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o600);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(0);
        header.set_mtime(0);
        self.builder
            .append_data(&mut header, name, io::empty())
            .with_context(|| format!("archiving {name}"))
    }

    /// Write the end of the archive and give the output back.
    pub fn finish(self) -> anyhow::Result<W> {
        self.builder.into_inner().context("finishing the archive")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_round_trips_through_put_tree() {
        let src = tempfile::tempdir().unwrap();
        let d = src.path().join("d");
        fs::create_dir(&d).unwrap();
        fs::write(d.join("f"), b"hello").unwrap();
        fs::set_permissions(
            d.join("f"),
            std::os::unix::fs::PermissionsExt::from_mode(0o751),
        )
        .unwrap();
        fs::hard_link(d.join("f"), d.join("g")).unwrap();
        std::os::unix::fs::symlink("f", d.join("l")).unwrap();
        let mut w = TarWriter::new(Vec::new());
        w.append_tree(&d, "d").unwrap();
        let bytes = w.finish().unwrap();

        let dst = tempfile::tempdir().unwrap();
        let put = crate::image::layer::unpack::PutOptions {
            rename: Some((b"d".to_vec(), b"copy".to_vec())),
            ..Default::default()
        };
        crate::image::layer::unpack::put_tree(&bytes[..], dst.path(), &put).unwrap();
        let c = dst.path().join("copy");
        assert_eq!(fs::read(c.join("f")).unwrap(), b"hello");
        assert_eq!(fs::metadata(c.join("f")).unwrap().mode() & 0o7777, 0o751);
        assert_eq!(
            fs::metadata(c.join("f")).unwrap().ino(),
            fs::metadata(c.join("g")).unwrap().ino()
        );
        assert_eq!(fs::read_link(c.join("l")).unwrap(), Path::new("f"));
        assert_eq!(
            fs::metadata(c.join("f")).unwrap().mtime(),
            fs::metadata(d.join("f")).unwrap().mtime()
        );
    }

    #[test]
    fn contents_only_and_whiteout_names_are_plain_files_for_cp() {
        let src = tempfile::tempdir().unwrap();
        fs::write(src.path().join(".wh.x"), b"not a whiteout").unwrap();
        let mut w = TarWriter::new(Vec::new());
        w.append_tree(src.path(), ".").unwrap();
        let bytes = w.finish().unwrap();
        let dst = tempfile::tempdir().unwrap();
        let put = crate::image::layer::unpack::PutOptions {
            rename: Some((Vec::new(), b"new".to_vec())),
            ..Default::default()
        };
        crate::image::layer::unpack::put_tree(&bytes[..], dst.path(), &put).unwrap();
        assert_eq!(
            fs::read(dst.path().join("new/.wh.x")).unwrap(),
            b"not a whiteout"
        );
    }

    #[test]
    fn dir_and_file_do_not_replace_each_other_without_overwrite() {
        let src = tempfile::tempdir().unwrap();
        fs::write(src.path().join("x"), b"file").unwrap();
        let mut w = TarWriter::new(Vec::new());
        w.append_tree(&src.path().join("x"), "x").unwrap();
        let bytes = w.finish().unwrap();
        let dst = tempfile::tempdir().unwrap();
        fs::create_dir(dst.path().join("x")).unwrap();
        let err =
            crate::image::layer::unpack::put_tree(&bytes[..], dst.path(), &Default::default())
                .unwrap_err()
                .to_string();
        assert!(err.contains("cannot overwrite directory"), "{err}");
        let put = crate::image::layer::unpack::PutOptions {
            overwrite: true,
            ..Default::default()
        };
        crate::image::layer::unpack::put_tree(&bytes[..], dst.path(), &put).unwrap();
        assert_eq!(fs::read(dst.path().join("x")).unwrap(), b"file");
    }

    #[test]
    fn follow_in_root_keeps_directory_symlinks_inside() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("usr/lib")).unwrap();
        std::os::unix::fs::symlink("/usr/lib", root.path().join("lib")).unwrap();
        // A symlink pointing out of the root by absolute path.
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("esc")).unwrap();
        let inside = root.path().join(outside.path().strip_prefix("/").unwrap());
        fs::create_dir_all(&inside).unwrap();
        let src = tempfile::tempdir().unwrap();
        fs::create_dir(src.path().join("lib")).unwrap();
        fs::write(src.path().join("lib/a"), b"a").unwrap();
        fs::create_dir(src.path().join("esc")).unwrap();
        fs::write(src.path().join("esc/b"), b"b").unwrap();
        let mut w = TarWriter::new(Vec::new());
        w.append_tree(src.path(), ".").unwrap();
        let bytes = w.finish().unwrap();
        let put = crate::image::layer::unpack::PutOptions {
            follow_in_root: true,
            ..Default::default()
        };
        crate::image::layer::unpack::put_tree(&bytes[..], root.path(), &put).unwrap();
        assert_eq!(fs::read(root.path().join("usr/lib/a")).unwrap(), b"a");
        assert!(fs::symlink_metadata(root.path().join("lib"))
            .unwrap()
            .file_type()
            .is_symlink());
        // The escaping link resolved inside the root: nothing outside.
        assert!(fs::read_dir(outside.path()).unwrap().next().is_none());
        assert_eq!(fs::read(inside.join("b")).unwrap(), b"b");
    }
}
