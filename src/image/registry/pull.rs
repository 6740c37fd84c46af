//! `cove pull`: resolve a name through the search registries and mirrors,
//! choose the platform from an index, then fetch every layer at once, each
//! streamed to its blob file and unpacked by its own thread while it
//! downloads. Nothing becomes visible in the store until it is verified.

use super::{failure_kind, FailureKind, Remote};
use crate::image::layer::unpack::{self, UnpackOptions};
use crate::image::manifest::{self, Fetched, Platform, ACCEPTED_MANIFESTS};
use crate::image::reference::{parse_name, Reference};
use crate::image::registry::conf::{PullSource, RegistriesConf};
use crate::image::registry::progress::Progress;
use crate::image::store::{NewImage, Store};
use crate::util::digest::{self, HashingReader};
use anyhow::Context;
use bytes::Bytes;
use futures_util::StreamExt;
use oci_client::manifest::OciDescriptor;
use oci_spec::image::{Descriptor, ImageConfiguration};
use std::io::{BufReader, Read, Write};
use std::sync::Arc;

/// Blobs we hold in memory (manifests, configs) are refused above this.
const MAX_SMALL_BLOB: u64 = 16 << 20;
/// Chunks in flight between a download and its unpacker, per layer.
const CHANNEL_DEPTH: usize = 8;
/// Layers downloaded and unpacked at the same time.
pub const MAX_PARALLEL_LAYERS: usize = 6;

pub struct PullRequest<'a> {
    pub input: &'a str,
    pub platform: Platform,
    pub registry: &'a super::RegistryOptions,
    pub progress: Progress,
    pub unpack: UnpackOptions,
}

/// What a pull policy means for an image that is (or is not) stored.
#[derive(Debug, PartialEq, Eq)]
pub enum PolicyDecision {
    /// Use the stored image with this id.
    UseLocal(String),
    /// Ask the registry (incremental: stored blobs are not transferred).
    Pull,
    /// `never`, and the image is not stored.
    NotStored,
}

/// Podman's pull policies (`pull --policy`, `run --pull`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    Always,
    Missing,
    Never,
    Newer,
}

pub fn decide(policy: PullPolicy, local_id: Option<&str>) -> PolicyDecision {
    use PullPolicy::*;
    match (policy, local_id) {
        (Missing | Never, Some(id)) => PolicyDecision::UseLocal(id.to_string()),
        (Never, None) => PolicyDecision::NotStored,
        // `newer` asks the registry for the manifest; when it names the
        // stored image nothing more is transferred, as `always` does here.
        (Always | Newer, _) | (Missing, None) => PolicyDecision::Pull,
    }
}

/// Pull an image and return its id. Runs its own async runtime.
pub fn pull(store: &Store, conf: &RegistriesConf, req: &PullRequest) -> anyhow::Result<String> {
    super::block_on(pull_async(store, conf, req))
}

async fn pull_async(
    store: &Store,
    conf: &RegistriesConf,
    req: &PullRequest<'_>,
) -> anyhow::Result<String> {
    let parsed = parse_name(req.input)?;
    let candidates = parsed.candidates(&conf.unqualified_search_registries);
    let _writing = store.lock_writing()?;
    store.clean_tmp();
    let mut failures: Vec<anyhow::Error> = Vec::new();
    for candidate in &candidates {
        let candidate = candidate.clone().with_default_tag();
        if conf.is_blocked(&candidate.name()) {
            failures.push(anyhow::anyhow!(
                "{candidate}: the registry is blocked in registries.conf"
            ));
            continue;
        }
        for source in conf.pull_sources(&candidate) {
            crate::log::debug(&format!(
                "trying {}/{} for {candidate}",
                source.registry, source.repository
            ));
            match pull_from(store, &candidate, &source, req).await {
                Ok(id) => return Ok(id),
                Err(e) => {
                    crate::log::debug(&format!(
                        "{}: {}",
                        source.registry,
                        crate::error::describe(&e)
                    ));
                    let kind = failure_kind(&e);
                    failures.push(e);
                    // A missing image or an unreachable source makes the
                    // next mirror or search registry worth trying; so does
                    // a refusal when several search registries are tried
                    // (registries answer 401 for repositories they lack).
                    let next = matches!(kind, FailureKind::NotFound | FailureKind::Unreachable)
                        || (kind == FailureKind::Unauthorized && candidates.len() > 1);
                    if !next {
                        return Err(failures.pop().expect("just pushed"));
                    }
                }
            }
        }
    }
    match failures.len() {
        0 => anyhow::bail!("{}: no registry to pull from", req.input),
        1 => Err(failures.pop().expect("one failure")),
        _ => {
            let lines: Vec<String> = failures
                .iter()
                .map(|e| format!("  {}", crate::error::describe(e)))
                .collect();
            anyhow::bail!(
                "pulling {} failed from every source:\n{}",
                req.input,
                lines.join("\n")
            )
        }
    }
}

async fn pull_from(
    store: &Store,
    wanted: &Reference,
    source: &PullSource,
    req: &PullRequest<'_>,
) -> anyhow::Result<String> {
    let remote = Arc::new(
        Remote::connect(
            &source.registry,
            &source.repository,
            source.insecure,
            req.registry,
        )
        .await?,
    );
    let display = remote.describe(wanted);
    let top_ref = remote.reference(wanted.tag.as_deref(), wanted.digest.as_deref());
    let (bytes, top_digest) = remote
        .client
        .pull_manifest_raw(&top_ref, &remote.auth, ACCEPTED_MANIFESTS)
        .await
        .map_err(|e| remote.explain(e, &display))?;
    let top_digest = verify_document(&bytes, &top_digest, wanted.digest.as_deref(), &display)?;

    let (manifest_bytes, manifest_digest, list_digest) =
        match manifest::parse_manifest_document(&bytes).with_context(|| display.clone())? {
            Fetched::Image(_) => (bytes.to_vec(), top_digest, None),
            Fetched::Index(entries) => {
                let chosen = manifest::select_platform(&entries, &req.platform)
                    .with_context(|| display.clone())?;
                let by_digest = remote.reference(None, Some(&chosen.digest));
                let (b, d) = remote
                    .client
                    .pull_manifest_raw(&by_digest, &remote.auth, ACCEPTED_MANIFESTS)
                    .await
                    .map_err(|e| remote.explain(e, &display))?;
                let d = verify_document(&b, &d, Some(&chosen.digest), &display)?;
                (b.to_vec(), d, Some(top_digest))
            }
        };
    let manifest = match manifest::parse_manifest_document(&manifest_bytes)
        .with_context(|| display.clone())?
    {
        Fetched::Image(m) => *m,
        Fetched::Index(_) => anyhow::bail!(
            "{display}: an index points to another index; cove does not follow nested indexes"
        ),
    };
    let name = stored_name(wanted);
    let media_type = manifest
        .media_type()
        .as_ref()
        .map(|m| m.to_string())
        .unwrap_or_else(|| manifest::OCI_MANIFEST.to_string());
    let config_digest = manifest.config().digest().to_string();
    digest::sha256_hex(&config_digest).with_context(|| display.clone())?;

    // Already complete here: only the name may be new. Anything unreadable
    // means "not complete", so a re-pull repairs a damaged image.
    let existing = store.catalog()?.by_id(&config_digest).cloned();
    if let Some(existing) = existing.filter(|e| image_is_complete(store, e)) {
        store.update_catalog(|c| {
            let new = new_image(
                &existing.id,
                &manifest_digest,
                &media_type,
                manifest_bytes.len() as u64,
                existing.created.clone(),
                existing.size,
                list_digest.clone(),
            );
            c.add(new, Some(&name));
            Ok(())
        })?;
        return Ok(existing.id);
    }

    let config_bytes =
        fetch_small_blob(store, &remote, &top_ref, manifest.config(), &display).await?;
    let config: ImageConfiguration = serde_json::from_slice(&config_bytes)
        .with_context(|| format!("{display}: the image config is malformed"))?;
    let diff_ids = config.rootfs().diff_ids().clone();
    if diff_ids.len() != manifest.layers().len() {
        anyhow::bail!(
            "{display}: the image is inconsistent: its config lists {} layers, its manifest {}",
            diff_ids.len(),
            manifest.layers().len()
        );
    }
    for d in &diff_ids {
        digest::sha256_hex(d).with_context(|| format!("{display}: bad diff id"))?;
    }

    // Bounded like Podman's: a manifest with thousands of layers must not
    // mean thousands of threads and connections.
    let limit = Arc::new(tokio::sync::Semaphore::new(MAX_PARALLEL_LAYERS));
    let mut tasks = Vec::new();
    for (layer, diff_id) in manifest.layers().iter().zip(diff_ids.iter()) {
        let limit = limit.clone();
        let store = store.clone();
        let remote = remote.clone();
        let layer = layer.clone();
        let diff_id = diff_id.clone();
        let oref = top_ref.clone();
        let progress = req.progress.clone();
        let opts = req.unpack;
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await?;
            fetch_layer(&store, &remote, &oref, &layer, &diff_id, &progress, &opts).await
        }));
    }
    let mut size = 0u64;
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(s)) => size += s,
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(join) => {
                first_error.get_or_insert(anyhow::anyhow!("a layer download stopped: {join}"));
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e.context(format!("pulling {display}")));
    }

    let stored_manifest = store.put_blob(&manifest_bytes)?;
    debug_assert_eq!(stored_manifest, manifest_digest);
    let created = config.created().clone();
    store.update_catalog(|c| {
        c.add(
            new_image(
                &config_digest,
                &manifest_digest,
                &media_type,
                manifest_bytes.len() as u64,
                created,
                size,
                list_digest,
            ),
            Some(&name),
        );
        Ok(())
    })?;
    req.progress
        .note(&format!("Writing manifest to image destination {display}"));
    Ok(config_digest)
}

/// Every blob and unpacked layer of a stored image is present and readable.
fn image_is_complete(store: &Store, entry: &crate::image::store::ImageEntry) -> bool {
    let Ok(image) = crate::image::manifest::StoredImage::load(store, entry) else {
        return false;
    };
    image.diff_ids().iter().all(|d| store.has_layer(d))
        && image
            .manifest
            .layers()
            .iter()
            .all(|l| store.has_blob(l.digest().as_ref()))
}

fn new_image(
    id: &str,
    manifest_digest: &str,
    media_type: &str,
    manifest_size: u64,
    created: Option<String>,
    size: u64,
    list_digest: Option<String>,
) -> NewImage {
    NewImage {
        id: id.to_string(),
        manifest_digest: manifest_digest.to_string(),
        manifest_media_type: media_type.to_string(),
        manifest_size,
        created,
        size,
        list_digest,
    }
}

/// The name recorded in the store: the reference as asked (with the
/// original registry, not a mirror), tag `latest` when none was given.
pub fn stored_name(r: &Reference) -> String {
    match (&r.tag, &r.digest) {
        (Some(t), _) => format!("{}:{}", r.name(), t),
        (None, Some(d)) => format!("{}@{}", r.name(), d),
        (None, None) => format!("{}:latest", r.name()),
    }
}

/// Check a manifest document against the digest we asked for (or the
/// registry's header), computing it ourselves either way.
fn verify_document(
    bytes: &[u8],
    header: &str,
    asked: Option<&str>,
    display: &str,
) -> anyhow::Result<String> {
    let actual = digest::sha256_of(bytes);
    if let Some(asked) = asked {
        if asked != actual {
            anyhow::bail!("{display}: the registry sent a manifest with digest {actual}, not {asked}; it is corrupt or was changed");
        }
    }
    if !header.is_empty() && header.starts_with("sha256:") && header != actual {
        anyhow::bail!(
            "{display}: manifest digest mismatch (registry says {header}, content is {actual})"
        );
    }
    Ok(actual)
}

fn to_oci_descriptor(d: &Descriptor) -> OciDescriptor {
    OciDescriptor {
        media_type: d.media_type().to_string(),
        digest: d.digest().to_string(),
        size: d.size() as i64,
        ..Default::default()
    }
}

async fn fetch_small_blob(
    store: &Store,
    remote: &Remote,
    oref: &oci_client::Reference,
    desc: &Descriptor,
    display: &str,
) -> anyhow::Result<Vec<u8>> {
    let digest = desc.digest().to_string();
    if store.has_blob(&digest) {
        return store.read_blob(&digest);
    }
    if desc.size() > MAX_SMALL_BLOB {
        anyhow::bail!(
            "{display}: the image config is {} bytes, more than cove accepts",
            desc.size()
        );
    }
    let mut stream = remote
        .client
        .pull_blob_stream(oref, &to_oci_descriptor(desc))
        .await
        .map_err(|e| remote.explain(e, &format!("{display}: config {digest}")))?;
    let mut buf = Vec::with_capacity(desc.size() as usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            interrupted(e, &format!("{display}: config {digest}"), &remote.registry)
        })?;
        if buf.len() as u64 + chunk.len() as u64 > MAX_SMALL_BLOB {
            anyhow::bail!("{display}: the image config is larger than its descriptor says");
        }
        buf.extend_from_slice(&chunk);
    }
    let actual = digest::sha256_of(&buf);
    if actual != digest {
        anyhow::bail!(
            "{display}: config {digest} arrived with digest {actual}; it is corrupt, try again"
        );
    }
    store.put_blob(&buf)?;
    Ok(buf)
}

/// Make sure one layer is in the store, blob and unpacked directory;
/// returns its unpacked size.
async fn fetch_layer(
    store: &Store,
    remote: &Remote,
    oref: &oci_client::Reference,
    desc: &Descriptor,
    diff_id: &str,
    progress: &Progress,
    opts: &UnpackOptions,
) -> anyhow::Result<u64> {
    let digest = desc.digest().to_string();
    let short = digest::short_id(&digest).to_string();
    digest::sha256_hex(&digest).context("bad layer digest in manifest")?;
    let have_blob = store.has_blob(&digest);
    if have_blob && store.has_layer(diff_id) {
        progress.note(&format!("Copying blob {short} skipped: already exists"));
        return Ok(store.layer_size(diff_id));
    }
    if have_blob {
        let (store, diff_id, opts) = (store.clone(), diff_id.to_string(), *opts);
        return tokio::task::spawn_blocking(move || {
            unpack_stored_blob(&store, &digest, &diff_id, &opts)
        })
        .await
        .context("unpacking stopped")?;
    }

    let staging = store.stage_layer()?;
    let diff_path = staging.diff_path();
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(CHANNEL_DEPTH);
    let unpack_opts = *opts;
    let unpacker = std::thread::Builder::new()
        .name(format!("unpack-{short}"))
        .spawn(move || unpack_stream(ChannelReader::new(rx), &diff_path, &unpack_opts))
        .context("starting an unpack thread")?;

    let bar = progress.bar(&format!("Copying blob {short}"), desc.size());
    let what = format!("layer {digest}");
    let download = async {
        let mut blob = store.blob_writer()?;
        let mut stream = remote
            .client
            .pull_blob_stream(oref, &to_oci_descriptor(desc))
            .await
            .map_err(|e| remote.explain(e, &what))?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| interrupted(e, &what, &remote.registry))?;
            blob.write_all(&chunk)
                .map_err(|e| crate::image::store::explain_io(e, &format!("writing {what}")))?;
            bar.inc(chunk.len() as u64);
            if blob.written() > desc.size() {
                anyhow::bail!(
                    "{what}: the registry sent more than the {} bytes the manifest says",
                    desc.size()
                );
            }
            if tx.send(chunk).await.is_err() {
                // The unpacker stopped; its error explains why.
                break;
            }
        }
        Ok(blob)
    }
    .await;
    drop(tx);
    let unpacked = tokio::task::spawn_blocking(move || unpacker.join())
        .await
        .context("unpack thread")?
        .map_err(|_| anyhow::anyhow!("the unpack thread panicked"))?;
    bar.finish_and_clear();
    let blob = download?;
    let (actual_diff, size) = unpacked.with_context(|| format!("unpacking {what}"))?;
    blob.commit(Some(&digest)).with_context(|| what.clone())?;
    if actual_diff != diff_id {
        anyhow::bail!("{what}: its content has digest {actual_diff} but the image config says {diff_id}; the image is corrupt");
    }
    staging.commit(diff_id, size)?;
    progress.note(&format!("Copying blob {short} done"));
    Ok(size)
}

/// Unpack a (possibly compressed) layer stream; returns the digest and
/// size of the tar inside, i.e. the diff id.
fn unpack_stream<R: Read + Send>(
    reader: R,
    dest: &std::path::Path,
    opts: &UnpackOptions,
) -> anyhow::Result<(String, u64)> {
    let tar = manifest::decompress(BufReader::with_capacity(64 << 10, reader))?;
    let mut hashing = HashingReader::new(tar);
    let stats = unpack::unpack_layer(&mut hashing, dest, opts).map_err(|e| {
        let text = e.to_string();
        if text.contains("os error 28") || text.contains("os error 122") {
            anyhow::anyhow!(
                "{text}; free some space (for example `cove rmi` unused images) and try again"
            )
        } else {
            anyhow::Error::new(e)
        }
    })?;
    for note in &stats.skipped {
        crate::log::info(note);
    }
    let (digest, size) = hashing.finish().context("reading the rest of the layer")?;
    Ok((digest, size))
}

/// Unpack a layer whose blob is already stored (loaded from an archive,
/// or left by an interrupted pull).
pub fn unpack_stored_blob(
    store: &Store,
    digest: &str,
    diff_id: &str,
    opts: &UnpackOptions,
) -> anyhow::Result<u64> {
    if store.has_layer(diff_id) {
        return Ok(store.layer_size(diff_id));
    }
    let staging = store.stage_layer()?;
    let file = store.open_blob(digest)?;
    let (actual, size) = unpack_stream(file, &staging.diff_path(), opts)
        .with_context(|| format!("unpacking layer {digest}"))?;
    if actual != diff_id {
        anyhow::bail!("layer {digest}: its content has digest {actual} but the image config says {diff_id}; the image is corrupt");
    }
    staging.commit(diff_id, size)?;
    Ok(size)
}

/// A download that broke off midway: worth retrying, or another source.
fn interrupted(err: std::io::Error, what: &str, registry: &str) -> anyhow::Error {
    anyhow::Error::new(super::RemoteError {
        kind: FailureKind::Unreachable,
        message: format!(
            "{what}: the download from {registry} broke off ({err}); run the pull again to resume"
        ),
    })
}

/// A blocking reader over the chunks a download task sends.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl ChannelReader {
    fn new(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Self {
        ChannelReader {
            rx,
            current: Bytes::new(),
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policies() {
        use PullPolicy::*;
        assert_eq!(
            decide(Missing, Some("a")),
            PolicyDecision::UseLocal("a".into())
        );
        assert_eq!(decide(Missing, None), PolicyDecision::Pull);
        assert_eq!(decide(Never, None), PolicyDecision::NotStored);
        assert_eq!(
            decide(Never, Some("a")),
            PolicyDecision::UseLocal("a".into())
        );
        assert_eq!(decide(Always, Some("a")), PolicyDecision::Pull);
        assert_eq!(decide(Newer, Some("a")), PolicyDecision::Pull);
    }

    #[test]
    fn names_recorded() {
        let r = Reference::parse("busybox").unwrap();
        assert_eq!(stored_name(&r), "docker.io/library/busybox:latest");
        let d = format!("x@{}", digest::sha256_of(b"m"));
        let r = Reference::parse(&d).unwrap();
        assert!(stored_name(&r).starts_with("docker.io/library/x@sha256:"));
    }

    #[test]
    fn channel_reader_reassembles_chunks() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        std::thread::spawn(move || {
            for part in [&b"hel"[..], b"", b"lo"] {
                tx.blocking_send(Bytes::copy_from_slice(part)).unwrap();
            }
        });
        let mut s = String::new();
        ChannelReader::new(rx).read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello");
    }

    #[test]
    fn documents_are_verified() {
        let d = digest::sha256_of(b"{}");
        assert_eq!(verify_document(b"{}", "", Some(&d), "x").unwrap(), d);
        assert!(verify_document(b"{ }", "", Some(&d), "x").is_err());
        assert!(verify_document(b"{}", &digest::sha256_of(b"z"), None, "x").is_err());
    }
}
