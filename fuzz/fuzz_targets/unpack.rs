//! Layer tars unpacked into a fresh directory, without privileges: the
//! process gives up every capability first, so it unpacks as a rootless
//! pull does. Nothing outside the directory may change.
#![no_main]

use cove::image::layer::unpack::{unpack_layer, UnpackOptions};
use cove::runtime::caps::{last_cap, CapSets};
use libfuzzer_sys::fuzz_target;
use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SENTINEL: &str = "outside";

fn workdir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Bounding, permitted, effective, inheritable and ambient: all empty.
        let none = CapSets {
            last_cap: last_cap(),
            ..CapSets::default()
        };
        none.apply().expect("dropping every capability");
        let dir = tempfile::tempdir().expect("tempdir").keep();
        std::fs::write(dir.join(SENTINEL), "untouched").expect("sentinel");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let work = workdir();
    let dest = work.join("layer");
    std::fs::create_dir(&dest).expect("layer dir");
    for opts in [
        UnpackOptions {
            preserve_ownership: false,
            allow_devices: false,
        },
        UnpackOptions {
            preserve_ownership: true,
            allow_devices: true,
        },
    ] {
        let _ = unpack_layer(data, &dest, &opts);
        let mut names: Vec<_> = std::fs::read_dir(work)
            .expect("workdir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["layer", SENTINEL], "something was written beside the layer");
        assert_eq!(std::fs::read_to_string(work.join(SENTINEL)).unwrap(), "untouched");
        clear(&dest);
    }
    std::fs::remove_dir(&dest).expect("layer dir");
});

/// Empties `dir`, first giving back to each directory the owner's rights a
/// tar may have taken away (we own everything here).
fn clear(dir: &Path) {
    std::fs::set_permissions(dir, Permissions::from_mode(0o700)).expect("chmod");
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if std::fs::symlink_metadata(&path).expect("lstat").is_dir() {
            clear(&path);
            std::fs::remove_dir(&path).expect("rmdir");
        } else {
            std::fs::remove_file(&path).expect("unlink");
        }
    }
}
