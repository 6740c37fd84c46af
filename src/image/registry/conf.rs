//! containers-registries.conf(5): search registries, mirrors, insecure and
//! blocked registries. Reads the v2 TOML format and the legacy v1 tables.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::image::reference::Reference;

const SYSTEM_CONF: &str = "/etc/containers/registries.conf";
const DROP_IN_DIR_NAME: &str = "registries.conf.d";

#[derive(Debug, Clone, Default)]
pub struct RegistriesConf {
    pub unqualified_search_registries: Vec<String>,
    pub registries: Vec<RegistryEntry>,
    pub short_name_mode: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RegistryEntry {
    pub prefix: String,
    pub location: String,
    pub insecure: bool,
    pub blocked: bool,
    pub mirrors: Vec<Mirror>,
}

#[derive(Debug, Clone, Default)]
pub struct Mirror {
    pub location: String,
    pub insecure: bool,
    /// "all" (the default when None), "digest-only" or "tag-only".
    pub pull_from_mirror: Option<String>,
}

/// One place to try pulling an image from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullSource {
    pub registry: String,
    pub repository: String,
    pub insecure: bool,
}

// ---- on-disk format (unknown keys are ignored for forward compatibility) ----

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct FileV2 {
    unqualified_search_registries: Option<Vec<String>>,
    short_name_mode: Option<String>,
    #[serde(default)]
    registry: Vec<EntryV2>,
    /// Present only in the v1 format.
    registries: Option<TablesV1>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct EntryV2 {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    blocked: bool,
    #[serde(default)]
    mirror_by_digest_only: bool,
    #[serde(default)]
    mirror: Vec<MirrorV2>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct MirrorV2 {
    #[serde(default)]
    location: String,
    #[serde(default)]
    insecure: bool,
    pull_from_mirror: Option<String>,
}

#[derive(Deserialize, Default)]
struct TablesV1 {
    #[serde(default)]
    search: ListV1,
    #[serde(default)]
    insecure: ListV1,
    #[serde(default)]
    block: ListV1,
}

#[derive(Deserialize, Default)]
struct ListV1 {
    #[serde(default)]
    registries: Vec<String>,
}

/// A parsed file plus whether it set the search list (an explicitly empty
/// list still replaces earlier files' lists).
struct Parsed {
    conf: RegistriesConf,
    search_set: bool,
}

/// 1-based line of a byte offset, for error messages.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn clean_location(s: &str, what: &str, origin: &str) -> Result<String> {
    let s = s.trim();
    if s.contains("://") {
        bail!("{origin}: {what} {s:?} must not contain a URL scheme");
    }
    Ok(s.trim_end_matches('/').to_string())
}

fn parse_file(text: &str, origin: &str) -> Result<Parsed> {
    let file: FileV2 = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        match line {
            Some(l) => anyhow::anyhow!("{origin}:{l}: invalid TOML: {}", e.message()),
            None => anyhow::anyhow!("{origin}: invalid TOML: {}", e.message()),
        }
    })?;

    if let Some(v1) = file.registries {
        // Mixing both formats in one file is ambiguous; containers/image rejects it too.
        if file.unqualified_search_registries.is_some() || !file.registry.is_empty() {
            bail!("{origin}: mixing registries.conf v1 ([registries.*]) and v2 formats is not supported");
        }
        return Ok(Parsed {
            search_set: !v1.search.registries.is_empty(),
            conf: from_v1(v1, origin)?,
        });
    }

    if let Some(mode) = &file.short_name_mode {
        if !matches!(mode.as_str(), "enforcing" | "permissive" | "disabled") {
            bail!("{origin}: invalid short-name-mode {mode:?} (expected enforcing, permissive or disabled)");
        }
    }

    let mut registries = Vec::new();
    for e in file.registry {
        let location = clean_location(&e.location, "location", origin)?;
        let prefix = if e.prefix.trim().is_empty() {
            location.clone()
        } else {
            clean_location(&e.prefix, "prefix", origin)?
        };
        if prefix.is_empty() {
            bail!("{origin}: a [[registry]] entry needs a prefix or a location");
        }
        if let Some(rest) = prefix.strip_prefix("*.") {
            if rest.is_empty() || rest.contains(['/', '*']) {
                bail!("{origin}: wildcard prefix {prefix:?} must be of the form *.example.com");
            }
        } else if prefix.contains('*') {
            bail!("{origin}: prefix {prefix:?}: '*' is only allowed as a leading \"*.\"");
        }
        let mut mirrors = Vec::new();
        for m in e.mirror {
            let location = clean_location(&m.location, "mirror location", origin)?;
            if location.is_empty() {
                bail!("{origin}: mirror of {prefix:?} has no location");
            }
            let pull_from_mirror = match m.pull_from_mirror.as_deref() {
                None | Some("") => None,
                Some(p @ ("all" | "digest-only" | "tag-only")) => {
                    if e.mirror_by_digest_only && p != "digest-only" {
                        bail!("{origin}: mirror {location:?}: pull-from-mirror = {p:?} conflicts with mirror-by-digest-only = true");
                    }
                    Some(p.to_string())
                }
                Some(p) => bail!(
                    "{origin}: mirror {location:?}: invalid pull-from-mirror {p:?} (expected all, digest-only or tag-only)"
                ),
            };
            // Fold the older per-registry switch into each mirror.
            let pull_from_mirror = if e.mirror_by_digest_only {
                Some("digest-only".to_string())
            } else {
                pull_from_mirror
            };
            mirrors.push(Mirror {
                location,
                insecure: m.insecure,
                pull_from_mirror,
            });
        }
        let entry = RegistryEntry {
            prefix,
            location,
            insecure: e.insecure,
            blocked: e.blocked,
            mirrors,
        };
        // A prefix listed twice in one file: the later entry wins.
        upsert(&mut registries, entry);
    }

    Ok(Parsed {
        search_set: file.unqualified_search_registries.is_some(),
        conf: RegistriesConf {
            unqualified_search_registries: file.unqualified_search_registries.unwrap_or_default(),
            registries,
            short_name_mode: file.short_name_mode,
        },
    })
}

fn from_v1(v1: TablesV1, origin: &str) -> Result<RegistriesConf> {
    let mut registries: Vec<RegistryEntry> = Vec::new();
    let mut entry_for = |host: &str| -> Result<usize> {
        let host = clean_location(host, "registry", origin)?;
        if host.is_empty() {
            bail!("{origin}: empty registry name in a v1 [registries.*] list");
        }
        Ok(match registries.iter().position(|r| r.prefix == host) {
            Some(i) => i,
            None => {
                registries.push(RegistryEntry {
                    prefix: host.clone(),
                    location: host,
                    ..Default::default()
                });
                registries.len() - 1
            }
        })
    };
    let mut insecure_idx = Vec::new();
    for h in &v1.insecure.registries {
        insecure_idx.push(entry_for(h)?);
    }
    let mut blocked_idx = Vec::new();
    for h in &v1.block.registries {
        blocked_idx.push(entry_for(h)?);
    }
    for i in insecure_idx {
        registries[i].insecure = true;
    }
    for i in blocked_idx {
        registries[i].blocked = true;
    }
    let mut search = Vec::new();
    for h in &v1.search.registries {
        search.push(clean_location(h, "registry", origin)?);
    }
    Ok(RegistriesConf {
        unqualified_search_registries: search,
        registries,
        short_name_mode: None,
    })
}

fn upsert(list: &mut Vec<RegistryEntry>, entry: RegistryEntry) {
    match list.iter_mut().find(|r| r.prefix == entry.prefix) {
        Some(existing) => *existing = entry,
        None => list.push(entry),
    }
}

/// The host part of "host[:port]/path".
fn host_of(name: &str) -> &str {
    name.split('/').next().unwrap_or(name)
}

/// Strip a ":port" from a host, leaving bracketed IPv6 literals intact.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(i) => &host[..=i],
            None => host,
        };
    }
    host.split(':').next().unwrap_or(host)
}

/// How many bytes of `name` the prefix matches, if it matches at all.
fn match_len(prefix: &str, name: &str) -> Option<usize> {
    if let Some(domain) = prefix.strip_prefix('*') {
        // "*.example.com" matches subdomains of the host part only.
        let host = host_of(name);
        let bare = strip_port(host);
        return (bare.len() > domain.len() && bare.ends_with(domain)).then_some(host.len());
    }
    if name == prefix {
        return Some(prefix.len());
    }
    let rest = name.strip_prefix(prefix)?;
    let boundary = match rest.as_bytes().first() {
        Some(b'/') => true,
        // A tag/digest suffix is a boundary only inside the repository path,
        // so a host prefix never matches a different port of the same host.
        Some(b':' | b'@') => prefix.contains('/'),
        _ => false,
    };
    boundary.then_some(prefix.len())
}

impl RegistriesConf {
    /// Load the files Podman reads, in the same order.
    pub fn load() -> Result<Self> {
        let env = std::env::var_os("CONTAINERS_REGISTRIES_CONF")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let config_home = directories::BaseDirs::new().map(|d| d.config_dir().to_path_buf());
        let paths = standard_paths(env, config_home.as_deref(), Path::new(SYSTEM_CONF))?;
        Self::load_from(&paths)
    }

    /// Load and merge the given files in order; missing files are skipped.
    pub fn load_from(paths: &[PathBuf]) -> Result<Self> {
        let mut conf = RegistriesConf::default();
        for path in paths {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            };
            let parsed = parse_file(&text, &path.display().to_string())?;
            conf.merge(parsed);
        }
        Ok(conf)
    }

    pub fn parse_str(text: &str, origin: &str) -> Result<Self> {
        Ok(parse_file(text, origin)?.conf)
    }

    fn merge(&mut self, later: Parsed) {
        if later.search_set {
            self.unqualified_search_registries = later.conf.unqualified_search_registries;
        }
        if later.conf.short_name_mode.is_some() {
            self.short_name_mode = later.conf.short_name_mode;
        }
        for entry in later.conf.registries {
            upsert(&mut self.registries, entry);
        }
    }

    /// The entry with the longest prefix matching `name` ("host/repo/path").
    pub fn find(&self, name: &str) -> Option<&RegistryEntry> {
        self.registries
            .iter()
            .filter_map(|e| {
                let len = match_len(&e.prefix, name)?;
                // On equal length an exact prefix beats a wildcard.
                Some(((len, !e.prefix.starts_with('*')), e))
            })
            .max_by_key(|(k, _)| *k)
            .map(|(_, e)| e)
    }

    /// Whether plain HTTP / unverified TLS is allowed for this host.
    pub fn is_insecure(&self, host: &str) -> bool {
        if self.find(host).is_some_and(|e| e.insecure) {
            return true;
        }
        self.registries.iter().any(|e| {
            (e.insecure && !e.location.is_empty() && host_of(&e.location) == host)
                || e.mirrors
                    .iter()
                    .any(|m| m.insecure && host_of(&m.location) == host)
        })
    }

    pub fn is_blocked(&self, name: &str) -> bool {
        self.find(name).is_some_and(|e| e.blocked)
    }

    /// Where to pull `r` from: usable mirrors in order, then the primary
    /// location (rewritten by prefix -> location). Blocking is not applied
    /// here; callers check `is_blocked` first.
    pub fn pull_sources(&self, r: &Reference) -> Vec<PullSource> {
        let name = r.name();
        let Some(entry) = self.find(&name) else {
            return vec![PullSource {
                registry: r.registry.clone(),
                repository: r.repository.clone(),
                insecure: self.is_insecure(&r.registry),
            }];
        };
        // For a wildcard entry the matched part is the host itself.
        let matched = if entry.prefix.starts_with('*') {
            host_of(&name).to_string()
        } else {
            entry.prefix.clone()
        };
        let rest = &name[matched.len()..];
        let by_digest = r.digest.is_some();

        let mut out: Vec<PullSource> = Vec::new();
        let mut push = |location: &str, insecure: bool| {
            let full = format!("{location}{rest}");
            // A rewrite that leaves no repository path cannot be pulled from.
            if let Some((registry, repository)) = full.split_once('/') {
                if !repository.is_empty() {
                    let s = PullSource {
                        registry: registry.to_string(),
                        repository: repository.to_string(),
                        insecure,
                    };
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
        };
        for m in &entry.mirrors {
            let usable = match m.pull_from_mirror.as_deref() {
                Some("digest-only") => by_digest,
                Some("tag-only") => !by_digest,
                _ => true,
            };
            if usable {
                push(&m.location, m.insecure);
            }
        }
        let primary = if entry.location.is_empty() {
            matched.as_str()
        } else {
            entry.location.as_str()
        };
        let insecure = entry.insecure || self.is_insecure(host_of(primary));
        push(primary, insecure);
        out
    }
}

/// The files `load` reads: the override alone, or the main file followed by
/// the system and then the user drop-ins (each directory sorted by name).
fn standard_paths(
    env_override: Option<PathBuf>,
    config_home: Option<&Path>,
    system_conf: &Path,
) -> Result<Vec<PathBuf>> {
    if let Some(p) = env_override {
        return Ok(vec![p]);
    }
    let user_conf = config_home.map(|h| h.join("containers").join("registries.conf"));
    let mut paths = vec![match &user_conf {
        Some(u) if u.exists() => u.clone(),
        _ => system_conf.to_path_buf(),
    }];
    let mut dirs = Vec::new();
    if let Some(parent) = system_conf.parent() {
        dirs.push(parent.join(DROP_IN_DIR_NAME));
    }
    if let Some(parent) = user_conf.as_deref().and_then(Path::parent) {
        dirs.push(parent.join(DROP_IN_DIR_NAME));
    }
    for dir in dirs {
        paths.extend(drop_ins(&dir)?);
    }
    Ok(paths)
}

fn drop_ins(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut files = Vec::new();
    for ent in rd {
        let ent = ent.with_context(|| format!("reading {}", dir.display()))?;
        let path = ent.path();
        if path.extension().is_some_and(|e| e == "conf") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn conf(text: &str) -> RegistriesConf {
        RegistriesConf::parse_str(text, "test.conf").unwrap()
    }

    fn src(registry: &str, repository: &str, insecure: bool) -> PullSource {
        PullSource {
            registry: registry.into(),
            repository: repository.into(),
            insecure,
        }
    }

    const HEX64: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_v2() {
        let c = conf(
            r#"
unqualified-search-registries = ["registry.fedoraproject.org", "quay.io", "docker.io"]
short-name-mode = "enforcing"
credential-helpers = ["containers-auth.json"]
some-future-key = 1

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true
future-field = "x"

[[registry.mirror]]
location = "mirror.example.com/bar"
pull-from-mirror = "digest-only"

[[registry]]
location = "blocked.io"
blocked = true

[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"#,
        );
        assert_eq!(
            c.unqualified_search_registries,
            ["registry.fedoraproject.org", "quay.io", "docker.io"]
        );
        assert_eq!(c.short_name_mode.as_deref(), Some("enforcing"));
        assert_eq!(c.registries.len(), 2);
        let e = &c.registries[0];
        assert_eq!(e.prefix, "example.com/foo");
        assert_eq!(e.location, "internal.example.com/bar");
        assert!(e.insecure && !e.blocked);
        assert_eq!(e.mirrors.len(), 1);
        assert_eq!(
            e.mirrors[0].pull_from_mirror.as_deref(),
            Some("digest-only")
        );
        assert_eq!(
            c.registries[1].prefix, "blocked.io",
            "prefix defaults to location"
        );
        assert!(c.registries[1].blocked);
    }

    #[test]
    fn parses_v1() {
        let c = conf(
            r#"
[registries.search]
registries = ["quay.io", "docker.io"]
[registries.insecure]
registries = ["localhost:5000", "quay.io"]
[registries.block]
registries = ["evil.io"]
"#,
        );
        assert_eq!(c.unqualified_search_registries, ["quay.io", "docker.io"]);
        assert!(c.is_insecure("localhost:5000"));
        assert!(c.is_insecure("quay.io"));
        assert!(!c.is_insecure("docker.io"));
        assert!(c.is_blocked("evil.io/x/y"));
        assert!(!c.is_blocked("quay.io/x"));
    }

    #[test]
    fn empty_and_invalid() {
        let c = conf("");
        assert!(c.unqualified_search_registries.is_empty());
        assert!(c.registries.is_empty());

        let e =
            RegistriesConf::parse_str("a = 1\n\nunqualified-search-registries = [\n", "/x/r.conf")
                .unwrap_err()
                .to_string();
        assert!(e.starts_with("/x/r.conf:"), "{e}");
        assert!(e.contains("invalid TOML"), "{e}");

        let e = RegistriesConf::parse_str("\n\nshort-name-mode = 3\n", "f.conf")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f.conf:3:"), "{e}");

        for bad in [
            "short-name-mode = \"sometimes\"",
            "[[registry]]\ninsecure = true",
            "[[registry]]\nlocation = \"http://x.io\"",
            "[[registry]]\nprefix = \"*.\"",
            "[[registry]]\nprefix = \"a.*.com\"",
            "[[registry]]\nprefix = \"*.a.com/x\"",
            "[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"m.io\"\npull-from-mirror = \"some\"",
            "[[registry]]\nlocation = \"a.io\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m.io\"\npull-from-mirror = \"tag-only\"",
            "[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\ninsecure = true",
            "unqualified-search-registries = [\"a\"]\n[registries.search]\nregistries = [\"b\"]",
        ] {
            assert!(RegistriesConf::parse_str(bad, "t").is_err(), "accepted: {bad}");
        }
    }

    #[test]
    fn find_longest_prefix_and_boundaries() {
        let c = conf(
            r#"
[[registry]]
prefix = "example.com"
location = "a.io"
[[registry]]
prefix = "example.com/foo"
location = "b.io"
[[registry]]
prefix = "example.com/foo/bar"
location = "c.io"
"#,
        );
        let loc = |n: &str| c.find(n).map(|e| e.location.as_str());
        assert_eq!(loc("example.com/x"), Some("a.io"));
        assert_eq!(loc("example.com/foo"), Some("b.io"));
        assert_eq!(loc("example.com/foo/x"), Some("b.io"));
        assert_eq!(loc("example.com/foobar"), Some("a.io"), "'/' boundary");
        assert_eq!(loc("example.com/foo/bar/baz"), Some("c.io"));
        assert_eq!(loc("example.com/foo:tag"), Some("b.io"));
        assert_eq!(loc("example.com"), Some("a.io"));
        assert_eq!(loc("example.community/x"), None);
        assert_eq!(
            loc("example.com:5000/x"),
            None,
            "other port is another registry"
        );
        assert_eq!(loc("other.com/x"), None);
    }

    #[test]
    fn wildcard_prefix() {
        let c = conf(
            r#"
[[registry]]
prefix = "*.example.com"
insecure = true
[[registry]]
prefix = "exact.example.com"
location = "exact.example.com"
"#,
        );
        assert!(c.find("a.example.com/x").is_some());
        assert!(c.find("a.b.example.com/x/y").is_some());
        assert!(c.find("a.example.com:5000/x").is_some());
        assert!(c.find("example.com/x").is_none(), "subdomains only");
        assert!(
            c.find("evil.com/a.example.com/x").is_none(),
            "host part only"
        );
        assert!(c.find("aexample.com/x").is_none());
        assert_eq!(
            c.find("exact.example.com/x").unwrap().prefix,
            "exact.example.com"
        );
        assert!(c.is_insecure("a.example.com"));
        assert!(!c.is_insecure("exact.example.com"));

        let r = Reference::parse("a.example.com/x/y:1").unwrap();
        assert_eq!(c.pull_sources(&r), [src("a.example.com", "x/y", true)]);
    }

    #[test]
    fn insecure_by_prefix_location_and_mirror() {
        let c = conf(
            r#"
[[registry]]
prefix = "example.com"
location = "internal.lan:5000/ns"
insecure = true
[[registry.mirror]]
location = "mirror.lan"
insecure = true
[[registry]]
location = "secure.io"
"#,
        );
        assert!(c.is_insecure("example.com"));
        assert!(c.is_insecure("internal.lan:5000"));
        assert!(c.is_insecure("mirror.lan"));
        assert!(!c.is_insecure("secure.io"));
        assert!(!c.is_insecure("unknown.io"));
        assert!(!c.is_insecure("internal.lan"));
    }

    #[test]
    fn pull_sources_rewrite_and_mirrors() {
        let c = conf(
            r#"
[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "mirror.local:5000"
insecure = true
[[registry.mirror]]
location = "digests.local/cache"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "tags.local"
pull-from-mirror = "tag-only"

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
"#,
        );
        let r = Reference::parse("busybox:1").unwrap();
        assert_eq!(
            c.pull_sources(&r),
            [
                src("mirror.local:5000", "library/busybox", true),
                src("tags.local", "library/busybox", false),
                src("docker.io", "library/busybox", false),
            ]
        );
        let d = Reference::parse(&format!("busybox@sha256:{HEX64}")).unwrap();
        assert_eq!(
            c.pull_sources(&d),
            [
                src("mirror.local:5000", "library/busybox", true),
                src("digests.local", "cache/library/busybox", false),
                src("docker.io", "library/busybox", false),
            ]
        );
        let f = Reference::parse("example.com/foo/app:2").unwrap();
        assert_eq!(
            c.pull_sources(&f),
            [src("internal.example.com", "bar/app", false)]
        );
        let u = Reference::parse("quay.io/a/b").unwrap();
        assert_eq!(c.pull_sources(&u), [src("quay.io", "a/b", false)]);
    }

    #[test]
    fn mirror_by_digest_only() {
        let c = conf(
            r#"
[[registry]]
location = "quay.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "m.io"
"#,
        );
        assert_eq!(
            c.registries[0].mirrors[0].pull_from_mirror.as_deref(),
            Some("digest-only")
        );
        let t = Reference::parse("quay.io/a:1").unwrap();
        assert_eq!(c.pull_sources(&t), [src("quay.io", "a", false)]);
        let d = Reference::parse(&format!("quay.io/a@sha256:{HEX64}")).unwrap();
        assert_eq!(
            c.pull_sources(&d),
            [src("m.io", "a", false), src("quay.io", "a", false)]
        );
    }

    #[test]
    fn unmatched_source_uses_insecure_flag() {
        let c = conf("[registries.insecure]\nregistries = [\"localhost:5000\"]\n");
        let r = Reference::parse("localhost:5000/a").unwrap();
        assert_eq!(c.pull_sources(&r), [src("localhost:5000", "a", true)]);
    }

    #[test]
    fn load_from_merges_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.conf");
        let b = dir.path().join("b.conf");
        let c = dir.path().join("c.conf");
        fs::write(
            &a,
            r#"
unqualified-search-registries = ["quay.io", "docker.io"]
short-name-mode = "enforcing"
[[registry]]
location = "x.io"
insecure = true
[[registry]]
location = "y.io"
"#,
        )
        .unwrap();
        fs::write(
            &b,
            r#"
[[registry]]
location = "x.io"
blocked = true
[[registry]]
location = "z.io"
"#,
        )
        .unwrap();
        fs::write(
            &c,
            "unqualified-search-registries = []\nshort-name-mode = \"permissive\"\n",
        )
        .unwrap();
        let missing = dir.path().join("missing.conf");

        let m = RegistriesConf::load_from(&[a.clone(), missing.clone(), b.clone()]).unwrap();
        assert_eq!(m.unqualified_search_registries, ["quay.io", "docker.io"]);
        assert_eq!(m.short_name_mode.as_deref(), Some("enforcing"));
        let prefixes: Vec<_> = m.registries.iter().map(|e| e.prefix.as_str()).collect();
        assert_eq!(prefixes, ["x.io", "y.io", "z.io"]);
        // The later entry for x.io replaced the earlier one entirely.
        assert!(m.is_blocked("x.io/a"));
        assert!(!m.is_insecure("x.io"));

        let m = RegistriesConf::load_from(&[a.clone(), c.clone()]).unwrap();
        assert!(
            m.unqualified_search_registries.is_empty(),
            "explicit [] replaces"
        );
        assert_eq!(m.short_name_mode.as_deref(), Some("permissive"));

        let bad = dir.path().join("bad.conf");
        fs::write(&bad, "ok = 1\n[[registry]\n").unwrap();
        let e = RegistriesConf::load_from(&[a, bad.clone()])
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("{}:2:", bad.display())), "{e}");

        assert!(RegistriesConf::load_from(&[missing])
            .unwrap()
            .registries
            .is_empty());
    }

    #[test]
    fn standard_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path().join("etc/containers");
        let home = dir.path().join("home/.config");
        fs::create_dir_all(etc.join(DROP_IN_DIR_NAME)).unwrap();
        fs::create_dir_all(home.join("containers").join(DROP_IN_DIR_NAME)).unwrap();
        let system = etc.join("registries.conf");
        fs::write(&system, "unqualified-search-registries = [\"sys.io\"]").unwrap();
        for n in ["20-b.conf", "10-a.conf", "ignored.txt"] {
            fs::write(etc.join(DROP_IN_DIR_NAME).join(n), "").unwrap();
        }
        fs::write(
            home.join("containers")
                .join(DROP_IN_DIR_NAME)
                .join("05-u.conf"),
            "",
        )
        .unwrap();

        let p = standard_paths(None, Some(&home), &system).unwrap();
        assert_eq!(
            p,
            [
                system.clone(),
                etc.join(DROP_IN_DIR_NAME).join("10-a.conf"),
                etc.join(DROP_IN_DIR_NAME).join("20-b.conf"),
                home.join("containers")
                    .join(DROP_IN_DIR_NAME)
                    .join("05-u.conf"),
            ]
        );

        // A user registries.conf replaces the system one as the main file.
        let user = home.join("containers/registries.conf");
        fs::write(&user, "unqualified-search-registries = [\"user.io\"]").unwrap();
        let p = standard_paths(None, Some(&home), &system).unwrap();
        assert_eq!(p[0], user);
        assert_eq!(p.len(), 4);
        let m = RegistriesConf::load_from(&p).unwrap();
        assert_eq!(m.unqualified_search_registries, ["user.io"]);

        // The environment override is used alone.
        let only = dir.path().join("only.conf");
        let p = standard_paths(Some(only.clone()), Some(&home), &system).unwrap();
        assert_eq!(p, [only]);

        // No home directory: system file plus system drop-ins.
        let p = standard_paths(None, None, &system).unwrap();
        assert_eq!(p.len(), 3);
    }
}
