//! Blobs: `blobs/sha256/<hex>`, written through a staging file that is
//! verified against its digest before it is renamed into place.

use super::{explain_io, Store};
use crate::sys::fsutil;
use crate::util::digest::{self, Hasher};
use anyhow::Context;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::PathBuf;

impl Store {
    pub fn blob_path(&self, digest: &str) -> anyhow::Result<PathBuf> {
        Ok(self.blobs_dir().join(digest::sha256_hex(digest)?))
    }

    pub fn has_blob(&self, digest: &str) -> bool {
        self.blob_path(digest).map(|p| p.exists()).unwrap_or(false)
    }

    pub fn read_blob(&self, digest: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.blob_path(digest)?;
        fs::read(&path).with_context(|| {
            format!("reading blob {digest} from the store; it may have been removed: pull the image again")
        })
    }

    pub fn open_blob(&self, digest: &str) -> anyhow::Result<File> {
        let path = self.blob_path(digest)?;
        File::open(&path).with_context(|| format!("opening blob {digest}"))
    }

    /// Store a small blob held in memory; returns its digest.
    pub fn put_blob(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let digest = digest::sha256_of(bytes);
        if !self.has_blob(&digest) {
            let mut w = self.blob_writer()?;
            w.write_all(bytes)
                .map_err(|e| explain_io(e, "writing blob"))?;
            w.commit(Some(&digest))?;
        }
        Ok(digest)
    }

    /// Start writing a blob of not yet known content.
    pub fn blob_writer(&self) -> anyhow::Result<BlobWriter> {
        let path = self.tmp_dir().join(fsutil::unique_name("blob"));
        let file = File::create(&path).map_err(|e| explain_io(e, "creating a staging file"))?;
        Ok(BlobWriter {
            file: Some(file),
            path,
            hasher: Hasher::default(),
            blobs_dir: self.blobs_dir(),
        })
    }
}

/// A blob being written. Dropped without [`BlobWriter::commit`], it leaves
/// nothing behind.
pub struct BlobWriter {
    file: Option<File>,
    path: PathBuf,
    hasher: Hasher,
    blobs_dir: PathBuf,
}

impl BlobWriter {
    pub fn written(&self) -> u64 {
        self.hasher.len()
    }

    /// Verify the content against `expected` (when given) and move it into
    /// the store. Returns the digest.
    pub fn commit(mut self, expected: Option<&str>) -> anyhow::Result<String> {
        let file = self.file.take().expect("commit called once");
        file.sync_all()
            .map_err(|e| explain_io(e, "syncing a blob"))?;
        drop(file);
        let actual = std::mem::take(&mut self.hasher).finish();
        if let Some(expected) = expected {
            if expected != actual {
                anyhow::bail!(
                    "digest mismatch: expected {expected}, got {actual}; the download is corrupt or was changed in transit, try again"
                );
            }
        }
        let dest = self.blobs_dir.join(digest::sha256_hex(&actual)?);
        fs::rename(&self.path, &dest).map_err(|e| explain_io(e, "storing blob"))?;
        Ok(actual)
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.as_mut().expect("not committed").write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}
