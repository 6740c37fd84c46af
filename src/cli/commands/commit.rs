//! `cove commit`: a container's changes become a new image: the base
//! image's layers plus one layer made of the changes (`container::diff`),
//! and the base's configuration updated from the container (command,
//! entrypoint, environment, labels, user, working directory, as Podman
//! does) and from `--change`.

use crate::cli::CommitArgs;
use crate::container::{record, record::ContainerDir};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::changes::apply_change;
use crate::image::commit::Format;
use crate::image::manifest::StoredImage;
use crate::image::reference::local_name;
use anyhow::Context;
use serde_json::{json, Map, Value};

pub fn commit(ctx: &Ctx, args: &CommitArgs) -> anyhow::Result<i32> {
    // Bad input fails before anything is written.
    let name = args.image.as_deref().map(local_name).transpose()?;
    for change in &args.change {
        apply_change(&mut Map::new(), change)?;
    }
    let container = record::lookup(&ctx.paths.root, &args.container)?;
    let store = crate::image::store::Store::open_existing(&ctx.paths.root)
        .ok_or_else(|| exit_error(125, "no image store"))?;
    let entry = store
        .catalog()?
        .by_id(&container.config.image_id)
        .cloned()
        .ok_or_else(|| {
            exit_error(
                125,
                format!(
                    "image {} of container {} is no longer stored; cannot commit",
                    container.config.image_id, container.config.name
                ),
            )
        })?;
    let base = StoredImage::load(&store, &entry)?;
    let mut config: Value =
        serde_json::from_slice(&base.config_bytes).context("reading the base image config")?;
    let runtime = runtime_config(&container, config.get("config").cloned(), args)?;

    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    config["created"] = json!(now);
    if let Some(author) = &args.author {
        config["author"] = json!(author);
    }
    config["config"] = runtime;
    let mut history = json!({"created": now});
    if let Some(author) = &args.author {
        history["author"] = json!(author);
    }
    if let Some(m) = &args.message {
        history["comment"] = json!(m);
    }
    let config_digest = crate::container::commit::commit(
        ctx,
        container,
        crate::container::commit::CommitRequest {
            base: &entry,
            config,
            history,
            names: name.into_iter().collect(),
            format: Format::Oci,
            drop_mount_points: false,
        },
    )?;
    let id = config_digest
        .strip_prefix("sha256:")
        .unwrap_or(&config_digest);
    if let Some(path) = &args.iidfile {
        crate::sys::fsutil::write_atomic(path, id.as_bytes(), 0o644)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!("{id}");
    Ok(0)
}

/// The image's runtime config as the container ran it, then `--change`.
fn runtime_config(
    container: &ContainerDir,
    base: Option<Value>,
    args: &CommitArgs,
) -> anyhow::Result<Value> {
    let mut rc = match base {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let info = &container.config.create_info;
    let spec = container.spec()?;
    let set_list = |rc: &mut Map<String, Value>, key: &str, list: &[String]| {
        if list.is_empty() {
            rc.remove(key);
        } else {
            rc.insert(key.into(), json!(list));
        }
    };
    if !info.create_command.is_empty() {
        // Records from before create_info have nothing to say here.
        set_list(&mut rc, "Entrypoint", &info.entrypoint);
        set_list(&mut rc, "Cmd", &info.cmd);
    }
    if let Some(process) = spec.process() {
        let env: Vec<String> = process
            .env()
            .clone()
            .unwrap_or_default()
            .into_iter()
            // Set by cove for every container, not by the user.
            .filter(|e| !e.starts_with("HOSTNAME="))
            .collect();
        rc.insert("Env".into(), json!(env));
        let cwd = process.cwd().to_string_lossy().to_string();
        if !cwd.is_empty() {
            rc.insert("WorkingDir".into(), json!(cwd));
        }
    }
    if !info.user.is_empty() {
        rc.insert("User".into(), json!(info.user));
    }
    if !container.config.labels.is_empty() {
        let labels = rc
            .entry("Labels")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| anyhow::anyhow!("image Labels is not a map"))?;
        for (k, v) in &container.config.labels {
            labels.insert(k.clone(), json!(v));
        }
    }
    if args.include_volumes && !info.user_volumes.is_empty() {
        let vols = rc
            .entry("Volumes")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| anyhow::anyhow!("image Volumes is not a map"))?;
        for v in &info.user_volumes {
            vols.insert(v.clone(), json!({}));
        }
    }
    for change in &args.change {
        apply_change(&mut rc, change)?;
    }
    Ok(Value::Object(rc))
}
