//! Registry credentials in the files Podman (auth.json) and Docker
//! (config.json, legacy .dockercfg) use, including credential helpers.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{Map, Value};

/// Docker stores Hub credentials under this legacy key and passes it to helpers.
const DOCKER_HUB_URL_KEY: &str = "https://index.docker.io/v1/";

/// Username Docker uses to mark an identity (refresh) token.
pub const TOKEN_USERNAME: &str = "<token>";

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// One file to search and whether it uses the flat legacy .dockercfg layout.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AuthFile {
    path: PathBuf,
    legacy: bool,
}

type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

fn real_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
}

fn config_home(env: EnvFn, home: Option<&Path>) -> Option<PathBuf> {
    env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".config")))
}

/// Where `login` writes by default.
pub fn default_auth_file() -> PathBuf {
    default_auth_file_with(&real_env, home_dir().as_deref())
}

fn default_auth_file_with(env: EnvFn, home: Option<&Path>) -> PathBuf {
    if let Some(p) = env("REGISTRY_AUTH_FILE") {
        return PathBuf::from(p);
    }
    if let Some(run) = env("XDG_RUNTIME_DIR") {
        return Path::new(&run).join("containers/auth.json");
    }
    config_home(env, home)
        // Without a home there is no better place than the working directory.
        .unwrap_or_else(|| PathBuf::from(".config"))
        .join("containers/auth.json")
}

/// The files searched when no explicit auth file is given, in Podman's order.
fn default_lookup_files(env: EnvFn, home: Option<&Path>) -> Vec<AuthFile> {
    let mut files = vec![AuthFile {
        path: default_auth_file_with(env, home),
        legacy: false,
    }];
    if let Some(cfg) = config_home(env, home) {
        files.push(AuthFile {
            path: cfg.join("containers/auth.json"),
            legacy: false,
        });
    }
    // DOCKER_CONFIG relocates Docker's ~/.docker directory.
    if let Some(dir) = env("DOCKER_CONFIG") {
        files.push(AuthFile {
            path: Path::new(&dir).join("config.json"),
            legacy: false,
        });
    } else if let Some(h) = home {
        files.push(AuthFile {
            path: h.join(".docker/config.json"),
            legacy: false,
        });
    }
    if let Some(h) = home {
        files.push(AuthFile {
            path: h.join(".dockercfg"),
            legacy: true,
        });
    }
    let mut seen = Vec::new();
    files.retain(|f| {
        let new = !seen.contains(&f.path);
        seen.push(f.path.clone());
        new
    });
    files
}

/// Find credentials for `registry` (a host, possibly with port) and
/// `repository` (path on that registry, may be empty).
pub fn lookup(
    registry: &str,
    repository: &str,
    authfile: Option<&Path>,
) -> Result<Option<Credentials>> {
    let files = match authfile {
        Some(p) => vec![AuthFile {
            path: p.to_path_buf(),
            legacy: false,
        }],
        None => default_lookup_files(&real_env, home_dir().as_deref()),
    };
    lookup_in(&files, registry, repository, None)
}

/// `helper_dirs` replaces $PATH when searching for credential helpers.
fn lookup_in(
    files: &[AuthFile],
    registry: &str,
    repository: &str,
    helper_dirs: Option<&[PathBuf]>,
) -> Result<Option<Credentials>> {
    let registry = normalize_host(registry);
    for file in files {
        let Some(doc) = read_json(&file.path)? else {
            continue;
        };
        if let Some(c) = lookup_in_doc(&doc, file, &registry, repository, helper_dirs)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// Read a JSON object; Ok(None) when the file does not exist.
fn read_json(path: &Path) -> Result<Option<Map<String, Value>>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    // An empty file is treated like an empty configuration.
    if text.trim().is_empty() {
        return Ok(Some(Map::new()));
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => bail!("{}: expected a JSON object", path.display()),
        Err(e) => Err(anyhow!("{}: invalid JSON: {e}", path.display())),
    }
}

fn lookup_in_doc(
    doc: &Map<String, Value>,
    file: &AuthFile,
    registry: &str,
    repository: &str,
    helper_dirs: Option<&[PathBuf]>,
) -> Result<Option<Credentials>> {
    let empty = Map::new();
    let auths = if file.legacy {
        doc
    } else {
        match doc.get("auths") {
            Some(Value::Object(m)) => m,
            Some(_) => bail!("{}: \"auths\" is not an object", file.path.display()),
            None => &empty,
        }
    };

    if !file.legacy {
        let helper = helper_for(doc, registry)
            .or_else(|| doc.get("credsStore").and_then(Value::as_str))
            .filter(|h| !h.is_empty());
        if let Some(helper) = helper {
            for server in helper_server_urls(registry) {
                if let Some(c) = run_helper(helper, &server, helper_dirs)? {
                    return Ok(Some(c));
                }
            }
            // Fall through: entries written directly into "auths" still count.
        }
    }

    // Most specific repository-scoped key first, then the bare host.
    let mut scope = if repository.is_empty() {
        registry.to_string()
    } else {
        format!("{registry}/{repository}")
    };
    loop {
        if let Some(entry) = auths.get(&scope) {
            if let Some(c) = decode_entry(entry, &file.path, &scope)? {
                return Ok(Some(c));
            }
        }
        match scope.rfind('/') {
            Some(i) => scope.truncate(i),
            None => break,
        }
    }
    // Host-level aliases: URL forms and Docker Hub's historical names.
    for (key, entry) in auths {
        if key != registry && url_key_host(key) == registry {
            if let Some(c) = decode_entry(entry, &file.path, key)? {
                return Ok(Some(c));
            }
        }
    }
    Ok(None)
}

fn helper_for<'a>(doc: &'a Map<String, Value>, registry: &str) -> Option<&'a str> {
    let helpers = doc.get("credHelpers")?.as_object()?;
    if let Some(h) = helpers.get(registry).and_then(Value::as_str) {
        return Some(h);
    }
    helpers
        .iter()
        .find(|(k, _)| url_key_host(k) == registry)
        .and_then(|(_, v)| v.as_str())
}

/// Server URLs to ask a helper for; Docker CLI stores Hub credentials under
/// the legacy index URL.
fn helper_server_urls(registry: &str) -> Vec<String> {
    if registry == "docker.io" {
        vec![DOCKER_HUB_URL_KEY.to_string(), "docker.io".to_string()]
    } else {
        vec![registry.to_string()]
    }
}

/// Docker Hub has several historical host names.
fn normalize_host(host: &str) -> String {
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        h => h.to_string(),
    }
}

/// Host named by a key like "https://host/v1/", "http://host" or "host".
/// Keys without a scheme keep their path, so they never alias a host.
fn url_key_host(key: &str) -> String {
    let stripped = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"));
    match stripped {
        Some(rest) => normalize_host(rest.split('/').next().unwrap_or(rest)),
        None => normalize_host(key),
    }
}

fn lenient_base64() -> GeneralPurpose {
    // Some tools write auth values without '=' padding.
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// Credentials from one `auths` entry; Ok(None) for empty entries (Docker
/// leaves `{}` placeholders when a credsStore holds the secret).
fn decode_entry(entry: &Value, path: &Path, key: &str) -> Result<Option<Credentials>> {
    let Some(obj) = entry.as_object() else {
        bail!("{}: entry {key:?} is not an object", path.display());
    };
    let field = |name: &str| {
        obj.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    // An identity token is preferred by Docker over the basic credentials.
    if let Some(token) = field("identitytoken") {
        return Ok(Some(Credentials {
            username: TOKEN_USERNAME.to_string(),
            password: token.to_string(),
        }));
    }
    if let Some(auth) = field("auth") {
        let bytes = lenient_base64().decode(auth.trim()).map_err(|e| {
            anyhow!(
                "{}: entry {key:?}: invalid base64 in \"auth\": {e}",
                path.display()
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            anyhow!(
                "{}: entry {key:?}: \"auth\" is not UTF-8 text",
                path.display()
            )
        })?;
        // Split at the first ':' only; passwords may contain ':'.
        let Some((user, pass)) = text.split_once(':') else {
            bail!(
                "{}: entry {key:?}: \"auth\" is not of the form user:password",
                path.display()
            );
        };
        return Ok(Some(Credentials {
            username: user.to_string(),
            password: pass.to_string(),
        }));
    }
    // Older Docker versions could store the fields separately.
    if let (Some(u), Some(p)) = (field("username"), field("password")) {
        return Ok(Some(Credentials {
            username: u.to_string(),
            password: p.to_string(),
        }));
    }
    Ok(None)
}

fn find_in_dirs(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    dirs.iter().map(|d| d.join(name)).find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// Run `docker-credential-<helper> get`; Ok(None) when it has no credentials.
fn run_helper(
    helper: &str,
    server: &str,
    helper_dirs: Option<&[PathBuf]>,
) -> Result<Option<Credentials>> {
    let name = format!("docker-credential-{helper}");
    if helper.contains('/') {
        bail!("invalid credential helper name {helper:?}");
    }
    let dirs: Vec<PathBuf> = match helper_dirs {
        Some(d) => d.to_vec(),
        None => std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default(),
    };
    let Some(program) = find_in_dirs(&name, &dirs) else {
        bail!("credential helper {name} not found in PATH");
    };
    let mut attempts = 0;
    let mut child = loop {
        match Command::new(&program)
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(c) => break c,
            // A just-written helper can be briefly held open by a concurrent fork.
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && attempts < 20 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => return Err(e).with_context(|| format!("running credential helper {name}")),
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is not an error here.
        let _ = stdin.write_all(server.as_bytes());
    }
    // wait_with_output drains stdout and stderr together, so neither can fill up.
    let output = child
        .wait_with_output()
        .with_context(|| format!("waiting for credential helper {name}"))?;
    let status = output.status;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !status.success() {
        let msg = format!("{} {}", stdout.trim(), stderr.trim());
        // The helper protocol reports a miss with this message.
        if msg.to_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        bail!("credential helper {name} failed ({status}): {}", msg.trim());
    }
    let v: Value = serde_json::from_str(stdout.trim())
        .map_err(|e| anyhow!("credential helper {name} returned invalid JSON: {e}"))?;
    let get = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (username, secret) = (get("Username"), get("Secret"));
    if username.is_empty() && secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credentials {
        username,
        password: secret,
    }))
}

fn encode_entry(creds: &Credentials) -> Value {
    let mut m = Map::new();
    if creds.username == TOKEN_USERNAME {
        m.insert(
            "identitytoken".into(),
            Value::String(creds.password.clone()),
        );
    } else {
        let raw = format!("{}:{}", creds.username, creds.password);
        m.insert("auth".into(), Value::String(STANDARD.encode(raw)));
    }
    Value::Object(m)
}

fn auths_mut<'a>(
    doc: &'a mut Map<String, Value>,
    path: &Path,
) -> Result<&'a mut Map<String, Value>> {
    let v = doc
        .entry("auths")
        .or_insert_with(|| Value::Object(Map::new()));
    v.as_object_mut()
        .ok_or_else(|| anyhow!("{}: \"auths\" is not an object", path.display()))
}

/// Save credentials under `key` (normally the registry host), keeping every
/// other entry and key of the file.
pub fn store(authfile: &Path, key: &str, creds: &Credentials) -> Result<()> {
    if key.is_empty() {
        bail!("cannot store credentials under an empty key");
    }
    let mut doc = read_json(authfile)?.unwrap_or_default();
    auths_mut(&mut doc, authfile)?.insert(key.to_string(), encode_entry(creds));
    write_atomic(authfile, &doc)
}

/// Remove `key`; for a bare host also the URL-form keys naming that host.
pub fn remove(authfile: &Path, key: &str) -> Result<bool> {
    let Some(mut doc) = read_json(authfile)? else {
        return Ok(false);
    };
    let Some(auths) = doc.get_mut("auths") else {
        return Ok(false);
    };
    let Some(auths) = auths.as_object_mut() else {
        bail!("{}: \"auths\" is not an object", authfile.display());
    };
    let host_key = !key.contains('/');
    let before = auths.len();
    auths.retain(|k, _| {
        let url_form = k.starts_with("https://") || k.starts_with("http://");
        !(k == key || (host_key && url_form && url_key_host(k) == normalize_host(key)))
    });
    if auths.len() == before {
        return Ok(false);
    }
    write_atomic(authfile, &doc)?;
    Ok(true)
}

/// Remove every stored credential, keeping the file's other settings.
pub fn remove_all(authfile: &Path) -> Result<()> {
    let Some(mut doc) = read_json(authfile)? else {
        return Ok(());
    };
    if doc
        .get("auths")
        .is_some_and(|a| a.as_object().is_some_and(|m| m.is_empty()))
    {
        return Ok(());
    }
    doc.insert("auths".into(), Value::Object(Map::new()));
    write_atomic(authfile, &doc)
}

/// Keys of the `auths` map, sorted.
pub fn stored_keys(authfile: &Path) -> Result<Vec<String>> {
    let Some(doc) = read_json(authfile)? else {
        return Ok(Vec::new());
    };
    match doc.get("auths") {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => {
            let mut keys: Vec<String> = m.keys().cloned().collect();
            keys.sort();
            Ok(keys)
        }
        Some(_) => bail!("{}: \"auths\" is not an object", authfile.display()),
    }
}

/// Write via a private temp file and rename, so readers never see a partial
/// file and the secret is never world-readable.
fn write_atomic(path: &Path, doc: &Map<String, Value>) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&parent)
        .with_context(|| format!("creating {}", parent.display()))?;

    let mut data = serde_json::to_vec_pretty(doc)?;
    data.push(b'\n');

    let file_name = path
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file path", path.display()))?
        .to_string_lossy()
        .into_owned();
    let pid = std::process::id();
    let mut attempt = 0u32;
    let (tmp, mut f) = loop {
        let tmp = parent.join(format!(".{file_name}.tmp-{pid}-{attempt}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e).with_context(|| format!("creating {}", tmp.display())),
        }
    };
    let result = (|| -> Result<()> {
        f.write_all(&data)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.context(format!("writing {}", path.display())));
    }
    // Persist the rename itself; failure here does not lose the new content.
    if let Ok(dir) = std::fs::File::open(&parent) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn creds(u: &str, p: &str) -> Credentials {
        Credentials {
            username: u.into(),
            password: p.into(),
        }
    }

    fn b64(s: &str) -> String {
        STANDARD.encode(s)
    }

    fn json_file(path: &Path) -> AuthFile {
        AuthFile {
            path: path.to_path_buf(),
            legacy: false,
        }
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn one(path: &Path, registry: &str, repo: &str) -> Result<Option<Credentials>> {
        lookup_in(&[json_file(path)], registry, repo, Some(&[]))
    }

    #[test]
    fn debug_hides_password() {
        let s = format!("{:?}", creds("alice", "s3cret"));
        assert!(s.contains("alice"));
        assert!(!s.contains("s3cret"), "{s}");
    }

    #[test]
    fn default_auth_file_order() {
        let home = Path::new("/home/u");
        let env_of = |pairs: &[(&str, &str)]| {
            let m: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            move |k: &str| m.get(k).cloned()
        };
        let e = env_of(&[
            ("REGISTRY_AUTH_FILE", "/x/a.json"),
            ("XDG_RUNTIME_DIR", "/run/user/1"),
        ]);
        assert_eq!(
            default_auth_file_with(&e, Some(home)),
            PathBuf::from("/x/a.json")
        );
        let e = env_of(&[("XDG_RUNTIME_DIR", "/run/user/1")]);
        assert_eq!(
            default_auth_file_with(&e, Some(home)),
            PathBuf::from("/run/user/1/containers/auth.json")
        );
        let e = env_of(&[("XDG_CONFIG_HOME", "/cfg")]);
        assert_eq!(
            default_auth_file_with(&e, Some(home)),
            PathBuf::from("/cfg/containers/auth.json")
        );
        let e = env_of(&[]);
        assert_eq!(
            default_auth_file_with(&e, Some(home)),
            PathBuf::from("/home/u/.config/containers/auth.json")
        );

        let e = env_of(&[("XDG_RUNTIME_DIR", "/run/user/1")]);
        let files: Vec<_> = default_lookup_files(&e, Some(home))
            .into_iter()
            .map(|f| (f.path, f.legacy))
            .collect();
        assert_eq!(
            files,
            [
                (PathBuf::from("/run/user/1/containers/auth.json"), false),
                (PathBuf::from("/home/u/.config/containers/auth.json"), false),
                (PathBuf::from("/home/u/.docker/config.json"), false),
                (PathBuf::from("/home/u/.dockercfg"), true),
            ]
        );
        // Without XDG_RUNTIME_DIR the first two coincide and are deduplicated;
        // DOCKER_CONFIG relocates Docker's file.
        let e = env_of(&[("DOCKER_CONFIG", "/dc")]);
        let files: Vec<_> = default_lookup_files(&e, Some(home))
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(
            files,
            [
                PathBuf::from("/home/u/.config/containers/auth.json"),
                PathBuf::from("/dc/config.json"),
                PathBuf::from("/home/u/.dockercfg"),
            ]
        );
    }

    #[test]
    fn basic_lookup_and_colon_in_password() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("auth.json");
        write(
            &f,
            &format!(
                r#"{{"auths":{{"quay.io":{{"auth":"{}"}}}}}}"#,
                b64("bob:pa:ss:word")
            ),
        );
        assert_eq!(
            one(&f, "quay.io", "a/b").unwrap(),
            Some(creds("bob", "pa:ss:word"))
        );
        assert_eq!(
            one(&f, "quay.io", "").unwrap(),
            Some(creds("bob", "pa:ss:word"))
        );
        assert_eq!(one(&f, "other.io", "a").unwrap(), None);
        assert_eq!(
            one(&dir.path().join("missing.json"), "quay.io", "a").unwrap(),
            None
        );
    }

    #[test]
    fn most_specific_repo_scope_wins() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("auth.json");
        write(
            &f,
            &format!(
                r#"{{"auths":{{
                    "quay.io":{{"auth":"{}"}},
                    "quay.io/ns":{{"auth":"{}"}},
                    "quay.io/ns/repo":{{"auth":"{}"}}
                }}}}"#,
                b64("host:1"),
                b64("ns:2"),
                b64("repo:3")
            ),
        );
        assert_eq!(
            one(&f, "quay.io", "ns/repo").unwrap().unwrap().username,
            "repo"
        );
        assert_eq!(
            one(&f, "quay.io", "ns/repo/sub").unwrap().unwrap().username,
            "repo"
        );
        assert_eq!(
            one(&f, "quay.io", "ns/other").unwrap().unwrap().username,
            "ns"
        );
        assert_eq!(
            one(&f, "quay.io", "nsx/repo").unwrap().unwrap().username,
            "host"
        );
        assert_eq!(one(&f, "quay.io", "x").unwrap().unwrap().username, "host");
    }

    #[test]
    fn url_form_keys_and_docker_hub_aliases() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.json");
        write(
            &f,
            &format!(
                r#"{{"auths":{{
                    "https://index.docker.io/v1/":{{"auth":"{}"}},
                    "http://my.registry:5000":{{"auth":"{}"}},
                    "https://other.io/v2/":{{"auth":"{}"}}
                }}}}"#,
                b64("hub:1"),
                b64("mine:2"),
                b64("other:3")
            ),
        );
        assert_eq!(
            one(&f, "docker.io", "library/busybox")
                .unwrap()
                .unwrap()
                .username,
            "hub"
        );
        assert_eq!(
            one(&f, "index.docker.io", "x").unwrap().unwrap().username,
            "hub"
        );
        assert_eq!(
            one(&f, "my.registry:5000", "x").unwrap().unwrap().username,
            "mine"
        );
        assert_eq!(one(&f, "other.io", "x").unwrap().unwrap().username, "other");
        assert_eq!(one(&f, "my.registry", "x").unwrap(), None);

        for key in ["index.docker.io", "registry-1.docker.io", "docker.io"] {
            write(
                &f,
                &format!(r#"{{"auths":{{"{key}":{{"auth":"{}"}}}}}}"#, b64("u:p")),
            );
            assert_eq!(
                one(&f, "docker.io", "library/x").unwrap(),
                Some(creds("u", "p")),
                "{key}"
            );
        }
        // The exact host key wins over a URL-form alias.
        write(
            &f,
            &format!(
                r#"{{"auths":{{"https://quay.io":{{"auth":"{}"}},"quay.io":{{"auth":"{}"}}}}}}"#,
                b64("url:1"),
                b64("exact:2")
            ),
        );
        assert_eq!(one(&f, "quay.io", "x").unwrap().unwrap().username, "exact");
    }

    #[test]
    fn identity_token_and_split_fields() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.json");
        write(
            &f,
            &format!(
                r#"{{"auths":{{"a.io":{{"auth":"{}","identitytoken":"tok"}},
                    "b.io":{{"username":"u","password":"p"}},
                    "c.io":{{}} }}}}"#,
                b64("x:y")
            ),
        );
        assert_eq!(one(&f, "a.io", "r").unwrap(), Some(creds("<token>", "tok")));
        assert_eq!(one(&f, "b.io", "r").unwrap(), Some(creds("u", "p")));
        assert_eq!(one(&f, "c.io", "r").unwrap(), None, "empty placeholder");
    }

    #[test]
    fn corrupt_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bad.json");
        write(&f, "{not json");
        let e = one(&f, "a.io", "").unwrap_err().to_string();
        assert!(e.contains("bad.json") && e.contains("invalid JSON"), "{e}");

        write(&f, r#"{"auths":{"a.io":{"auth":"!!!not base64"}}}"#);
        let e = one(&f, "a.io", "").unwrap_err().to_string();
        assert!(e.contains("bad.json") && e.contains("base64"), "{e}");

        write(
            &f,
            &format!(r#"{{"auths":{{"a.io":{{"auth":"{}"}}}}}}"#, b64("nocolon")),
        );
        let e = one(&f, "a.io", "").unwrap_err().to_string();
        assert!(e.contains("bad.json") && e.contains("user:password"), "{e}");

        write(&f, "[]");
        assert!(one(&f, "a.io", "").is_err());

        // Unpadded base64 is accepted, as some tools write it.
        let unpadded = b64("ab:c").trim_end_matches('=').to_string();
        write(
            &f,
            &format!(r#"{{"auths":{{"a.io":{{"auth":"{unpadded}"}}}}}}"#),
        );
        assert_eq!(one(&f, "a.io", "").unwrap(), Some(creds("ab", "c")));

        write(&f, "  \n");
        assert_eq!(one(&f, "a.io", "").unwrap(), None);
    }

    #[test]
    fn searches_files_in_order_and_legacy_format() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.json");
        let second = dir.path().join("second.json");
        let legacy = dir.path().join(".dockercfg");
        write(
            &first,
            &format!(r#"{{"auths":{{"a.io":{{"auth":"{}"}}}}}}"#, b64("first:1")),
        );
        write(
            &second,
            &format!(
                r#"{{"auths":{{"a.io":{{"auth":"{}"}},"b.io":{{"auth":"{}"}}}}}}"#,
                b64("second:1"),
                b64("second:2")
            ),
        );
        write(
            &legacy,
            &format!(
                r#"{{"https://index.docker.io/v1/":{{"auth":"{}","email":"x@y"}}}}"#,
                b64("old:pw")
            ),
        );
        let files = [
            json_file(&dir.path().join("missing.json")),
            json_file(&first),
            json_file(&second),
            AuthFile {
                path: legacy,
                legacy: true,
            },
        ];
        let get = |r: &str| lookup_in(&files, r, "x/y", Some(&[])).unwrap();
        assert_eq!(get("a.io").unwrap().username, "first");
        assert_eq!(get("b.io").unwrap().username, "second");
        assert_eq!(get("docker.io"), Some(creds("old", "pw")));
        assert_eq!(get("c.io"), None);
    }

    fn fake_helper(dir: &Path, name: &str, body: &str) {
        let p = dir.join(format!("docker-credential-{name}"));
        fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn credential_helpers() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        let log = dir.path().join("log");
        // Answers for two servers, logs its arguments and stdin, misses otherwise.
        fake_helper(
            &bin,
            "fake",
            &format!(
                r#"read server
echo "$1 $server" >> {log}
case "$server" in
  https://index.docker.io/v1/) echo '{{"ServerURL":"x","Username":"hubuser","Secret":"hub:secret"}}' ;;
  quay.io) echo '{{"ServerURL":"quay.io","Username":"<token>","Secret":"tok"}}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac"#,
                log = log.display()
            ),
        );
        fake_helper(&bin, "broken", "echo 'boom' >&2; exit 3");
        let dirs = [bin.clone()];
        let f = dir.path().join("config.json");
        write(
            &f,
            &format!(
                r#"{{"credHelpers":{{"quay.io":"fake","gone.io":"missing","bad.io":"broken"}},
                    "credsStore":"fake",
                    "auths":{{"file.io":{{"auth":"{}"}},"quay.io":{{}}}}}}"#,
                b64("fileuser:pw")
            ),
        );
        let get = |r: &str| lookup_in(&[json_file(&f)], r, "ns/repo", Some(&dirs));

        assert_eq!(get("quay.io").unwrap(), Some(creds("<token>", "tok")));
        assert_eq!(
            get("docker.io").unwrap(),
            Some(creds("hubuser", "hub:secret"))
        );
        // credsStore misses, the auths entry in the same file is used.
        assert_eq!(get("file.io").unwrap(), Some(creds("fileuser", "pw")));
        assert_eq!(get("none.io").unwrap(), None);

        let e = get("gone.io").unwrap_err().to_string();
        assert!(e.contains("docker-credential-missing"), "{e}");
        let e = get("bad.io").unwrap_err().to_string();
        assert!(
            e.contains("docker-credential-broken") && e.contains("boom"),
            "{e}"
        );

        let logged = fs::read_to_string(&log).unwrap();
        assert!(logged.contains("get quay.io"), "{logged}");
        assert!(
            logged.contains("get https://index.docker.io/v1/"),
            "{logged}"
        );
    }

    #[test]
    fn store_creates_private_file_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("new/containers/auth.json");
        store(&f, "quay.io", &creds("u", "p:w")).unwrap();
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(f.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        let v: Value = serde_json::from_str(&fs::read_to_string(&f).unwrap()).unwrap();
        assert_eq!(v["auths"]["quay.io"]["auth"], b64("u:p:w"));
        assert_eq!(one(&f, "quay.io", "a").unwrap(), Some(creds("u", "p:w")));

        store(&f, "a.io", &creds("<token>", "tok")).unwrap();
        let v: Value = serde_json::from_str(&fs::read_to_string(&f).unwrap()).unwrap();
        assert_eq!(v["auths"]["a.io"]["identitytoken"], "tok");
        assert_eq!(one(&f, "a.io", "").unwrap(), Some(creds("<token>", "tok")));

        // No temp files are left behind.
        let names: Vec<_> = fs::read_dir(f.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["auth.json"]);
    }

    #[test]
    fn store_preserves_other_content() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.json");
        write(
            &f,
            r#"{"auths":{"keep.io":{"auth":"a2VlcDpt","email":"e"}},"credHelpers":{"x.io":"y"},"psFormat":"table"}"#,
        );
        store(&f, "quay.io", &creds("u", "p")).unwrap();
        store(&f, "keep.io/ns", &creds("n", "s")).unwrap();
        let v: Value = serde_json::from_str(&fs::read_to_string(&f).unwrap()).unwrap();
        assert_eq!(v["auths"]["keep.io"]["email"], "e");
        assert_eq!(v["credHelpers"]["x.io"], "y");
        assert_eq!(v["psFormat"], "table");
        assert_eq!(
            stored_keys(&f).unwrap(),
            ["keep.io", "keep.io/ns", "quay.io"]
        );

        // Overwriting replaces the entry.
        store(&f, "quay.io", &creds("u2", "p2")).unwrap();
        assert_eq!(one(&f, "quay.io", "").unwrap(), Some(creds("u2", "p2")));

        // A corrupt file is not clobbered.
        write(&f, "{oops");
        assert!(store(&f, "quay.io", &creds("u", "p")).is_err());
        assert_eq!(fs::read_to_string(&f).unwrap(), "{oops");
    }

    #[test]
    fn remove_and_remove_all() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("auth.json");
        assert!(!remove(&f, "quay.io").unwrap());
        remove_all(&f).unwrap();
        assert!(!f.exists(), "remove_all does not create a file");
        assert!(stored_keys(&f).unwrap().is_empty());

        write(
            &f,
            &format!(
                r#"{{"auths":{{"quay.io":{{"auth":"{a}"}},"https://quay.io/v1/":{{"auth":"{a}"}},
                    "quay.io/ns":{{"auth":"{a}"}},"b.io":{{"auth":"{a}"}}}},"other":1}}"#,
                a = b64("u:p")
            ),
        );
        assert!(remove(&f, "quay.io").unwrap());
        assert_eq!(stored_keys(&f).unwrap(), ["b.io", "quay.io/ns"]);
        assert!(!remove(&f, "quay.io").unwrap());
        assert!(remove(&f, "quay.io/ns").unwrap());
        assert_eq!(stored_keys(&f).unwrap(), ["b.io"]);

        remove_all(&f).unwrap();
        assert!(stored_keys(&f).unwrap().is_empty());
        let v: Value = serde_json::from_str(&fs::read_to_string(&f).unwrap()).unwrap();
        assert_eq!(v["other"], 1);
    }

    #[test]
    fn lookup_with_explicit_authfile() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("auth.json");
        store(&f, "example.com:5000", &creds("u", "p")).unwrap();
        assert_eq!(
            lookup("example.com:5000", "a/b", Some(&f)).unwrap(),
            Some(creds("u", "p"))
        );
        assert_eq!(lookup("example.com", "a/b", Some(&f)).unwrap(), None);
    }
}
