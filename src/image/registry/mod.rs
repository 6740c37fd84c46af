//! Talking to registries with oci-client: building a client for one
//! registry (plain HTTP where allowed, credentials from the user's files)
//! and turning its errors into one line that says what to do.

pub mod auth;
pub mod conf;
pub mod progress;
pub mod pull;
pub mod push;

use crate::image::reference::Reference;
use auth::Credentials;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;

/// How to reach a registry: `--tls-verify`, `--authfile`, `--creds`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistryOptions {
    /// Require HTTPS and verify certificates; None: per registries.conf.
    pub tls_verify: Option<bool>,
    pub authfile: Option<std::path::PathBuf>,
    /// USERNAME[:PASSWORD].
    pub creds: Option<String>,
}

/// A client bound to one registry and repository.
pub struct Remote {
    pub client: oci_client::Client,
    pub auth: RegistryAuth,
    pub registry: String,
    pub repository: String,
}

/// How a registry operation failed, so a pull can try the next source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    NotFound,
    Unauthorized,
    Unreachable,
    Other,
}

#[derive(Debug)]
pub struct RemoteError {
    pub kind: FailureKind,
    pub message: String,
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RemoteError {}

/// Registries on the loopback interface speak plain HTTP by default, as
/// Docker treats them; everything else needs TLS unless configured.
pub fn is_loopback(registry: &str) -> bool {
    let host = registry
        .rsplit_once(':')
        .filter(|(h, port)| !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(registry);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    // Only literal loopback addresses: "127.evil.example" is a name.
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Remote {
    /// `insecure` comes from registries.conf; `--tls-verify` overrides it.
    pub async fn connect(
        registry: &str,
        repository: &str,
        insecure: bool,
        opts: &RegistryOptions,
    ) -> anyhow::Result<Remote> {
        let relaxed = match opts.tls_verify {
            Some(verify) => !verify,
            None => insecure || is_loopback(registry),
        };
        let plain_http = relaxed && !speaks_https(registry).await;
        let config = ClientConfig {
            protocol: if plain_http {
                ClientProtocol::HttpsExcept(vec![registry.to_string()])
            } else {
                ClientProtocol::Https
            },
            accept_invalid_certificates: relaxed,
            platform_resolver: None,
            connect_timeout: Some(std::time::Duration::from_secs(30)),
            read_timeout: Some(std::time::Duration::from_secs(120)),
            user_agent: concat!("cove/", env!("CARGO_PKG_VERSION")),
            max_concurrent_download: 8,
            ..Default::default()
        };
        let client = oci_client::Client::try_from(config)
            .map_err(|e| anyhow::anyhow!("setting up the registry client: {e}"))?;
        let creds = match &opts.creds {
            Some(c) => Some(parse_creds(c)?),
            None => auth::lookup(registry, repository, opts.authfile.as_deref())?,
        };
        let auth = match creds {
            Some(Credentials { username, password }) => RegistryAuth::Basic(username, password),
            None => RegistryAuth::Anonymous,
        };
        Ok(Remote {
            client,
            auth,
            registry: registry.to_string(),
            repository: repository.to_string(),
        })
    }

    /// The oci-client reference for a tag or digest in this repository.
    pub fn reference(&self, tag: Option<&str>, digest: Option<&str>) -> oci_client::Reference {
        match (tag, digest) {
            (Some(t), Some(d)) => oci_client::Reference::with_tag_and_digest(
                self.registry.clone(),
                self.repository.clone(),
                t.to_string(),
                d.to_string(),
            ),
            (_, Some(d)) => oci_client::Reference::with_digest(
                self.registry.clone(),
                self.repository.clone(),
                d.to_string(),
            ),
            (t, None) => oci_client::Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                t.unwrap_or("latest").to_string(),
            ),
        }
    }

    pub fn describe(&self, r: &Reference) -> String {
        let mut s = format!("{}/{}", self.registry, self.repository);
        if let Some(t) = &r.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &r.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// Explain an oci-client error for `what` (an image or blob name).
    pub fn explain(&self, err: OciDistributionError, what: &str) -> anyhow::Error {
        explain(err, what, &self.registry)
    }
}

/// Run a registry operation on a small multi-threaded runtime, started only
/// by commands that talk to a registry (and after the user namespace is
/// entered, which needs a single-threaded process).
pub fn block_on<T>(
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("starting the async runtime: {e}"))?;
    runtime.block_on(work)
}

/// For a registry where TLS checks are relaxed: does it answer HTTPS at all
/// (self-signed certificates accepted)? If not, plain HTTP is used, as
/// Podman and Docker fall back for insecure registries.
pub async fn speaks_https(registry: &str) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(10))
        .build()
    else {
        return false;
    };
    let host = if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    };
    client
        .get(format!("https://{host}/v2/"))
        .send()
        .await
        .is_ok()
}

/// `USERNAME:PASSWORD` from `--creds`.
pub fn parse_creds(s: &str) -> anyhow::Result<Credentials> {
    match s.split_once(':') {
        Some((u, p)) if !u.is_empty() => Ok(Credentials {
            username: u.to_string(),
            password: p.to_string(),
        }),
        _ => anyhow::bail!("--creds must be USERNAME:PASSWORD"),
    }
}

pub fn explain(err: OciDistributionError, what: &str, registry: &str) -> anyhow::Error {
    use FailureKind::*;
    let (kind, message) = match &err {
        OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => (
            Unauthorized,
            format!("{what}: {registry} refused access (authentication required or denied); log in with `cove login {registry}` or pass --creds"),
        ),
        OciDistributionError::ImageManifestNotFoundError(_) => (
            NotFound,
            format!("{what}: manifest unknown: the image or tag does not exist in {registry}; check the name and tag"),
        ),
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            let detail: Vec<String> = envelope.errors.iter().map(|e| e.message.clone()).collect();
            if codes.iter().any(|c| matches!(c, OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound | OciErrorCode::BlobUnknown)) {
                (NotFound, format!("{what}: not found in {registry} ({}); check the name and tag", detail.join("; ")))
            } else if codes.iter().any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied)) {
                (Unauthorized, format!("{what}: {registry} refused access ({}); log in with `cove login {registry}`", detail.join("; ")))
            } else {
                (Other, format!("{what}: {registry} answered with an error: {}", detail.join("; ")))
            }
        }
        OciDistributionError::ServerError { code, message, .. } => {
            let kind = match code {
                404 => NotFound,
                401 | 403 => Unauthorized,
                _ => Other,
            };
            let hint = match code {
                404 => "; check the name and tag",
                401 | 403 => "; log in with `cove login`",
                500..=599 => "; the registry has a problem, try again later",
                _ => "",
            };
            let msg = message.trim();
            (kind, format!("{what}: {registry} answered HTTP {code}{}{hint}", if msg.is_empty() { String::new() } else { format!(" ({msg})") }))
        }
        OciDistributionError::RequestError(e) if e.status().is_some() => {
            let code = e.status().map(|s| s.as_u16()).unwrap_or_default();
            match code {
                401 | 403 => (Unauthorized, format!("{what}: {registry} refused access (HTTP {code}); log in with `cove login {registry}` or pass --creds")),
                404 => (NotFound, format!("{what}: not found in {registry} (HTTP 404); check the name and tag")),
                _ => (Other, format!("{what}: {registry} answered HTTP {code}{}", if code >= 500 { "; the registry has a problem, try again later" } else { "" })),
            }
        }
        OciDistributionError::RequestError(e) => {
            let chain = error_chain(e);
            if e.is_connect() {
                let tls = chain.contains("certificate") || chain.contains("tls") || chain.contains("TLS") || chain.contains("corrupt message") || chain.contains("InvalidContentType");
                if tls {
                    (Unreachable, format!("{what}: TLS handshake with {registry} failed ({chain}); if it serves plain HTTP, use --tls-verify=false or mark it insecure in registries.conf"))
                } else {
                    (Unreachable, format!("{what}: cannot connect to registry {registry} ({chain}); is it running and reachable?"))
                }
            } else if e.is_timeout() {
                (Unreachable, format!("{what}: registry {registry} timed out; try again"))
            } else {
                (Other, format!("{what}: talking to {registry}: {chain}"))
            }
        }
        OciDistributionError::DigestError(_) => (
            Other,
            format!("{what}: the download does not match its digest ({err}); it is corrupt or was changed in transit, try again"),
        ),
        _ => (Other, format!("{what}: {err}")),
    };
    anyhow::Error::new(RemoteError { kind, message })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The failure kind of an error produced by [`explain`].
pub fn failure_kind(err: &anyhow::Error) -> FailureKind {
    err.chain()
        .find_map(|e| e.downcast_ref::<RemoteError>())
        .map(|e| e.kind)
        .unwrap_or(FailureKind::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries() {
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("[::1]:5000"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("quay.io"));
        assert!(!is_loopback("registry.local:5000"));
        assert!(!is_loopback("127.evil.example:5000"));
        assert!(!is_loopback("127.0.0.1.nip.io"));
    }

    #[test]
    fn creds_parse() {
        assert_eq!(parse_creds("a:b:c").unwrap().password, "b:c");
        assert!(parse_creds("nopass").is_err());
        assert!(parse_creds(":x").is_err());
    }
}
