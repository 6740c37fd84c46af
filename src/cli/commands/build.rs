//! `cove build`: flags into `build::BuildOptions`, then the build; the
//! image id on stdout.

use crate::build::{self, BuildOptions, ContextSource, FileSource};
use crate::cli::BuildArgs;
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::commit::Format;
use crate::image::reference::local_name;
use std::collections::BTreeMap;

pub fn build(ctx: &Ctx, args: &BuildArgs) -> anyhow::Result<i32> {
    let opts = options(args)?;
    let id = build::exec::build(ctx, &opts)?;
    println!("{}", id.strip_prefix("sha256:").unwrap_or(&id));
    Ok(0)
}

fn options(args: &BuildArgs) -> anyhow::Result<BuildOptions> {
    let format = match args.format.as_str() {
        "oci" => Format::Oci,
        "docker" => Format::Docker,
        other => {
            return Err(exit_error(
                125,
                format!("unrecognized image type {other:?}: use oci or docker"),
            ))
        }
    };
    let tags = args
        .tag
        .iter()
        .map(|t| local_name(t))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut build_args = BTreeMap::new();
    for file in &args.build_arg_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| exit_error(125, format!("reading {}: {e}", file.display())))?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            add_arg(&mut build_args, line)?;
        }
    }
    for a in &args.build_arg {
        add_arg(&mut build_args, a)?;
    }
    let file = match args.file.as_deref() {
        None => FileSource::Lookup,
        Some(p) if p.as_os_str() == "-" => FileSource::Stdin,
        Some(p) => FileSource::Path(p.to_path_buf()),
    };
    let context = match args.context.clone() {
        Some(p) if p.as_os_str() == "-" => ContextSource::Stdin,
        Some(p) => {
            let meta = std::fs::metadata(&p)
                .map_err(|e| exit_error(125, format!("the build context {}: {e}", p.display())))?;
            match meta.is_dir() {
                true => ContextSource::Dir(p),
                false => ContextSource::Archive(p),
            }
        }
        None => ContextSource::Dir(".".into()),
    };
    if context == ContextSource::Stdin && file == FileSource::Stdin {
        return Err(exit_error(
            125,
            "stdin cannot hold both the context and the Containerfile",
        ));
    }
    for l in &args.label {
        if l.is_empty() || l.starts_with('=') {
            return Err(exit_error(
                125,
                format!("--label {l:?}: expected KEY=VALUE"),
            ));
        }
    }
    if let Some(p) = &args.platform {
        let host = crate::image::manifest::Platform::host();
        let asked = crate::image::manifest::Platform::from_flags(Some(p), None, None, None)?;
        if asked.os != host.os || asked.architecture != host.architecture {
            return Err(exit_error(
                125,
                format!(
                    "--platform {p}: only the host's platform ({}/{}) can be built; cove does not emulate others",
                    host.os, host.architecture
                ),
            ));
        }
    }
    for e in &args.env {
        if e.is_empty() || e.starts_with('=') {
            return Err(exit_error(125, format!("--env {e:?}: expected KEY=VALUE")));
        }
    }
    let mut secrets = BTreeMap::new();
    for spec in &args.secret {
        let (id, source) = build::mounts::parse_secret(spec).map_err(|e| exit_error(125, e))?;
        if let build::mounts::SecretSource::File(p) = &source {
            if !p.is_file() {
                return Err(exit_error(
                    125,
                    format!("--secret {spec}: {} is not a file", p.display()),
                ));
            }
        }
        secrets.insert(id, source);
    }
    Ok(BuildOptions {
        context,
        file,
        tags,
        build_args,
        target: args.target.clone(),
        no_cache: args.no_cache,
        layers: args.layers,
        pull: args.pull,
        iidfile: args.iidfile.clone(),
        quiet: args.quiet,
        labels: args.label.clone(),
        env: args.env.clone(),
        unsetenv: args.unsetenv.clone(),
        omit_history: args.omit_history,
        format,
        network: args.network.clone(),
        volumes: args.volume.clone(),
        registry: args.registry.options(),
        ignorefile: args.ignorefile.clone(),
        secrets,
    })
}

/// `KEY=VALUE`, or `KEY` for the host's value (left out when unset).
fn add_arg(map: &mut BTreeMap<String, String>, arg: &str) -> anyhow::Result<()> {
    match arg.split_once('=') {
        Some(("", _)) => Err(exit_error(125, format!("--build-arg {arg:?}: empty name"))),
        Some((k, v)) => {
            map.insert(k.to_string(), v.to_string());
            Ok(())
        }
        None => {
            if let Ok(v) = std::env::var(arg) {
                map.insert(arg.to_string(), v);
            }
            Ok(())
        }
    }
}
