//! `images`, `image inspect|exists|history|untag|prune`, `tag`, `rmi`,
//! and the image documents `inspect` prints.

use crate::cli::output::{self, podman_time, time_ago, unix_seconds};
use crate::cli::{
    HistoryArgs, ImageExistsArgs, ImageInspectArgs, ImagesArgs, PruneArgs, RmiArgs, TagArgs,
    UntagArgs,
};
use crate::context::Ctx;
use crate::error::{exit_error, silent_exit};
use crate::image::manifest::StoredImage;
use crate::image::reference::local_name;
use crate::image::store::{Catalog, ImageEntry, Store};
use crate::sys::fsutil::human_size;
use crate::util::digest::short_id;
use crate::util::glob::{glob_match, Slash};
use serde_json::{json, Value};

const IMAGES_TABLE: &str = "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";
const IMAGES_TABLE_DIGESTS: &str =
    "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";
const IMAGE_HEADERS: &[(&str, &str)] = &[
    ("Repository", "REPOSITORY"),
    ("Tag", "TAG"),
    ("ID", "IMAGE ID"),
    ("Id", "IMAGE ID"),
    ("Created", "CREATED"),
    ("CreatedSince", "CREATED"),
    ("CreatedAt", "CREATED AT"),
    ("Size", "SIZE"),
    ("Digest", "DIGEST"),
    ("Names", "NAMES"),
    ("Dangling", "DANGLING"),
    ("Containers", "CONTAINERS"),
];

fn not_known(input: &str) -> anyhow::Error {
    exit_error(125, format!("{input}: image not known"))
}

pub(super) fn catalog(ctx: &Ctx) -> anyhow::Result<(Option<Store>, Catalog)> {
    match crate::image::store::Store::open_existing(&ctx.paths.root) {
        Some(store) => {
            let c = store.catalog()?;
            Ok((Some(store), c))
        }
        None => Ok((None, Catalog::default())),
    }
}

/// Split a stored name into repository and tag columns.
fn repo_and_tag(name: &str) -> (String, String) {
    if let Some((repo, _digest)) = name.split_once('@') {
        return (repo.to_string(), "<none>".into());
    }
    match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => (name[..i].to_string(), name[i + 1..].to_string()),
        _ => (name.to_string(), "<none>".into()),
    }
}

pub fn list(ctx: &Ctx, args: &ImagesArgs) -> anyhow::Result<i32> {
    let (_, catalog) = catalog(ctx)?;
    let mut images: Vec<&ImageEntry> = catalog.images.iter().collect();
    // Newest first, as Podman lists them.
    images.sort_by_key(|i| std::cmp::Reverse(unix_seconds(i.created.as_deref())));
    let filters = parse_filters(&args.filter, &catalog)?;
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    for img in images {
        if !filters.iter().all(|f| f.matches(img)) {
            continue;
        }
        // Reference patterns select names, so only matching rows show.
        let mut patterns: Vec<&str> = filters.iter().filter_map(Filter::reference).collect();
        if let Some(r) = &args.reference {
            patterns.push(r);
        }
        let shown: Vec<Option<&String>> = if img.names.is_empty() {
            if patterns.is_empty() {
                vec![None]
            } else {
                vec![]
            }
        } else {
            img.names
                .iter()
                .filter(|n| patterns.iter().all(|p| name_matches_pattern(n, p)))
                .map(Some)
                .collect()
        };
        if shown.is_empty() {
            continue;
        }
        let id = if args.no_trunc {
            img.id.clone()
        } else {
            short_id(&img.id).to_string()
        };
        json_rows.push(image_summary_json(img));
        for name in shown {
            let (repository, tag) = name
                .map(|n| repo_and_tag(n))
                .unwrap_or(("<none>".into(), "<none>".into()));
            rows.push(row(img, &id, repository, tag));
        }
    }
    if args.quiet {
        let mut seen = std::collections::HashSet::new();
        for row in &rows {
            let id = row["ID"].as_str().unwrap_or_default();
            if seen.insert(id.to_string()) {
                println!("{id}");
            }
        }
        return Ok(0);
    }
    if args.format.as_deref() == Some("json") {
        output::print_objects(&json_rows, Some("json"))?;
        return Ok(0);
    }
    let table = if args.digests {
        IMAGES_TABLE_DIGESTS
    } else {
        IMAGES_TABLE
    };
    output::print_rows(
        &rows,
        args.format.as_deref(),
        table,
        IMAGE_HEADERS,
        args.noheading,
    )?;
    Ok(0)
}

/// What a `--format` template sees for one name of an image.
fn row(img: &ImageEntry, id: &str, repository: String, tag: String) -> Value {
    json!({
        "ID": id,
        "Id": img.id,
        "Repository": repository,
        "Tag": tag,
        "Digest": img.manifest_digest,
        "Created": time_ago(img.created.as_deref()),
        "CreatedSince": time_ago(img.created.as_deref()),
        "CreatedAt": podman_time(img.created.as_deref()),
        "Size": human_size(img.size),
        "VirtualSize": human_size(img.size),
        "Names": img.names,
        "Dangling": img.names.is_empty(),
        "ReadOnly": false,
        "Containers": 0,
    })
}

/// The template value of an empty image: completion offers its fields.
pub(super) fn format_sample() -> Value {
    row(&empty_entry(), "", String::new(), String::new())
}

/// Podman's `images --format json` entry.
fn image_summary_json(img: &ImageEntry) -> Value {
    let tags: Vec<&String> = img.names.iter().filter(|n| !n.contains('@')).collect();
    let repo_digests = repo_digests(img);
    json!({
        "Id": img.id.strip_prefix("sha256:").unwrap_or(&img.id),
        "ParentId": "",
        "RepoTags": tags,
        "RepoDigests": repo_digests,
        "Size": img.size,
        "SharedSize": 0,
        "VirtualSize": img.size,
        "Labels": {},
        "Containers": 0,
        "Names": img.names,
        "Digest": img.manifest_digest,
        "Created": unix_seconds(img.created.as_deref()),
        "CreatedAt": img.created,
        "Dangling": img.names.is_empty(),
    })
}

/// `repository@manifest-digest` for each repository the image is named in.
fn repo_digests(img: &ImageEntry) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in &img.names {
        let d = format!("{}@{}", repo_and_tag(n).0, img.manifest_digest);
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// `cove images busybox` / `cove images 'docker.io/library/*'`: does one
/// stored name match the pattern (repository glob, optional tag glob)?
fn name_matches_pattern(name: &str, pattern: &str) -> bool {
    {
        let (repo, tag) = repo_and_tag(name);
        let (pat_repo, pat_tag) = match pattern.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t)),
            _ => (pattern, None),
        };
        let repo_ok = glob_match(pat_repo, &repo, Slash::Any)
            || repo.ends_with(&format!("/{pat_repo}"))
            || glob_match(&format!("*/{pat_repo}"), &repo, Slash::Any);
        repo_ok && pat_tag.is_none_or(|t| glob_match(t, &tag, Slash::Any))
    }
}

enum Filter {
    Dangling(bool),
    Reference(String),
    /// Created before / after this time (unix seconds).
    Before(i64),
    Since(i64),
}

impl Filter {
    fn reference(&self) -> Option<&str> {
        match self {
            Filter::Reference(r) => Some(r),
            _ => None,
        }
    }

    fn matches(&self, img: &ImageEntry) -> bool {
        let created = unix_seconds(img.created.as_deref());
        match self {
            Filter::Dangling(d) => img.names.is_empty() == *d,
            Filter::Reference(r) => img.names.iter().any(|n| name_matches_pattern(n, r)),
            Filter::Before(t) => created < *t,
            Filter::Since(t) => created > *t,
        }
    }
}

fn parse_filters(raw: &[String], catalog: &Catalog) -> anyhow::Result<Vec<Filter>> {
    let created_of = |image: &str| -> anyhow::Result<i64> {
        let img = catalog.resolve(image)?.ok_or_else(|| not_known(image))?;
        Ok(unix_seconds(img.created.as_deref()))
    };
    raw.iter()
        .map(|f| {
            let (k, v) = f
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("invalid filter {f:?}: expected KEY=VALUE"))?;
            Ok(match k {
                "dangling" => Filter::Dangling(v.parse().map_err(|_| {
                    anyhow::anyhow!("invalid filter {f:?}: dangling takes true or false")
                })?),
                "reference" => Filter::Reference(v.to_string()),
                "before" => Filter::Before(created_of(v)?),
                "since" => Filter::Since(created_of(v)?),
                _ => anyhow::bail!(
                    "invalid filter {f:?}: supported are dangling, reference, before, since"
                ),
            })
        })
        .collect()
}

pub fn tag(ctx: &Ctx, args: &TagArgs) -> anyhow::Result<i32> {
    let store = crate::image::store::Store::open_existing(&ctx.paths.root)
        .ok_or_else(|| not_known(&args.image))?;
    let targets: Vec<String> = args
        .targets
        .iter()
        .map(|t| local_name(t))
        .collect::<anyhow::Result<_>>()?;
    store.update_catalog(|c| {
        let id = c
            .resolve(&args.image)?
            .ok_or_else(|| not_known(&args.image))?
            .id
            .clone();
        for t in &targets {
            c.tag(&id, t);
        }
        Ok(())
    })?;
    Ok(0)
}

pub fn untag(ctx: &Ctx, args: &UntagArgs) -> anyhow::Result<i32> {
    let store = crate::image::store::Store::open_existing(&ctx.paths.root)
        .ok_or_else(|| not_known(&args.image))?;
    let names: Vec<String> = args
        .names
        .iter()
        .map(|t| local_name(t))
        .collect::<anyhow::Result<_>>()?;
    store.update_catalog(|c| {
        let img = c
            .resolve(&args.image)?
            .ok_or_else(|| not_known(&args.image))?
            .clone();
        let doomed = if names.is_empty() {
            img.names.clone()
        } else {
            names.clone()
        };
        for n in &doomed {
            if !img.names.contains(n) {
                anyhow::bail!("{n}: not a name of image {}", short_id(&img.id));
            }
            c.untag(n);
        }
        Ok(())
    })?;
    Ok(0)
}

/// `rmi`: by name removes that name (and the image with its last name);
/// by id removes the image. Exit 1 when an image was not known, as Podman.
pub fn remove(ctx: &Ctx, args: &RmiArgs) -> anyhow::Result<i32> {
    if args.images.is_empty() && !args.all {
        anyhow::bail!("rmi needs at least one image name or id, or --all");
    }
    let Some(_) = crate::image::store::Store::open_existing(&ctx.paths.root) else {
        if args.all || args.ignore {
            return Ok(0);
        }
        for i in &args.images {
            eprintln!("Error: {i}: image not known");
        }
        return Err(silent_exit(1));
    };
    let in_use = images_in_use(ctx);
    let (store, _) = crate::image::store::open_for_writing(&ctx.paths.root)?;
    let mut missing = Vec::new();
    let mut removed_any = false;
    let report = store.update_catalog(|c| {
        let mut lines = Vec::new();
        let targets: Vec<String> = if args.all {
            c.images.iter().map(|i| i.id.clone()).collect()
        } else {
            args.images.clone()
        };
        for input in targets {
            let Some(img) = c.resolve(&input)?.cloned() else {
                missing.push(input);
                continue;
            };
            // Podman's rules: a name removes that name (the image goes with
            // its last name); an id removes the image, which needs -f when
            // it has several names.
            match c.name_referred_to(&input, &img).cloned() {
                Some(name) if img.names.len() > 1 && !args.all => {
                    c.untag(&name);
                    lines.push(format!("Untagged: {name}"));
                }
                None if img.names.len() > 1 && !args.force && !args.all => {
                    anyhow::bail!(
                        "unable to delete image {:?} by ID with more than one tag ({}): please force removal",
                        input,
                        img.names.join(", ")
                    );
                }
                _ => {
                    if let Some(users) = in_use.get(&img.id) {
                        return Err(crate::error::exit_error(
                            2,
                            format!(
                                "image {} is in use by container(s) {}: remove them first (`cove rm`)",
                                crate::util::digest::short_id(&img.id),
                                users.join(", ")
                            ),
                        ));
                    }
                    for n in &img.names {
                        lines.push(format!("Untagged: {n}"));
                    }
                    c.remove(&img.id);
                    lines.push(format!("Deleted: {}", img.id.strip_prefix("sha256:").unwrap_or(&img.id)));
                    removed_any = true;
                }
            }
        }
        Ok(lines)
    })?;
    for line in report {
        println!("{line}");
    }
    if removed_any {
        store.collect_garbage()?;
    }
    if !missing.is_empty() && !args.ignore {
        for m in &missing {
            eprintln!("Error: {m}: image not known");
        }
        return Err(silent_exit(1));
    }
    Ok(0)
}

pub fn prune(ctx: &Ctx, args: &PruneArgs) -> anyhow::Result<i32> {
    if crate::image::store::Store::open_existing(&ctx.paths.root).is_none() {
        return Ok(0);
    }
    if !args.force && !confirm(args.all)? {
        return Ok(0);
    }
    for (id, _) in prune_images(ctx, args.all)? {
        println!("{}", id.strip_prefix("sha256:").unwrap_or(&id));
    }
    Ok(0)
}

/// Remove unnamed images (all unused ones with `all`) that no container
/// uses; gives each removed id with its size. Unprivileged, this enters
/// the storage user namespace.
pub fn prune_images(ctx: &Ctx, all: bool) -> anyhow::Result<Vec<(String, u64)>> {
    if crate::image::store::Store::open_existing(&ctx.paths.root).is_none() {
        return Ok(Vec::new());
    }
    let in_use = images_in_use(ctx);
    let (store, _) = crate::image::store::open_for_writing(&ctx.paths.root)?;
    let removed = store.update_catalog(|c| {
        let doomed: Vec<(String, u64)> = c
            .images
            .iter()
            .filter(|i| all || i.names.is_empty())
            .filter(|i| !in_use.contains_key(&i.id))
            .map(|i| (i.id.clone(), i.size))
            .collect();
        for (id, _) in &doomed {
            c.remove(id);
        }
        Ok(doomed)
    })?;
    if !removed.is_empty() {
        store.collect_garbage()?;
    }
    Ok(removed)
}

/// Image ids that containers run from, with the containers' names: such
/// images (and so their layers) must stay.
fn images_in_use(ctx: &Ctx) -> std::collections::HashMap<String, Vec<String>> {
    let mut used: std::collections::HashMap<String, Vec<String>> = Default::default();
    for c in crate::container::record::list(&ctx.paths.root) {
        used.entry(c.config.image_id.clone())
            .or_default()
            .push(c.config.name.clone());
    }
    used
}

/// Podman's prune question; without a terminal, -f is required.
fn confirm(all: bool) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "image prune needs confirmation: run it with -f (--force) when not on a terminal"
        );
    }
    let what = if all {
        "all images not used by a container"
    } else {
        "all dangling images"
    };
    print!("WARNING! This command removes {what}.\nAre you sure you want to continue? [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

pub fn exists(ctx: &Ctx, args: &ImageExistsArgs) -> anyhow::Result<i32> {
    let (_, catalog) = catalog(ctx)?;
    Ok(if catalog.resolve(&args.image)?.is_some() {
        0
    } else {
        1
    })
}

/// Podman's `image inspect` document for one image.
pub fn inspect_json(store: &Store, img: &ImageEntry) -> anyhow::Result<Value> {
    let stored = StoredImage::load(store, img)?;
    let raw: Value = serde_json::from_slice(&stored.config_bytes)?;
    let layers: Vec<String> = stored.diff_ids();
    let layer_dirs: Vec<String> = layers
        .iter()
        .filter_map(|d| store.layer_diff_path(d).ok())
        .map(|p| p.display().to_string())
        .collect();
    let annotations = stored.manifest.annotations().clone().unwrap_or_default();
    Ok(image_doc(img, &raw, layers, layer_dirs, annotations))
}

/// Podman's image inspect document, from the image's config (`raw`) and
/// its layers.
fn image_doc(
    img: &ImageEntry,
    raw: &Value,
    layers: Vec<String>,
    layer_dirs: Vec<String>,
    annotations: std::collections::HashMap<String, String>,
) -> Value {
    let config = raw.get("config").cloned().unwrap_or_else(|| json!({}));
    let labels = config.get("Labels").cloned().unwrap_or(Value::Null);
    let tags: Vec<&String> = img.names.iter().filter(|n| !n.contains('@')).collect();
    let repo_digests = repo_digests(img);
    json!({
        "Id": img.id.strip_prefix("sha256:").unwrap_or(&img.id),
        "Digest": img.manifest_digest,
        "RepoTags": tags,
        "RepoDigests": repo_digests,
        "Parent": "",
        "Comment": raw.get("comment").cloned().unwrap_or(json!("")),
        "Created": img.created,
        "Config": config,
        "Version": raw.get("docker_version").cloned().unwrap_or(json!("")),
        "Author": raw.get("author").cloned().unwrap_or(json!("")),
        "Architecture": raw.get("architecture").cloned().unwrap_or(json!("")),
        "Os": raw.get("os").cloned().unwrap_or(json!("")),
        "Variant": raw.get("variant").cloned(),
        "Size": img.size,
        "VirtualSize": img.size,
        "GraphDriver": {"Name": "cove", "Data": {"LowerDirs": layer_dirs}},
        "RootFS": {"Type": "layers", "Layers": layers},
        "Labels": labels,
        "Annotations": annotations,
        "ManifestType": img.manifest_media_type,
        "User": config.get("User").cloned().unwrap_or(json!("")),
        "History": raw.get("history").cloned().unwrap_or(json!([])),
        "NamesHistory": img.names,
    })
}

/// `image inspect --format` fields: the document of an image whose config
/// has every field an OCI image config can carry, so nested ones
/// (`{{.Config.Env}}`) are offered too.
pub(super) fn inspect_format_sample() -> Value {
    let raw = json!({"config": {
        "User": "", "ExposedPorts": {}, "Env": [], "Entrypoint": [], "Cmd": [],
        "Volumes": {}, "WorkingDir": "", "Labels": {}, "StopSignal": "",
    }});
    let mut doc = image_doc(
        &empty_entry(),
        &raw,
        Vec::new(),
        Vec::new(),
        Default::default(),
    );
    doc["ID"] = doc["Id"].clone();
    doc
}

/// An image entry with no names and no content, for the format samples.
fn empty_entry() -> ImageEntry {
    ImageEntry {
        id: String::new(),
        manifest_digest: String::new(),
        manifest_media_type: String::new(),
        manifest_size: 0,
        names: Vec::new(),
        created: None,
        size: 0,
        list_digest: None,
        added: None,
    }
}

pub fn inspect(ctx: &Ctx, args: &ImageInspectArgs) -> anyhow::Result<i32> {
    super::inspect::image_inspect(ctx, args)
}

/// One `history` row from a config history entry `h` whose layer (or
/// image, for the top one) is `id` with `size` bytes.
fn history_row(h: &Value, id: &str, size: u64, no_trunc: bool, human: bool) -> Value {
    let created = h.get("created").and_then(|c| c.as_str());
    let created_by = h.get("created_by").and_then(|c| c.as_str()).unwrap_or("");
    let created_by = if no_trunc || created_by.len() <= 45 {
        created_by.to_string()
    } else {
        format!("{}...", created_by.chars().take(42).collect::<String>())
    };
    json!({
        "ID": if no_trunc { id.to_string() } else { short_id(id).to_string() },
        "Created": if human { time_ago(created) } else { created.unwrap_or("").to_string() },
        "CreatedBy": created_by,
        "Size": if human { human_size(size) } else { size.to_string() },
        "Comment": h.get("comment").and_then(|c| c.as_str()).unwrap_or(""),
    })
}

/// `history --format` fields.
pub(super) fn history_format_sample() -> Value {
    history_row(&json!({}), "", 0, false, true)
}

pub fn history(ctx: &Ctx, args: &HistoryArgs) -> anyhow::Result<i32> {
    let (store, catalog) = catalog(ctx)?;
    let (Some(store), Some(img)) = (store, catalog.resolve(&args.image)?) else {
        return Err(not_known(&args.image));
    };
    let stored = StoredImage::load(&store, img)?;
    let raw: Value = serde_json::from_slice(&stored.config_bytes)?;
    let history = raw
        .get("history")
        .and_then(|h| h.as_array())
        .cloned()
        .unwrap_or_default();
    let diff_ids = stored.diff_ids();
    // Each history entry that is not an empty layer owns the next layer.
    let mut layer_iter = diff_ids.iter();
    let mut rows = Vec::new();
    for (i, h) in history.iter().enumerate() {
        let empty = h
            .get("empty_layer")
            .and_then(|e| e.as_bool())
            .unwrap_or(false);
        let layer = if empty { None } else { layer_iter.next() };
        let (id, size) = match layer {
            Some(d) => (d.clone(), store.layer_size(d)),
            None => ("<missing>".to_string(), 0),
        };
        let is_top = i == history.len() - 1;
        let shown_id = if is_top { img.id.clone() } else { id };
        rows.push(history_row(h, &shown_id, size, args.no_trunc, args.human));
    }
    rows.reverse();
    if args.quiet {
        for r in &rows {
            println!("{}", r["ID"].as_str().unwrap_or(""));
        }
        return Ok(0);
    }
    let headers = [
        ("ID", "ID"),
        ("Created", "CREATED"),
        ("CreatedBy", "CREATED BY"),
        ("Size", "SIZE"),
        ("Comment", "COMMENT"),
    ];
    output::print_rows(
        &rows,
        args.format.as_deref(),
        "{{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
        &headers,
        false,
    )?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_repository_and_tag() {
        assert_eq!(
            repo_and_tag("localhost:5000/a/b:1"),
            ("localhost:5000/a/b".into(), "1".into())
        );
        assert_eq!(
            repo_and_tag("localhost:5000/a/b"),
            ("localhost:5000/a/b".into(), "<none>".into())
        );
        assert_eq!(
            repo_and_tag("docker.io/x@sha256:abc"),
            ("docker.io/x".into(), "<none>".into())
        );
    }

    #[test]
    fn globbing() {
        let busybox = "docker.io/library/busybox:1.36";
        for (pattern, matches) in [
            ("docker.io/library/*", true),
            ("docker.io/*", true),
            ("b?sybox", true),
            ("busybox:1.*", true),
            ("library/busy*", true),
            ("busybox:2*", false),
            ("alpine", false),
        ] {
            assert_eq!(name_matches_pattern(busybox, pattern), matches, "{pattern}");
        }
    }
}
