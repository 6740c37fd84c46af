//! `cove commit`: a container's changes become a new image: the base
//! image's layers plus one layer made of the changes (`container::diff`),
//! and the base's configuration updated from the container (command,
//! entrypoint, environment, labels, user, working directory, as Podman
//! does) and from `--change`.

use super::import::store_layer;
use crate::cli::CommitArgs;
use crate::container::access::{self, Access};
use crate::container::{diff, record, record::ContainerDir};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::changes::apply_change;
use crate::image::manifest::{self, StoredImage};
use crate::image::reference::local_name;
use crate::image::store::NewImage;
use crate::storage::Driver;
use anyhow::Context;
use serde_json::{json, Map, Value};
use std::io::{BufReader, BufWriter, Write};

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

    // The changes are read by a child in the container's user namespace
    // (forked before this process enters the store's).
    let access = Access::open(container)?;
    let layers = access.layers()?;
    let (reader, writer) = access::pipe()?;
    let c = &access.container;
    let (driver, upper, rootfs, copied) = (
        c.config.driver,
        c.upper(),
        c.rootfs(),
        c.path.join("rootfs.done").exists(),
    );
    let worker = access.spawn_in_userns(move || {
        let out = BufWriter::with_capacity(256 << 10, writer);
        let mut out = match driver {
            Driver::Overlay | Driver::Fuse => diff::write_upper(&upper, out)?,
            // A vfs container that never started has no changes.
            Driver::Vfs if copied => diff::write_vfs_diff(&rootfs, &layers, out)?,
            Driver::Vfs => crate::image::layer::tarstream::TarWriter::new(out).finish()?,
        };
        out.flush().context("writing the layer")?;
        Ok(())
    })?;
    let stored = (|| {
        let (store, opts) = crate::image::store::open_for_writing(&ctx.paths.root)?;
        let _writing = store.lock_writing()?;
        let layer = store_layer(&store, &opts, BufReader::with_capacity(256 << 10, reader))
            .context("storing the container's changes")?;
        Ok((store, _writing, layer))
    })();
    let (store, _writing, layer) = worker.wait_after(stored)?;

    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    config["created"] = json!(now);
    if let Some(author) = &args.author {
        config["author"] = json!(author);
    }
    config["config"] = runtime;
    let diff_ids = config
        .pointer_mut("/rootfs/diff_ids")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| anyhow::anyhow!("the base image config has no rootfs.diff_ids"))?;
    diff_ids.push(json!(layer.diff_id));
    let mut history = json!({"created": now});
    if let Some(author) = &args.author {
        history["author"] = json!(author);
    }
    if let Some(m) = &args.message {
        history["comment"] = json!(m);
    }
    match config.get_mut("history").and_then(Value::as_array_mut) {
        Some(h) => h.push(history),
        None => config["history"] = json!([history]),
    }
    let config_bytes = serde_json::to_vec(&config)?;
    let config_digest = store.put_blob(&config_bytes)?;

    let base_manifest: Value = serde_json::from_slice(&store.read_blob(&entry.manifest_digest)?)
        .context("reading the base image manifest")?;
    let mut layers: Vec<Value> = base_manifest
        .get("layers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(oci_layer_descriptor)
        .collect();
    layers.push(
        json!({"mediaType": manifest::OCI_LAYER, "digest": layer.diff_id, "size": layer.blob_size}),
    );
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": manifest::OCI_MANIFEST,
        "config": {"mediaType": manifest::OCI_CONFIG, "digest": config_digest, "size": config_bytes.len()},
        "layers": layers,
    });
    let manifest_bytes = serde_json::to_vec(&manifest)?;
    let manifest_digest = store.put_blob(&manifest_bytes)?;
    store.update_catalog(|c| {
        c.add(
            NewImage {
                id: config_digest.clone(),
                manifest_digest,
                manifest_media_type: manifest::OCI_MANIFEST.into(),
                manifest_size: manifest_bytes.len() as u64,
                created: Some(now.clone()),
                size: entry.size + layer.unpacked_size,
                list_digest: None,
            },
            name.as_deref(),
        );
        Ok(())
    })?;
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

/// Docker layer media types in an OCI manifest become their OCI names.
fn oci_layer_descriptor(mut layer: Value) -> Value {
    let oci = match layer.get("mediaType").and_then(Value::as_str) {
        Some(manifest::DOCKER_LAYER_GZIP) => Some(manifest::OCI_LAYER_GZIP),
        Some("application/vnd.docker.image.rootfs.diff.tar") => Some(manifest::OCI_LAYER),
        _ => None,
    };
    if let Some(t) = oci {
        layer["mediaType"] = json!(t);
    }
    layer
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_layer_types_become_oci() {
        let l = oci_layer_descriptor(
            json!({"mediaType": manifest::DOCKER_LAYER_GZIP, "digest": "sha256:a", "size": 1}),
        );
        assert_eq!(l["mediaType"], manifest::OCI_LAYER_GZIP);
        let l = oci_layer_descriptor(
            json!({"mediaType": manifest::OCI_LAYER, "digest": "sha256:a", "size": 1}),
        );
        assert_eq!(l["mediaType"], manifest::OCI_LAYER);
    }
}
