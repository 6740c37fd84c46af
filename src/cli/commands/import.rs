//! `cove import`: a tarball of a root filesystem becomes a one-layer image.
//! The tar is stored uncompressed as the layer blob (so its digest is the
//! diff id) while it is unpacked, in one pass.

use crate::cli::ImportArgs;
use crate::context::Ctx;
use crate::image::changes::apply_change;
use crate::image::commit::store_layer;
use crate::image::layer::unpack::UnpackOptions;
use crate::image::manifest::{self, Platform};
use crate::image::reference::local_name;
use crate::image::store::{NewImage, Store};
use anyhow::Context;
use serde_json::{json, Map, Value};
use std::io::{BufReader, Read};

pub fn import(ctx: &Ctx, args: &ImportArgs) -> anyhow::Result<i32> {
    // Validate everything cheap before touching the store.
    let name = args.reference.as_deref().map(local_name).transpose()?;
    let mut runtime_config = Map::new();
    for change in &args.change {
        apply_change(&mut runtime_config, change)?;
    }
    let input: Box<dyn Read + Send> = if args.source == "-" {
        Box::new(std::io::stdin())
    } else {
        let path = args.source.strip_prefix("file://").unwrap_or(&args.source);
        if path.starts_with("http://") || path.starts_with("https://") {
            anyhow::bail!("{path}: importing from a URL is not supported; download the file first");
        }
        Box::new(std::fs::File::open(path).with_context(|| format!("opening {path}"))?)
    };
    let (store, opts) = crate::image::store::open_for_writing(&ctx.paths.root)?;
    let _writing = store.lock_writing()?;
    let id = import_layer(&store, &opts, input, runtime_config, args, name.as_deref())?;
    println!("{}", id.strip_prefix("sha256:").unwrap_or(&id));
    Ok(0)
}

fn import_layer(
    store: &Store,
    opts: &UnpackOptions,
    input: Box<dyn Read + Send>,
    runtime_config: Map<String, Value>,
    args: &ImportArgs,
    name: Option<&str>,
) -> anyhow::Result<String> {
    let tar = manifest::decompress(BufReader::with_capacity(256 << 10, input))
        .context("reading the tarball")?;
    let layer = store_layer(store, opts, tar).context("unpacking the tarball")?;
    let (diff_id, layer_size) = (layer.diff_id, layer.blob_size);
    let stats_bytes = layer.unpacked_size;

    let host = Platform::host();
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let mut history = json!({"created": now, "created_by": "/bin/sh -c #(nop) ADD file in / "});
    if let Some(m) = &args.message {
        history["comment"] = json!(m);
    }
    let config = json!({
        "created": now,
        "architecture": args.arch.clone().unwrap_or(host.architecture),
        "os": args.os.clone().unwrap_or(host.os),
        "config": Value::Object(runtime_config),
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [history],
    });
    let config_bytes = serde_json::to_vec(&config)?;
    let config_digest = store.put_blob(&config_bytes)?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": manifest::OCI_MANIFEST,
        "config": {"mediaType": manifest::OCI_CONFIG, "digest": config_digest, "size": config_bytes.len()},
        "layers": [{"mediaType": manifest::OCI_LAYER, "digest": diff_id, "size": layer_size}],
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
                size: stats_bytes,
                list_digest: None,
            },
            name,
        );
        Ok(())
    })?;
    Ok(config_digest)
}
