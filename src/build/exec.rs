//! Running a build: each needed stage in order, each instruction a step.
//!
//! A stage's state is an image config (JSON, as the image will have it)
//! and the last image stored in the catalog. Metadata instructions change
//! the config alone; RUN runs a cove container on that image and commits
//! its changes (`container::commit`); COPY/ADD write a layer from the
//! context or another image (`copy`). Every step extends the cache key
//! (`cache`); a layer step whose key is known reuses its image. This
//! process stays single-threaded in the initial namespace (it starts
//! containers); image files are written by forked children
//! (`image::store::write_in_child`).

use super::cache::{self, StepCache};
use super::context::{Context, DigestCache};
use super::copy::{self, Item, Source};
use super::expand;
use super::ignore::Matcher;
use super::mounts::{self, Mount, SecretSource};
use super::parse::{self, error_at, Args, Instruction};
use super::stages::{self, Plan};
use super::{BuildOptions, ContextSource, FileSource};
use crate::container::request::CreateOptions;
use crate::container::{create, start};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::commit::{self as image_commit, Draft, Format};
use crate::image::manifest::Platform;
use crate::image::registry::pull::PullPolicy;
use crate::image::store::{ImageEntry, Store};
use anyhow::Context as _;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Args every build knows without a declaration in the global scope.
const PROXY_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Build per `opts`; returns the image id (`sha256:…`).
pub fn build(ctx: &Ctx, opts: &BuildOptions) -> anyhow::Result<String> {
    let (context_dir, _unpacked, stdin_file) = prepare_context(ctx, &opts.context)?;
    let (file_name, text) = match stdin_file {
        Some(text) if opts.file == FileSource::Lookup => ("-".to_string(), text),
        _ => read_containerfile(opts, &context_dir)?,
    };
    let cf = parse::parse(&file_name, &text)?;
    let predefined = predefined_args();
    let plan = stages::plan(&file_name, &cf, &opts.build_args, &predefined)?;
    let target = plan.target(opts.target.as_deref())?;
    let needed = plan.needed(target);
    let mut b = Builder {
        ctx,
        opts,
        file: file_name,
        escape: cf.escape,
        plan: &plan,
        predefined,
        context_dir,
        context: None,
        digests: None,
        cache: StepCache::new(&ctx.paths.root),
        results: vec![None; plan.stages.len()],
        used_args: BTreeSet::new(),
    };
    let stage_count = needed.iter().filter(|n| **n).count();
    let mut shown = 0;
    let mut id = String::new();
    for stage in &plan.stages {
        if !needed[stage.index] {
            continue;
        }
        shown += 1;
        let prefix = match stage_count > 1 {
            true => format!("[{shown}/{stage_count}] "),
            false => String::new(),
        };
        id = b.run_stage(stage, &prefix, stage.index == target)?;
        b.results[stage.index] = Some(id.clone());
    }
    let unused: Vec<&String> = opts
        .build_args
        .keys()
        .filter(|k| !b.used_args.contains(*k) && !PROXY_ARGS.contains(&k.as_str()))
        .collect();
    if !unused.is_empty() {
        let list: Vec<&str> = unused.iter().map(|s| s.as_str()).collect();
        eprintln!(
            "[Warning] one or more build-args [{}] were not consumed",
            list.join(" ")
        );
    }
    if let Some(d) = b.digests.as_ref() {
        d.save();
    }
    if let Some(path) = &opts.iidfile {
        crate::sys::fsutil::write_atomic(path, id.as_bytes(), 0o644)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(id)
}

/// A context directory removed when dropped (an unpacked archive).
struct Unpacked(PathBuf);

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The context as a directory: as given, or an archive unpacked into the
/// run directory; `-` gives a Containerfile's text (and an empty context)
/// unless stdin holds an archive.
fn prepare_context(
    ctx: &Ctx,
    source: &ContextSource,
) -> anyhow::Result<(PathBuf, Option<Unpacked>, Option<String>)> {
    let unpack_into =
        |reader: &mut (dyn Read + Send)| -> anyhow::Result<(PathBuf, Option<Unpacked>)> {
            let dir = ctx
                .paths
                .runroot
                .join(format!("build-context-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            crate::sys::fsutil::create_dir_all_mode(&dir, 0o700)?;
            let guard = Unpacked(dir.clone());
            let tar = crate::image::manifest::decompress(std::io::BufReader::new(reader))
                .context("reading the context archive")?;
            let mut archive = tar::Archive::new(tar);
            archive.set_preserve_ownerships(false);
            archive.set_preserve_permissions(true);
            archive
                .unpack(&dir)
                .map_err(|e| exit_error(125, format!("unpacking the context archive: {e}")))?;
            Ok((dir, Some(guard)))
        };
    match source {
        ContextSource::Dir(d) => Ok((d.clone(), None, None)),
        ContextSource::Archive(p) => {
            let mut f = std::fs::File::open(p)
                .map_err(|e| exit_error(125, format!("the build context {}: {e}", p.display())))?;
            let (dir, guard) = unpack_into(&mut f)?;
            Ok((dir, guard, None))
        }
        ContextSource::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("reading the build context from stdin")?;
            if crate::build::copy::looks_like_archive(&bytes) {
                let (dir, guard) = unpack_into(&mut bytes.as_slice())?;
                return Ok((dir, guard, None));
            }
            let text = String::from_utf8(bytes).map_err(|_| {
                exit_error(125, "stdin holds neither a Containerfile nor a tar archive")
            })?;
            let dir = ctx
                .paths
                .runroot
                .join(format!("build-context-{}", std::process::id()));
            crate::sys::fsutil::create_dir_all_mode(&dir, 0o700)?;
            Ok((dir.clone(), Some(Unpacked(dir)), Some(text)))
        }
    }
}

fn read_containerfile(opts: &BuildOptions, context: &Path) -> anyhow::Result<(String, String)> {
    let path = match &opts.file {
        FileSource::Stdin => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the Containerfile from stdin")?;
            return Ok(("-".into(), text));
        }
        FileSource::Path(p) => p.clone(),
        FileSource::Lookup => ["Containerfile", "Dockerfile"]
            .iter()
            .map(|n| context.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                exit_error(
                    125,
                    format!(
                        "no Containerfile or Dockerfile in {}; name one with -f",
                        context.display()
                    ),
                )
            })?,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| exit_error(125, format!("reading {}: {e}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string());
    Ok((name, text))
}

/// The platform args BuildKit predefines (the host's: no cross builds).
fn predefined_args() -> BTreeMap<String, String> {
    let p = Platform::host();
    let platform = match &p.variant {
        Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
        None => format!("{}/{}", p.os, p.architecture),
    };
    let mut m = BTreeMap::new();
    for side in ["TARGET", "BUILD"] {
        m.insert(format!("{side}PLATFORM"), platform.clone());
        m.insert(format!("{side}OS"), p.os.clone());
        m.insert(format!("{side}ARCH"), p.architecture.clone());
        m.insert(
            format!("{side}VARIANT"),
            p.variant.clone().unwrap_or_default(),
        );
    }
    m
}

struct Builder<'a> {
    ctx: &'a Ctx,
    opts: &'a BuildOptions,
    file: String,
    escape: char,
    plan: &'a Plan,
    predefined: BTreeMap<String, String>,
    context_dir: PathBuf,
    /// Walked on first use (a build without COPY never reads it).
    context: Option<Context>,
    digests: Option<DigestCache>,
    cache: StepCache,
    /// The image id each finished stage made.
    results: Vec<Option<String>>,
    used_args: BTreeSet<String>,
}

/// A stage as it is being built.
struct State {
    /// The whole image config.
    config: Value,
    /// The last image of this stage in the catalog (None: scratch so far).
    image: Option<ImageEntry>,
    /// The config differs from `image`'s.
    dirty: bool,
    key: String,
    /// ARGs declared in the stage: name -> value (None: no value).
    args: BTreeMap<String, Option<String>>,
    /// CMD set in this stage (ENTRYPOINT then keeps it).
    cmd_set: bool,
}

impl State {
    fn runtime(&mut self) -> &mut Map<String, Value> {
        if !self.config.get("config").is_some_and(Value::is_object) {
            self.config["config"] = json!({});
        }
        self.config["config"]
            .as_object_mut()
            .expect("config is an object")
    }

    fn env(&self) -> Vec<String> {
        self.config
            .pointer("/config/Env")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Variables for expansion: ENV first, then the stage's ARGs.
    fn lookup(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        let env = self.env();
        if let Some(v) = env.iter().rev().find_map(|e| e.strip_prefix(&prefix)) {
            return Some(v.to_string());
        }
        self.args.get(name).cloned().flatten()
    }

    fn shell(&self) -> Vec<String> {
        self.config
            .pointer("/config/Shell")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .filter(|v: &Vec<String>| !v.is_empty())
            .unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into()])
    }

    fn workdir(&self) -> String {
        self.config
            .pointer("/config/WorkingDir")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("/")
            .to_string()
    }

    fn history(&mut self, created_by: String, empty: bool) {
        let now = now();
        let mut h = json!({"created": now, "created_by": created_by});
        if empty {
            h["empty_layer"] = json!(true);
        }
        match self.config.get_mut("history").and_then(Value::as_array_mut) {
            Some(list) => list.push(h),
            None => self.config["history"] = json!([h]),
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

fn short(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

impl Builder<'_> {
    fn say(&self, line: impl AsRef<str>) {
        if !self.opts.quiet {
            println!("{}", line.as_ref());
        }
    }

    fn err(&self, i: &Instruction, what: impl std::fmt::Display) -> anyhow::Error {
        error_at(&self.file, i.line, format!("{}: {what}", i.keyword))
    }

    fn store(&self) -> anyhow::Result<Store> {
        Store::open_existing(&self.ctx.paths.root)
            .ok_or_else(|| anyhow::anyhow!("the image store is missing"))
    }

    /// The catalog entry and config of image `id`, if still stored.
    fn load(&self, id: &str) -> anyhow::Result<Option<(ImageEntry, Value)>> {
        let Some(store) = Store::open_existing(&self.ctx.paths.root) else {
            return Ok(None);
        };
        let Some(entry) = store.catalog()?.by_id(id).cloned() else {
            return Ok(None);
        };
        let config: Value = serde_json::from_slice(&store.read_blob(&entry.id)?)
            .with_context(|| format!("reading the config of image {id}"))?;
        Ok(Some((entry, config)))
    }

    /// The layer directories of `entry`, top first.
    fn layers_of(&self, entry: Option<&ImageEntry>) -> anyhow::Result<Vec<PathBuf>> {
        let Some(entry) = entry else {
            return Ok(Vec::new());
        };
        let store = self.store()?;
        let stored = crate::image::manifest::StoredImage::load(&store, entry)?;
        stored
            .diff_ids()
            .iter()
            .rev()
            .map(|d| store.layer_diff_path(d))
            .collect()
    }

    /// An image by name, pulled per `--pull`; its id.
    fn image_id(&self, name: &str) -> anyhow::Result<String> {
        let opts = CreateOptions {
            image: name.to_string(),
            pull: self.opts.pull,
            registry: self.opts.registry.clone(),
            quiet: self.opts.quiet,
            ..Default::default()
        };
        crate::container::image::ensure_image(self.ctx, &opts)
    }

    fn run_stage(
        &mut self,
        stage: &stages::Stage,
        prefix: &str,
        is_target: bool,
    ) -> anyhow::Result<String> {
        let total = stage.instructions.len() + 1;
        self.say(format!(
            "{prefix}STEP 1/{total}: FROM {}",
            stage.from.original
        ));
        let mut state = self.from(stage)?;
        self.onbuild(stage, &mut state, prefix)?;
        for (n, i) in stage.instructions.iter().enumerate() {
            self.say(format!(
                "{prefix}STEP {}/{total}: {} {}",
                n + 2,
                i.keyword,
                i.original
            ));
            self.check_declared(stage, n, i, &state)?;
            self.step(stage, &mut state, i)?;
        }
        self.finish_stage(state, is_target)
    }

    /// The base image's ONBUILD triggers run first (and are not kept).
    fn onbuild(
        &mut self,
        stage: &stages::Stage,
        state: &mut State,
        prefix: &str,
    ) -> anyhow::Result<()> {
        let triggers: Vec<String> = match state.runtime().remove("OnBuild") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => return Ok(()),
        };
        state.dirty = true;
        state.key = cache::chain(&state.key, &["ONBUILD triggers", &triggers.join("\n")]);
        for t in &triggers {
            let cf = parse::parse(&format!("{} (ONBUILD of the base image)", self.file), t)?;
            for i in &cf.instructions {
                if matches!(i.keyword.as_str(), "FROM" | "ONBUILD" | "MAINTAINER") {
                    return Err(exit_error(
                        125,
                        format!("ONBUILD {t:?}: {} is not allowed in a trigger", i.keyword),
                    ));
                }
                self.say(format!("{prefix}ONBUILD {} {}", i.keyword, i.original));
                self.step(stage, state, i)?;
            }
        }
        Ok(())
    }

    /// A variable used in an expanding instruction before the ARG that
    /// declares it further down the stage is a mistake: say so.
    fn check_declared(
        &self,
        stage: &stages::Stage,
        n: usize,
        i: &Instruction,
        state: &State,
    ) -> anyhow::Result<()> {
        if matches!(
            i.keyword.as_str(),
            "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" | "HEALTHCHECK" | "ONBUILD"
        ) {
            return Ok(());
        }
        let text = match &i.args {
            Args::Shell(s) => s.clone(),
            Args::Exec(v) => v.join(" "),
        };
        for name in referenced(&text) {
            if state.lookup(&name).is_some() || state.args.contains_key(&name) {
                continue;
            }
            let later = stage.instructions[n + 1..].iter().find(|l| {
                l.keyword == "ARG"
                    && matches!(&l.args, Args::Shell(t) if t.split_whitespace().any(|w| w.split('=').next() == Some(name.as_str())))
            });
            if let Some(l) = later {
                return Err(self.err(
                    i,
                    format!(
                        "${name} is used before ARG {name} declares it (line {}); move the ARG up",
                        l.line
                    ),
                ));
            }
        }
        Ok(())
    }

    fn from(&mut self, stage: &stages::Stage) -> anyhow::Result<State> {
        let from_stage = self.plan.stage_ref(&stage.base, stage.index);
        let (image, config) = if let Some(j) = from_stage {
            let id = self.results[j].clone().expect("stages run in order");
            let (e, c) = self
                .load(&id)?
                .ok_or_else(|| anyhow::anyhow!("stage {j}'s image vanished"))?;
            (Some(e), c)
        } else if stage.base == "scratch" {
            let p = Platform::host();
            let mut c = json!({
                "architecture": p.architecture,
                "os": p.os,
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": []},
                "history": [],
            });
            if let Some(v) = p.variant {
                c["variant"] = json!(v);
            }
            (None, c)
        } else {
            let id = self.image_id(&stage.base)?;
            let (e, c) = self
                .load(&id)?
                .ok_or_else(|| anyhow::anyhow!("image {} vanished after the pull", stage.base))?;
            (Some(e), c)
        };
        // The format is part of every key: the configs differ.
        let key = cache::chain(
            &cache::base_key(image.as_ref().map_or("scratch", |e| e.id.as_str())),
            &[match self.opts.format {
                Format::Oci => "oci",
                Format::Docker => "docker",
            }],
        );
        Ok(State {
            config,
            image,
            dirty: false,
            key,
            args: BTreeMap::new(),
            cmd_set: false,
        })
    }

    /// The value of `name` declared as ARG (no value) in a stage.
    fn arg_value(&mut self, name: &str, default: Option<String>) -> Option<String> {
        if let Some(v) = self.opts.build_args.get(name) {
            self.used_args.insert(name.to_string());
            return Some(v.clone());
        }
        if default.is_some() {
            return default;
        }
        if let Some((_, v)) = self.plan.global_args.iter().rev().find(|(k, _)| k == name) {
            return v.clone();
        }
        self.predefined.get(name).cloned()
    }

    fn step(
        &mut self,
        stage: &stages::Stage,
        state: &mut State,
        i: &Instruction,
    ) -> anyhow::Result<()> {
        let escape = self.escape;
        let vars = |n: &str| state.lookup(n);
        let word = |t: &str| -> anyhow::Result<String> {
            expand::word(t, &vars, escape)
                .map(|(w, _)| w)
                .map_err(|e| self.err(i, e))
        };
        let words = |t: &str| -> anyhow::Result<Vec<String>> {
            expand::words(t, &vars, escape).map_err(|e| self.err(i, e))
        };
        let shell_text = match &i.args {
            Args::Shell(s) => s.clone(),
            Args::Exec(v) => serde_json::to_string(v)?,
        };
        let format = self.opts.format;
        let keyword = i.keyword.as_str();
        // Metadata: (canonical text for the key and history).
        let canonical: String = match keyword {
            "ENV" | "LABEL" => {
                let pairs = self.key_values(i, state)?;
                let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let rc = state.runtime();
                if keyword == "ENV" {
                    let env = rc.entry("Env").or_insert_with(|| json!([]));
                    let list = env
                        .as_array_mut()
                        .ok_or_else(|| anyhow::anyhow!("image Env is not a list"))?;
                    for (k, v) in &pairs {
                        let prefix = format!("{k}=");
                        list.retain(|e| e.as_str().is_none_or(|s| !s.starts_with(&prefix)));
                        list.push(json!(format!("{k}={v}")));
                    }
                } else {
                    let labels = rc.entry("Labels").or_insert_with(|| json!({}));
                    if !labels.is_object() {
                        *labels = json!({});
                    }
                    for (k, v) in &pairs {
                        labels[k] = json!(v);
                    }
                }
                text.join(" ")
            }
            "ARG" => {
                let decls = stages::arg_declarations(&self.file, i, escape, &vars)?;
                let mut text = Vec::new();
                for (k, default) in decls {
                    let v = self.arg_value(&k, default);
                    text.push(match &v {
                        Some(v) => format!("{k}={v}"),
                        None => k.clone(),
                    });
                    state.args.insert(k, v);
                }
                text.join(" ")
            }
            "WORKDIR" => {
                let w = word(&shell_text)?;
                let dir = match w.starts_with('/') {
                    true => w,
                    false => format!("{}/{w}", state.workdir().trim_end_matches('/')),
                };
                let dir = super::ignore::clean(&dir);
                state.runtime().insert("WorkingDir".into(), json!(dir));
                dir
            }
            "USER" => {
                let u = word(&shell_text)?;
                state.runtime().insert("User".into(), json!(u));
                u
            }
            "EXPOSE" => {
                let mut ports = Vec::new();
                for p in words(&shell_text)? {
                    let (num, proto) = p.split_once('/').unwrap_or((&p, "tcp"));
                    let proto = proto.to_ascii_lowercase();
                    let ok = num
                        .split('-')
                        .all(|n| n.parse::<u16>().is_ok_and(|n| n > 0));
                    if !ok || !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
                        return Err(self.err(i, format!("invalid port {p:?}")));
                    }
                    ports.push(format!("{num}/{proto}"));
                }
                let rc = state.runtime();
                let map = rc.entry("ExposedPorts").or_insert_with(|| json!({}));
                for p in &ports {
                    map[p] = json!({});
                }
                ports.join(" ")
            }
            "VOLUME" => {
                let vols = match &i.args {
                    Args::Exec(v) => v
                        .iter()
                        .map(|s| word(s))
                        .collect::<anyhow::Result<Vec<_>>>()?,
                    Args::Shell(s) => words(s)?,
                };
                let rc = state.runtime();
                let map = rc.entry("Volumes").or_insert_with(|| json!({}));
                for v in &vols {
                    map[v] = json!({});
                }
                vols.join(" ")
            }
            "STOPSIGNAL" => {
                let s = word(&shell_text)?;
                state.runtime().insert("StopSignal".into(), json!(s));
                s
            }
            "CMD" | "ENTRYPOINT" => {
                let list = match &i.args {
                    Args::Exec(v) => v.clone(),
                    Args::Shell(s) => {
                        let mut l = state.shell();
                        l.push(s.clone());
                        l
                    }
                };
                let text = serde_json::to_string(&list)?;
                let cmd_set = state.cmd_set;
                let rc = state.runtime();
                if keyword == "CMD" {
                    rc.insert("Cmd".into(), json!(list));
                    state.cmd_set = true;
                } else {
                    rc.insert("Entrypoint".into(), json!(list));
                    if !cmd_set {
                        rc.remove("Cmd");
                    }
                }
                text
            }
            "SHELL" => {
                let Args::Exec(list) = &i.args else {
                    return Err(self.err(i, "SHELL requires the arguments in JSON form"));
                };
                self.docker_only(keyword);
                state.runtime().insert("Shell".into(), json!(list));
                serde_json::to_string(list)?
            }
            "HEALTHCHECK" => {
                let check = self.healthcheck(i)?;
                self.docker_only(keyword);
                let text = check.to_string();
                if format == Format::Docker {
                    state.runtime().insert("Healthcheck".into(), check);
                }
                text
            }
            "ONBUILD" => {
                self.docker_only(keyword);
                if format == Format::Docker {
                    let rc = state.runtime();
                    let list = rc.entry("OnBuild").or_insert_with(|| json!([]));
                    if let Some(l) = list.as_array_mut() {
                        l.push(json!(shell_text));
                    }
                }
                shell_text.clone()
            }
            "MAINTAINER" => {
                state.config["author"] = json!(shell_text);
                shell_text.clone()
            }
            "RUN" => return self.run(stage, state, i),
            "COPY" | "ADD" => return self.copy(stage, state, i),
            other => return Err(self.err(i, format!("{other} is not supported"))),
        };
        state.key = cache::chain(&state.key, &[keyword, &canonical]);
        state.dirty = true;
        state.history(format!("/bin/sh -c #(nop) {keyword} {canonical}"), true);
        Ok(())
    }

    /// HEALTHCHECK, SHELL and ONBUILD have no place in an OCI config.
    fn docker_only(&self, keyword: &str) {
        if self.opts.format == Format::Oci && keyword != "SHELL" {
            eprintln!("WARN: {keyword} is not supported for OCI image format and will be ignored. Must use `docker` format");
        }
        if self.opts.format == Format::Oci && keyword == "SHELL" {
            eprintln!("WARN: SHELL is not supported for OCI image format, [] will be ignored. Must use `docker` format");
        }
    }

    fn healthcheck(&self, i: &Instruction) -> anyhow::Result<Value> {
        let text = match &i.args {
            Args::Shell(s) => s.trim().to_string(),
            Args::Exec(v) => serde_json::to_string(v)?,
        };
        if text.eq_ignore_ascii_case("none") {
            return Ok(json!({"Test": ["NONE"]}));
        }
        let (kw, rest) = text.split_once(char::is_whitespace).unwrap_or((&text, ""));
        if !kw.eq_ignore_ascii_case("CMD") || rest.trim().is_empty() {
            return Err(self.err(i, "expected NONE or [OPTIONS] CMD command"));
        }
        let rest = rest.trim();
        let test = match serde_json::from_str::<Vec<String>>(rest) {
            Ok(v) if rest.starts_with('[') => {
                let mut t = vec!["CMD".to_string()];
                t.extend(v);
                t
            }
            _ => vec!["CMD-SHELL".into(), rest.into()],
        };
        let mut check = json!({"Test": test});
        for (name, value) in &i.flags {
            let field = match name.as_str() {
                "interval" => "Interval",
                "timeout" => "Timeout",
                "start-period" => "StartPeriod",
                "start-interval" => "StartInterval",
                "retries" => "Retries",
                other => return Err(self.err(i, format!("unknown flag --{other}"))),
            };
            let v = value.as_deref().unwrap_or("");
            if field == "Retries" {
                let n: u64 = v
                    .parse()
                    .map_err(|_| self.err(i, format!("invalid --retries {v:?}")))?;
                check[field] = json!(n);
            } else {
                let d = crate::util::duration::parse_go_duration_nanos(v)
                    .ok_or_else(|| self.err(i, format!("invalid --{name} {v:?}")))?;
                check[field] = json!(d);
            }
        }
        Ok(check)
    }

    /// `K=V …` (values expanded with the state before this instruction)
    /// or the legacy `K V with spaces`.
    fn key_values(&self, i: &Instruction, state: &State) -> anyhow::Result<Vec<(String, String)>> {
        let Args::Shell(text) = &i.args else {
            return Err(self.err(i, "expected KEY=VALUE"));
        };
        let vars = |n: &str| state.lookup(n);
        let raw = expand::raw_words(text, self.escape).map_err(|e| self.err(i, e))?;
        if !raw.first().is_some_and(|w| w.contains('=')) {
            let (k, v) = text
                .split_once(char::is_whitespace)
                .ok_or_else(|| self.err(i, "needs a value"))?;
            let (v, _) = expand::word(v.trim(), &vars, self.escape).map_err(|e| self.err(i, e))?;
            return Ok(vec![(k.to_string(), v)]);
        }
        let mut out = Vec::new();
        for w in raw {
            let (k, v) = w
                .split_once('=')
                .ok_or_else(|| self.err(i, format!("{w:?} is not KEY=VALUE")))?;
            let (k, _) = expand::word(k, &vars, self.escape).map_err(|e| self.err(i, e))?;
            if k.is_empty() {
                return Err(self.err(i, "empty key"));
            }
            let (v, _) = expand::word(v, &vars, self.escape).map_err(|e| self.err(i, e))?;
            out.push((k, v));
        }
        Ok(out)
    }

    /// Look `key` up in the step cache; a hit moves the state there.
    fn cached(&self, state: &mut State, key: &str) -> anyhow::Result<bool> {
        if self.opts.no_cache || !self.opts.layers {
            return Ok(false);
        }
        let Some(id) = self.cache.get(key) else {
            return Ok(false);
        };
        let Some((entry, config)) = self.load(&id)? else {
            return Ok(false);
        };
        self.say(format!(
            "--> Using cache {}",
            id.strip_prefix("sha256:").unwrap_or(&id)
        ));
        self.say(format!("--> {}", short(&id)));
        state.config = config;
        state.image = Some(entry);
        state.dirty = false;
        state.key = key.to_string();
        Ok(true)
    }

    fn stored(&self, state: &mut State, key: &str, id: &str) -> anyhow::Result<()> {
        if self.opts.layers {
            self.cache.put(key, id);
        }
        let (entry, config) = self
            .load(id)?
            .ok_or_else(|| anyhow::anyhow!("image {id} vanished"))?;
        self.say(format!("--> {}", short(id)));
        state.config = config;
        state.image = Some(entry);
        state.dirty = false;
        state.key = key.to_string();
        Ok(())
    }

    fn run(
        &mut self,
        _stage: &stages::Stage,
        state: &mut State,
        i: &Instruction,
    ) -> anyhow::Result<()> {
        let mut network = self.opts.network.clone();
        let mut mount_specs = Vec::new();
        for (name, value) in &i.flags {
            match name.as_str() {
                "network" => network = value.clone(),
                "mount" => mount_specs.push(
                    mounts::parse(value.as_deref().unwrap_or(""))
                        .map_err(|e| self.err(i, format!("--mount: {e}")))?,
                ),
                other => return Err(self.err(i, format!("unknown flag --{other}"))),
            }
        }
        let run_mounts = self.run_mounts(i, &mount_specs)?;
        let command: Vec<String> = match &i.args {
            Args::Exec(v) => v.clone(),
            Args::Shell(s) => {
                let mut cmd = state.shell();
                let only_heredoc = !i.heredocs.is_empty()
                    && s.trim().starts_with("<<")
                    && s.split_whitespace().count() == 1;
                if only_heredoc {
                    cmd.push(i.heredocs[0].content.clone());
                } else {
                    let mut script = s.clone();
                    for h in &i.heredocs {
                        script.push('\n');
                        script.push_str(&h.content);
                        script.push_str(&h.name);
                    }
                    cmd.push(script);
                }
                cmd
            }
        };
        // The environment: the image's, then the ARGs it does not set.
        let mut env = state.env();
        let env_names: BTreeSet<String> = env
            .iter()
            .filter_map(|e| e.split_once('='))
            .map(|(k, _)| k.to_string())
            .collect();
        let mut arg_text = Vec::new();
        for (k, v) in &state.args {
            if let Some(v) = v {
                arg_text.push(format!("{k}={v}"));
                if !env_names.contains(k) {
                    env.push(format!("{k}={v}"));
                }
            }
        }
        for p in PROXY_ARGS {
            if let Some(v) = self.opts.build_args.get(*p) {
                self.used_args.insert(p.to_string());
                env.push(format!("{p}={v}"));
            }
        }
        let cmd_text = serde_json::to_string(&command)?;
        let key = cache::chain(
            &state.key,
            &[
                "RUN",
                &cmd_text,
                &arg_text.join("\n"),
                network.as_deref().unwrap_or(""),
                &run_mounts.key,
            ],
        );
        if self.cached(state, &key)? {
            return Ok(());
        }
        let Some(base) = state.image.clone() else {
            return Err(self.err(
                i,
                "the stage has no files yet (FROM scratch): there is nothing to run",
            ));
        };
        let user = state
            .config
            .pointer("/config/User")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty());
        let create = CreateOptions {
            image: base
                .id
                .strip_prefix("sha256:")
                .unwrap_or(&base.id)
                .to_string(),
            entrypoint: Some(String::new()),
            command: command.clone(),
            env,
            workdir: Some(state.workdir()),
            user: user.map(str::to_string),
            network: network.into_iter().collect(),
            log_driver: Some("passthrough".into()),
            volume: run_mounts.volumes.clone(),
            tmpfs: run_mounts.tmpfs.clone(),
            pull: PullPolicy::Never,
            quiet: true,
            ..Default::default()
        };
        let (container, lock) = create::create(self.ctx, &create)?;
        let code = {
            // With -q only the image id goes to stdout.
            let _redirect = match self.opts.quiet {
                true => Some(StdoutToStderr::new()?),
                false => None,
            };
            start::start_attached(
                self.ctx,
                &container,
                Some(lock),
                false,
                start::OnFailure::Remove,
            )
        };
        let step = format!("RUN {}", i.original);
        let code = match code {
            Ok(c) => c,
            Err(e) => {
                let _ = start::remove_with_volumes(self.ctx, &container);
                return Err(e);
            }
        };
        if code != 0 {
            let _ = start::remove_with_volumes(self.ctx, &container);
            return Err(exit_error(
                code,
                format!("building at STEP \"{step}\": while running runtime: exit status {code}"),
            ));
        }
        let mut config = state.config.clone();
        config["created"] = json!(now());
        let created_by = match &i.args {
            Args::Shell(s) => format!("{} {s}", state.shell().join(" ")),
            Args::Exec(v) => v.join(" "),
        };
        let history = json!({"created": now(), "created_by": created_by});
        let result = crate::container::commit::commit(
            self.ctx,
            container.clone(),
            crate::container::commit::CommitRequest {
                base: &base,
                config,
                history,
                names: Vec::new(),
                format: self.opts.format,
                drop_mount_points: true,
            },
        );
        let _ = start::remove_with_volumes(self.ctx, &container);
        let id = result?;
        self.stored(state, &key, &id)
    }

    /// The binds and tmpfs mounts of `RUN --mount`, and their part of
    /// the step's key (bind sources by content; secrets by id only).
    fn run_mounts(&mut self, i: &Instruction, specs: &[Mount]) -> anyhow::Result<RunMounts> {
        let mut out = RunMounts::default();
        let mut key = Vec::new();
        for m in specs {
            match m {
                Mount::Cache {
                    target,
                    id,
                    sharing,
                } => {
                    let hash = crate::util::digest::sha256_of(id.as_bytes());
                    let hex = hash.strip_prefix("sha256:").unwrap_or(&hash);
                    let dir = StepCache::cache_dir(&self.ctx.paths.root)
                        .join("mounts")
                        .join(&hex[..16]);
                    crate::sys::fsutil::create_dir_all_mode(&dir, 0o755)?;
                    if *sharing == mounts::Sharing::Locked {
                        let file = crate::sys::fsutil::open_lock_file(&dir.with_extension("lock"))?;
                        let lock =
                            nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
                                .map_err(|(_, e)| e)
                                .context("locking the cache mount")?;
                        out.locks.push(lock);
                    }
                    out.volumes.push(format!("{}:{target}", dir.display()));
                    key.push(format!("cache {id} {target}"));
                }
                Mount::Bind { target, source } => {
                    let ctx = self.context()?;
                    let mut list = Vec::new();
                    for sel in ctx.select(source, "RUN --mount")? {
                        if let Some(n) = ctx.entries.iter().position(|e| e.rel == sel.rel) {
                            list.push((sel.rel.clone(), n));
                        }
                        list.extend(sel.tree.iter().map(|n| (ctx.entries[*n].rel.clone(), *n)));
                    }
                    let path = ctx
                        .root
                        .join(super::ignore::clean(source.trim_start_matches('/')));
                    let digests = self.digests.as_mut().expect("loaded with the context");
                    let ctx = self.context.as_ref().expect("opened above");
                    key.push(format!("bind {target} {}", digests.digest(ctx, &list)?));
                    out.volumes.push(format!("{}:{target}:ro", path.display()));
                }
                Mount::Tmpfs { target } => {
                    out.tmpfs.push(target.clone());
                    key.push(format!("tmpfs {target}"));
                }
                Mount::Secret {
                    id,
                    target,
                    required,
                } => {
                    key.push(format!("secret {id} {target}"));
                    let path = match self.opts.secrets.get(id) {
                        Some(SecretSource::File(p)) => p.clone(),
                        Some(SecretSource::Env(var)) => {
                            let value = std::env::var(var).map_err(|_| {
                                self.err(
                                    i,
                                    format!(
                                        "secret {id}: the environment variable {var} is not set"
                                    ),
                                )
                            })?;
                            out.secret_file(&self.ctx.paths.runroot, id, value.as_bytes())?
                        }
                        None if *required => {
                            return Err(self.err(
                                i,
                                format!(
                                    "secret {id} not found: give it with --secret id={id},src=PATH"
                                ),
                            ))
                        }
                        None => continue,
                    };
                    out.volumes.push(format!("{}:{target}:ro", path.display()));
                }
            }
        }
        for v in &self.opts.volumes {
            out.volumes.push(v.clone());
            key.push(format!("volume {v}"));
        }
        out.key = key.join("\n");
        Ok(out)
    }

    fn context(&mut self) -> anyhow::Result<&Context> {
        if self.context.is_none() {
            let root = &self.context_dir.clone();
            let (matcher, name) = self.ignore_rules(root)?;
            self.context = Some(Context::open(root, matcher, name)?);
            self.digests = Some(DigestCache::load(
                &StepCache::cache_dir(&self.ctx.paths.root),
                root,
            ));
        }
        Ok(self.context.as_ref().expect("just set"))
    }

    fn ignore_rules(&self, root: &Path) -> anyhow::Result<(Matcher, Option<String>)> {
        let path = match &self.opts.ignorefile {
            Some(p) => Some(p.clone()),
            None => [".containerignore", ".dockerignore"]
                .iter()
                .map(|n| root.join(n))
                .find(|p| p.is_file()),
        };
        let Some(path) = path else {
            return Ok((Matcher::default(), None));
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| exit_error(125, format!("reading {}: {e}", path.display())))?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().to_string(),
        );
        Ok((Matcher::parse(&name, &text)?, Some(name)))
    }

    fn copy(
        &mut self,
        _stage: &stages::Stage,
        state: &mut State,
        i: &Instruction,
    ) -> anyhow::Result<()> {
        let keyword = i.keyword.clone();
        let mut from = None;
        let mut chown = None;
        let mut chmod = None;
        for (name, value) in &i.flags {
            let v = value.clone().unwrap_or_default();
            match name.as_str() {
                "from" if keyword == "COPY" => from = Some(v),
                "chown" => chown = Some(v),
                "chmod" => chmod = Some(v),
                "link" => {}
                other => return Err(self.err(i, format!("unknown flag --{other}"))),
            }
        }
        let vars = |n: &str| state.lookup(n);
        let escape = self.escape;
        let mut words = match &i.args {
            Args::Exec(v) => v
                .iter()
                .map(|s| expand::word(s, &vars, escape).map(|(w, _)| w))
                .collect::<anyhow::Result<Vec<_>>>(),
            Args::Shell(s) => expand::words(s, &vars, escape),
        }
        .map_err(|e| self.err(i, e))?;
        // Heredoc sources (`COPY <<EOF /file`).
        let mut heredocs: Vec<(String, Vec<u8>)> = Vec::new();
        words.retain(|w| {
            let name = w
                .trim_start_matches("<<")
                .trim_start_matches('-')
                .trim_matches(['"', '\'']);
            match i
                .heredocs
                .iter()
                .find(|h| w.starts_with("<<") && h.name == name)
            {
                Some(h) => {
                    let content = match h.expand {
                        true => {
                            expand::heredoc(&h.content, &vars, escape).unwrap_or(h.content.clone())
                        }
                        false => h.content.clone(),
                    };
                    heredocs.push((h.name.clone(), content.into_bytes()));
                    false
                }
                None => true,
            }
        });
        let Some(dest) = words.pop() else {
            return Err(self.err(i, "needs a destination"));
        };
        if words.is_empty() && heredocs.is_empty() {
            return Err(self.err(i, "needs at least one source and a destination"));
        }
        let dest = match dest.starts_with('/') {
            true => dest,
            false => format!("{}/{dest}", state.workdir().trim_end_matches('/')),
        };
        let base_layers = self.layers_of(state.image.as_ref())?;
        let dest_is_dir = dest.ends_with('/')
            || words.len() + heredocs.len() > 1
            || words.iter().any(|w| w.contains(['*', '?', '[']))
            || copy::exists_in_layers(&base_layers, &dest).is_some_and(|m| m.is_dir());
        let dest = super::ignore::clean(&dest);
        let under = |name: &str| format!("{}/{name}", dest.trim_end_matches('/'));
        let (uid, gid) = match &chown {
            Some(c) => self.owner(i, c, &base_layers)?,
            None => (0, 0),
        };
        let chmod_mode = match &chmod {
            Some(m) => Some(
                u32::from_str_radix(m, 8)
                    .map_err(|_| self.err(i, format!("invalid --chmod {m:?}")))?,
            ),
            None => None,
        };
        let mut items: Vec<Item> = Vec::new();
        for (name, bytes) in &heredocs {
            let target = if dest_is_dir {
                under(name)
            } else {
                dest.clone()
            };
            items.push(Item {
                target,
                source: Source::Bytes(bytes.clone()),
            });
        }
        let mut key_parts: Vec<String> = vec![
            keyword.clone(),
            dest.clone(),
            format!("{uid}:{gid}"),
            chmod.clone().unwrap_or_default(),
        ];
        for (name, bytes) in &heredocs {
            key_parts.push(format!(
                "heredoc {name} {}",
                crate::util::digest::sha256_of(bytes)
            ));
        }
        let from_layers = match &from {
            Some(f) => {
                let id = match self.plan.stage_ref(f, _stage.index) {
                    Some(j) => self.results[j]
                        .clone()
                        .ok_or_else(|| self.err(i, format!("stage {f} was not built")))?,
                    None => {
                        if self
                            .plan
                            .stages
                            .iter()
                            .any(|s| s.name.as_deref() == Some(&f.to_ascii_lowercase()))
                        {
                            return Err(self.err(
                                i,
                                format!("--from={f}: a stage can only copy from an earlier stage"),
                            ));
                        }
                        self.image_id(f).map_err(|e| {
                            self.err(i, format!("--from={f}: {}", crate::error::describe(&e)))
                        })?
                    }
                };
                let (entry, _) = self
                    .load(&id)?
                    .ok_or_else(|| self.err(i, format!("image {id} vanished")))?;
                key_parts.push(format!("from {id}"));
                key_parts.extend(words.iter().cloned());
                Some(self.layers_of(Some(&entry))?)
            }
            None => None,
        };
        if from_layers.is_none() && !words.is_empty() {
            for w in &words {
                if w.starts_with("http://") || w.starts_with("https://") || w.starts_with("git@") {
                    return Err(
                        self.err(i, format!("{w}: sources from URLs are not supported yet"))
                    );
                }
            }
            let kw = keyword.clone();
            let ctx = self.context()?;
            let mut digest_list: Vec<(String, usize)> = Vec::new();
            let mut context_items: Vec<Item> = Vec::new();
            for w in &words {
                for sel in ctx.select(w, &kw)? {
                    let root_target = match (sel.is_dir, dest_is_dir) {
                        (true, _) => dest.clone(),
                        (false, true) => under(sel.rel.rsplit('/').next().unwrap_or(&sel.rel)),
                        (false, false) => dest.clone(),
                    };
                    let path = ctx.root.join(&sel.rel);
                    if !sel.is_dir {
                        let archive = kw == "ADD" && copy::is_archive(&path);
                        let source = match archive {
                            true => Source::Archive(path),
                            false => Source::Path(path),
                        };
                        let target = if archive {
                            dest.clone()
                        } else {
                            root_target.clone()
                        };
                        if let Some(n) = ctx.entries.iter().position(|e| e.rel == sel.rel) {
                            digest_list.push((
                                format!("{target}{}", if archive { " (unpacked)" } else { "" }),
                                n,
                            ));
                        }
                        context_items.push(Item { target, source });
                        continue;
                    }
                    if !sel.rel.is_empty() {
                        if let Some(n) = ctx.entries.iter().position(|e| e.rel == sel.rel) {
                            digest_list.push((root_target.clone(), n));
                        }
                        context_items.push(Item {
                            target: root_target.clone(),
                            source: Source::Path(path),
                        });
                    }
                    let strip = if sel.rel.is_empty() {
                        0
                    } else {
                        sel.rel.len() + 1
                    };
                    for n in &sel.tree {
                        let e = &ctx.entries[*n];
                        let target =
                            format!("{}/{}", root_target.trim_end_matches('/'), &e.rel[strip..]);
                        digest_list.push((target.clone(), *n));
                        context_items.push(Item {
                            target,
                            source: Source::Path(ctx.root.join(&e.rel)),
                        });
                    }
                }
            }
            let digests = self.digests.as_mut().expect("loaded with the context");
            let ctx = self.context.as_ref().expect("opened above");
            key_parts.push(digests.digest(ctx, &digest_list)?);
            items.extend(context_items);
        }
        let parts: Vec<&str> = key_parts.iter().map(String::as_str).collect();
        let key = cache::chain(&state.key, &parts);
        if self.cached(state, &key)? {
            return Ok(());
        }
        let mut config = state.config.clone();
        config["created"] = json!(now());
        let history = json!({
            "created": now(),
            "created_by": format!("/bin/sh -c #(nop) {keyword} {}", i.original),
        });
        let opts = copy::Options {
            uid,
            gid,
            chmod: chmod_mode,
        };
        let base = state.image.clone();
        let format = self.opts.format;
        let sources = words.clone();
        let what = format!("{keyword} {}", i.original);
        let id =
            crate::image::store::write_in_child(&self.ctx.paths.root, move |store, unpack| {
                let mut items = items;
                if let Some(layers) = &from_layers {
                    for w in &sources {
                        let found = from_sources(layers, w, &dest, dest_is_dir, &mut items);
                        if !found {
                            return Err(exit_error(
                                125,
                                format!(
                                    "{what}: {w}: no such file or directory in the source image"
                                ),
                            ));
                        }
                    }
                }
                let parents = copy::missing_parents(&base_layers, &items);
                let (reader, writer) = crate::container::access::pipe()?;
                let layer = std::thread::scope(|s| {
                    let writing = s.spawn(move || {
                        let out = std::io::BufWriter::with_capacity(256 << 10, writer);
                        copy::write_layer(out, &parents, &items, &opts)
                            .and_then(|mut w| std::io::Write::flush(&mut w).map_err(Into::into))
                    });
                    let stored = image_commit::store_layer(
                        store,
                        unpack,
                        std::io::BufReader::with_capacity(256 << 10, reader),
                    );
                    let written = writing
                        .join()
                        .map_err(|_| anyhow::anyhow!("writing the layer failed"))?;
                    // A failed store makes the writer fail too: its reason first.
                    let stored = stored?;
                    written?;
                    Ok::<_, anyhow::Error>(stored)
                })?;
                crate::container::commit::add_layer(&mut config, &layer.diff_id, history)?;
                let draft = Draft {
                    base: base.as_ref(),
                    config: &config,
                    layer: Some(&layer),
                    format,
                    base_size: base.as_ref().map_or(0, |b| b.size),
                };
                image_commit::write_image(store, &draft, &[])
            })?;
        self.stored(state, &key, &id)
    }

    /// `--chown=USER[:GROUP]`: numbers, or names from the image's files.
    fn owner(&self, i: &Instruction, spec: &str, layers: &[PathBuf]) -> anyhow::Result<(u64, u64)> {
        let (user, group) = spec
            .split_once(':')
            .map_or((spec, None), |(u, g)| (u, Some(g)));
        let find = |file: &str, name: &str, field: usize| -> Option<(u64, u64)> {
            let text = crate::container::create::read_image_file(layers, file)?;
            text.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.first() == Some(&name) && f.len() > 3)
                    .then(|| Some((f[2].parse().ok()?, f[field].parse().ok()?)))
                    .flatten()
            })
        };
        let (uid, primary) = match user.parse::<u64>() {
            Ok(n) => (n, n),
            Err(_) => find("/etc/passwd", user, 3).ok_or_else(|| {
                self.err(
                    i,
                    format!("--chown: no user {user:?} in the image's /etc/passwd"),
                )
            })?,
        };
        let gid = match group {
            None => primary,
            Some(g) => match g.parse::<u64>() {
                Ok(n) => n,
                Err(_) => find("/etc/group", g, 2)
                    .map(|(gid, _)| gid)
                    .ok_or_else(|| {
                        self.err(
                            i,
                            format!("--chown: no group {g:?} in the image's /etc/group"),
                        )
                    })?,
            },
        };
        Ok((uid, gid))
    }

    /// The stage's image: written if the config changed since its last
    /// image (or it has none); the target's gets the tags and labels.
    fn finish_stage(&mut self, mut state: State, is_target: bool) -> anyhow::Result<String> {
        if is_target && !self.opts.labels.is_empty() {
            let mut text = Vec::new();
            for l in &self.opts.labels {
                let (k, v) = l.split_once('=').unwrap_or((l, ""));
                let rc = state.runtime();
                let labels = rc.entry("Labels").or_insert_with(|| json!({}));
                labels[k] = json!(v);
                text.push(format!("{k}={v}"));
            }
            state.key = cache::chain(&state.key, &["--label", &text.join("\n")]);
            state.dirty = true;
        }
        let finishing = is_target
            && (!self.opts.env.is_empty()
                || !self.opts.unsetenv.is_empty()
                || self.opts.omit_history);
        if finishing {
            let rc = state.runtime();
            let env = rc.entry("Env").or_insert_with(|| json!([]));
            if let Some(list) = env.as_array_mut() {
                for e in &self.opts.env {
                    let (k, v) = match e.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (e.clone(), std::env::var(e).unwrap_or_default()),
                    };
                    let prefix = format!("{k}=");
                    list.retain(|x| x.as_str().is_none_or(|s| !s.starts_with(&prefix)));
                    list.push(json!(format!("{k}={v}")));
                }
                for k in &self.opts.unsetenv {
                    let prefix = format!("{k}=");
                    list.retain(|x| x.as_str().is_none_or(|s| !s.starts_with(&prefix) && s != k));
                }
            }
            if self.opts.omit_history {
                if let Some(c) = state.config.as_object_mut() {
                    c.remove("history");
                }
            }
            let text = format!(
                "{:?} {:?} {}",
                self.opts.env, self.opts.unsetenv, self.opts.omit_history
            );
            state.key = cache::chain(&state.key, &["--env", &text]);
            state.dirty = true;
        }
        let names = if is_target {
            self.opts.tags.clone()
        } else {
            Vec::new()
        };
        let id = match (&state.image, state.dirty) {
            (Some(image), false) => image.id.clone(),
            _ => {
                let key = cache::chain(&state.key, &["END"]);
                let hit = match self.opts.layers && !self.opts.no_cache {
                    true => self
                        .cache
                        .get(&key)
                        .filter(|id| self.load(id).ok().flatten().is_some()),
                    false => None,
                };
                match hit {
                    Some(id) => id,
                    None => {
                        let mut config = state.config.clone();
                        config["created"] = json!(now());
                        let base = state.image.clone();
                        let format = self.opts.format;
                        let tags = names.clone();
                        let id = crate::image::store::write_in_child(
                            &self.ctx.paths.root,
                            move |store, _| {
                                let draft = Draft {
                                    base: base.as_ref(),
                                    config: &config,
                                    layer: None,
                                    format,
                                    base_size: base.as_ref().map_or(0, |b| b.size),
                                };
                                image_commit::write_image(store, &draft, &tags)
                            },
                        )?;
                        if self.opts.layers {
                            self.cache.put(&key, &id);
                        }
                        id
                    }
                }
            }
        };
        if is_target {
            self.tag(&id, &names)?;
            match names.first() {
                Some(n) => self.say(format!("COMMIT {n}")),
                None => self.say("COMMIT"),
            }
            self.say(format!("--> {}", short(&id)));
            for n in &names {
                self.say(format!("Successfully tagged {n}"));
            }
        }
        Ok(id)
    }

    /// Give `id` the names it lacks.
    fn tag(&self, id: &str, names: &[String]) -> anyhow::Result<()> {
        let have = self.load(id)?.map(|(e, _)| e.names).unwrap_or_default();
        let missing: Vec<String> = names
            .iter()
            .filter(|n| !have.contains(n))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let id = id.to_string();
        crate::image::store::write_in_child(&self.ctx.paths.root, move |store, _| {
            store.update_catalog(|c| {
                for n in &missing {
                    c.tag(&id, n);
                }
                Ok(())
            })?;
            Ok(String::new())
        })?;
        Ok(())
    }
}

/// COPY --from sources: `source` (a path, or a pattern in its last part)
/// in the merged `layers`, placed under `dest`. False when nothing matched.
fn from_sources(
    layers: &[PathBuf],
    source: &str,
    dest: &str,
    dest_is_dir: bool,
    items: &mut Vec<Item>,
) -> bool {
    let cleaned = super::ignore::clean(&format!("/{source}"));
    let (dir, last) = cleaned.rsplit_once('/').unwrap_or(("", &cleaned));
    let names: Vec<String> = if last.contains(['*', '?']) {
        copy::merged_dir(layers, dir)
            .into_keys()
            .filter(|n| crate::util::glob::glob_match(last, n, crate::util::glob::Slash::Literal))
            .collect()
    } else if copy::exists_in_layers(layers, &cleaned).is_some() {
        vec![last.to_string()]
    } else {
        Vec::new()
    };
    for name in &names {
        let rel = format!("{dir}/{name}");
        let is_dir = copy::exists_in_layers(layers, &rel).is_some_and(|m| m.is_dir());
        let target = match (is_dir, dest_is_dir) {
            (true, _) => dest.to_string(),
            (false, true) => format!("{}/{name}", dest.trim_end_matches('/')),
            (false, false) => dest.to_string(),
        };
        if is_dir && rel != "/" {
            // A directory's contents go into the destination.
            let before = items.len();
            copy::merged_tree(layers, &rel, &target, items);
            if before < items.len() && rel != "/" {
                // Keep the destination directory's own entry too.
            }
        } else {
            copy::merged_tree(layers, &rel, &target, items);
        }
    }
    !names.is_empty()
}

/// Points this process's stdout at its stderr until dropped (RUN output
/// with `-q`, so that only the image id reaches stdout).
struct StdoutToStderr {
    saved: std::os::fd::OwnedFd,
}

impl StdoutToStderr {
    fn new() -> anyhow::Result<StdoutToStderr> {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let saved = nix::unistd::dup(std::io::stdout())?;
        // SAFETY: fd 1 and 2 are this process's standard streams; dup2
        // only replaces the descriptor table entry.
        if unsafe { libc::dup2(2, 1) } < 0 {
            anyhow::bail!("redirecting stdout: {}", std::io::Error::last_os_error());
        }
        Ok(StdoutToStderr { saved })
    }
}

impl Drop for StdoutToStderr {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: restores fd 1 from the copy this guard owns.
        unsafe { libc::dup2(self.saved.as_raw_fd(), 1) };
    }
}

/// What `RUN --mount` adds to a step's container.
#[derive(Default)]
struct RunMounts {
    volumes: Vec<String>,
    tmpfs: Vec<String>,
    key: String,
    /// `sharing=locked` cache mounts, held for the step.
    locks: Vec<nix::fcntl::Flock<std::fs::File>>,
    /// Secrets from the environment, written for the step and removed after.
    dir: Option<PathBuf>,
}

impl RunMounts {
    fn secret_file(&mut self, runroot: &Path, id: &str, value: &[u8]) -> anyhow::Result<PathBuf> {
        let dir = match &self.dir {
            Some(d) => d.clone(),
            None => {
                let d = runroot.join(format!("build-secrets-{}", std::process::id()));
                crate::sys::fsutil::create_dir_all_mode(&d, 0o700)?;
                self.dir = Some(d.clone());
                d
            }
        };
        let hash = crate::util::digest::sha256_of(id.as_bytes());
        let path = dir.join(&hash[hash.len() - 16..]);
        crate::sys::fsutil::write_atomic(&path, value, 0o600)?;
        Ok(path)
    }
}

impl Drop for RunMounts {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// The variable names `$NAME` and `${NAME…}` in `text`.
fn referenced(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let start = i + 1 + usize::from(b.get(i + 1) == Some(&b'{'));
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > start && !b[start].is_ascii_digit() {
                out.push(text[start..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referenced_names() {
        assert_eq!(referenced("a $B ${C:-$D} $1 $ ${E}x"), ["B", "C", "D", "E"]);
        assert!(referenced("no vars").is_empty());
    }
}
