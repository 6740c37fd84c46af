//! The step cache: a step's key is the key of the step before it (the
//! first is the base image's id), the instruction as expanded, and what
//! else it reads (the ARG values a RUN sees, the digest of COPY/ADD
//! sources). `<root>/build-cache/steps/<key>` holds the id of the image
//! the step made; an entry whose image is gone is a miss.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The first key of a stage: its base image (or `scratch`).
pub fn base_key(base_id: &str) -> String {
    chain("", &["FROM", base_id])
}

/// The key of a step after `parent`, from its parts.
pub fn chain(parent: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"cove-build-1\0");
    h.update(parent.as_bytes());
    for p in parts {
        h.update([0]);
        h.update(p.len().to_le_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

pub struct StepCache {
    dir: PathBuf,
}

impl StepCache {
    pub fn new(root: &Path) -> StepCache {
        StepCache {
            dir: root.join("build-cache").join("steps"),
        }
    }

    /// The directory of the build caches (context digests live there too).
    pub fn cache_dir(root: &Path) -> PathBuf {
        root.join("build-cache")
    }

    pub fn get(&self, key: &str) -> Option<String> {
        let id = std::fs::read_to_string(self.dir.join(key)).ok()?;
        let id = id.trim();
        (!id.is_empty()).then(|| id.to_string())
    }

    pub fn put(&self, key: &str, image_id: &str) {
        let _ = crate::sys::fsutil::create_dir_all_mode(&self.dir, 0o700);
        let _ = crate::sys::fsutil::write_atomic(&self.dir.join(key), image_id.as_bytes(), 0o600);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_change_with_every_part() {
        let base = base_key("sha256:aaa");
        assert_ne!(base, base_key("sha256:bbb"));
        let run = chain(&base, &["RUN", "echo hi", "A=1"]);
        // (parent, parts) -> differs from `run`
        let others = [
            chain(&base, &["RUN", "echo hi", "A=2"]),
            chain(&base, &["RUN", "echo ho", "A=1"]),
            chain(&base, &["COPY", "echo hi", "A=1"]),
            chain(&base_key("sha256:bbb"), &["RUN", "echo hi", "A=1"]),
            // Parts are length-prefixed: moving text between them counts.
            chain(&base, &["RUN", "echo hiA", "=1"]),
            chain(&base, &["RUN", "echo hi"]),
        ];
        for o in &others {
            assert_ne!(&run, o);
        }
        assert_eq!(run, chain(&base, &["RUN", "echo hi", "A=1"]));
        let dir = tempfile::tempdir().unwrap();
        let cache = StepCache::new(dir.path());
        assert_eq!(cache.get(&run), None);
        cache.put(&run, "sha256:ccc");
        assert_eq!(cache.get(&run).as_deref(), Some("sha256:ccc"));
    }
}
