//! `inspect` (containers, images and volumes) and `container inspect`.
//!
//! As Podman: a name is looked up as a container first, then an image,
//! then a volume; everything found is printed (a JSON array with Podman's
//! five-space indent, or the template once per object), then the errors:
//! all but the first as "error inspecting object: …", the first as the
//! command's error ("inspecting object: …", exit 125). `image inspect` is
//! the same with the type fixed, as in Podman.

use crate::cli::{ContainerInspectArgs, ImageInspectArgs, InspectArgs, InspectKind};
use crate::container::inspect::{self as cinspect, Doc};
use crate::container::record::{self, ContainerDir};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::store::{Catalog, Store};
use crate::storage::volume::{self, Volume};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// One object found.
enum Found {
    Container(Doc),
    Image(Value),
    Volume(Box<Volume>),
}

impl Serialize for Found {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Found::Container(d) => d.serialize(s),
            Found::Image(v) => v.serialize(s),
            Found::Volume(v) => super::volume::volume_json(v).serialize(s),
        }
    }
}

impl Found {
    /// What a template sees (Podman's struct field names: `.ID` too).
    fn template_value(&self) -> Value {
        match self {
            Found::Container(d) => cinspect::template_value(d),
            Found::Image(v) => {
                let mut v = v.clone();
                if let Some(id) = v.get("Id").cloned() {
                    v["ID"] = id;
                }
                v
            }
            Found::Volume(v) => super::volume::template_value(v),
        }
    }
}

pub fn inspect_any(ctx: &Ctx, args: &InspectArgs) -> anyhow::Result<i32> {
    if args.kind == InspectKind::Image {
        if args.latest {
            return Err(exit_error(
                125,
                "latest is not supported for type \"image\"",
            ));
        }
        if args.size {
            return Err(exit_error(125, "size is not supported for type \"image\""));
        }
    }
    // -l means the latest container, also with --type all.
    let kind = if args.latest && args.kind == InspectKind::All {
        InspectKind::Container
    } else {
        args.kind
    };
    let names = targets(ctx, &args.names, args.latest)?;
    inspect(ctx, &names, kind, args.format.as_deref(), args.size)
}

pub fn container_inspect(ctx: &Ctx, args: &ContainerInspectArgs) -> anyhow::Result<i32> {
    let names = targets(ctx, &args.containers, args.latest)?;
    inspect(
        ctx,
        &names,
        InspectKind::Container,
        args.format.as_deref(),
        args.size,
    )
}

pub fn image_inspect(ctx: &Ctx, args: &ImageInspectArgs) -> anyhow::Result<i32> {
    inspect(
        ctx,
        &args.images,
        InspectKind::Image,
        args.format.as_deref(),
        false,
    )
}

/// The names given, or with --latest the newest container's id.
fn targets(ctx: &Ctx, names: &[String], latest: bool) -> anyhow::Result<Vec<String>> {
    match (latest, names.is_empty()) {
        (true, false) => Err(exit_error(
            125,
            "--latest and arguments cannot be used together",
        )),
        (true, true) => Ok(vec![latest_container(ctx)?]),
        (false, true) => Err(exit_error(125, "no names or ids specified")),
        (false, false) => Ok(names.to_vec()),
    }
}

/// The id of the most recently created container (`--latest`).
fn latest_container(ctx: &Ctx) -> anyhow::Result<String> {
    record::list(&ctx.paths.root)
        .into_iter()
        .max_by_key(|c| {
            chrono::DateTime::parse_from_rfc3339(&c.config.created)
                .ok()
                .and_then(|t| t.timestamp_nanos_opt())
        })
        .map(|c| c.config.id)
        .ok_or_else(|| exit_error(125, "no containers to inspect: no such container"))
}

fn inspect(
    ctx: &Ctx,
    names: &[String],
    kind: InspectKind,
    format: Option<&str>,
    size: bool,
) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let wants = |k: InspectKind| kind == InspectKind::All || kind == k;
    // The image catalog, read once if an image may be wanted.
    let mut images: Option<(Option<Store>, Catalog)> = None;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        if wants(InspectKind::Container) {
            if let Ok(c) = record::lookup(root, name) {
                let (_, catalog) = images_of(ctx, &mut images)?;
                found.push(Found::Container(container_doc(&c, catalog, size)?));
                continue;
            }
        }
        if wants(InspectKind::Image) {
            let (store, catalog) = images_of(ctx, &mut images)?;
            if let (Some(store), Some(img)) = (store, catalog.resolve(name).ok().flatten()) {
                found.push(Found::Image(super::images::inspect_json(store, img)?));
                continue;
            }
        }
        if wants(InspectKind::Volume) {
            if let Ok(Some(v)) =
                volume::resolve_name(root, name).and_then(|n| volume::load(root, &n))
            {
                found.push(Found::Volume(Box::new(v)));
                continue;
            }
        }
        errors.push(match kind {
            InspectKind::All => format!("no such object: {name:?}"),
            InspectKind::Container => format!("no such container {name}"),
            InspectKind::Image => format!("{name}: image not known"),
            InspectKind::Volume => format!("no such volume {name}"),
        });
    }
    match format {
        None => println!("{}", cinspect::to_json(&found, b"     ")?),
        Some(f) if is_json(f) => println!("{}", cinspect::to_json(&found, b"     ")?),
        Some(f) => {
            let values: Vec<Value> = found.iter().map(Found::template_value).collect();
            crate::cli::output::print_objects(&values, Some(&normalize_template(f)))?;
        }
    }
    if let Some((first, rest)) = errors.split_first() {
        for e in rest {
            eprintln!("error inspecting object: {e}");
        }
        return Err(exit_error(125, format!("inspecting object: {first}")));
    }
    Ok(0)
}

fn images_of<'a>(
    ctx: &Ctx,
    cache: &'a mut Option<(Option<Store>, Catalog)>,
) -> anyhow::Result<(Option<&'a Store>, &'a Catalog)> {
    if cache.is_none() {
        *cache = Some(super::images::catalog(ctx)?);
    }
    let (store, catalog) = cache.as_ref().expect("filled above");
    Ok((store.as_ref(), catalog))
}

fn container_doc(c: &ContainerDir, catalog: &Catalog, size: bool) -> anyhow::Result<Doc> {
    let live = cinspect::live(c);
    cinspect::inspect_doc(c, &live, catalog.by_id(&c.config.image_id), size)
}

/// `container inspect --format` fields: the template value of a created
/// container with an empty spec.
pub(super) fn container_format_sample() -> Option<Value> {
    let container = super::ps::sample_container()?;
    let live = cinspect::Live::from_state(&record::State::created());
    let doc = cinspect::doc_from_spec(&container, &Value::Null, &live, None, false).ok()?;
    Some(cinspect::template_value(&doc))
}

/// Podman's `report.IsJSON`: `json` or `{{json .}}`.
pub(super) fn is_json(format: &str) -> bool {
    let f: String = format.chars().filter(|c| !c.is_whitespace()).collect();
    f.is_empty() || f == "json" || f == "{{json.}}"
}

/// Podman's `inspectNormalize`: `{{.Id}}` means `.ID`, and the Docker
/// names `.Src`, `.Dst` and `.ImageID` mean `.Source`, `.Destination` and
/// `.Image`.
fn normalize_template(format: &str) -> String {
    let re = regex::Regex::new(r"\{\{\s*\.Id\s*\}\}").expect("valid regex");
    re.replace_all(format, "{{.ID}}")
        .replace(".Src", ".Source")
        .replace(".Dst", ".Destination")
        .replace(".ImageID", ".Image")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_normalized_as_podman_does() {
        assert_eq!(normalize_template("{{ .Id }}"), "{{.ID}}");
        assert_eq!(
            normalize_template("{{range .Mounts}}{{.Src}}:{{.Dst}}{{end}} {{.ImageID}}"),
            "{{range .Mounts}}{{.Source}}:{{.Destination}}{{end}} {{.Image}}"
        );
    }
}
