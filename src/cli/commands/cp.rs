//! `cove cp` and `cove export`: files in and out of a container as tar
//! streams between this process (the host side, as the invoking user) and
//! a child inside the container (`container::access`).
//!
//! Semantics follow `podman cp`: a directory copied to an existing
//! directory lands inside it, to a missing path becomes it; `dir/.` copies
//! the contents; a file replaces a file; `-` is a tar archive on stdin or
//! stdout. Copied in, files belong to the container's user (`--archive`,
//! the default) or keep their owners; copied out, they belong to the
//! invoking user. Modes and mtimes are kept.

use crate::cli::{CpArgs, ExportArgs};
use crate::container::access::{self, Access, View};
use crate::container::record;
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::layer::tarstream::TarWriter;
use crate::image::layer::unpack::{put_tree, PutOptions};
use crate::sys::userns::IdRange;
use anyhow::Context;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// One side of `cp`: a container path or a local one.
#[derive(Debug, PartialEq, Eq)]
struct Location<'a> {
    container: Option<&'a str>,
    path: &'a str,
}

/// As Podman: a path starting with `.` or `/` is local; otherwise
/// `NAME:PATH` names a container.
fn parse_location(input: &str) -> Location<'_> {
    if !input.starts_with(['.', '/']) {
        if let Some((c, p)) = input.split_once(':') {
            return Location {
                container: Some(c),
                path: p,
            };
        }
    }
    Location {
        container: None,
        path: input,
    }
}

pub fn cp(ctx: &Ctx, args: &CpArgs) -> anyhow::Result<i32> {
    let src = parse_location(&args.source);
    let dst = parse_location(&args.destination);
    if src.path.is_empty() || dst.path.is_empty() {
        return Err(exit_error(
            125,
            "source and destination paths must not be empty",
        ));
    }
    match (src.container, dst.container) {
        (Some(c), None) => copy_out(ctx, c, src.path, dst.path, args.overwrite)?,
        (None, Some(c)) => copy_in(ctx, c, dst.path, src.path, args)?,
        (Some(_), Some(_)) => {
            return Err(exit_error(
                125,
                "copying between two containers is not supported: copy to a local directory first",
            ))
        }
        (None, None) => {
            return Err(exit_error(
                125,
                format!(
                    "invalid arguments {}, {}: one of them must be CONTAINER:PATH",
                    args.source, args.destination
                ),
            ))
        }
    }
    Ok(0)
}

/// The user's container path as an absolute path (relative paths are
/// relative to the container's `/`, as Podman documents).
fn in_container(path: &str) -> PathBuf {
    Path::new("/").join(path.trim_start_matches('/'))
}

fn not_found_in(path: &str, container: &str, err: &io::Error) -> anyhow::Error {
    exit_error(
        125,
        format!(
            "\"{path}\" could not be found on container {container}: {}",
            io_text(err)
        ),
    )
}

fn not_found_on_host(path: &str) -> anyhow::Error {
    exit_error(
        125,
        format!("\"{path}\" could not be found on the host: no such file or directory"),
    )
}

/// An io error the way Podman prints it: "no such file or directory".
fn io_text(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_lowercase(),
        None => err.to_string(),
    }
}

fn base_name(path: &Path) -> Vec<u8> {
    path.file_name()
        .map(|n| n.as_bytes().to_vec())
        .unwrap_or_default()
}

/// What the source sends ahead of its tar stream (container side).
#[derive(serde::Serialize, serde::Deserialize)]
struct SourceInfo {
    dir: bool,
    /// The top name in the archive; "." for a directory's contents.
    name: String,
}

/// Where a copy out of the container goes on the host.
struct HostDest {
    /// The existing destination directory, or the parent of the new or
    /// replaced entry.
    dir: PathBuf,
    /// Some(is_dir) when the destination exists.
    existing: Option<bool>,
    /// The name the copy takes when it does not go inside `dir` as is.
    base: Vec<u8>,
}

fn resolve_host_dest(host: &str) -> anyhow::Result<HostDest> {
    match fs::metadata(host) {
        Ok(meta) => {
            let real = fs::canonicalize(host).with_context(|| format!("resolving {host}"))?;
            if meta.is_dir() {
                return Ok(HostDest {
                    dir: real,
                    existing: Some(true),
                    base: Vec::new(),
                });
            }
            if !meta.is_file() {
                return Err(exit_error(
                    125,
                    format!(
                        "invalid destination: \"{}\" must be a directory or a regular file",
                        real.display()
                    ),
                ));
            }
            Ok(HostDest {
                dir: real.parent().unwrap_or(Path::new("/")).to_path_buf(),
                existing: Some(false),
                base: base_name(&real),
            })
        }
        Err(_) => {
            if host.ends_with('/') {
                return Err(not_found_on_host(host));
            }
            let path = Path::new(host);
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if !fs::metadata(parent).is_ok_and(|m| m.is_dir()) {
                return Err(not_found_on_host(host));
            }
            Ok(HostDest {
                dir: fs::canonicalize(parent)?,
                existing: None,
                base: base_name(path),
            })
        }
    }
}

fn copy_out(ctx: &Ctx, name: &str, cpath: &str, host: &str, overwrite: bool) -> anyhow::Result<()> {
    let container = record::lookup(&ctx.paths.root, name)?;
    let dest = if host == "-" {
        None
    } else {
        Some(resolve_host_dest(host)?)
    };
    let access = Access::open(container)?;
    let (reader, writer) = access::pipe()?;
    let (cpath_c, name_c) = (cpath.to_string(), name.to_string());
    let worker = access.spawn(View::Mounts, move || {
        send_from_container(&cpath_c, &name_c, writer)
    })?;
    let received = receive_on_host(reader, dest, overwrite);
    worker.wait_after(received)
}

/// In the container: announce the source, then stream it as a tar.
fn send_from_container(cpath: &str, container: &str, out: File) -> anyhow::Result<()> {
    let path = in_container(cpath);
    let contents = cpath == "." || cpath.ends_with("/.");
    let meta = fs::metadata(&path).map_err(|e| not_found_in(cpath, container, &e))?;
    let real = fs::canonicalize(&path).map_err(|e| not_found_in(cpath, container, &e))?;
    let name = if (contents && meta.is_dir()) || real == Path::new("/") {
        ".".to_string()
    } else {
        String::from_utf8_lossy(&base_name(&real)).to_string()
    };
    let mut out = BufWriter::new(out);
    let info = SourceInfo {
        dir: meta.is_dir(),
        name: name.clone(),
    };
    writeln!(out, "{}", serde_json::to_string(&info)?)?;
    let mut tar = TarWriter::new(out);
    tar.append_tree(&real, &name)?;
    tar.finish()?.flush()?;
    Ok(())
}

/// On the host: write the stream to stdout, or put it in place.
fn receive_on_host(reader: File, dest: Option<HostDest>, overwrite: bool) -> anyhow::Result<()> {
    let mut reader = BufReader::with_capacity(256 << 10, reader);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if line.is_empty() {
        anyhow::bail!("nothing came from the container");
    }
    let info: SourceInfo = serde_json::from_str(&line).context("reading from the container")?;
    let Some(dest) = dest else {
        let mut stdout = io::stdout().lock();
        io::copy(&mut reader, &mut stdout).context("writing to stdout")?;
        return stdout.flush().context("writing to stdout");
    };
    if info.dir && dest.existing == Some(false) {
        return Err(exit_error(
            125,
            "destination must be a directory when copying a directory",
        ));
    }
    let rename = match dest.existing {
        Some(true) => None,
        _ => Some((top_name(&info.name), dest.base.clone())),
    };
    let opts = PutOptions {
        rename,
        overwrite,
        ..Default::default()
    };
    put_tree(reader, &dest.dir, &opts)
        .map_err(|e| exit_error(125, format!("copying to the host: {e}")))?;
    Ok(())
}

/// The archive's top name as `PutOptions::rename` matches it ("." = "").
fn top_name(name: &str) -> Vec<u8> {
    if name == "." {
        Vec::new()
    } else {
        name.as_bytes().to_vec()
    }
}

/// What is copied into a container from the host.
enum HostSource {
    Stdin,
    Path {
        real: PathBuf,
        name: String,
        dir: bool,
    },
}

fn resolve_host_source(host: &str) -> anyhow::Result<HostSource> {
    if host == "-" {
        return Ok(HostSource::Stdin);
    }
    let meta = fs::metadata(host).map_err(|_| not_found_on_host(host))?;
    let real = fs::canonicalize(host).map_err(|_| not_found_on_host(host))?;
    let contents = host == "." || host.ends_with("/.");
    let name = if (contents && meta.is_dir()) || real == Path::new("/") {
        ".".to_string()
    } else {
        String::from_utf8_lossy(&base_name(&real)).to_string()
    };
    Ok(HostSource::Path {
        real,
        name,
        dir: meta.is_dir(),
    })
}

/// What the child in the container needs to put a stream in place.
struct PutPlan {
    cpath: String,
    container: String,
    stdin: bool,
    src_dir: bool,
    src_name: String,
    owner: Option<(u32, u32)>,
    overwrite: bool,
}

fn copy_in(ctx: &Ctx, name: &str, cpath: &str, host: &str, args: &CpArgs) -> anyhow::Result<()> {
    let container = record::lookup(&ctx.paths.root, name)?;
    let source = resolve_host_source(host)?;
    let owner = if args.archive {
        let spec = container.spec()?;
        let user = spec.process().as_ref().map(|p| p.user().clone());
        Some(user.map_or((0, 0), |u| (u.uid(), u.gid())))
    } else {
        None
    };
    let maps = container.config.id_maps.clone();
    let (src_dir, src_name) = match &source {
        HostSource::Stdin => (true, ".".to_string()),
        HostSource::Path { dir, name, .. } => (*dir, name.clone()),
    };
    let plan = PutPlan {
        cpath: cpath.to_string(),
        container: name.to_string(),
        stdin: matches!(source, HostSource::Stdin),
        src_dir,
        src_name,
        owner,
        overwrite: args.overwrite,
    };
    let access = Access::open(container)?;
    let (reader, writer) = access::pipe()?;
    let worker = access.spawn(View::Mounts, move || put_in_container(reader, &plan))?;
    // A child that fails stops reading: its error says why, not EPIPE.
    // SAFETY: SIG_IGN, then the handler that was there, are valid
    // dispositions; nothing else in this process changes SIGPIPE meanwhile.
    let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let sent = send_from_host(writer, &source, maps.as_ref());
    // SAFETY: restores the disposition read above.
    unsafe { libc::signal(libc::SIGPIPE, previous) };
    worker.wait_after(sent)
}

fn send_from_host(
    writer: File,
    source: &HostSource,
    maps: Option<&crate::sys::userns::IdMaps>,
) -> anyhow::Result<()> {
    let mut out = BufWriter::with_capacity(256 << 10, writer);
    match source {
        HostSource::Stdin => {
            let stdin = BufReader::with_capacity(256 << 10, io::stdin());
            let mut tar = crate::image::manifest::decompress(stdin).context("reading stdin")?;
            io::copy(&mut tar, &mut out).context("copying stdin to the container")?;
        }
        HostSource::Path { real, name, .. } => {
            let mut tar = TarWriter::new(out);
            if let Some(maps) = maps {
                // Host owners as the container sees them (--archive=false).
                let (uids, gids) = (maps.uids.clone(), maps.gids.clone());
                tar = tar.with_ids(Box::new(move |u, g| {
                    (to_container(&uids, u), to_container(&gids, g))
                }));
            }
            tar.append_tree(real, name)?;
            out = tar.finish()?;
        }
    }
    out.flush().context("copying to the container")
}

/// A host id as seen in a user namespace with `map`; unmapped ids show as
/// the overflow id, 65534, as the kernel shows them.
fn to_container(map: &[IdRange], host: u32) -> u32 {
    map.iter()
        .find(|r| host >= r.host_id && host - r.host_id < r.size)
        .map_or(65534, |r| r.container_id + (host - r.host_id))
}

/// In the container: resolve the destination, then extract the stream.
fn put_in_container(reader: File, plan: &PutPlan) -> anyhow::Result<()> {
    let dest = in_container(&plan.cpath);
    let missing = |e: &io::Error| not_found_in(&plan.cpath, &plan.container, e);
    let (dir, rename) = match fs::metadata(&dest) {
        Ok(meta) if meta.is_dir() => (fs::canonicalize(&dest).map_err(|e| missing(&e))?, None),
        Ok(_) => {
            if plan.stdin {
                return Err(exit_error(
                    125,
                    "destination must be a directory when copying from stdin",
                ));
            }
            if plan.src_dir {
                return Err(exit_error(
                    125,
                    "destination must be a directory when copying a directory",
                ));
            }
            let real = fs::canonicalize(&dest).map_err(|e| missing(&e))?;
            let parent = real.parent().unwrap_or(Path::new("/")).to_path_buf();
            (parent, Some((top_name(&plan.src_name), base_name(&real))))
        }
        Err(e) => {
            if plan.cpath.ends_with('/') {
                return Err(missing(&e));
            }
            if plan.stdin {
                return Err(exit_error(
                    125,
                    "destination must be a directory when copying from stdin",
                ));
            }
            let parent = dest.parent().unwrap_or(Path::new("/"));
            match fs::metadata(parent) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(missing(&io::Error::from_raw_os_error(libc::ENOTDIR))),
                Err(e) => return Err(missing(&e)),
            }
            let parent = fs::canonicalize(parent).map_err(|e| missing(&e))?;
            (parent, Some((top_name(&plan.src_name), base_name(&dest))))
        }
    };
    let opts = PutOptions {
        owner: plan.owner,
        keep_ids: plan.owner.is_none(),
        rename,
        prefix: dir
            .strip_prefix("/")
            .unwrap_or(&dir)
            .as_os_str()
            .as_bytes()
            .to_vec(),
        overwrite: plan.overwrite,
        follow_in_root: true,
    };
    put_tree(reader, Path::new("/"), &opts)
        .map_err(|e| exit_error(125, format!("copying to the container: {e}")))?;
    Ok(())
}

pub fn export(ctx: &Ctx, args: &ExportArgs) -> anyhow::Result<i32> {
    let container = record::lookup(&ctx.paths.root, &args.container)?;
    let (out, tmp) = match &args.output {
        Some(path) => {
            let tmp = path.with_file_name(format!(
                ".{}.{}",
                base_name_lossy(path),
                crate::sys::fsutil::unique_name("tmp")
            ));
            let file =
                File::create(&tmp).with_context(|| format!("creating {}", path.display()))?;
            (file, Some(tmp))
        }
        None => {
            if io::stdout().is_terminal() {
                return Err(exit_error(
                    125,
                    "refusing to export to terminal. Use -o flag or redirect",
                ));
            }
            let fd = io::stdout().as_fd().try_clone_to_owned()?;
            (File::from(fd), None)
        }
    };
    let result = (|| {
        let access = Access::open(container)?;
        let worker = access.spawn(View::RootOnly, move || {
            let mut tar = TarWriter::new(BufWriter::with_capacity(256 << 10, out));
            tar.append_children(Path::new("/"), "")?;
            tar.finish()?.flush().context("writing the archive")?;
            Ok(())
        })?;
        worker.wait()
    })();
    match (result, &args.output, tmp) {
        (Ok(()), Some(path), Some(tmp)) => {
            fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        }
        (Err(e), _, tmp) => {
            if let Some(tmp) = tmp {
                let _ = fs::remove_file(tmp);
            }
            return Err(e);
        }
        _ => {}
    }
    Ok(0)
}

fn base_name_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&base_name(path)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_like_podman() {
        assert_eq!(
            parse_location("ctr:/etc/hosts"),
            Location {
                container: Some("ctr"),
                path: "/etc/hosts"
            }
        );
        assert_eq!(parse_location("./a:b").container, None);
        assert_eq!(parse_location("/tmp/a:b").container, None);
        assert_eq!(parse_location("file").container, None);
        assert_eq!(parse_location("-").container, None);
        assert_eq!(parse_location("c:").path, "");
    }

    #[test]
    fn container_paths_are_absolute() {
        assert_eq!(in_container("etc"), Path::new("/etc"));
        assert_eq!(in_container("/etc/"), Path::new("/etc/"));
    }

    #[test]
    fn unmapped_host_ids_show_as_overflow() {
        let map = [
            IdRange {
                container_id: 0,
                host_id: 1000,
                size: 1,
            },
            IdRange {
                container_id: 1,
                host_id: 100000,
                size: 65536,
            },
        ];
        assert_eq!(to_container(&map, 1000), 0);
        assert_eq!(to_container(&map, 100001), 2);
        assert_eq!(to_container(&map, 0), 65534);
    }
}
