//! Image references (`[registry/]repository[:tag][@digest]`), parsed and
//! normalized the way Docker's distribution/reference grammar does it.

use std::fmt;
use std::str::FromStr;

/// Registry assumed for names without a registry component.
pub const DEFAULT_REGISTRY: &str = "docker.io";

/// Docker limits the full name (registry + repository) to this many bytes.
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// Tags are at most 128 characters.
const TAG_LENGTH_MAX: usize = 128;

/// A fully qualified image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Why a string is not a valid image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    pub input: String,
    pub reason: String,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid image reference {:?}: {}",
            self.input, self.reason
        )
    }
}

impl std::error::Error for ReferenceError {}

/// Result of parsing a name without applying the docker.io default, so that
/// callers can resolve short names against `unqualified-search-registries`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedName {
    Qualified(Reference),
    Short {
        repository: String,
        tag: Option<String>,
        digest: Option<String>,
    },
}

impl ParsedName {
    /// The fully qualified references to try, in order.
    pub fn candidates(&self, search_registries: &[String]) -> Vec<Reference> {
        match self {
            ParsedName::Qualified(r) => vec![r.clone()],
            ParsedName::Short {
                repository,
                tag,
                digest,
            } => {
                let make = |registry: &str| {
                    let registry = normalize_registry(registry);
                    Reference {
                        repository: normalize_repository(&registry, repository),
                        registry,
                        tag: tag.clone(),
                        digest: digest.clone(),
                    }
                };
                if search_registries.is_empty() {
                    vec![make(DEFAULT_REGISTRY)]
                } else {
                    search_registries.iter().map(|r| make(r)).collect()
                }
            }
        }
    }
}

fn err(input: &str, reason: impl Into<String>) -> ReferenceError {
    ReferenceError {
        input: input.to_string(),
        reason: reason.into(),
    }
}

fn normalize_registry(registry: &str) -> String {
    // Docker Hub's legacy index host names the same registry.
    if registry == "index.docker.io" {
        DEFAULT_REGISTRY.to_string()
    } else {
        registry.to_string()
    }
}

fn normalize_repository(registry: &str, repository: &str) -> String {
    // Official Docker Hub images live under "library/".
    if registry == DEFAULT_REGISTRY && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository.to_string()
    }
}

/// Docker's rule: the first component is a registry only if it looks like a
/// host (has a dot or a port) or is "localhost".
fn looks_like_registry(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

/// True when `s` has no registry component (it would be resolved through the
/// search registries). This is a syntactic check and does not validate `s`.
pub fn is_short_name(s: &str) -> bool {
    let name = s.split('@').next().unwrap_or("");
    match name.split_once('/') {
        Some((first, _)) => !looks_like_registry(first),
        None => true,
    }
}

/// Parse a reference, keeping short names unqualified.
pub fn parse_name(s: &str) -> Result<ParsedName, ReferenceError> {
    if s.is_empty() {
        return Err(err(s, "reference is empty"));
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        let what = if c.is_whitespace() {
            "whitespace"
        } else {
            "a control character"
        };
        return Err(err(s, format!("contains {what} ({c:?})")));
    }
    if let Some(idx) = s.find("://") {
        return Err(err(
            s,
            format!(
                "must not start with a URL scheme ({:?}); use host/repository",
                &s[..idx + 3]
            ),
        ));
    }

    // The digest is everything after the first '@'.
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => {
            if n.is_empty() {
                return Err(err(s, "missing repository name before '@'"));
            }
            if d.is_empty() {
                return Err(err(s, "missing digest after '@'"));
            }
            validate_digest(d).map_err(|r| err(s, r))?;
            (n, Some(d.to_string()))
        }
        None => (s, None),
    };
    // A tag colon can only follow the last '/', so a registry port is never
    // mistaken for a tag.
    let last_slash = name_tag.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => {
            let i = last_slash + i;
            let tag = &name_tag[i + 1..];
            if tag.is_empty() {
                return Err(err(s, "missing tag after ':'"));
            }
            validate_tag(tag).map_err(|r| err(s, r))?;
            (&name_tag[..i], Some(tag.to_string()))
        }
        None => (name_tag, None),
    };
    if name.is_empty() {
        return Err(err(s, "missing repository name"));
    }
    if name.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(err(
            s,
            format!(
                "name is {} characters long, the maximum is {NAME_TOTAL_LENGTH_MAX}",
                name.len()
            ),
        ));
    }

    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if looks_like_registry(first) => (Some(first), rest),
        _ => (None, name),
    };
    if let Some(reg) = registry {
        validate_registry(reg).map_err(|r| err(s, r))?;
    }
    validate_repository(repository).map_err(|r| err(s, r))?;

    Ok(match registry {
        Some(reg) => {
            let registry = normalize_registry(reg);
            ParsedName::Qualified(Reference {
                repository: normalize_repository(&registry, repository),
                registry,
                tag,
                digest,
            })
        }
        None => ParsedName::Short {
            repository: repository.to_string(),
            tag,
            digest,
        },
    })
}

fn validate_tag(tag: &str) -> Result<(), String> {
    if tag.len() > TAG_LENGTH_MAX {
        return Err(format!(
            "tag is {} characters long, the maximum is {TAG_LENGTH_MAX}",
            tag.len()
        ));
    }
    let mut chars = tag.chars();
    let first = chars.next().unwrap_or(' ');
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Err(format!(
            "tag {tag:?} must start with a letter, digit or '_'"
        ));
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))) {
        return Err(format!(
            "tag {tag:?} contains {c:?}; only letters, digits, '_', '.' and '-' are allowed"
        ));
    }
    Ok(())
}

fn validate_digest(digest: &str) -> Result<(), String> {
    let Some((algo, hex)) = digest.split_once(':') else {
        return Err(format!(
            "digest {digest:?} must have the form algorithm:hex (e.g. sha256:...)"
        ));
    };
    let expected_len = match algo {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        "" => return Err(format!("digest {digest:?} is missing its algorithm")),
        _ => return Err(format!("unsupported digest algorithm {algo:?}")),
    };
    if hex.len() != expected_len {
        return Err(format!(
            "{algo} digest must have {expected_len} hex characters, got {}",
            hex.len()
        ));
    }
    if !hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!(
            "{algo} digest must contain only lowercase hex characters"
        ));
    }
    Ok(())
}

fn validate_registry(reg: &str) -> Result<(), String> {
    // Split off an optional ":port"; IPv6 literals are bracketed.
    let (host, port) = if let Some(rest) = reg.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err(format!("registry {reg:?} has an unterminated IPv6 address"));
        };
        let addr = &rest[..end];
        if addr.is_empty()
            || !addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(format!("registry {reg:?} has an invalid IPv6 address"));
        }
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(format!("registry {reg:?} has junk after the IPv6 address")),
        };
        (None, port)
    } else {
        match reg.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(reg), None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("registry {reg:?} has an invalid port {port:?}"));
        }
    }
    if let Some(host) = host {
        if host.is_empty() {
            return Err(format!("registry {reg:?} has an empty host name"));
        }
        for label in host.split('.') {
            let ok = !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(format!(
                    "registry host {host:?} is not a valid host name (bad label {label:?})"
                ));
            }
        }
    }
    Ok(())
}

fn validate_repository(repo: &str) -> Result<(), String> {
    if repo.is_empty() {
        return Err("missing repository name after the registry".to_string());
    }
    if repo.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("repository name {repo:?} must be lowercase"));
    }
    for component in repo.split('/') {
        if component.is_empty() {
            return Err(format!(
                "repository name {repo:?} has an empty path component"
            ));
        }
        if !valid_path_component(component) {
            return Err(format!(
                "repository path component {component:?} is invalid: use lowercase letters and digits, separated by '.', '_', '__' or '-'"
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn valid_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    let mut i = 0;
    loop {
        // A run of alphanumerics is required here.
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        // Then one separator: '.', '_', '__' or one or more '-'.
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
}

impl Reference {
    /// Parse and normalize like Docker: short names resolve to docker.io.
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        let reference = parse_name(s)?
            .candidates(&[])
            .into_iter()
            .next()
            .expect("candidates never empty");
        // A short name grows by "docker.io/library/": the whole name must
        // still fit (as Docker's ParseNormalizedNamed checks), or what is
        // stored under it could never be read back.
        let len = reference.name().len();
        if len > NAME_TOTAL_LENGTH_MAX {
            return Err(err(
                s,
                format!("name is {len} characters long, the maximum is {NAME_TOTAL_LENGTH_MAX}"),
            ));
        }
        Ok(reference)
    }

    /// Add the "latest" tag when neither a tag nor a digest is present.
    pub fn with_default_tag(mut self) -> Self {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some("latest".to_string());
        }
        self
    }

    /// "registry/repository" without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    pub fn is_docker_hub(&self) -> bool {
        self.registry == DEFAULT_REGISTRY
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reference::parse(s)
    }
}

/// Turn a user's name for a new local image into a full reference, as
/// Podman does for tag/import/commit: short names live under localhost/.
pub fn local_name(input: &str) -> anyhow::Result<String> {
    Ok(match parse_name(input)? {
        ParsedName::Qualified(r) => {
            let r = r.with_default_tag();
            crate::image::registry::pull::stored_name(&r)
        }
        ParsedName::Short {
            repository,
            tag,
            digest,
        } => {
            if digest.is_some() {
                anyhow::bail!("{input}: a digest cannot be used as a new image name");
            }
            format!(
                "localhost/{repository}:{}",
                tag.as_deref().unwrap_or("latest")
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn reason(s: &str) -> String {
        Reference::parse(s).expect_err(s).reason
    }

    #[test]
    fn docker_hub_short_names() {
        let b = r("busybox");
        assert_eq!(b.registry, "docker.io");
        assert_eq!(b.repository, "library/busybox");
        assert_eq!(b.tag, None);
        assert_eq!(b.digest, None);
        assert_eq!(b.to_string(), "docker.io/library/busybox");
        assert!(b.is_docker_hub());

        assert_eq!(r("library/busybox"), b);
        assert_eq!(r("docker.io/busybox"), b);
        assert_eq!(r("index.docker.io/busybox"), b);
        assert_eq!(r("docker.io/library/busybox"), b);
    }

    #[test]
    fn user_repo_with_tag() {
        let x = r("user/repo:1.0");
        assert_eq!(x.registry, "docker.io");
        assert_eq!(x.repository, "user/repo");
        assert_eq!(x.tag.as_deref(), Some("1.0"));
        assert_eq!(x.to_string(), "docker.io/user/repo:1.0");
    }

    #[test]
    fn other_registries() {
        let q = r("quay.io/a/b");
        assert_eq!(
            (q.registry.as_str(), q.repository.as_str()),
            ("quay.io", "a/b")
        );
        assert!(!q.is_docker_hub());

        let single = r("quay.io/b");
        assert_eq!(single.repository, "b", "library/ only for docker.io");

        let l = r("localhost/x");
        assert_eq!(
            (l.registry.as_str(), l.repository.as_str()),
            ("localhost", "x")
        );

        let p = r("localhost:5000/a/b:t");
        assert_eq!(p.registry, "localhost:5000");
        assert_eq!(p.repository, "a/b");
        assert_eq!(p.tag.as_deref(), Some("t"));

        let ip = r("127.0.0.1:5000/x");
        assert_eq!(ip.registry, "127.0.0.1:5000");
        assert_eq!(ip.tag, None);

        let v6 = r("[::1]:5000/x:v1");
        assert_eq!(v6.registry, "[::1]:5000");
        assert_eq!(v6.repository, "x");
        assert_eq!(v6.tag.as_deref(), Some("v1"));

        let v6np = r("[fe80::1]/x");
        assert_eq!(v6np.registry, "[fe80::1]");

        let upper_host = r("Registry.Example.COM/x");
        assert_eq!(upper_host.registry, "Registry.Example.COM");
    }

    #[test]
    fn port_is_not_a_tag() {
        let x = r("host:5000/repo");
        assert_eq!(x.registry, "host:5000");
        assert_eq!(x.repository, "repo");
        assert_eq!(x.tag, None);
        // Without a slash, "localhost:5000" is a Docker Hub image with a tag.
        let y = r("localhost:5000");
        assert_eq!(y.repository, "library/localhost");
        assert_eq!(y.tag.as_deref(), Some("5000"));
    }

    #[test]
    fn digests() {
        let d = r(&format!("x@sha256:{HEX64}"));
        assert_eq!(d.repository, "library/x");
        assert_eq!(d.tag, None);
        assert_eq!(
            d.digest.as_deref(),
            Some(format!("sha256:{HEX64}").as_str())
        );
        assert_eq!(d.to_string(), format!("docker.io/library/x@sha256:{HEX64}"));

        let td = r(&format!("x:t@sha256:{HEX64}"));
        assert_eq!(td.tag.as_deref(), Some("t"));
        assert!(td.digest.is_some());
        assert_eq!(
            td.to_string(),
            format!("docker.io/library/x:t@sha256:{HEX64}")
        );

        let pd = r(&format!("localhost:5000/a@sha256:{HEX64}"));
        assert_eq!(pd.registry, "localhost:5000");
        assert_eq!(pd.tag, None);

        let h512 = HEX64.repeat(2);
        assert!(Reference::parse(&format!("x@sha512:{h512}")).is_ok());
        assert!(Reference::parse(&format!("x@sha384:{}", &h512[..96])).is_ok());
    }

    #[test]
    fn default_tag_and_accessors() {
        let x = r("busybox").with_default_tag();
        assert_eq!(x.tag.as_deref(), Some("latest"));
        assert_eq!(x.to_string(), "docker.io/library/busybox:latest");
        assert_eq!(x.name(), "docker.io/library/busybox");

        let d = r(&format!("x@sha256:{HEX64}")).with_default_tag();
        assert_eq!(d.tag, None, "digest references stay untagged");
        assert_eq!(d.tag_or_latest(), "latest");

        let t = r("x:1").with_default_tag();
        assert_eq!(t.tag_or_latest(), "1");
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "docker.io/library/busybox:latest",
            "quay.io/a/b/c:v1.2-3_x",
            "localhost:5000/a/b",
            "[::1]:5000/x",
        ] {
            assert_eq!(r(s).to_string(), s);
            assert_eq!(r(&r(s).to_string()), r(s));
        }
        let parsed: Reference = "alpine:3".parse().unwrap();
        assert_eq!(parsed.to_string(), "docker.io/library/alpine:3");
    }

    #[test]
    fn valid_repository_separators() {
        for s in ["a.b", "a_b", "a__b", "a-b", "a---b", "a1/b2/c3", "0/1"] {
            r(s);
        }
    }

    #[test]
    fn bad_inputs() {
        assert!(reason("").contains("empty"));
        assert!(reason("http://example.com/x").contains("scheme"));
        assert!(reason("https://example.com/x").contains("scheme"));
        assert!(reason("busybox:").contains("missing tag"));
        assert!(reason("busybox@").contains("missing digest"));
        assert!(reason("busy box").contains("whitespace"));
        assert!(reason(" busybox").contains("whitespace"));
        assert!(reason("Busybox").contains("must be lowercase"));
        assert!(reason("quay.io/User/repo").contains("must be lowercase"));
        assert!(reason("a//b").contains("empty path component"));
        assert!(reason("a/").contains("empty path component"));
        assert!(reason("/a").contains("empty path component"));
        assert!(reason("quay.io/").contains("missing repository"));
        assert!(reason(":tag").contains("missing repository"));
        assert!(reason("@sha256:abc").contains("missing repository"));
        assert!(reason("a_-b").contains("path component"));
        assert!(reason("a___b").contains("path component"));
        assert!(reason("-a").contains("path component"));
        assert!(reason("a.").contains("path component"));
        assert!(reason("x:-t").contains("must start"));
        assert!(reason("x:t!").contains("'!'"));
        assert!(reason(&format!("x:{}", "a".repeat(129))).contains("maximum is 128"));
        r(&format!("x:{}", "a".repeat(128)));
        assert!(reason("x@sha256:abc").contains("64 hex"));
        assert!(reason(&format!("x@sha256:{}", HEX64.to_uppercase())).contains("lowercase hex"));
        assert!(reason(&format!("x@md5:{HEX64}")).contains("unsupported digest algorithm"));
        assert!(reason("x@deadbeef").contains("algorithm:hex"));
        assert!(reason("host:port/x").contains("invalid port"));
        assert!(reason("host:/x").contains("invalid port"));
        assert!(reason("-bad.com/x").contains("not a valid host"));
        assert!(reason("a..b/x").contains("not a valid host"));
        assert!(reason("[::1/x").contains("IPv6"));
        assert!(reason("[zz]:5000/x").contains("IPv6"));
        assert!(reason("a:b:c").contains("path component"));
    }

    #[test]
    fn name_length_limit() {
        let long = format!("quay.io/{}", "a".repeat(255 - "quay.io/".len()));
        r(&long);
        let too_long = format!("{long}a");
        assert!(reason(&too_long).contains("maximum is 255"));
    }

    /// Found by fuzzing: a short name that fits alone but not once
    /// normalized was accepted, and its printed form then failed to parse.
    #[test]
    fn normalized_name_length_limit() {
        let fits = "a".repeat(255 - "docker.io/library/".len());
        assert_eq!(r(&fits).to_string(), format!("docker.io/library/{fits}"));
        let grows_too_long = format!("{fits}a");
        assert!(grows_too_long.len() <= 255);
        assert_eq!(
            reason(&grows_too_long),
            "name is 256 characters long, the maximum is 255"
        );
        let with_namespace = format!("ns/{}", "b".repeat(250));
        assert!(reason(&with_namespace).contains("maximum is 255"));
        assert_eq!(r(&r(&fits).to_string()), r(&fits));
    }

    #[test]
    fn error_display() {
        let e = Reference::parse("Busybox").unwrap_err();
        let s = e.to_string();
        assert!(
            s.starts_with("invalid image reference \"Busybox\": "),
            "{s}"
        );
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn short_names_and_candidates() {
        assert!(is_short_name("busybox"));
        assert!(is_short_name("library/busybox:1"));
        assert!(is_short_name("user/repo"));
        assert!(!is_short_name("quay.io/a/b"));
        assert!(!is_short_name("localhost/x"));
        assert!(!is_short_name("localhost:5000/x"));
        assert!(is_short_name("localhost:5000"));

        let p = parse_name("busybox:1").unwrap();
        assert_eq!(
            p,
            ParsedName::Short {
                repository: "busybox".into(),
                tag: Some("1".into()),
                digest: None
            }
        );
        let regs = vec!["quay.io".to_string(), "docker.io".to_string()];
        let c = p.candidates(&regs);
        assert_eq!(
            c.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            ["quay.io/busybox:1", "docker.io/library/busybox:1"]
        );
        let c = p.candidates(&[]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].to_string(), "docker.io/library/busybox:1");

        // index.docker.io in the search list is normalized too.
        let c = p.candidates(&["index.docker.io".to_string()]);
        assert_eq!(c[0].to_string(), "docker.io/library/busybox:1");

        let q = parse_name("quay.io/a/b").unwrap();
        assert!(matches!(q, ParsedName::Qualified(_)));
        assert_eq!(q.candidates(&regs), vec![r("quay.io/a/b")]);

        let nested = parse_name("user/repo").unwrap();
        assert_eq!(nested.candidates(&[])[0].repository, "user/repo");
    }

    #[test]
    fn local_names() {
        assert_eq!(local_name("app").unwrap(), "localhost/app:latest");
        assert_eq!(local_name("team/app:2").unwrap(), "localhost/team/app:2");
        assert_eq!(local_name("quay.io/a/b").unwrap(), "quay.io/a/b:latest");
        assert!(local_name("Bad Name").is_err());
    }
}
