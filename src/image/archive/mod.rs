//! Image archives as `podman save` writes and `podman load` reads them:
//! docker-archive (`docker save`'s `manifest.json` + one tar per layer) and
//! oci-archive (a tar of an OCI image layout). Both directions stream: a
//! layer is never held in memory, and a load reads its input exactly once
//! (stdin cannot be rewound).

/// The archive formats of `save` and `load`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// An OCI image layout in a tar.
    OciArchive,
    /// Docker's `docker save` format.
    DockerArchive,
}

mod load;
mod save;

pub use load::{load_archive, Loaded};
pub use save::{save_archive, SaveImage};

/// Annotation naming an image in an OCI layout's `index.json`.
pub(crate) const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Normalize a member path as found in a tar or a `manifest.json`
/// (`./a//b/../c` → `a/c`). Only used as a lookup key, never as a
/// filesystem path, so `..` above the top is simply dropped.
pub(crate) fn normalize_member(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests;
