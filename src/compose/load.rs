//! From files on disk to a [`Project`]: which files (`-f`, COMPOSE_FILE,
//! or the default names searched upwards), the variables (`.env` or
//! `--env-file`, then the process environment), interpolation, each
//! service normalised, `extends` resolved, files merged in order, the
//! project's name, profiles, and one warning per field cove ignores.

use super::model::{self, Resource, Service};
use super::{interpolate, merge, Project};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use yaml_serde::{Mapping, Value};

/// The default file names, in Docker Compose's order.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
const OVERRIDE_FILES: &[&str] = &[
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// What the command line says about the project.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub files: Vec<PathBuf>,
    pub project_name: Option<String>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// Where to look for the default files (the current directory).
    pub cwd: PathBuf,
    /// The process environment.
    pub environ: BTreeMap<String, String>,
}

/// A load error: the file and what is wrong, exit 1 as Docker Compose.
fn fail(msg: impl Into<String>) -> anyhow::Error {
    crate::error::exit_error(1, msg)
}

/// The compose files to read, absolute.
pub fn find_files(opts: &LoadOptions) -> anyhow::Result<Vec<PathBuf>> {
    let mut given: Vec<PathBuf> = opts.files.clone();
    if given.is_empty() {
        if let Some(list) = opts.environ.get("COMPOSE_FILE").filter(|l| !l.is_empty()) {
            let sep = opts
                .environ
                .get("COMPOSE_PATH_SEPARATOR")
                .map(String::as_str)
                .unwrap_or(":");
            given = list.split(sep).map(PathBuf::from).collect();
        }
    }
    if !given.is_empty() {
        return given
            .into_iter()
            .map(|f| {
                let abs = opts.cwd.join(&f);
                if !abs.is_file() {
                    return Err(fail(format!(
                        "open {}: no such file or directory",
                        abs.display()
                    )));
                }
                Ok(abs)
            })
            .collect();
    }
    let mut dir = Some(opts.cwd.as_path());
    while let Some(d) = dir {
        if let Some(f) = DEFAULT_FILES
            .iter()
            .map(|n| d.join(n))
            .find(|p| p.is_file())
        {
            let mut files = vec![f];
            if let Some(o) = OVERRIDE_FILES
                .iter()
                .map(|n| d.join(n))
                .find(|p| p.is_file())
            {
                files.push(o);
            }
            return Ok(files);
        }
        dir = d.parent();
    }
    Err(fail("no configuration file provided: not found"))
}

/// Docker Compose's project name rule: lower case, `[a-z0-9_-]`, starting
/// with a letter or digit.
pub fn normalize_name(name: &str) -> String {
    let lower: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lower
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// The variables interpolation sees: the env files, then the process
/// environment over them.
fn variables(opts: &LoadOptions, project_dir: &Path) -> anyhow::Result<interpolate::Vars> {
    let mut vars = interpolate::Vars::new();
    let (files, required) = if opts.env_files.is_empty() {
        (vec![project_dir.join(".env")], false)
    } else {
        (
            opts.env_files.iter().map(|f| opts.cwd.join(f)).collect(),
            true,
        )
    };
    for f in files {
        match std::fs::read_to_string(&f) {
            Ok(text) => {
                let parsed = interpolate::parse_env_file(&text, &opts.environ)
                    .map_err(|e| fail(format!("{}: {e}", f.display())))?;
                vars.extend(parsed);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {}
            Err(e) => return Err(fail(format!("{}: {e}", f.display()))),
        }
    }
    vars.extend(opts.environ.clone());
    Ok(vars)
}

/// One file parsed and interpolated.
fn read_file(path: &Path, vars: &interpolate::Vars) -> anyhow::Result<Mapping> {
    let text =
        std::fs::read_to_string(path).map_err(|e| fail(format!("open {}: {e}", path.display())))?;
    let mut doc: Value = yaml_serde::from_str(&text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("line {}: ", l.line()))
            .unwrap_or_default();
        fail(format!("{}: yaml: {at}{e}", path.display()))
    })?;
    if doc.is_null() {
        doc = Value::Mapping(Mapping::new());
    }
    interpolate::value(&mut doc, vars, "").map_err(|e| fail(format!("{}: {e}", path.display())))?;
    match doc {
        Value::Mapping(m) => Ok(m),
        _ => Err(fail(format!(
            "{}: top-level object must be a mapping",
            path.display()
        ))),
    }
}

/// The services of one file, normalised, with `extends` resolved.
fn file_services(
    path: &Path,
    doc: &Mapping,
    vars: &interpolate::Vars,
    warnings: &mut BTreeSet<String>,
) -> anyhow::Result<BTreeMap<String, Mapping>> {
    let mut raw = BTreeMap::new();
    if let Some(services) = doc.get("services") {
        let Value::Mapping(services) = services else {
            return Err(fail(format!(
                "{}: services must be a mapping",
                path.display()
            )));
        };
        for (name, s) in services {
            let name = model::scalar(name).unwrap_or_default();
            let s = match s {
                Value::Mapping(m) => m.clone(),
                Value::Null => Mapping::new(),
                _ => {
                    return Err(fail(format!(
                        "{}: service {name:?} must be a mapping",
                        path.display()
                    )))
                }
            };
            let mut kept = Mapping::new();
            for (k, v) in &s {
                let key = k.as_str().unwrap_or_default();
                if key.starts_with("x-") {
                    continue;
                }
                if !model::SERVICE_KEYS.contains(&key) {
                    warnings.insert(format!(
                        "service {name:?}: {key} is not supported by cove compose, ignored"
                    ));
                    continue;
                }
                if let (Some((_, known)), Value::Mapping(m)) =
                    (model::NESTED_KEYS.iter().find(|(k, _)| *k == key), v)
                {
                    for sub in m.keys().filter_map(Value::as_str) {
                        if !known.contains(&sub) && !sub.starts_with("x-") {
                            warnings.insert(format!(
                                "service {name:?}: {key}.{sub} is not supported by cove compose, ignored"
                            ));
                        }
                    }
                }
                if key == "deploy" {
                    if let Value::Mapping(d) = v {
                        for dk in d.keys().filter_map(Value::as_str) {
                            if !model::DEPLOY_KEYS.contains(&dk) {
                                warnings.insert(format!("service {name:?}: deploy.{dk} is not supported by cove compose, ignored"));
                            }
                        }
                        let mut only = Mapping::new();
                        for k in model::DEPLOY_KEYS {
                            if let Some(x) = d.get(*k) {
                                only.insert(Value::String(k.to_string()), x.clone());
                            }
                        }
                        kept.insert(k.clone(), Value::Mapping(only));
                        continue;
                    }
                }
                kept.insert(k.clone(), v.clone());
            }
            let normal = model::normalize(&kept)
                .map_err(|e| fail(format!("{}: service {name:?}: {e}", path.display())))?;
            raw.insert(name, normal);
        }
    }
    let mut done = BTreeMap::new();
    for name in raw.keys() {
        let mut seen = Vec::new();
        let s = resolve_extends(path, name, &raw, vars, warnings, &mut seen)?;
        done.insert(name.clone(), s);
    }
    Ok(done)
}

/// `name` with the service it extends (in this file or another) under it.
fn resolve_extends(
    path: &Path,
    name: &str,
    services: &BTreeMap<String, Mapping>,
    vars: &interpolate::Vars,
    warnings: &mut BTreeSet<String>,
    seen: &mut Vec<String>,
) -> anyhow::Result<Mapping> {
    let key = format!("{}:{name}", path.display());
    if seen.contains(&key) {
        return Err(fail(format!(
            "{}: service {name:?} extends itself through {}",
            path.display(),
            seen.join(" -> ")
        )));
    }
    seen.push(key);
    let mut s = services.get(name).cloned().ok_or_else(|| {
        fail(format!(
            "{}: cannot extend service {name:?}: no such service",
            path.display()
        ))
    })?;
    let Some(ext) = s.remove("extends") else {
        return Ok(s);
    };
    let (base_name, file) = match &ext {
        Value::Mapping(m) => (
            m.get("service").and_then(model::scalar).unwrap_or_default(),
            m.get("file").and_then(model::scalar),
        ),
        other => (model::scalar(other).unwrap_or_default(), None),
    };
    let base = match file {
        None => resolve_extends(path, &base_name, services, vars, warnings, seen)?,
        Some(f) => {
            let other = path.parent().unwrap_or(Path::new("/")).join(f);
            let doc = read_file(&other, vars)?;
            let theirs = file_services(&other, &doc, vars, warnings)?;
            theirs.get(&base_name).cloned().ok_or_else(|| {
                fail(format!(
                    "{}: cannot extend service {base_name:?}: not in {}",
                    path.display(),
                    other.display()
                ))
            })?
        }
    };
    // depends_on is not inherited, as the spec says.
    let mut base = base;
    base.remove("depends_on");
    Ok(merge::service(&base, &s))
}

fn resources(
    path: &Path,
    doc: &Mapping,
    section: &str,
    known: &[&str],
    warnings: &mut BTreeSet<String>,
    out: &mut BTreeMap<String, Resource>,
) -> anyhow::Result<()> {
    let Some(Value::Mapping(items)) = doc.get(section) else {
        return Ok(());
    };
    for (name, def) in items {
        let name = model::scalar(name).unwrap_or_default();
        let mut def = match def {
            Value::Mapping(m) => m.clone(),
            _ => Mapping::new(),
        };
        for k in def.keys().filter_map(Value::as_str) {
            if !known.contains(&k) && !k.starts_with("x-") {
                warnings.insert(format!(
                    "{section}.{name}: {k} is not supported by cove compose, ignored"
                ));
            }
        }
        def.retain(|k, _| k.as_str().is_some_and(|k| known.contains(&k)));
        // `external: {name: x}` is the old spelling of `external: true`.
        if let Some(Value::Mapping(ext)) = def.get("external").cloned() {
            if let Some(n) = ext.get("name") {
                def.insert(Value::String("name".into()), n.clone());
            }
            def.insert(Value::String("external".into()), Value::Bool(true));
        }
        if let Some(labels) = def.get("labels").cloned() {
            let list = match labels {
                Value::Sequence(s) => s
                    .iter()
                    .filter_map(model::scalar)
                    .map(|l| {
                        let (k, v) = l.split_once('=').unwrap_or((&l, ""));
                        (Value::String(k.into()), Value::String(v.into()))
                    })
                    .collect(),
                Value::Mapping(m) => m
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(model::scalar(&v).unwrap_or_default())))
                    .collect(),
                _ => Mapping::new(),
            };
            def.insert(Value::String("labels".into()), Value::Mapping(list));
        }
        let r: Resource = yaml_serde::from_value(Value::Mapping(def))
            .map_err(|e| fail(format!("{}: {section}.{name}: {e}", path.display())))?;
        out.insert(name, r);
    }
    Ok(())
}

/// Load the project the options describe.
pub fn load(opts: &LoadOptions) -> anyhow::Result<Project> {
    let files = find_files(opts)?;
    let project_dir = files[0].parent().unwrap_or(Path::new("/")).to_path_buf();
    let vars = variables(opts, &project_dir)?;
    let mut warnings = BTreeSet::new();
    let mut services: BTreeMap<String, Mapping> = BTreeMap::new();
    let mut networks = BTreeMap::new();
    let mut volumes = BTreeMap::new();
    let mut top_name = None;
    for f in &files {
        let doc = read_file(f, &vars)?;
        for k in doc.keys().filter_map(Value::as_str) {
            match k {
                "services" | "networks" | "volumes" | "name" | "version" => {}
                _ if k.starts_with("x-") => {}
                other => {
                    warnings.insert(format!(
                        "top-level {other} is not supported by cove compose, ignored"
                    ));
                }
            }
        }
        if let Some(n) = doc.get("name").and_then(model::scalar) {
            top_name = Some(n);
        }
        for (name, s) in file_services(f, &doc, &vars, &mut warnings)? {
            let merged = match services.get(&name) {
                Some(base) => merge::service(base, &s),
                None => s,
            };
            services.insert(name, merged);
        }
        resources(
            f,
            &doc,
            "networks",
            model::NETWORK_KEYS,
            &mut warnings,
            &mut networks,
        )?;
        resources(
            f,
            &doc,
            "volumes",
            model::VOLUME_KEYS,
            &mut warnings,
            &mut volumes,
        )?;
    }
    let given = opts
        .project_name
        .clone()
        .or_else(|| {
            opts.environ
                .get("COMPOSE_PROJECT_NAME")
                .cloned()
                .filter(|n| !n.is_empty())
        })
        .or(top_name)
        .unwrap_or_else(|| {
            project_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let name = normalize_name(&given);
    if name.is_empty() {
        return Err(fail(format!(
            "project name {given:?} is empty once normalised: give one with -p (lower case letters, digits, _ and -)"
        )));
    }
    let mut profiles: BTreeSet<String> = opts.profiles.iter().cloned().collect();
    if let Some(p) = opts.environ.get("COMPOSE_PROFILES") {
        profiles.extend(p.split(',').filter(|s| !s.is_empty()).map(str::to_string));
    }
    let mut typed = BTreeMap::new();
    let mut disabled = BTreeMap::new();
    for (n, s) in services {
        let s: Service = model::typed(&n, s).map_err(|e| fail(e.to_string()))?;
        let active = s.profiles.is_empty()
            || profiles.contains("*")
            || s.profiles.iter().any(|p| profiles.contains(p));
        if active {
            typed.insert(n, s);
        } else {
            disabled.insert(n, s);
        }
    }
    Ok(Project {
        name,
        working_dir: project_dir,
        config_files: files,
        services: typed,
        disabled,
        networks,
        volumes,
        warnings: warnings.into_iter().collect(),
        environ: vars,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_are_normalised() {
        assert_eq!(normalize_name("My App.v2"), "myappv2");
        assert_eq!(normalize_name("_-x"), "x");
        assert_eq!(normalize_name("web_1-b"), "web_1-b");
        assert_eq!(normalize_name("..."), "");
    }

    fn project(
        files: &[(&str, &str)],
        opts: impl FnOnce(&mut LoadOptions),
    ) -> anyhow::Result<Project> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("My Proj");
        std::fs::create_dir(&root).unwrap();
        for (n, text) in files {
            std::fs::write(root.join(n), text).unwrap();
        }
        let mut o = LoadOptions {
            cwd: root,
            ..LoadOptions::default()
        };
        opts(&mut o);
        load(&o)
    }

    #[test]
    fn default_file_override_env_and_profiles() {
        let p = project(
            &[
                ("compose.yaml", "services:\n  web:\n    image: \"busybox:${TAG:-1}\"\n    environment: [A=1]\n    frobnicate: yes\n    healthcheck: {test: [CMD, 'true'], start_interval: 1s}\n  dbg:\n    image: x\n    profiles: [debug]\n"),
                ("compose.override.yaml", "services:\n  web:\n    environment: {B: 2}\n"),
                (".env", "TAG=2\n"),
            ],
            |_| {},
        )
        .unwrap();
        assert_eq!(p.name, "myproj");
        assert_eq!(p.services["web"].image.as_deref(), Some("busybox:2"));
        assert_eq!(p.services["web"].environment.len(), 2);
        assert!(!p.services.contains_key("dbg"));
        assert_eq!(
            p.warnings,
            vec![
                "service \"web\": frobnicate is not supported by cove compose, ignored",
                "service \"web\": healthcheck.start_interval is not supported by cove compose, ignored"
            ]
        );
        let p = project(
            &[(
                "compose.yaml",
                "name: given\nservices:\n  dbg:\n    image: x\n    profiles: [debug]\n",
            )],
            |o| {
                o.profiles = vec!["debug".into()];
                o.environ.insert("TAG".into(), "9".into());
            },
        )
        .unwrap();
        assert_eq!(p.name, "given");
        assert!(p.services.contains_key("dbg"));
    }

    #[test]
    fn several_files_and_extends() {
        let p = project(
            &[
                ("a.yaml", "services:\n  base:\n    image: busybox\n    environment: {A: 1}\n    command: [sleep, '1']\n  web:\n    extends: base\n    environment: {B: 2}\n"),
                ("b.yaml", "services:\n  web:\n    command: [sleep, '2']\n    ports: ['80']\n"),
            ],
            |o| o.files = vec!["a.yaml".into(), "b.yaml".into()],
        )
        .unwrap();
        let web = &p.services["web"];
        assert_eq!(web.image.as_deref(), Some("busybox"));
        assert_eq!(web.environment.len(), 2);
        assert_eq!(web.command.as_ref().unwrap(), &vec!["sleep", "2"]);
        assert_eq!(web.ports, vec!["80"]);
        assert_eq!(p.config_files.len(), 2);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = project(
            &[("compose.yaml", "services:\n  web:\n    image: [\n")],
            |_| {},
        )
        .unwrap_err();
        let msg = crate::error::describe(&e);
        assert!(msg.contains("compose.yaml: yaml: line"), "{msg}");
        let e = project(&[], |_| {}).unwrap_err();
        assert_eq!(
            crate::error::describe(&e),
            "no configuration file provided: not found"
        );
        let e = project(
            &[(
                "compose.yaml",
                "services:\n  web:\n    image: \"${NOPE:?set NOPE}\"\n",
            )],
            |_| {},
        )
        .unwrap_err();
        let msg = crate::error::describe(&e);
        assert!(
            msg.contains("services.web.image: required variable NOPE is missing a value: set NOPE"),
            "{msg}"
        );
    }
}
