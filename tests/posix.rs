//! POSIX conformance of the container's root filesystem: pjdfstest (its
//! Rust rewrite, from crates.io; tests/setup.sh installs it) run inside a
//! container on each storage driver, as root and as the unprivileged user.
//! The kernel overlay is the reference: the fuse driver must pass every
//! test the kernel overlay passes. `tests/bench/fuse.sh` prints the same
//! counts beside fuse-overlayfs's.

mod common;

use common::fixtures::TarBuilder;
use common::{modes, stdout, Env};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The pjdfstest binary: $PJDFSTEST, or where tests/setup.sh puts it.
fn pjdfstest() -> PathBuf {
    let path = std::env::var_os("PJDFSTEST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/pjdfstest/bin/pjdfstest"));
    assert!(
        path.exists(),
        "{} is missing: run tests/setup.sh (cargo install pjdfstest --root /opt/pjdfstest, with libacl1-dev)",
        path.display()
    );
    path
}

/// The shared libraries `binary` loads, from ldd.
fn libraries(binary: &Path) -> Vec<PathBuf> {
    let out = std::process::Command::new("ldd")
        .arg(binary)
        .output()
        .expect("running ldd");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with('/'))
                .map(PathBuf::from)
        })
        .collect()
}

/// pjdfstest's configuration: the features Linux has, and the two
/// users the image's passwd names (shared with tests/bench/fuse.sh).
const CONFIG: &str = include_str!("fixtures/pjdfstest.toml");

/// An image with pjdfstest, the libraries it needs and its users.
fn image_tar(dir: &Path) -> PathBuf {
    let binary = pjdfstest();
    let mut tar = TarBuilder::new()
        .dir("bin", 0o755)
        .dir("etc", 0o755)
        .dir("tmp", 0o1777)
        .dir("work", 0o777)
        .file(
            "bin/pjdfstest",
            &std::fs::read(&binary).unwrap(),
            0o755,
            0,
            0,
        )
        .file("etc/pjdfstest.toml", CONFIG.as_bytes(), 0o644, 0, 0)
        .file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\ntests:x:1001:1001:tests:/:/bin/sh\n",
            0o644,
            0,
            0,
        )
        .file(
            "etc/group",
            b"root:x:0:\nnogroup:x:65534:\ntests:x:1001:\n",
            0o644,
            0,
            0,
        );
    let mut dirs = BTreeSet::new();
    for lib in libraries(&binary) {
        let inside = lib.to_string_lossy().trim_start_matches('/').to_string();
        let mut parent = Path::new(&inside).parent();
        let mut chain = Vec::new();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            chain.push(p.to_string_lossy().to_string());
            parent = p.parent();
        }
        for d in chain.into_iter().rev() {
            if dirs.insert(d.clone()) {
                tar = tar.dir(&d, 0o755);
            }
        }
        // The real file, not the symlink ldd names.
        let bytes = std::fs::read(std::fs::canonicalize(&lib).unwrap()).unwrap();
        tar = tar.file(&inside, &bytes, 0o755, 0, 0);
    }
    let path = dir.join("pjdfstest.tar");
    std::fs::write(&path, tar.finish()).unwrap();
    path
}

/// pjdfstest's failed tests in a container on `driver`, and its summary.
fn failures(env: &Env, tar: &Path, driver: &str) -> (BTreeSet<String>, String) {
    let env = Env::new(&env.mode).with_driver(driver);
    env.ok(&["import", "-q", &tar.to_string_lossy(), "pjd"]);
    let out = env.run(&[
        "run",
        "--rm",
        "--network",
        "none",
        "pjd",
        "pjdfstest",
        "-c",
        "/etc/pjdfstest.toml",
        "-p",
        "/work",
    ]);
    let text = stdout(&out);
    let summary = text
        .lines()
        .find(|l| l.starts_with("Summary:"))
        .unwrap_or_else(|| {
            panic!(
                "[{} {driver}] pjdfstest printed no summary: {}",
                env.mode.label(),
                common::stderr(&out)
            )
        })
        .to_string();
    let failed = text
        .lines()
        .filter(|l| l.trim_end().ends_with("FAILED"))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    (failed, summary)
}

#[test]
fn fuse_passes_every_pjdfstest_case_the_kernel_overlay_passes() {
    for mode in modes() {
        let env = Env::new(&mode);
        let tar = image_tar(&env.dir);
        let label = mode.label();
        let (reference, reference_summary) = failures(&env, &tar, "overlay");
        let (fuse, fuse_summary) = failures(&env, &tar, "fuse");
        eprintln!("[{label}] overlay: {reference_summary}");
        eprintln!("[{label}] fuse:    {fuse_summary}");
        let worse: Vec<_> = fuse.difference(&reference).collect();
        assert!(
            worse.is_empty(),
            "[{label}] fail on fuse but pass on the kernel overlay: {worse:?}"
        );
        // The same suite ran in full on both: a run cut short must not
        // look like a pass.
        let count = |summary: &str, what: &str| -> u32 {
            let words: Vec<&str> = summary.split_whitespace().collect();
            let at = words
                .iter()
                .position(|w| w.trim_end_matches(',') == what)
                .unwrap_or_else(|| panic!("no {what} in {summary}"));
            words[at - 1].parse().unwrap()
        };
        assert_eq!(
            count(&fuse_summary, "total"),
            count(&reference_summary, "total")
        );
        assert!(
            count(&fuse_summary, "passed") >= count(&reference_summary, "passed")
                && count(&fuse_summary, "passed") > 200,
            "[{label}] {fuse_summary} against {reference_summary}"
        );
    }
}
