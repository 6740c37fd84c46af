//! A container's changes as a new image (`commit`, and each `build` RUN
//! step): the changes are read by a child in the container's user
//! namespace (`diff`: the overlay upper directory with its whiteouts, or
//! the vfs root compared with its layers) and streamed to a second child
//! that stores them as a layer in the storage user namespace and writes
//! the image on top of the base's layers. This process stays
//! single-threaded in the initial namespace, so it can start more
//! containers afterwards.

use super::access::{self, Access};
use super::{diff, record::ContainerDir};
use crate::context::Ctx;
use crate::image::commit::{self, Draft, Format};
use crate::image::store::ImageEntry;
use crate::storage::Driver;
use anyhow::Context;
use serde_json::{json, Value};
use std::io::{BufReader, BufWriter, Write};

/// What the new image is besides the container's changes.
pub struct CommitRequest<'a> {
    /// The image the container was made from.
    pub base: &'a ImageEntry,
    /// The new image's whole config; the new layer's diff id is appended
    /// to its `rootfs.diff_ids` and `history` gets `history`.
    pub config: Value,
    pub history: Value,
    pub names: Vec<String>,
    pub format: Format,
    /// Leave out the mount points the runtime created (empty files and
    /// directories at the spec's mount destinations): a build step's
    /// layer holds what its command wrote, not /etc/hosts stubs.
    pub drop_mount_points: bool,
}

/// Store `container`'s changes as a layer and write the image; returns
/// its id (`sha256:…`). Must be called while single-threaded.
pub fn commit(ctx: &Ctx, container: ContainerDir, req: CommitRequest) -> anyhow::Result<String> {
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
    let stubs: std::collections::BTreeSet<String> = match req.drop_mount_points {
        true => c
            .spec()?
            .mounts()
            .iter()
            .flatten()
            .map(|m| {
                m.destination()
                    .to_string_lossy()
                    .trim_start_matches('/')
                    .to_string()
            })
            .filter(|d| !d.is_empty())
            .collect(),
        false => Default::default(),
    };
    let worker = access.spawn_in_userns(move || {
        let out = BufWriter::with_capacity(256 << 10, writer);
        let mut out = match driver {
            Driver::Overlay | Driver::Fuse => diff::write_upper_without(&upper, out, &stubs)?,
            // A vfs container that never started has no changes.
            Driver::Vfs if copied => diff::write_vfs_diff(&rootfs, &layers, out)?,
            Driver::Vfs => crate::image::layer::tarstream::TarWriter::new(out).finish()?,
        };
        out.flush().context("writing the layer")?;
        Ok(())
    })?;
    let CommitRequest {
        base,
        mut config,
        history,
        names,
        format,
        ..
    } = req;
    let stored = crate::image::store::write_in_child(&ctx.paths.root, move |store, opts| {
        let layer = commit::store_layer(store, opts, BufReader::with_capacity(256 << 10, reader))
            .context("storing the container's changes")?;
        add_layer(&mut config, &layer.diff_id, history)?;
        let draft = Draft {
            base: Some(base),
            config: &config,
            layer: Some(&layer),
            format,
            base_size: base.size,
        };
        commit::write_image(store, &draft, &names)
    });
    worker.wait_after(stored)
}

/// Append a layer's diff id and its history entry to an image config.
pub fn add_layer(config: &mut Value, diff_id: &str, history: Value) -> anyhow::Result<()> {
    let diff_ids = config
        .pointer_mut("/rootfs/diff_ids")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| anyhow::anyhow!("the base image config has no rootfs.diff_ids"))?;
    diff_ids.push(json!(diff_id));
    match config.get_mut("history").and_then(Value::as_array_mut) {
        Some(h) => h.push(history),
        None => config["history"] = json!([history]),
    }
    Ok(())
}
