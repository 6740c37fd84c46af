//! `version`, `info`, `completion` and `unshare`.

use crate::cli::output;
use crate::cli::{CompletionArgs, InfoArgs, UnshareArgs, VersionArgs};
use crate::context::Ctx;
use crate::image::store::Store;
use crate::sys::userns;
use anyhow::Context;
use serde_json::json;
use std::os::unix::process::CommandExt;

pub fn version(args: &VersionArgs) -> anyhow::Result<i32> {
    let host = crate::image::manifest::Platform::host();
    let doc = json!({
        "Client": {
            "APIVersion": env!("CARGO_PKG_VERSION"),
            "Version": env!("CARGO_PKG_VERSION"),
            "GoVersion": "",
            "OsArch": format!("{}/{}", host.os, host.architecture),
            "Os": host.os,
        }
    });
    match args.format.as_deref() {
        None => {
            println!("Version:      {}", env!("CARGO_PKG_VERSION"));
            println!("OS/Arch:      {}/{}", host.os, host.architecture);
        }
        Some(f) => output::print_object(&doc, Some(f))?,
    }
    Ok(0)
}

pub fn info(ctx: &Ctx, args: &InfoArgs) -> anyhow::Result<i32> {
    let (maps, single_reason) = if userns::is_root() {
        (userns::current_maps(), None)
    } else {
        userns::user_maps()
    };
    let store = crate::image::store::Store::open_existing(&ctx.paths.root);
    let catalog = store
        .as_ref()
        .map(Store::catalog)
        .transpose()?
        .unwrap_or_default();
    let uname = nix::sys::utsname::uname().context("uname")?;
    let choice = crate::storage::choose(&ctx.paths.root, &ctx.paths.config, ctx.storage_driver)?;
    let containers = crate::container::record::list(&ctx.paths.root);
    let map_json = |r: &[userns::IdRange]| -> Vec<serde_json::Value> {
        r.iter()
            .map(|m| json!({"ContainerID": m.container_id, "HostID": m.host_id, "Size": m.size}))
            .collect()
    };
    // Podman's Go field names, so `--format '{{.Store.GraphRoot}}'` works.
    let doc = json!({
        "Host": {
            "Arch": crate::image::manifest::Platform::host().architecture,
            "OS": "linux",
            "Kernel": uname.release().to_string_lossy(),
            "Hostname": uname.nodename().to_string_lossy(),
            "CPUs": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "Security": {"Rootless": !userns::is_root()},
            "IDMappings": {"UIDMap": map_json(&maps.uids), "GIDMap": map_json(&maps.gids)},
            "IDMappingNote": single_reason.map(|r| r.to_string()),
        },
        "Store": {
            "GraphRoot": ctx.paths.root,
            "RunRoot": ctx.paths.runroot,
            "ConfigRoot": ctx.paths.config,
            "GraphDriverName": choice.driver.name(),
            "GraphDriverReason": choice.reason,
            "ContainerStore": {"Number": containers.len()},
            "ImageStore": {"Number": catalog.images.len()},
        },
        "Version": {"Version": env!("CARGO_PKG_VERSION")},
    });
    output::print_object(&doc, args.format.as_deref())?;
    Ok(0)
}

pub fn completion(args: &CompletionArgs) -> anyhow::Result<i32> {
    // Every shell's script calls `cove __complete` (`cli::complete`).
    let text = crate::cli::complete::script(args.shell.name()).unwrap_or_default();
    match &args.file {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())?,
    }
    Ok(0)
}

/// Run a command inside cove's user namespace, as `podman unshare`: image
/// layers and volumes owned by subordinate ids can be read and removed.
pub fn unshare(ctx: &Ctx, args: &UnshareArgs) -> anyhow::Result<i32> {
    let _ = crate::image::store::open_for_writing(&ctx.paths.root)?;
    let (program, rest) = match args.command.split_first() {
        Some((p, r)) => (p.clone(), r.to_vec()),
        None => (
            std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into()),
            Vec::new(),
        ),
    };
    let err = std::process::Command::new(&program)
        .args(&rest)
        .env("COVE_UNSHARE", "1")
        .exec();
    let code = if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    };
    Err(crate::error::exit_error(code, format!("{program}: {err}")))
}
