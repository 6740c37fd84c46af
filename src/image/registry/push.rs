//! `cove push`: upload an image from the store. Blobs the registry already
//! has are skipped; a blob held by another repository of the same registry
//! is mounted across instead of uploaded; the manifest goes last, byte for
//! byte as stored, so the pushed digest equals the local one.

use super::Remote;
use crate::image::manifest::StoredImage;
use crate::image::reference::Reference;
use crate::image::registry::conf::RegistriesConf;
use crate::image::registry::progress::Progress;
use crate::image::store::{ImageEntry, Store};
use crate::util::digest;
use anyhow::Context;
use bytes::Bytes;
use oci_client::RegistryOperation;
use oci_spec::image::Descriptor;
use tokio::io::AsyncReadExt;

const UPLOAD_CHUNK: usize = 4 << 20;

pub struct PushRequest<'a> {
    pub registry: &'a super::RegistryOptions,
    pub progress: Progress,
}

/// Push `entry` to `dest`; returns the manifest digest.
pub fn push(
    store: &Store,
    conf: &RegistriesConf,
    entry: &ImageEntry,
    dest: &Reference,
    req: &PushRequest,
) -> anyhow::Result<String> {
    super::block_on(push_async(store, conf, entry, dest, req))
}

async fn push_async(
    store: &Store,
    conf: &RegistriesConf,
    entry: &ImageEntry,
    dest: &Reference,
    req: &PushRequest<'_>,
) -> anyhow::Result<String> {
    let display = dest.to_string();
    if conf.is_blocked(&dest.name()) {
        anyhow::bail!("{display}: the registry is blocked in registries.conf");
    }
    let insecure = conf.is_insecure(&dest.registry);
    let remote = Remote::connect(&dest.registry, &dest.repository, insecure, req.registry).await?;
    let oref = remote.reference(dest.tag.as_deref().or(Some("latest")), None);
    remote
        .client
        .auth(&oref, &remote.auth, RegistryOperation::Push)
        .await
        .map_err(|e| remote.explain(e, &display))?;
    let image = StoredImage::load(store, entry)?;
    let manifest_bytes = store.read_blob(&entry.manifest_digest)?;

    // Repositories of the same registry that hold this image: mount sources.
    let mount_sources: Vec<oci_client::Reference> = entry
        .names
        .iter()
        .filter_map(|n| Reference::parse(n).ok())
        .filter(|r| r.registry == dest.registry && r.repository != dest.repository)
        .map(|r| oci_client::Reference::with_tag(r.registry, r.repository, "latest".into()))
        .collect();

    let mut blobs: Vec<&Descriptor> = image.manifest.layers().iter().collect();
    blobs.push(image.manifest.config());
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(
        super::pull::MAX_PARALLEL_LAYERS,
    ));
    let mut tasks = Vec::new();
    for desc in blobs {
        let limit = limit.clone();
        let digest = desc.digest().to_string();
        let size = desc.size();
        let client = remote.client.clone();
        let oref = oref.clone();
        let path = store.blob_path(&digest)?;
        let sources = mount_sources.clone();
        let bar = req
            .progress
            .bar(&format!("Copying blob {}", digest::short_id(&digest)), size);
        let registry = remote.registry.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let what = format!("blob {digest}");
            let exists = client
                .blob_exists(&oref, &digest)
                .await
                .map_err(|e| super::explain(e, &what, &registry))?;
            if exists {
                bar.finish_and_clear();
                return Ok::<(), anyhow::Error>(());
            }
            for source in &sources {
                if client.mount_blob(&oref, source, &digest).await.is_ok()
                    && client.blob_exists(&oref, &digest).await.unwrap_or(false)
                {
                    bar.finish_and_clear();
                    return Ok(());
                }
            }
            let file = tokio::fs::File::open(&path).await.with_context(|| {
                format!("{what} is missing from the store; pull or load the image again")
            })?;
            let bar2 = bar.clone();
            let stream = futures_util::stream::unfold(file, move |mut file| {
                let bar = bar2.clone();
                async move {
                    let mut buf = vec![0u8; UPLOAD_CHUNK];
                    match file.read(&mut buf).await {
                        Ok(0) => None,
                        Ok(n) => {
                            buf.truncate(n);
                            bar.inc(n as u64);
                            Some((Ok(Bytes::from(buf)), file))
                        }
                        Err(e) => Some((
                            Err(oci_client::errors::OciDistributionError::IoError(e)),
                            file,
                        )),
                    }
                }
            });
            client
                .push_blob_stream(&oref, stream, &digest, Some(size))
                .await
                .map_err(|e| super::explain(e, &what, &registry))?;
            bar.finish_and_clear();
            Ok(())
        }));
    }
    for task in tasks {
        task.await.context("an upload stopped")??;
    }
    let content_type = entry
        .manifest_media_type
        .parse()
        .context("stored manifest media type is not a valid header")?;
    remote
        .client
        .push_manifest_raw(&oref, manifest_bytes, content_type)
        .await
        .map_err(|e| remote.explain(e, &format!("{display}: manifest")))?;
    req.progress
        .note(&format!("Writing manifest to image destination {display}"));
    Ok(entry.manifest_digest.clone())
}
