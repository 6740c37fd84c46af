//! `cove system df`: disk used by images, containers and volumes, and how
//! much of it a prune would free, with Podman's summary and `-v` tables.

use crate::cli::output::{go_units_size, human_duration};
use crate::cli::SystemDfArgs;
use crate::container::inspect;
use crate::container::record::{self, ContainerDir};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::manifest::StoredImage;
use crate::image::store::ImageEntry;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// One line of the summary: Podman's `dfSummary`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub kind: &'static str,
    pub total: usize,
    pub active: usize,
    pub size: u64,
    pub reclaimable: u64,
}

impl Summary {
    fn reclaimable_text(&self) -> String {
        let percent = if self.size > 0 {
            (self.reclaimable as f64 / self.size as f64 * 100.0).round() as i64
        } else {
            0
        };
        format!("{} ({percent}%)", go_units_size(self.reclaimable, false))
    }

    fn to_value(&self) -> Value {
        json!({
            "Type": self.kind,
            "Total": self.total,
            "Active": self.active,
            "RawSize": self.size,
            "RawReclaimable": self.reclaimable,
            "TotalCount": self.total,
            "Size": go_units_size(self.size, false),
            "Reclaimable": self.reclaimable_text(),
        })
    }
}

/// An image as `df -v` lists it: once per name.
struct ImageRow {
    repository: String,
    tag: String,
    id: String,
    created: Option<String>,
    size: u64,
    shared: u64,
    containers: usize,
}

struct ContainerRow {
    container: ContainerDir,
    rw: u64,
    running: bool,
}

struct VolumeRow {
    name: String,
    links: usize,
    size: u64,
}

/// Everything measured once, for the summary or the tables.
struct Usage {
    images: Vec<ImageRow>,
    /// Distinct layers' bytes, and the unique bytes of images in use.
    images_size: u64,
    images_used: u64,
    images_active: usize,
    containers: Vec<ContainerRow>,
    volumes: Vec<VolumeRow>,
}

pub fn df(ctx: &Ctx, args: &SystemDfArgs) -> anyhow::Result<i32> {
    if args.verbose && args.format.is_some() {
        return Err(exit_error(
            125,
            "cannot combine --format and --verbose flags",
        ));
    }
    let usage = measure(ctx)?;
    if args.verbose {
        print_verbose(&usage);
        return Ok(0);
    }
    let summaries = summarize(&usage);
    let rows: Vec<Value> = summaries.iter().map(Summary::to_value).collect();
    let format = args.format.as_deref();
    if format.is_some_and(super::inspect::is_json) {
        print_json(&summaries)?;
        return Ok(0);
    }
    crate::cli::output::print_rows(
        &rows,
        format,
        "{{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
        &[("Size", "SIZE"), ("Reclaimable", "RECLAIMABLE")],
        false,
    )?;
    Ok(0)
}

/// `system df --format` fields: a summary line's.
pub(super) fn format_sample() -> Value {
    Summary {
        kind: "Images",
        total: 0,
        active: 0,
        size: 0,
        reclaimable: 0,
    }
    .to_value()
}

/// Podman's JSON: its struct's fields in order, then the Docker-compatible
/// strings.
fn print_json(summaries: &[Summary]) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Entry<'a> {
        #[serde(rename = "Type")]
        kind: &'a str,
        total: usize,
        active: usize,
        raw_size: u64,
        raw_reclaimable: u64,
        total_count: usize,
        size: String,
        reclaimable: String,
    }
    let entries: Vec<Entry> = summaries
        .iter()
        .map(|s| Entry {
            kind: s.kind,
            total: s.total,
            active: s.active,
            raw_size: s.size,
            raw_reclaimable: s.reclaimable,
            total_count: s.total,
            size: go_units_size(s.size, false),
            reclaimable: s.reclaimable_text(),
        })
        .collect();
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    serde::Serialize::serialize(&entries, &mut ser)?;
    println!("{}", String::from_utf8(buf)?);
    Ok(())
}

fn measure(ctx: &Ctx) -> anyhow::Result<Usage> {
    let root = &ctx.paths.root;
    let containers = record::list(root);
    let mut per_image: HashMap<&str, usize> = HashMap::new();
    for c in &containers {
        *per_image.entry(c.config.image_id.as_str()).or_default() += 1;
    }
    let mut images = Vec::new();
    let (mut images_size, mut images_used, mut images_active) = (0, 0, 0);
    let mut image_sizes: HashMap<String, u64> = HashMap::new();
    if let Some(store) = crate::image::store::Store::open_existing(&ctx.paths.root) {
        let catalog = store.catalog()?;
        image_sizes = catalog
            .images
            .iter()
            .map(|i| (i.id.clone(), i.size))
            .collect();
        // Which images use each layer: a layer of several is shared.
        let mut layers_of: HashMap<&str, Vec<String>> = HashMap::new();
        let mut users: HashMap<String, usize> = HashMap::new();
        for img in &catalog.images {
            let layers = StoredImage::load(&store, img)
                .map(|s| s.diff_ids())
                .unwrap_or_default();
            for l in layers.iter().collect::<HashSet<_>>() {
                *users.entry(l.clone()).or_default() += 1;
            }
            layers_of.insert(img.id.as_str(), layers);
        }
        let layer_sizes: HashMap<&String, u64> =
            users.keys().map(|l| (l, store.layer_size(l))).collect();
        images_size = layer_sizes.values().sum();
        if images_size == 0 {
            images_size = catalog.images.iter().map(|i| i.size).sum();
        }
        for img in &catalog.images {
            let shared: u64 = layers_of[img.id.as_str()]
                .iter()
                .filter(|l| users.get(*l).copied().unwrap_or(0) > 1)
                .map(|l| layer_sizes.get(l).copied().unwrap_or(0))
                .sum();
            let used_by = per_image.get(img.id.as_str()).copied().unwrap_or(0);
            if used_by > 0 {
                images_active += 1;
                images_used += img.size.saturating_sub(shared);
            }
            for (repository, tag) in repo_tags(img) {
                images.push(ImageRow {
                    repository,
                    tag,
                    id: img.id.clone(),
                    created: img.created.clone(),
                    size: img.size,
                    shared,
                    containers: used_by,
                });
            }
        }
    }
    let mut container_rows: Vec<ContainerRow> = containers
        .into_iter()
        .map(|c| {
            let image_size = image_sizes.get(&c.config.image_id).copied().unwrap_or(0);
            ContainerRow {
                rw: inspect::sizes(&c, image_size).rw,
                running: inspect::live(&c).running(),
                container: c,
            }
        })
        .collect();
    container_rows.sort_by(|a, b| a.container.config.created.cmp(&b.container.config.created));
    let mut volumes = Vec::new();
    for v in crate::storage::volume::list(root)? {
        volumes.push(VolumeRow {
            links: crate::storage::volume::users(root, &v.name).len(),
            size: crate::storage::volume::disk_usage(&v.mountpoint),
            name: v.name,
        });
    }
    Ok(Usage {
        images,
        images_size,
        images_used,
        images_active,
        containers: container_rows,
        volumes,
    })
}

/// (repository, tag) per name; `<none>` for an unnamed image.
fn repo_tags(img: &ImageEntry) -> Vec<(String, String)> {
    if img.names.is_empty() {
        return vec![("<none>".into(), "<none>".into())];
    }
    img.names
        .iter()
        .map(|n| {
            let name = n.split('@').next().unwrap_or(n);
            match name.rsplit_once(':') {
                Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
                _ => (name.to_string(), "<none>".to_string()),
            }
        })
        .collect()
}

fn summarize(u: &Usage) -> Vec<Summary> {
    let images = Summary {
        kind: "Images",
        total: u.images.len(),
        active: u.images_active,
        size: u.images_size,
        reclaimable: u.images_size.saturating_sub(u.images_used),
    };
    let containers = Summary {
        kind: "Containers",
        total: u.containers.len(),
        active: u.containers.iter().filter(|c| c.running).count(),
        size: u.containers.iter().map(|c| c.rw).sum(),
        reclaimable: u
            .containers
            .iter()
            .filter(|c| !c.running)
            .map(|c| c.rw)
            .sum(),
    };
    let volumes = Summary {
        kind: "Local Volumes",
        total: u.volumes.len(),
        active: u.volumes.iter().map(|v| v.links).sum(),
        size: u.volumes.iter().map(|v| v.size).sum(),
        reclaimable: u
            .volumes
            .iter()
            .filter(|v| v.links == 0)
            .map(|v| v.size)
            .sum(),
    };
    vec![images, containers, volumes]
}

fn since(rfc3339: Option<&str>) -> String {
    let secs = chrono::Utc::now().timestamp() - crate::cli::output::unix_seconds(rfc3339);
    human_duration(secs.max(0))
}

fn short(id: &str) -> String {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    hex.chars().take(12).collect()
}

fn print_verbose(u: &Usage) {
    let mut text = String::from("Images space usage:\n\n");
    text.push_str(
        "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS\n",
    );
    for i in &u.images {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            i.repository,
            i.tag,
            short(&i.id),
            since(i.created.as_deref()),
            go_units_size(i.size, false),
            go_units_size(i.shared, false),
            go_units_size(i.size.saturating_sub(i.shared), false),
            i.containers
        ));
    }
    text.push_str("\nContainers space usage:\n\n");
    text.push_str("CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES\n");
    for c in &u.containers {
        let cfg = &c.container.config;
        let command: Vec<String> = cfg
            .create_info
            .entrypoint
            .iter()
            .chain(&cfg.create_info.cmd)
            .cloned()
            .collect();
        let status = if c.running {
            "running"
        } else {
            c.container.state().status.as_str()
        };
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            short(&cfg.id),
            short(&cfg.image_id),
            command.join(" "),
            cfg.volumes.len(),
            go_units_size(c.rw, false),
            since(Some(&cfg.created)),
            status,
            cfg.name
        ));
    }
    text.push_str("\nLocal Volumes space usage:\n\n");
    text.push_str("VOLUME NAME\tLINKS\tSIZE\n");
    for v in &u.volumes {
        text.push_str(&format!(
            "{}\t{}\t{}\n",
            v.name,
            v.links,
            go_units_size(v.size, false)
        ));
    }
    print!("{}", crate::cli::template::align_columns(&text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reclaimable_percent() {
        let s = Summary {
            kind: "Images",
            total: 2,
            active: 1,
            size: 2_000_000,
            reclaimable: 1_000_000,
        };
        assert_eq!(s.reclaimable_text(), "1MB (50%)");
        let empty = Summary {
            size: 0,
            reclaimable: 0,
            ..s
        };
        assert_eq!(empty.reclaimable_text(), "0B (0%)");
        let v = s.to_value();
        assert_eq!(v["Size"], "2MB");
        assert_eq!(v["TotalCount"], 2);
    }

    #[test]
    fn image_names_split() {
        let mut img = ImageEntry {
            id: "sha256:ab".into(),
            manifest_digest: String::new(),
            manifest_media_type: String::new(),
            manifest_size: 0,
            names: vec![],
            created: None,
            size: 0,
            list_digest: None,
            added: None,
        };
        assert_eq!(
            repo_tags(&img),
            [("<none>".to_string(), "<none>".to_string())]
        );
        img.names = vec!["localhost:5000/app:1.0".into()];
        assert_eq!(
            repo_tags(&img),
            [("localhost:5000/app".to_string(), "1.0".to_string())]
        );
    }
}
