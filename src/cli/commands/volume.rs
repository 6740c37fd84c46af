//! `volume create|ls|inspect|rm|prune|exists`, with Podman's output and
//! exit codes. The store logic is in `crate::storage::volume`.

use crate::cli::output;
use crate::cli::{
    VolumeCommand, VolumeCreateArgs, VolumeExistsArgs, VolumeInspectArgs, VolumeLsArgs,
    VolumePruneArgs, VolumeRmArgs,
};
use crate::context::Ctx;
use crate::error::{exit_error, EXIT_COVE};
use crate::storage::volume::{self, Filters, Volume, VolumeError};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

const LS_TABLE: &str = "{{.Driver}}\t{{.Name}}";
const LS_HEADERS: &[(&str, &str)] = &[("Name", "VOLUME NAME")];

pub fn dispatch(ctx: &Ctx, cmd: VolumeCommand) -> anyhow::Result<i32> {
    match cmd {
        VolumeCommand::Create(a) => create(ctx, &a),
        VolumeCommand::Ls(a) => list(ctx, &a),
        VolumeCommand::Inspect(a) => inspect(ctx, &a),
        VolumeCommand::Rm(a) => remove(ctx, &a),
        VolumeCommand::Prune(a) => prune(ctx, &a),
        VolumeCommand::Exists(a) => exists(ctx, &a),
    }
}

/// `KEY=VALUE` (or a bare `KEY`, value empty) flags into a map.
fn parse_pairs(raw: &[String], what: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in raw {
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        if k.trim().is_empty() {
            anyhow::bail!(
                "unable to process {what}: invalid {what} format {item:?}: a key is required"
            );
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

pub fn create(ctx: &Ctx, args: &VolumeCreateArgs) -> anyhow::Result<i32> {
    if args.driver != volume::DRIVER_LOCAL {
        anyhow::bail!(
            "volume driver {:?} is not supported: cove has only the local driver",
            args.driver
        );
    }
    let labels = parse_pairs(&args.label, "labels")?;
    let options = parse_pairs(&args.opt, "options")?;
    let root = &ctx.paths.root;
    crate::sys::fsutil::create_dir_all_mode(root, 0o700)?;
    match volume::create(root, args.name.as_deref(), labels, options, false) {
        Ok(v) => println!("{}", v.name),
        Err(e)
            if args.ignore && matches!(volume::volume_error(&e), Some(VolumeError::Exists(_))) =>
        {
            println!("{}", args.name.as_deref().unwrap_or_default());
        }
        Err(e) => return Err(e),
    }
    Ok(0)
}

/// Podman's `InspectVolumeData` as JSON: its field order, and the
/// `omitempty` fields left out when empty.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct VolumeJson<'a> {
    name: &'a str,
    driver: &'a str,
    mountpoint: String,
    created_at: &'a str,
    labels: &'a BTreeMap<String, String>,
    scope: &'static str,
    options: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    anonymous: bool,
    mount_count: u32,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    needs_copy_up: bool,
}

pub(super) fn volume_json(v: &Volume) -> VolumeJson<'_> {
    VolumeJson {
        name: &v.name,
        driver: &v.driver,
        mountpoint: v.mountpoint.display().to_string(),
        created_at: &v.created_at,
        labels: &v.labels,
        scope: "local",
        options: &v.options,
        anonymous: v.anonymous,
        mount_count: 0,
        needs_copy_up: v.needs_copy_up,
    }
}

/// The template value of an empty volume: completion offers its fields.
pub(super) fn format_sample() -> Value {
    template_value(&Volume {
        name: String::new(),
        driver: String::new(),
        mountpoint: Default::default(),
        created_at: String::new(),
        labels: BTreeMap::new(),
        options: BTreeMap::new(),
        anonymous: false,
        needs_copy_up: false,
    })
}

/// What a Go template sees: every field of Podman's struct, times as Go
/// prints a `time.Time`.
pub(super) fn template_value(v: &Volume) -> Value {
    json!({
        "Name": v.name,
        "Driver": v.driver,
        "Mountpoint": v.mountpoint.display().to_string(),
        "CreatedAt": volume::go_time_string(&v.created_at),
        "Status": {},
        "Labels": v.labels,
        "Scope": "local",
        "Options": v.options,
        "UID": 0,
        "GID": 0,
        "Anonymous": v.anonymous,
        "MountCount": 0,
        "NeedsCopyUp": v.needs_copy_up,
        "NeedsChown": false,
        "Timeout": 0,
    })
}

/// JSON with Go's `MarshalIndent`/`SetIndent` layout and `indent`.
fn to_json<T: Serialize>(value: &T, indent: &[u8]) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value.serialize(&mut ser)?;
    Ok(String::from_utf8(buf)?)
}

fn is_json(format: Option<&str>) -> bool {
    format.is_some_and(|f| f.trim() == "json")
}

pub fn list(ctx: &Ctx, args: &VolumeLsArgs) -> anyhow::Result<i32> {
    if args.quiet && args.format.is_some() {
        anyhow::bail!("quiet and format flags cannot be used together");
    }
    let root = &ctx.paths.root;
    let filters = Filters::parse(root, &args.filter, false)?;
    let volumes: Vec<Volume> = volume::list(root)?
        .into_iter()
        .filter(|v| filters.matches(root, v))
        .collect();
    if is_json(args.format.as_deref()) {
        // `volume ls` marshals with two spaces, unlike inspect.
        let docs: Vec<VolumeJson> = volumes.iter().map(volume_json).collect();
        println!("{}", to_json(&docs, b"  ")?);
        return Ok(0);
    }
    if volumes.is_empty() {
        return Ok(0);
    }
    if args.quiet {
        for v in &volumes {
            println!("{}", v.name);
        }
        return Ok(0);
    }
    let rows: Vec<Value> = volumes.iter().map(template_value).collect();
    output::print_rows(
        &rows,
        args.format.as_deref(),
        LS_TABLE,
        LS_HEADERS,
        args.noheading,
    )?;
    Ok(0)
}

pub fn inspect(ctx: &Ctx, args: &VolumeInspectArgs) -> anyhow::Result<i32> {
    if args.all != args.names.is_empty() {
        anyhow::bail!("provide one or more volume names or use --all");
    }
    let root = &ctx.paths.root;
    let mut volumes = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    if args.all {
        volumes = volume::list(root)?;
    } else {
        for input in &args.names {
            let name = match volume::resolve_name(root, input) {
                Ok(n) => n,
                Err(e) if matches!(volume::volume_error(&e), Some(VolumeError::NotFound(_))) => {
                    errors.push(format!("no such volume {input}"));
                    continue;
                }
                Err(e) => return Err(e.context(format!("inspecting volume {input}"))),
            };
            match volume::load(root, &name)? {
                Some(v) => volumes.push(v),
                None => errors.push(format!("no such volume {input}")),
            }
        }
    }
    match args.format.as_deref() {
        None | Some("json") => {
            // Podman's inspect encoder: five-space indent.
            let docs: Vec<VolumeJson> = volumes.iter().map(volume_json).collect();
            println!("{}", to_json(&docs, b"     ")?);
        }
        Some(f) => {
            let values: Vec<Value> = volumes.iter().map(template_value).collect();
            output::print_objects(&values, Some(f))?;
        }
    }
    if let Some((first, rest)) = errors.split_first() {
        for e in rest {
            eprintln!("error inspecting object: {e}");
        }
        return Err(exit_error(EXIT_COVE, first.clone()));
    }
    Ok(0)
}

/// Podman's exit code for a failed volume removal: 1 no such volume,
/// 2 in use, else 125.
fn rm_code(err: &anyhow::Error) -> Option<i32> {
    match volume::volume_error(err) {
        Some(VolumeError::NotFound(_)) => Some(1),
        Some(VolumeError::InUse { .. }) => Some(2),
        _ => None,
    }
}

/// Deleting files that containers created (owned by subordinate ids)
/// needs cove's user namespace when unprivileged.
fn enter_for_deletion(ctx: &Ctx) -> anyhow::Result<()> {
    if volume::volumes_dir(&ctx.paths.root).is_dir() {
        crate::sys::userns::enter_for_storage(&ctx.paths.root)?;
    }
    Ok(())
}

pub fn remove(ctx: &Ctx, args: &VolumeRmArgs) -> anyhow::Result<i32> {
    if args.all != args.names.is_empty() {
        anyhow::bail!("choose either one or more volumes or all");
    }
    let root = &ctx.paths.root;
    enter_for_deletion(ctx)?;
    let mut errors: Vec<anyhow::Error> = Vec::new();
    let mut targets = Vec::new();
    if args.all {
        targets = volume::names(root)?;
    } else {
        for input in &args.names {
            match volume::resolve_name(root, input) {
                Ok(n) => targets.push(n),
                Err(e) => errors.push(e),
            }
        }
    }
    for name in targets {
        match volume::remove(root, &name, args.force) {
            Ok(()) => println!("{name}"),
            Err(e) => errors.push(e),
        }
    }
    if args.force {
        // As Podman: --force does not complain about missing volumes.
        errors.retain(|e| !matches!(volume::volume_error(e), Some(VolumeError::NotFound(_))));
    }
    let Some(last) = errors.pop() else {
        return Ok(0);
    };
    // Podman sets the exit code from each classified error in turn.
    let code = errors
        .iter()
        .chain(std::iter::once(&last))
        .filter_map(rm_code)
        .next_back()
        .unwrap_or(EXIT_COVE);
    for e in &errors {
        eprintln!("Error: {}", crate::error::describe(e));
    }
    Err(exit_error(code, crate::error::describe(&last)))
}

pub fn prune(ctx: &Ctx, args: &VolumePruneArgs) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let filters = Filters::parse(root, &args.filter, true)?;
    if !args.force {
        let mut out = std::io::stdout().lock();
        writeln!(out, "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:")?;
        let candidates: Vec<Volume> = volume::list(root)?
            .into_iter()
            .filter(|v| filters.matches(root, v) && volume::users(root, &v.name).is_empty())
            .collect();
        if candidates.is_empty() {
            writeln!(out, "No dangling volumes found")?;
            return Ok(0);
        }
        for v in &candidates {
            writeln!(out, "{}", v.name)?;
        }
        write!(out, "Are you sure you want to continue? [y/N] ")?;
        out.flush()?;
        drop(out);
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        // No complete answer (end of input) is a no.
        if !answer.ends_with('\n') || !answer.to_lowercase().starts_with('y') {
            return Ok(0);
        }
    }
    enter_for_deletion(ctx)?;
    for name in volume::prune(root, &filters)? {
        println!("{name}");
    }
    Ok(0)
}

pub fn exists(ctx: &Ctx, args: &VolumeExistsArgs) -> anyhow::Result<i32> {
    let found =
        volume::valid_name(&args.name) && volume::volume_dir(&ctx.paths.root, &args.name).is_dir();
    Ok(if found { 0 } else { 1 })
}
