//! auth.json (containers-auth.json(5)) as `login`, `pull` and `push` read it.
#![no_main]

use cove::image::registry::auth;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A directory of our own for the file, which is also the only place the
/// lookup may search for a credential helper: an empty PATH, so a
/// `credsStore` in the input never runs a real `docker-credential-*`.
fn workdir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let empty = dir.join("bin");
        std::fs::create_dir(&empty).expect("bin dir");
        // Set once, on libFuzzer's one thread, before anything reads it.
        std::env::set_var("PATH", &empty);
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let path = workdir().join("auth.json");
    std::fs::write(&path, data).expect("write auth.json");
    for (registry, repository) in [
        ("docker.io", "library/busybox"),
        ("index.docker.io", ""),
        ("quay.io", "a/b"),
        ("localhost:5000", "x"),
    ] {
        let _ = auth::lookup(registry, repository, Some(&path));
    }
    let _ = auth::stored_keys(&path);
});
