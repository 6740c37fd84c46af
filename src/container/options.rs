//! Flag values of `cove run` and `cove create`, parsed as Podman 4 parses
//! them: `--volume`, `--mount`, `--tmpfs`, `--ulimit`, `--device`, `--env`
//! and `--env-file`, `--label`/`--annotation`, `--stop-signal`,
//! `--hostname`, `--name`, `--security-opt`, `--userns`, and
//! the size strings they share.
//!
//! Everything here is pure: no mounts, no namespaces, no reads of the host
//! beyond the current directory (relative bind sources), env and label
//! files, and `getrlimit` for `--ulimit host`. Errors name the flag and the
//! bad value and say what was expected, because they are printed as is.
//!
//! Where Podman accepts something cove cannot do (overlay volumes, idmapped
//! mounts, AppArmor profiles, `--userns=auto`), the parser refuses it with
//! "not supported" rather than silently dropping it.

use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Podman's rule for container and volume names.
const NAME_RULE: &str = "[a-zA-Z0-9][a-zA-Z0-9_.-]*";

/// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, without a regex engine.
fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Lexical clean of an absolute container path, as Go's `path.Clean`.
/// Folding `..` here is safe: the result is resolved inside the rootfs later.
fn clean_container_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Validate and clean a mount destination (Podman's ValidateVolumeCtrDir).
fn container_path(flag: &str, arg: &str, dst: &str) -> Result<String> {
    if dst.is_empty() {
        bail!("{flag} {arg:?}: container path cannot be empty");
    }
    if !dst.starts_with('/') {
        bail!("{flag} {arg:?}: invalid container path {dst:?}, must be an absolute path");
    }
    Ok(clean_container_path(dst))
}

/// A host path for a bind mount: relative paths are taken from `cwd`.
/// `..` is kept (not folded) because the kernel must resolve it through
/// symlinks on the host.
fn host_path(src: &str, cwd: &Path) -> PathBuf {
    let joined = if src.starts_with('/') {
        PathBuf::from(src)
    } else {
        cwd.join(src)
    };
    // components() drops "." and repeated slashes.
    joined.components().collect()
}

fn current_dir() -> Result<PathBuf> {
    std::env::current_dir().context("cannot determine the current directory")
}

/// Go's strconv.ParseBool, plus any capitalisation of true/false (Podman
/// lowercases mount option values before comparing).
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" => Some(true),
        "0" | "f" | "F" => Some(false),
        _ if s.eq_ignore_ascii_case("true") => Some(true),
        _ if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Sizes

pub use crate::util::size::parse_size;

// ---------------------------------------------------------------------------
// Mount option words

/// Option words that exclude each other: two words of one group conflict,
/// and one word given twice is an error too (Podman: "only one of 'noexec'
/// and 'exec' can be used").
const OPTION_GROUPS: &[&[&str]] = &[
    &["rw", "ro"],
    &["exec", "noexec"],
    &["suid", "nosuid"],
    &["dev", "nodev"],
    &[
        "private",
        "rprivate",
        "shared",
        "rshared",
        "slave",
        "rslave",
        "unbindable",
        "runbindable",
    ],
    &["bind", "rbind"],
    &["z", "Z"],
    &["U"],
    &["copy", "nocopy"],
    &["tmpcopyup", "notmpcopyup"],
];

const PROPAGATIONS: &[&str] = OPTION_GROUPS[4];

fn option_group(word: &str) -> Option<usize> {
    OPTION_GROUPS.iter().position(|g| g.contains(&word))
}

/// Tracks which option groups were used, to report conflicts.
#[derive(Default)]
struct OptionSet {
    seen: Vec<(usize, String)>,
}

impl OptionSet {
    fn add(&mut self, flag: &str, arg: &str, word: &str) -> Result<()> {
        let Some(group) = option_group(word) else {
            return Ok(());
        };
        if let Some((_, prev)) = self.seen.iter().find(|(g, _)| *g == group) {
            if prev == word {
                bail!("{flag} {arg:?}: option {word:?} given more than once");
            }
            bail!(
                "{flag} {arg:?}: options {prev:?} and {word:?} conflict: only one of {} may be given",
                OPTION_GROUPS[group].join(", ")
            );
        }
        self.seen.push((group, word.to_string()));
        Ok(())
    }

    fn has_group_of(&self, word: &str) -> bool {
        let group = option_group(word);
        self.seen.iter().any(|(g, _)| Some(*g) == group)
    }
}

/// Refusals shared by `-v` and `--tmpfs` for options cove cannot honour.
fn unsupported_option(flag: &str, arg: &str, word: &str) -> Result<()> {
    if word == "O" {
        bail!("{flag} {arg:?}: overlay volumes (option O) are not supported");
    }
    if word.starts_with("upperdir=") || word.starts_with("workdir=") {
        bail!("{flag} {arg:?}: {word:?} belongs to overlay volumes (option O), which are not supported");
    }
    if word == "idmap" || word.starts_with("idmap=") {
        bail!("{flag} {arg:?}: idmapped mounts (option idmap) are not supported");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// -v / --volume

/// What a `-v` mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    /// A host path (absolute, or relative to the current directory).
    Bind(PathBuf),
    /// A named volume, created on first use.
    Named(String),
    /// `-v /path` alone: a fresh volume with a generated name.
    Anonymous,
}

/// One `-v SRC:DST[:OPTS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSpec {
    pub source: VolumeSource,
    /// Absolute and cleaned.
    pub destination: String,
    pub read_only: bool,
    /// The remaining option words in the order given, without ro/rw and the
    /// accepted no-ops (z, Z, cached, delegated): propagation, [no]exec,
    /// [no]suid, [no]dev, [r]bind, [no]copy, and `U` (chown the source to
    /// the container user).
    pub options: Vec<String>,
}

impl VolumeSpec {
    /// `U` was given: chown the source to the container's user.
    pub fn chown(&self) -> bool {
        self.options.iter().any(|o| o == "U")
    }
}

const VOLUME_FORMAT: &str = "expected [SRC:]DST[:OPTS], SRC being an absolute or ./relative host \
                             path or a volume name (':' cannot be escaped)";

const VOLUME_OPTIONS: &str = "ro, rw, z, Z, U, [r]private, [r]shared, [r]slave, [r]unbindable, \
                              [no]exec, [no]suid, [no]dev, [r]bind, [no]copy";

/// Parse one `-v/--volume` value; relative sources use the current directory.
pub fn parse_volume(arg: &str) -> Result<VolumeSpec> {
    if arg.starts_with('.') {
        parse_volume_in(arg, &current_dir()?)
    } else {
        // Avoid failing on a deleted current directory when it is not needed.
        parse_volume_in(arg, Path::new("/"))
    }
}

/// [`parse_volume`] with an explicit directory for relative sources.
pub fn parse_volume_in(arg: &str, cwd: &Path) -> Result<VolumeSpec> {
    const FLAG: &str = "--volume";
    if arg.is_empty() {
        bail!("{FLAG} \"\": {VOLUME_FORMAT}");
    }
    let parts: Vec<&str> = arg.split(':').collect();
    if parts.len() > 3 {
        bail!("{FLAG} {arg:?}: too many ':'-separated fields; {VOLUME_FORMAT}");
    }
    if parts.len() == 1 {
        return Ok(VolumeSpec {
            source: VolumeSource::Anonymous,
            destination: container_path(FLAG, arg, parts[0])?,
            read_only: false,
            options: Vec::new(),
        });
    }
    let src = parts[0];
    if src.is_empty() {
        bail!("{FLAG} {arg:?}: host directory cannot be empty; {VOLUME_FORMAT}");
    }
    let destination = container_path(FLAG, arg, parts[1])?;
    let (read_only, options) = match parts.get(2) {
        Some(opts) => parse_volume_options(FLAG, arg, opts)?,
        None => (false, Vec::new()),
    };
    // Podman's rule: '/' or '.' makes a path, anything else names a volume.
    let source = if src.starts_with('/') || src.starts_with('.') {
        VolumeSource::Bind(host_path(src, cwd))
    } else if is_valid_name(src) {
        VolumeSource::Named(src.to_string())
    } else {
        bail!(
            "{FLAG} {arg:?}: {src:?} is neither a host path (starting with / or .) nor a valid \
             volume name (names must match {NAME_RULE})"
        );
    };
    Ok(VolumeSpec {
        source,
        destination,
        read_only,
        options,
    })
}

/// The OPTS of `-v` (Podman's ValidateVolumeOpts).
fn parse_volume_options(flag: &str, arg: &str, opts: &str) -> Result<(bool, Vec<String>)> {
    let mut set = OptionSet::default();
    let mut read_only = false;
    let mut options = Vec::new();
    for word in opts.split(',') {
        if word.is_empty() {
            bail!("{flag} {arg:?}: empty option; accepted options: {VOLUME_OPTIONS}");
        }
        unsupported_option(flag, arg, word)?;
        match word {
            // macOS-only hints that Docker and Podman silently drop.
            "cached" | "delegated" => continue,
            "tmpcopyup" | "notmpcopyup" => {
                bail!("{flag} {arg:?}: option {word:?} is only valid for tmpfs mounts")
            }
            _ if option_group(word).is_none() => {
                bail!("{flag} {arg:?}: unknown option {word:?}; accepted options: {VOLUME_OPTIONS}")
            }
            _ => {}
        }
        set.add(flag, arg, word)?;
        match word {
            "ro" => read_only = true,
            "rw" => {}
            // SELinux relabelling: a no-op without SELinux, as in Podman.
            "z" | "Z" => {}
            _ => options.push(word.to_string()),
        }
    }
    Ok((read_only, options))
}

// ---------------------------------------------------------------------------
// --mount

/// One `--mount type=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSpec {
    Bind {
        /// Absolute; defaults to the destination when `source` is not given
        /// (as Podman does).
        source: PathBuf,
        destination: String,
        read_only: bool,
        /// Option words as in [`VolumeSpec::options`].
        options: Vec<String>,
    },
    Volume {
        /// None: an anonymous volume.
        name: Option<String>,
        destination: String,
        read_only: bool,
        /// Option words as in [`VolumeSpec::options`], plus
        /// `volume-opt=KEY=VALUE` driver options.
        options: Vec<String>,
    },
    Tmpfs {
        destination: String,
        /// Bytes; None leaves the kernel default (half of RAM).
        size: Option<u64>,
        /// Permission bits of the tmpfs root, e.g. 0o1777.
        mode: Option<u32>,
        /// Complete mount options: `rw` or `ro`, and `noexec`, `nosuid`,
        /// `nodev` unless their opposites were given, then propagation and
        /// `tmpcopyup`/`notmpcopyup`, `noatime`, `U` as given. Podman copies
        /// the image's content up into the tmpfs unless `notmpcopyup`.
        options: Vec<String>,
    },
}

impl MountSpec {
    pub fn destination(&self) -> &str {
        match self {
            MountSpec::Bind { destination, .. }
            | MountSpec::Volume { destination, .. }
            | MountSpec::Tmpfs { destination, .. } => destination,
        }
    }
}

const MOUNT_FORMAT: &str =
    "expected type=bind|volume|tmpfs,[src=SOURCE,]dst=DESTINATION[,OPTION...]";

/// Split a `--mount` value into fields the way Go's encoding/csv does (as
/// Podman does): commas separate, and a field wholly in double quotes may
/// contain commas, with `""` for a quote.
fn split_csv(flag: &str, arg: &str) -> Result<Vec<String>> {
    if arg.contains(['\n', '\r']) {
        bail!("{flag} {arg:?}: line breaks are not allowed; {MOUNT_FORMAT}");
    }
    let mut fields = Vec::new();
    let mut chars = arg.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => bail!("{flag} {arg:?}: unterminated quote"),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
            match chars.next() {
                None => return Ok(fields),
                Some(',') => continue,
                Some(c) => bail!("{flag} {arg:?}: unexpected {c:?} after a closing quote"),
            }
        }
        loop {
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => break,
                Some('"') => bail!(
                    "{flag} {arg:?}: a quote may only start a field (quote the whole field, as \"src=/a,b\")"
                ),
                Some(c) => field.push(c),
            }
        }
        fields.push(field);
    }
}

/// Parse one `--mount` value; relative bind sources use the current directory.
pub fn parse_mount(arg: &str) -> Result<MountSpec> {
    parse_mount_in(arg, &current_dir()?)
}

/// [`parse_mount`] with an explicit directory for relative bind sources.
pub fn parse_mount_in(arg: &str, cwd: &Path) -> Result<MountSpec> {
    const FLAG: &str = "--mount";
    if arg.is_empty() {
        bail!("{FLAG} \"\": {MOUNT_FORMAT}");
    }
    let fields = split_csv(FLAG, arg)?;
    // The first exact "type=X" picks the type; a second one is a bad key.
    let mut kind = None;
    let mut tokens = Vec::new();
    for field in &fields {
        match field.split_once('=') {
            Some(("type", t)) if kind.is_none() && !t.contains('=') => kind = Some(t),
            _ => tokens.push(field.as_str()),
        }
    }
    let Some(kind) = kind else {
        bail!("{FLAG} {arg:?}: missing type=; {MOUNT_FORMAT}");
    };
    match kind {
        "bind" | "volume" | "tmpfs" => {}
        "devpts" | "glob" | "image" | "ramfs" | "artifact" => {
            bail!("{FLAG} {arg:?}: type={kind} is not supported (supported: bind, volume, tmpfs)")
        }
        _ => bail!("{FLAG} {arg:?}: invalid mount type {kind:?}; {MOUNT_FORMAT}"),
    }

    let mut set = OptionSet::default();
    let mut source: Option<&str> = None;
    let mut destination: Option<String> = None;
    let mut read_only: Option<bool> = None;
    let mut relabel_set = false;
    let mut chown_set = false;
    let mut size: Option<u64> = None;
    let mut mode: Option<u32> = None;
    let mut options: Vec<String> = Vec::new();

    for token in tokens {
        let (key, value) = match token.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (token, None),
        };
        let only_for = |wanted: &str| -> Result<()> {
            if kind != wanted {
                bail!("{FLAG} {arg:?}: option {key:?} is only valid with type={wanted}");
            }
            Ok(())
        };
        let need_value = || -> Result<&str> {
            match value {
                Some(v) => Ok(v),
                None => bail!("{FLAG} {arg:?}: option {key:?} needs a value ({key}=...)"),
            }
        };
        let no_value = || -> Result<()> {
            if value.is_some() {
                bail!("{FLAG} {arg:?}: option {key:?} does not take a value");
            }
            Ok(())
        };
        let bool_value = || -> Result<bool> {
            match value {
                None => Ok(true),
                Some(v) => parse_bool(v).ok_or_else(|| {
                    anyhow!("{FLAG} {arg:?}: {key} must be true or false, not {v:?}")
                }),
            }
        };
        match key {
            "type" => bail!("{FLAG} {arg:?}: type given more than once"),
            "src" | "source" => {
                if kind == "tmpfs" {
                    bail!("{FLAG} {arg:?}: option {key:?} is not valid with type=tmpfs");
                }
                if source.is_some() {
                    bail!("{FLAG} {arg:?}: the source is given more than once");
                }
                let v = need_value()?;
                if v.is_empty() {
                    bail!("{FLAG} {arg:?}: {key} cannot be empty");
                }
                source = Some(v);
            }
            "dst" | "destination" | "target" | "dest" => {
                if destination.is_some() {
                    bail!("{FLAG} {arg:?}: the destination is given more than once");
                }
                destination = Some(container_path(FLAG, arg, need_value()?)?);
            }
            "ro" | "readonly" | "rw" => {
                if read_only.is_some() {
                    bail!("{FLAG} {arg:?}: only one of ro, readonly and rw may be given");
                }
                let b = bool_value()?;
                read_only = Some(if key == "rw" { !b } else { b });
            }
            "exec" | "noexec" | "suid" | "nosuid" | "dev" | "nodev" => {
                no_value()?;
                set.add(FLAG, arg, key)?;
                options.push(key.to_string());
            }
            _ if PROPAGATIONS.contains(&key) => {
                no_value()?;
                set.add(FLAG, arg, key)?;
                options.push(key.to_string());
            }
            "bind-propagation" => {
                only_for("bind")?;
                let v = need_value()?;
                if !PROPAGATIONS.contains(&v) {
                    bail!(
                        "{FLAG} {arg:?}: invalid bind-propagation {v:?}; expected one of {}",
                        PROPAGATIONS.join(", ")
                    );
                }
                set.add(FLAG, arg, v)?;
                options.push(v.to_string());
            }
            "bind-nonrecursive" => {
                only_for("bind")?;
                if bool_value()? {
                    set.add(FLAG, arg, "bind")?;
                    options.push("bind".to_string());
                }
            }
            "z" | "Z" => {
                // SELinux relabelling: accepted, a no-op without SELinux.
                no_value()?;
                set.add(FLAG, arg, key)?;
            }
            "relabel" => {
                if relabel_set {
                    bail!("{FLAG} {arg:?}: relabel given more than once");
                }
                relabel_set = true;
                match value {
                    Some("private" | "shared") => {}
                    _ => bail!("{FLAG} {arg:?}: relabel must be 'private' or 'shared'"),
                }
            }
            "U" | "chown" => {
                if chown_set {
                    bail!("{FLAG} {arg:?}: only one of U and chown may be given");
                }
                chown_set = true;
                if bool_value()? {
                    options.push("U".to_string());
                }
            }
            // Docker ignores it on Linux, and so does Podman.
            "consistency" => {}
            "idmap" => bail!("{FLAG} {arg:?}: idmapped mounts (idmap) are not supported"),
            "subpath" | "volume-subpath" => {
                only_for("volume")?;
                bail!("{FLAG} {arg:?}: option {key:?} is not supported");
            }
            "volume-opt" => {
                only_for("volume")?;
                let v = need_value()?;
                match v.split_once('=') {
                    Some((k, _)) if !k.is_empty() => options.push(token.to_string()),
                    _ => {
                        bail!("{FLAG} {arg:?}: volume-opt must be volume-opt=KEY=VALUE, not {v:?}")
                    }
                }
            }
            "tmpfs-size" => {
                only_for("tmpfs")?;
                if size.is_some() {
                    bail!("{FLAG} {arg:?}: tmpfs-size given more than once");
                }
                let v = need_value()?;
                size = Some(parse_size(v).with_context(|| format!("{FLAG} {arg:?}: tmpfs-size"))?);
            }
            "tmpfs-mode" => {
                only_for("tmpfs")?;
                if mode.is_some() {
                    bail!("{FLAG} {arg:?}: tmpfs-mode given more than once");
                }
                mode = Some(parse_mode(FLAG, arg, need_value()?)?);
            }
            "tmpcopyup" | "notmpcopyup" => {
                only_for("tmpfs")?;
                no_value()?;
                set.add(FLAG, arg, key)?;
                options.push(key.to_string());
            }
            "noswap" => {
                only_for("tmpfs")?;
                bail!("{FLAG} {arg:?}: noswap is only allowed with rootful tmpfs mounts");
            }
            _ => bail!(
                "{FLAG} {arg:?}: unknown option {key:?} for type={kind}; accepted: {}",
                mount_keys(kind)
            ),
        }
    }

    let Some(destination) = destination else {
        bail!("{FLAG} {arg:?}: missing destination (dst=, destination= or target=)");
    };
    let read_only = read_only.unwrap_or(false);
    Ok(match kind {
        "bind" => MountSpec::Bind {
            source: host_path(source.unwrap_or(&destination), cwd),
            destination,
            read_only,
            options,
        },
        "volume" => {
            if let Some(name) = source {
                if !is_valid_name(name) {
                    bail!(
                        "{FLAG} {arg:?}: invalid volume name {name:?}: names must match {NAME_RULE} \
                         (use type=bind for host paths)"
                    );
                }
            }
            MountSpec::Volume {
                name: source.map(str::to_string),
                destination,
                read_only,
                options,
            }
        }
        _ => MountSpec::Tmpfs {
            destination,
            size,
            mode,
            options: tmpfs_options(&set, read_only, options),
        },
    })
}

fn mount_keys(kind: &str) -> &'static str {
    match kind {
        "bind" => {
            "src/source, dst/destination/target, ro/readonly/rw[=true|false], bind-propagation, \
             bind-nonrecursive, [no]exec, [no]suid, [no]dev, relabel, z, Z, U/chown, consistency"
        }
        "volume" => {
            "src/source, dst/destination/target, ro/readonly/rw[=true|false], volume-opt, \
             [no]exec, [no]suid, [no]dev, relabel, z, Z, U/chown, consistency"
        }
        _ => {
            "dst/destination/target, ro/readonly/rw[=true|false], tmpfs-size, tmpfs-mode, \
             [no]tmpcopyup, [no]exec, [no]suid, [no]dev, U/chown, consistency"
        }
    }
}

/// An octal permission mode such as 1777 or 0755.
fn parse_mode(flag: &str, arg: &str, v: &str) -> Result<u32> {
    match u32::from_str_radix(v, 8) {
        Ok(m) if m <= 0o7777 && !v.is_empty() => Ok(m),
        _ => {
            bail!("{flag} {arg:?}: invalid mode {v:?}: expected octal permission bits such as 1777")
        }
    }
}

/// Podman's defaults for a tmpfs: rw, noexec, nosuid, nodev unless told
/// otherwise (ProcessOptions with no source path).
fn tmpfs_options(set: &OptionSet, read_only: bool, given: Vec<String>) -> Vec<String> {
    let mut options = vec![if read_only { "ro" } else { "rw" }.to_string()];
    for (default, group_word) in [("noexec", "exec"), ("nosuid", "suid"), ("nodev", "dev")] {
        if !set.has_group_of(group_word) {
            options.push(default.to_string());
        }
    }
    options.extend(given);
    options
}

// ---------------------------------------------------------------------------
// --tmpfs

/// Parse one `--tmpfs DST[:OPTS]` into a [`MountSpec::Tmpfs`]. OPTS are
/// comma-separated: `size=64m`, `mode=1777`, ro, rw, [no]exec, [no]suid,
/// [no]dev, propagation, [no]tmpcopyup, noatime, U.
pub fn parse_tmpfs(arg: &str) -> Result<MountSpec> {
    const FLAG: &str = "--tmpfs";
    const ACCEPTED: &str = "size=SIZE, mode=OCTAL, ro, rw, [no]exec, [no]suid, [no]dev, \
                            [r]private, [r]shared, [r]slave, [r]unbindable, [no]tmpcopyup, noatime, U";
    let (dst, opts) = match arg.split_once(':') {
        Some((d, o)) => (d, Some(o)),
        None => (arg, None),
    };
    let destination = container_path(FLAG, arg, dst)?;
    let mut set = OptionSet::default();
    let mut read_only = false;
    let mut size = None;
    let mut mode = None;
    let mut options = Vec::new();
    for word in opts.map(|o| o.split(',')).into_iter().flatten() {
        unsupported_option(FLAG, arg, word)?;
        if let Some(v) = word.strip_prefix("size=") {
            if size.is_some() {
                bail!("{FLAG} {arg:?}: only one size may be given");
            }
            if v.ends_with('%') {
                bail!(
                    "{FLAG} {arg:?}: percentage sizes are not supported; give a size such as 64m"
                );
            }
            size = Some(parse_size(v).with_context(|| format!("{FLAG} {arg:?}"))?);
            continue;
        }
        if let Some(v) = word.strip_prefix("mode=") {
            if mode.is_some() {
                bail!("{FLAG} {arg:?}: only one mode may be given");
            }
            mode = Some(parse_mode(FLAG, arg, v)?);
            continue;
        }
        match word {
            "" => bail!("{FLAG} {arg:?}: empty option; accepted options: {ACCEPTED}"),
            "bind" | "rbind" | "z" | "Z" | "copy" | "nocopy" => {
                bail!("{FLAG} {arg:?}: option {word:?} is not allowed with tmpfs mounts")
            }
            "noswap" => bail!("{FLAG} {arg:?}: noswap is only allowed with rootful tmpfs mounts"),
            "noatime" => options.push(word.to_string()),
            _ if option_group(word).is_some() => {
                set.add(FLAG, arg, word)?;
                match word {
                    "ro" => read_only = true,
                    "rw" => {}
                    _ => options.push(word.to_string()),
                }
            }
            _ => bail!("{FLAG} {arg:?}: unknown option {word:?}; accepted options: {ACCEPTED}"),
        }
    }
    Ok(MountSpec::Tmpfs {
        destination,
        size,
        mode,
        options: tmpfs_options(&set, read_only, options),
    })
}

// ---------------------------------------------------------------------------
// --ulimit

/// `RLIM_INFINITY`, written `-1` or `unlimited` on the command line.
pub const RLIM_INFINITY: u64 = libc::RLIM_INFINITY;

pub use crate::runtime::process::{rlimit_resource, RlimitResource};

/// One `--ulimit type=soft[:hard]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    /// The OCI name, e.g. `RLIMIT_NOFILE`.
    pub kind: String,
    pub soft: u64,
    pub hard: u64,
}

/// The `--ulimit` names (Docker's go-units table).
const ULIMIT_NAMES: &[&str] = &[
    "as",
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// Parse one `--ulimit type=soft[:hard]` (a missing hard limit equals the
/// soft one; `-1` and `unlimited` mean no limit).
pub fn parse_ulimit(arg: &str) -> Result<Ulimit> {
    const FLAG: &str = "--ulimit";
    let Some((name, values)) = arg.split_once('=') else {
        bail!("{FLAG} {arg:?}: expected TYPE=SOFT[:HARD], such as nofile=1024:2048, or host");
    };
    if !ULIMIT_NAMES.contains(&name) {
        bail!(
            "{FLAG} {arg:?}: invalid ulimit type {name:?}; expected one of {}",
            ULIMIT_NAMES.join(", ")
        );
    }
    let limit = |v: &str| -> Result<u64> {
        match v {
            "-1" | "unlimited" => Ok(RLIM_INFINITY),
            _ => v.parse::<u64>().map_err(|_| {
                anyhow!("{FLAG} {arg:?}: invalid limit {v:?}: expected a number, -1 or unlimited")
            }),
        }
    };
    let parts: Vec<&str> = values.split(':').collect();
    let (soft, hard) = match parts.as_slice() {
        [soft] => {
            let soft = limit(soft)?;
            (soft, soft)
        }
        [soft, hard] => (limit(soft)?, limit(hard)?),
        _ => bail!("{FLAG} {arg:?}: too many limit values; expected SOFT[:HARD]"),
    };
    if soft > hard {
        bail!(
            "{FLAG} {arg:?}: ulimit soft limit must be less than or equal to hard limit: {} > {}",
            show_limit(soft),
            show_limit(hard)
        );
    }
    Ok(Ulimit {
        kind: format!("RLIMIT_{}", name.to_ascii_uppercase()),
        soft,
        hard,
    })
}

fn show_limit(v: u64) -> String {
    if v == RLIM_INFINITY {
        "unlimited".to_string()
    } else {
        v.to_string()
    }
}

/// Parse all `--ulimit` values. `host` (which must be alone) copies every
/// limit of the current process; a type given twice keeps the last value.
pub fn parse_ulimits(args: &[String]) -> Result<Vec<Ulimit>> {
    if args.iter().any(|a| a == "host") {
        if args.len() > 1 {
            bail!("--ulimit host cannot be combined with other --ulimit values");
        }
        return host_ulimits();
    }
    let mut out: Vec<Ulimit> = Vec::new();
    for arg in args {
        let u = parse_ulimit(arg)?;
        match out.iter_mut().find(|o| o.kind == u.kind) {
            Some(existing) => *existing = u,
            None => out.push(u),
        }
    }
    Ok(out)
}

/// The current process's limits, for `--ulimit host`.
pub fn host_ulimits() -> Result<Vec<Ulimit>> {
    ULIMIT_NAMES
        .iter()
        .map(|name| {
            let kind = format!("RLIMIT_{}", name.to_ascii_uppercase());
            let resource = rlimit_resource(&kind).expect("every ulimit name has a resource");
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit writes one rlimit through a valid pointer.
            if unsafe { libc::getrlimit(resource, &mut lim) } != 0 {
                return Err(std::io::Error::last_os_error())
                    .with_context(|| format!("--ulimit host: getrlimit({kind})"));
            }
            Ok(Ulimit {
                kind,
                soft: lim.rlim_cur,
                hard: lim.rlim_max,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// --device

/// One `--device HOST[:CONTAINER][:PERMISSIONS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    pub host: PathBuf,
    /// Absolute path inside the container; defaults to the host path.
    pub container: String,
    /// Some of r (read), w (write), m (mknod), each at most once.
    pub permissions: String,
}

fn is_device_mode(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| matches!(c, 'r' | 'w' | 'm'))
        && ['r', 'w', 'm']
            .iter()
            .all(|c| s.chars().filter(|x| x == c).count() <= 1)
}

/// Parse one `--device` value.
pub fn parse_device(arg: &str) -> Result<DeviceSpec> {
    const FLAG: &str = "--device";
    const FORMAT: &str = "expected HOST-DEVICE[:CONTAINER-DEVICE][:PERMISSIONS], PERMISSIONS \
                          being some of r, w and m";
    let parts: Vec<&str> = arg.split(':').collect();
    let host = parts[0];
    if host.is_empty() {
        bail!("{FLAG} {arg:?}: the host device is empty; {FORMAT}");
    }
    if !host.starts_with('/') {
        if host.contains('=') {
            bail!("{FLAG} {arg:?}: CDI devices (vendor/class=name) are not supported");
        }
        bail!("{FLAG} {arg:?}: the host device {host:?} must be an absolute path; {FORMAT}");
    }
    let (container, permissions) = match parts.as_slice() {
        [_] => (host, "rwm"),
        [_, second] if is_device_mode(second) => (host, *second),
        [_, second] | [_, second, _] if !second.starts_with('/') => {
            bail!("{FLAG} {arg:?}: invalid device mode or container path {second:?}; {FORMAT}")
        }
        [_, second] => (*second, "rwm"),
        [_, second, mode] if is_device_mode(mode) => (*second, *mode),
        [_, _, mode] => bail!("{FLAG} {arg:?}: invalid device mode {mode:?}; {FORMAT}"),
        _ => bail!("{FLAG} {arg:?}: too many ':'-separated fields; {FORMAT}"),
    };
    Ok(DeviceSpec {
        host: PathBuf::from(host),
        container: clean_container_path(container),
        permissions: permissions.to_string(),
    })
}

// ---------------------------------------------------------------------------
// --env, --env-file

/// Podman trims these from the start of a variable name.
const ENV_SPACES: &[char] = &[' ', '\t'];

/// The environment of this process as pairs, for `--env-host`, `-e NAME`
/// and `-e PREFIX*`. Variables that are not UTF-8 are skipped.
pub fn host_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// One variable as Podman's parseEnv reads it, without the flag context.
fn parse_env_entry(entry: &str, host: &[(String, String)]) -> Result<Vec<(String, String)>> {
    let (raw_name, value) = match entry.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (entry, None),
    };
    if raw_name.is_empty() {
        bail!(
            "invalid variable {entry:?}: the name is empty; expected NAME=VALUE, NAME or PREFIX*"
        );
    }
    let name = raw_name.trim_start_matches(ENV_SPACES);
    if name.contains(ENV_SPACES) || name.is_empty() {
        bail!("invalid variable {entry:?}: the name {name:?} contains white space");
    }
    Ok(match value {
        Some(v) => vec![(name.to_string(), v.to_string())],
        None => match name.strip_suffix('*') {
            // PREFIX*: every host variable whose name starts with PREFIX.
            Some(prefix) => host
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .cloned()
                .collect(),
            // NAME alone: the host's value, or nothing if it is unset.
            None => host
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(k, v)| vec![(k.clone(), v.clone())])
                .unwrap_or_default(),
        },
    })
}

/// Parse one `-e/--env` value against the host environment `host` (see
/// [`host_env`]): `NAME=VALUE`; `NAME` takes the host's value and is
/// dropped if unset; `PREFIX*` imports every host variable starting with
/// PREFIX.
pub fn parse_env_arg(arg: &str, host: &[(String, String)]) -> Result<Vec<(String, String)>> {
    parse_env_entry(arg, host).with_context(|| format!("--env {arg:?}"))
}

/// Parse the text of an env file (`origin` names it in errors): one
/// variable per line as for `-e`, `#` comments, blank lines; leading white
/// space is trimmed, and nothing else: quotes are kept as Docker does.
pub fn parse_env_file(
    text: &str,
    origin: &str,
    host: &[(String, String)],
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (i, line) in file_lines(text) {
        out.extend(
            parse_env_entry(line, host)
                .with_context(|| format!("--env-file {origin}: line {}", i + 1))?,
        );
    }
    Ok(out)
}

/// Read and parse one `--env-file`, looking bare names up in this
/// process's environment.
pub fn read_env_file(path: impl AsRef<Path>) -> Result<Vec<(String, String)>> {
    read_env_file_with(path.as_ref(), &host_env())
}

/// [`read_env_file`] against an explicit host environment.
pub fn read_env_file_with(path: &Path, host: &[(String, String)]) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--env-file {}: cannot read it", path.display()))?;
    parse_env_file(&text, &path.display().to_string(), host)
}

/// The meaningful lines of an env or label file with their 0-based numbers.
fn file_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().filter_map(|(i, line)| {
        // Go's bufio.ScanLines drops a trailing CR.
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.trim_start_matches(ENV_SPACES);
        (!line.is_empty() && !line.starts_with('#')).then_some((i, line))
    })
}

/// Apply `overrides` to an image's `K=V` environment: a variable already
/// present keeps its position and takes the new value, new ones are
/// appended in order, and the last value of a name wins.
pub fn merge_env(base: &[String], overrides: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(base.len() + overrides.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut set = |key: &str, entry: String, out: &mut Vec<String>| match index.get(key) {
        Some(&i) => out[i] = entry,
        None => {
            index.insert(key.to_string(), out.len());
            out.push(entry);
        }
    };
    for entry in base {
        let key = entry.split_once('=').map_or(entry.as_str(), |(k, _)| k);
        set(key, entry.clone(), &mut out);
    }
    for (k, v) in overrides {
        set(k, format!("{k}={v}"), &mut out);
    }
    out
}

// ---------------------------------------------------------------------------
// --label, --label-file, --annotation

/// Parse `KEY=VALUE` flag values into a map; later values win. For
/// `--annotation` the `=VALUE` is required (as in Podman); for labels a
/// bare `KEY` gets an empty value.
pub fn parse_key_values(args: &[String], flag: &str) -> Result<BTreeMap<String, String>> {
    let value_required = flag.trim_start_matches('-') == "annotation";
    let mut out = BTreeMap::new();
    for arg in args {
        let (key, value) = match arg.split_once('=') {
            Some((k, v)) => (k, v),
            None if value_required => bail!("{flag} {arg:?}: expected KEY=VALUE"),
            None => (arg.as_str(), ""),
        };
        if key.is_empty() {
            bail!("{flag} {arg:?}: the key is empty; expected KEY=VALUE");
        }
        out.insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

/// Read one `--label-file`: `KEY=VALUE` or `KEY` lines, `#` comments,
/// blank lines; later lines win.
pub fn read_label_file(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--label-file {}: cannot read it", path.display()))?;
    parse_label_file(&text, &path.display().to_string())
}

/// [`read_label_file`] on text already read; `origin` names it in errors.
pub fn parse_label_file(text: &str, origin: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (i, line) in file_lines(text) {
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if key.is_empty() {
            bail!(
                "--label-file {origin}: line {}: invalid label {line:?}: the key is empty",
                i + 1
            );
        }
        out.insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Signals

/// Linux signal names without the SIG prefix.
const SIGNALS: &[(&str, i32)] = &[
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("IOT", libc::SIGIOT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("STKFLT", libc::SIGSTKFLT),
    ("CHLD", libc::SIGCHLD),
    ("CLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("POLL", libc::SIGPOLL),
    ("PWR", libc::SIGPWR),
    ("SYS", libc::SIGSYS),
];

/// The signal names `parse_signal` knows, without SIG (for completion).
pub fn signal_names() -> impl Iterator<Item = &'static str> {
    SIGNALS.iter().map(|(name, _)| *name)
}

/// glibc's real-time range, which Podman hard-codes too (the kernel's 32
/// and 33 are reserved by the C library).
const SIGRTMIN: i32 = 34;
const SIGRTMAX: i32 = 64;

/// Parse a signal as Podman does: a number 1-64, or a name in any case with
/// or without `SIG` (`TERM`, `SIGTERM`, `sigkill`), including `RTMIN`,
/// `RTMIN+N` and `RTMAX-N`. Callers add the flag to the error.
pub fn parse_signal(s: &str) -> Result<i32> {
    let bad = || {
        anyhow!(
            "invalid signal {s:?}: expected a name such as TERM or SIGKILL, RTMIN+N, RTMAX-N, \
             or a number from 1 to {SIGRTMAX}"
        )
    };
    if let Ok(n) = s.parse::<i64>() {
        return match i32::try_from(n) {
            Ok(n) if (1..=SIGRTMAX).contains(&n) => Ok(n),
            _ => Err(bad()),
        };
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(&(_, n)) = SIGNALS.iter().find(|(n, _)| *n == name) {
        return Ok(n);
    }
    let offset = |digits: &str| -> Option<i32> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    let sig = match name {
        "RTMIN" => Some(SIGRTMIN),
        "RTMAX" => Some(SIGRTMAX),
        _ => {
            if let Some(n) = name.strip_prefix("RTMIN+") {
                offset(n).map(|n| SIGRTMIN + n)
            } else if let Some(n) = name.strip_prefix("RTMAX-") {
                offset(n).map(|n| SIGRTMAX - n)
            } else {
                None
            }
        }
    };
    match sig {
        Some(n) if (SIGRTMIN..=SIGRTMAX).contains(&n) => Ok(n),
        _ => Err(bad()),
    }
}

/// The name of a signal with its SIG prefix, e.g. `SIGTERM`, `SIGRTMIN+3`.
pub fn signal_name(sig: i32) -> Option<String> {
    // The first entry for a number is its preferred name (ABRT before IOT).
    if let Some((name, _)) = SIGNALS.iter().find(|(_, n)| *n == sig) {
        return Some(format!("SIG{name}"));
    }
    match sig {
        SIGRTMIN => Some("SIGRTMIN".to_string()),
        SIGRTMAX => Some("SIGRTMAX".to_string()),
        n if (SIGRTMIN..SIGRTMAX).contains(&n) => Some(format!("SIGRTMIN+{}", n - SIGRTMIN)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// --hostname, --name

/// The kernel's HOST_NAME_MAX.
const HOSTNAME_MAX: usize = 64;

/// Check a `--hostname`: dot-separated RFC 1123 labels (letters, digits
/// and `-`, 1 to 63 characters, not starting or ending with `-`), at most
/// 64 characters in all.
pub fn validate_hostname(s: &str) -> Result<()> {
    const RULE: &str = "a hostname is dot-separated labels of letters, digits and '-' \
                        (1-63 characters each, not starting or ending with '-'), \
                        at most 64 characters in all";
    if s.is_empty() {
        bail!("--hostname \"\": the hostname cannot be empty");
    }
    if s.len() > HOSTNAME_MAX {
        bail!(
            "--hostname {s:?}: {} characters is too long; {RULE}",
            s.len()
        );
    }
    for label in s.split('.') {
        let valid = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            bail!("--hostname {s:?}: invalid label {label:?}; {RULE}");
        }
    }
    Ok(())
}

/// Check a `--name` against Podman's `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn validate_container_name(s: &str) -> Result<()> {
    if !is_valid_name(s) {
        bail!("--name {s:?}: invalid container name: names must match {NAME_RULE}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// --security-opt

/// Which seccomp filter to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeccompChoice {
    /// cove's built-in default profile.
    Default,
    /// No filter.
    Unconfined,
    /// A JSON profile in the OCI/Docker format.
    Profile(PathBuf),
}

/// One `--security-opt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityOpt {
    NoNewPrivileges(bool),
    Seccomp(SeccompChoice),
    /// SELinux label option (`disable`, `nested`, `type:T`, `level:L`,
    /// `user:U`, `role:R`, `filetype:T`): accepted, a no-op without SELinux.
    Label(String),
    /// Only `unconfined` is accepted: cove does not load AppArmor profiles.
    Apparmor(String),
    /// Extra paths to mask (absolute).
    Mask(Vec<String>),
    /// Paths not to mask: absolute paths or globs, or `ALL`.
    Unmask(Vec<String>),
}

const SECURITY_OPTS: &str = "no-new-privileges[=true|false], seccomp=unconfined, \
                             seccomp=PROFILE.json, label=disable (and other SELinux label options, \
                             ignored), apparmor=unconfined, mask=PATH[:PATH...], \
                             unmask=ALL|PATH[:PATH...], systempaths=unconfined";

/// Parse one `--security-opt`. `KEY=VALUE` and Docker's older `KEY:VALUE`
/// are both accepted.
pub fn parse_security_opt(arg: &str) -> Result<SecurityOpt> {
    const FLAG: &str = "--security-opt";
    if arg == "no-new-privileges" {
        return Ok(SecurityOpt::NoNewPrivileges(true));
    }
    // Docker deprecated ':' but still accepts it; '=' wins when present so
    // that paths with ':' work.
    let split = if arg.contains('=') {
        arg.split_once('=')
    } else {
        arg.split_once(':')
    };
    let Some((key, value)) = split else {
        bail!("{FLAG} {arg:?}: expected one of {SECURITY_OPTS}");
    };
    let paths = |what: &str, allow_all: bool| -> Result<Vec<String>> {
        let list: Vec<String> = value.split(':').map(str::to_string).collect();
        for p in &list {
            if !(p.starts_with('/') || (allow_all && p == "ALL")) {
                let expected = if allow_all {
                    "ALL or absolute paths"
                } else {
                    "absolute paths"
                };
                bail!("{FLAG} {arg:?}: invalid {what} path {p:?}: expected {expected} separated by ':'");
            }
        }
        Ok(list)
    };
    Ok(match key {
        "no-new-privileges" => match parse_bool(value) {
            Some(b) => SecurityOpt::NoNewPrivileges(b),
            None => bail!("{FLAG} {arg:?}: no-new-privileges must be true or false, not {value:?}"),
        },
        "seccomp" => match value {
            "" => bail!("{FLAG} {arg:?}: expected seccomp=unconfined or seccomp=PROFILE.json"),
            "unconfined" => SecurityOpt::Seccomp(SeccompChoice::Unconfined),
            path => SecurityOpt::Seccomp(SeccompChoice::Profile(PathBuf::from(path))),
        },
        "label" => {
            let known = matches!(value, "disable" | "nested")
                || ["type:", "level:", "user:", "role:", "filetype:"]
                    .iter()
                    .any(|p| value.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
            if !known {
                bail!(
                    "{FLAG} {arg:?}: invalid label option {value:?}; expected disable, nested, \
                     type:TYPE, level:LEVEL, user:USER, role:ROLE or filetype:TYPE"
                );
            }
            SecurityOpt::Label(value.to_string())
        }
        "apparmor" => match value {
            "unconfined" => SecurityOpt::Apparmor(value.to_string()),
            _ => bail!(
                "{FLAG} {arg:?}: AppArmor profiles are not supported; only apparmor=unconfined is accepted"
            ),
        },
        "mask" => SecurityOpt::Mask(paths("mask", false)?),
        "unmask" => SecurityOpt::Unmask(paths("unmask", true)?),
        // Docker's spelling of unmask=ALL.
        "systempaths" => match value {
            "unconfined" => SecurityOpt::Unmask(vec!["ALL".to_string()]),
            _ => bail!("{FLAG} {arg:?}: only systempaths=unconfined is supported"),
        },
        "proc-opts" => bail!("{FLAG} {arg:?}: proc-opts is not supported"),
        _ => bail!("{FLAG} {arg:?}: unknown option {key:?}; expected one of {SECURITY_OPTS}"),
    })
}

// ---------------------------------------------------------------------------
// --userns

/// The `--userns` mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsernsMode {
    /// `""`: cove's user namespace (container root = the calling user).
    Default,
    /// `host`: no new user namespace.
    Host,
    /// `keep-id[:uid=N,gid=N]`: the calling user keeps their id inside
    /// (or the given one).
    KeepId { uid: Option<u32>, gid: Option<u32> },
    /// `auto`: never produced by [`parse_userns`] yet (refused).
    Auto,
    /// `nomap`: never produced by [`parse_userns`] yet (refused).
    NoMap,
}

/// Parse a `--userns` value.
pub fn parse_userns(arg: &str) -> Result<UsernsMode> {
    const FLAG: &str = "--userns";
    const EXPECTED: &str = "expected \"\", host or keep-id[:uid=UID,gid=GID]";
    let (mode, opts) = match arg.split_once(':') {
        Some((m, o)) => (m, Some(o)),
        None => (arg, None),
    };
    match mode {
        "" if opts.is_none() => Ok(UsernsMode::Default),
        "host" if opts.is_none() => Ok(UsernsMode::Host),
        "keep-id" => {
            let (mut uid, mut gid) = (None, None);
            for opt in opts.map(|o| o.split(',')).into_iter().flatten() {
                let id = |v: &str| -> Result<u32> {
                    v.parse().map_err(|_| {
                        anyhow!("{FLAG} {arg:?}: invalid id {v:?} in {opt:?}: expected a number")
                    })
                };
                match opt.split_once('=') {
                    Some(("uid", v)) => uid = Some(id(v)?),
                    Some(("gid", v)) => gid = Some(id(v)?),
                    Some(("size", _)) => bail!("{FLAG} {arg:?}: keep-id size= is not supported"),
                    _ => bail!(
                        "{FLAG} {arg:?}: unknown keep-id option {opt:?}; expected uid=UID or gid=GID"
                    ),
                }
            }
            Ok(UsernsMode::KeepId { uid, gid })
        }
        "auto" => bail!("{FLAG} {arg:?}: --userns=auto is not supported yet; {EXPECTED}"),
        "nomap" => bail!("{FLAG} {arg:?}: --userns=nomap is not supported yet; {EXPECTED}"),
        "private" | "container" | "ns" => {
            bail!("{FLAG} {arg:?}: --userns={mode} is not supported; {EXPECTED}")
        }
        _ => bail!("{FLAG} {arg:?}: invalid user namespace mode; {EXPECTED}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: std::fmt::Debug>(r: Result<T>) -> String {
        format!("{:#}", r.expect_err("expected an error"))
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    // --- sizes ---

    #[test]
    fn size_errors() {
        for bad in [
            "", "m", "-1", "1x", "1.2.3k", "1.", ".5", "1kk", "1  m", "1bb", "1e3", "1 k ", " 1",
        ] {
            let e = err(parse_size(bad));
            assert!(e.contains("invalid size"), "{bad:?}: {e}");
        }
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("17000000000p").is_err());
    }

    // --- volumes ---

    #[test]
    fn volume_bind_absolute() {
        let v = parse_volume_in("/host/dir:/ctr:ro", Path::new("/cwd")).unwrap();
        assert_eq!(v.source, VolumeSource::Bind(PathBuf::from("/host/dir")));
        assert_eq!(v.destination, "/ctr");
        assert!(v.read_only);
        assert!(v.options.is_empty());
    }

    #[test]
    fn volume_bind_relative_uses_cwd() {
        let v = parse_volume_in("./data:/data", Path::new("/home/u/proj")).unwrap();
        assert_eq!(
            v.source,
            VolumeSource::Bind(PathBuf::from("/home/u/proj/data"))
        );
        let v = parse_volume_in(".:/src", Path::new("/home/u/proj")).unwrap();
        assert_eq!(v.source, VolumeSource::Bind(PathBuf::from("/home/u/proj")));
        let v = parse_volume_in("../x:/x", Path::new("/a/b")).unwrap();
        assert_eq!(v.source, VolumeSource::Bind(PathBuf::from("/a/b/../x")));
    }

    #[test]
    fn volume_named_and_anonymous() {
        let v = parse_volume_in("mydata:/var/lib/db:rw,U", Path::new("/")).unwrap();
        assert_eq!(v.source, VolumeSource::Named("mydata".into()));
        assert!(!v.read_only);
        assert!(v.chown());
        assert_eq!(v.options, strings(&["U"]));

        let v = parse_volume_in("/scratch", Path::new("/")).unwrap();
        assert_eq!(v.source, VolumeSource::Anonymous);
        assert_eq!(v.destination, "/scratch");
    }

    #[test]
    fn volume_destination_is_cleaned() {
        let v = parse_volume_in("/a:/x//y/./z/../w/", Path::new("/")).unwrap();
        assert_eq!(v.destination, "/x/y/w");
        let v = parse_volume_in("/a:/../..", Path::new("/")).unwrap();
        assert_eq!(v.destination, "/");
    }

    #[test]
    fn volume_options_kept_and_dropped() {
        let v = parse_volume_in(
            "/a:/b:z,rshared,nosuid,nodev,noexec,rbind,cached",
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(
            v.options,
            strings(&["rshared", "nosuid", "nodev", "noexec", "rbind"])
        );
        let v = parse_volume_in("vol:/b:Z,suid,dev,exec,bind,nocopy", Path::new("/")).unwrap();
        assert_eq!(
            v.options,
            strings(&["suid", "dev", "exec", "bind", "nocopy"])
        );
    }

    #[test]
    fn volume_errors() {
        let cases = [
            ("", "expected [SRC:]DST"),
            ("/a:/b:ro:x", "too many"),
            (":/b", "host directory cannot be empty"),
            ("/a:", "container path cannot be empty"),
            ("/a:b", "must be an absolute path"),
            ("relative", "must be an absolute path"),
            ("/a:/b:ro,rw", "conflict"),
            ("/a:/b:ro,ro", "more than once"),
            ("/a:/b:shared,private", "conflict"),
            ("/a:/b:z,Z", "conflict"),
            ("/a:/b:exec,noexec", "conflict"),
            ("/a:/b:O", "not supported"),
            ("/a:/b:upperdir=/u", "not supported"),
            ("/a:/b:idmap", "not supported"),
            ("/a:/b:idmap=uids=0-1-10", "not supported"),
            ("/a:/b:bogus", "unknown option \"bogus\""),
            ("/a:/b:ro,", "empty option"),
            ("/a:/b:size=1m", "unknown option"),
            ("/a:/b:tmpcopyup", "only valid for tmpfs"),
            ("my/vol:/b", "neither a host path"),
            ("-vol:/b", "names must match"),
        ];
        for (arg, want) in cases {
            let e = err(parse_volume_in(arg, Path::new("/")));
            assert!(e.contains("--volume"), "{arg:?}: {e}");
            assert!(e.contains(want), "{arg:?}: {e}");
        }
    }

    #[test]
    fn volume_relative_with_real_cwd() {
        let v = parse_volume("./x:/x").unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(v.source, VolumeSource::Bind(cwd.join("x")));
    }

    // --- --mount ---

    fn mount(arg: &str) -> Result<MountSpec> {
        parse_mount_in(arg, Path::new("/cwd"))
    }

    #[test]
    fn mount_bind() {
        let m = mount("type=bind,source=/h,destination=/c,ro,bind-propagation=rslave").unwrap();
        assert_eq!(
            m,
            MountSpec::Bind {
                source: "/h".into(),
                destination: "/c".into(),
                read_only: true,
                options: strings(&["rslave"]),
            }
        );
        assert_eq!(m.destination(), "/c");
        // src defaults to dst, keys in any order, aliases.
        let m = mount("dst=/etc/hosts,type=bind,readonly=false").unwrap();
        assert_eq!(
            m,
            MountSpec::Bind {
                source: "/etc/hosts".into(),
                destination: "/etc/hosts".into(),
                read_only: false,
                options: vec![],
            }
        );
        let m = mount("type=bind,src=rel/dir,target=/t,rw=false,U=true,relabel=shared,consistency=cached,bind-nonrecursive").unwrap();
        assert_eq!(
            m,
            MountSpec::Bind {
                source: "/cwd/rel/dir".into(),
                destination: "/t".into(),
                read_only: true,
                options: strings(&["U", "bind"]),
            }
        );
        let m = mount("type=bind,src=/a,dst=/b,ro=TRUE,nosuid,chown=false").unwrap();
        assert!(
            matches!(m, MountSpec::Bind { read_only: true, ref options, .. } if options == &strings(&["nosuid"]))
        );
    }

    #[test]
    fn mount_csv_quoting() {
        let m = mount("type=bind,\"src=/a,b\",dst=/c").unwrap();
        assert!(matches!(m, MountSpec::Bind { ref source, .. } if source == Path::new("/a,b")));
        let m = mount("type=bind,\"src=/say \"\"hi\"\"\",dst=/c").unwrap();
        assert!(
            matches!(m, MountSpec::Bind { ref source, .. } if source == Path::new("/say \"hi\""))
        );
        assert!(err(mount("type=bind,\"src=/a,dst=/c")).contains("unterminated quote"));
        assert!(err(mount("type=bind,src=/a\"b,dst=/c")).contains("quote"));
        assert!(err(mount("type=bind,\"src=/a\"x,dst=/c")).contains("after a closing quote"));
    }

    #[test]
    fn mount_volume() {
        let m = mount("type=volume,src=data,dst=/data,ro,volume-opt=o=size=1g").unwrap();
        assert_eq!(
            m,
            MountSpec::Volume {
                name: Some("data".into()),
                destination: "/data".into(),
                read_only: true,
                options: strings(&["volume-opt=o=size=1g"]),
            }
        );
        let m = mount("type=volume,target=/anon").unwrap();
        assert!(matches!(m, MountSpec::Volume { name: None, .. }));
    }

    #[test]
    fn mount_tmpfs() {
        let m = mount("type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1777").unwrap();
        assert_eq!(
            m,
            MountSpec::Tmpfs {
                destination: "/run".into(),
                size: Some(64 << 20),
                mode: Some(0o1777),
                options: strings(&["rw", "noexec", "nosuid", "nodev"]),
            }
        );
        let m = mount("type=tmpfs,dst=/x,tmpfs-size=4096,exec,ro,notmpcopyup").unwrap();
        assert_eq!(
            m,
            MountSpec::Tmpfs {
                destination: "/x".into(),
                size: Some(4096),
                mode: None,
                options: strings(&["ro", "nosuid", "nodev", "exec", "notmpcopyup"]),
            }
        );
    }

    #[test]
    fn mount_errors() {
        let cases = [
            ("", "expected type="),
            ("src=/a,dst=/b", "missing type="),
            ("type=bind,type=bind,dst=/b", "more than once"),
            ("type=overlay,dst=/b", "invalid mount type"),
            ("type=image,src=alpine,dst=/b", "not supported"),
            ("type=bind,src=/a", "missing destination"),
            ("type=bind,src=/a,dst=rel", "must be an absolute path"),
            ("type=bind,src=/a,dst=/b,dst=/c", "more than once"),
            ("type=bind,src=/a,src=/b,dst=/c", "more than once"),
            ("type=bind,src=,dst=/c", "cannot be empty"),
            ("type=bind,src,dst=/c", "needs a value"),
            ("type=bind,dst=/c,ro,rw", "only one of ro"),
            ("type=bind,dst=/c,ro=maybe", "must be true or false"),
            (
                "type=bind,dst=/c,bind-propagation=sideways",
                "invalid bind-propagation",
            ),
            ("type=bind,dst=/c,bind-propagation", "needs a value"),
            (
                "type=bind,dst=/c,private,bind-propagation=shared",
                "conflict",
            ),
            ("type=bind,dst=/c,relabel=yes", "'private' or 'shared'"),
            ("type=bind,dst=/c,U,chown", "only one of U and chown"),
            ("type=bind,dst=/c,U=maybe", "must be true or false"),
            ("type=bind,dst=/c,idmap", "not supported"),
            (
                "type=bind,dst=/c,tmpfs-size=1m",
                "only valid with type=tmpfs",
            ),
            (
                "type=bind,dst=/c,volume-opt=a=b",
                "only valid with type=volume",
            ),
            (
                "type=bind,dst=/c,bogus=1",
                "unknown option \"bogus\" for type=bind",
            ),
            ("type=bind,dst=/c,nodev=true", "does not take a value"),
            ("type=volume,src=/abs,dst=/c", "invalid volume name"),
            ("type=volume,src=a/b,dst=/c", "invalid volume name"),
            (
                "type=volume,dst=/c,volume-opt=novalue",
                "volume-opt=KEY=VALUE",
            ),
            ("type=volume,dst=/c,subpath=/x", "not supported"),
            (
                "type=volume,dst=/c,bind-propagation=shared",
                "only valid with type=bind",
            ),
            ("type=tmpfs,src=/a,dst=/c", "not valid with type=tmpfs"),
            ("type=tmpfs,dst=/c,tmpfs-size=lots", "invalid size"),
            (
                "type=tmpfs,dst=/c,tmpfs-size=1m,tmpfs-size=2m",
                "more than once",
            ),
            ("type=tmpfs,dst=/c,tmpfs-mode=999", "invalid mode"),
            ("type=tmpfs,dst=/c,tmpfs-mode=17777", "invalid mode"),
            ("type=tmpfs,dst=/c,noswap", "rootful"),
            ("type=tmpfs,dst=/c,exec,noexec", "conflict"),
        ];
        for (arg, want) in cases {
            let e = err(mount(arg));
            assert!(e.contains("--mount"), "{arg:?}: {e}");
            assert!(e.contains(want), "{arg:?}: {e}");
        }
    }

    // --- --tmpfs ---

    #[test]
    fn tmpfs_defaults_and_options() {
        let m = parse_tmpfs("/tmp").unwrap();
        assert_eq!(
            m,
            MountSpec::Tmpfs {
                destination: "/tmp".into(),
                size: None,
                mode: None,
                options: strings(&["rw", "noexec", "nosuid", "nodev"]),
            }
        );
        let m = parse_tmpfs("/run/:rw,size=787448k,mode=1777,exec,noatime").unwrap();
        assert_eq!(
            m,
            MountSpec::Tmpfs {
                destination: "/run".into(),
                size: Some(787448 * 1024),
                mode: Some(0o1777),
                options: strings(&["rw", "nosuid", "nodev", "exec", "noatime"]),
            }
        );
        let m = parse_tmpfs("/x:ro,suid,dev,rshared,U").unwrap();
        assert_eq!(
            m,
            MountSpec::Tmpfs {
                destination: "/x".into(),
                size: None,
                mode: None,
                options: strings(&["ro", "noexec", "suid", "dev", "rshared", "U"]),
            }
        );
    }

    #[test]
    fn tmpfs_errors() {
        let cases = [
            ("tmp", "must be an absolute path"),
            ("", "cannot be empty"),
            ("/t:", "empty option"),
            ("/t:size=10%", "percentage"),
            ("/t:size=big", "invalid size"),
            ("/t:size=1m,size=2m", "only one size"),
            ("/t:mode=rwx", "invalid mode"),
            ("/t:mode=1777,mode=755", "only one mode"),
            ("/t:ro,rw", "conflict"),
            ("/t:bind", "not allowed with tmpfs"),
            ("/t:Z", "not allowed with tmpfs"),
            ("/t:uid=1000", "unknown option"),
            ("/t:O", "not supported"),
            ("/t:noswap", "rootful"),
        ];
        for (arg, want) in cases {
            let e = err(parse_tmpfs(arg));
            assert!(e.contains("--tmpfs"), "{arg:?}: {e}");
            assert!(e.contains(want), "{arg:?}: {e}");
        }
    }

    // --- --ulimit ---

    #[test]
    fn ulimit_values() {
        assert_eq!(
            parse_ulimit("nofile=1024:2048").unwrap(),
            Ulimit {
                kind: "RLIMIT_NOFILE".into(),
                soft: 1024,
                hard: 2048
            }
        );
        let u = parse_ulimit("nproc=512").unwrap();
        assert_eq!((u.soft, u.hard), (512, 512));
        let u = parse_ulimit("core=-1").unwrap();
        assert_eq!((u.soft, u.hard), (RLIM_INFINITY, RLIM_INFINITY));
        let u = parse_ulimit("memlock=unlimited").unwrap();
        assert_eq!(u.kind, "RLIMIT_MEMLOCK");
        assert_eq!(u.soft, RLIM_INFINITY);
        let u = parse_ulimit("stack=8192:-1").unwrap();
        assert_eq!((u.soft, u.hard), (8192, RLIM_INFINITY));
        let u = parse_ulimit("as=1:unlimited").unwrap();
        assert_eq!(u.kind, "RLIMIT_AS");
    }

    #[test]
    fn ulimit_errors() {
        let cases = [
            ("nofile", "expected TYPE=SOFT[:HARD]"),
            ("files=10", "invalid ulimit type \"files\""),
            ("NOFILE=10", "invalid ulimit type"),
            ("nofile=ten", "invalid limit \"ten\""),
            ("nofile=-2", "invalid limit"),
            ("nofile=1:2:3", "too many"),
            (
                "nofile=2048:1024",
                "soft limit must be less than or equal to hard limit: 2048 > 1024",
            ),
            ("nofile=-1:1024", "unlimited > 1024"),
            ("nofile=", "invalid limit"),
        ];
        for (arg, want) in cases {
            let e = err(parse_ulimit(arg));
            assert!(e.contains("--ulimit"), "{arg:?}: {e}");
            assert!(e.contains(want), "{arg:?}: {e}");
        }
    }

    #[test]
    fn ulimits_last_wins_and_host() {
        let all = parse_ulimits(&strings(&["nofile=1", "nproc=5", "nofile=2:3"])).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].kind.as_str(), all[0].soft, all[0].hard),
            ("RLIMIT_NOFILE", 2, 3)
        );
        let host = parse_ulimits(&strings(&["host"])).unwrap();
        assert_eq!(host.len(), ULIMIT_NAMES.len());
        assert!(host.iter().all(|u| u.soft <= u.hard));
        assert!(err(parse_ulimits(&strings(&["host", "nofile=1"]))).contains("cannot be combined"));
    }

    #[test]
    fn rlimit_names() {
        for name in ULIMIT_NAMES {
            let kind = format!("RLIMIT_{}", name.to_ascii_uppercase());
            assert!(rlimit_resource(&kind).is_some(), "{kind}");
        }
        assert_eq!(rlimit_resource("RLIMIT_NOFILE"), Some(libc::RLIMIT_NOFILE));
        assert_eq!(rlimit_resource("nofile"), None);
    }

    // --- --device ---

    #[test]
    fn device_forms() {
        let d = parse_device("/dev/fuse").unwrap();
        assert_eq!(
            d,
            DeviceSpec {
                host: "/dev/fuse".into(),
                container: "/dev/fuse".into(),
                permissions: "rwm".into()
            }
        );
        let d = parse_device("/dev/sda:/dev/xvda").unwrap();
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/xvda", "rwm")
        );
        let d = parse_device("/dev/sda:r").unwrap();
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/sda", "r")
        );
        let d = parse_device("/dev/sda:/dev/xvda:rw").unwrap();
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/xvda", "rw")
        );
        let d = parse_device("/dev/dri:/dev//dri/:mwr").unwrap();
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/dri", "mwr")
        );
    }

    #[test]
    fn device_errors() {
        let cases = [
            ("", "empty"),
            ("dev/sda", "must be an absolute path"),
            ("nvidia.com/gpu=all", "CDI"),
            ("/dev/sda:rx", "invalid device mode or container path"),
            ("/dev/sda:", "invalid device mode or container path"),
            ("/dev/sda:/dev/b:rr", "invalid device mode \"rr\""),
            ("/dev/sda:/dev/b:", "invalid device mode"),
            (
                "/dev/sda:r:w",
                "invalid device mode or container path \"r\"",
            ),
            ("/dev/a:/dev/b:r:x", "too many"),
        ];
        for (arg, want) in cases {
            let e = err(parse_device(arg));
            assert!(e.contains("--device"), "{arg:?}: {e}");
            assert!(e.contains(want), "{arg:?}: {e}");
        }
    }

    // --- env ---

    fn host() -> Vec<(String, String)> {
        [
            ("HOME", "/home/u"),
            ("LC_ALL", "C"),
            ("LC_TIME", "en_GB"),
            ("LANG", "C.UTF-8"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn env_arg_forms() {
        let h = host();
        assert_eq!(parse_env_arg("A=b", &h).unwrap(), pairs(&[("A", "b")]));
        assert_eq!(parse_env_arg("A=", &h).unwrap(), pairs(&[("A", "")]));
        assert_eq!(parse_env_arg("A=b=c", &h).unwrap(), pairs(&[("A", "b=c")]));
        assert_eq!(parse_env_arg(" \tA=b ", &h).unwrap(), pairs(&[("A", "b ")]));
        assert_eq!(
            parse_env_arg("HOME", &h).unwrap(),
            pairs(&[("HOME", "/home/u")])
        );
        assert_eq!(parse_env_arg("UNSET", &h).unwrap(), vec![]);
        assert_eq!(
            parse_env_arg("LC_*", &h).unwrap(),
            pairs(&[("LC_ALL", "C"), ("LC_TIME", "en_GB")])
        );
        assert_eq!(parse_env_arg("*", &h).unwrap().len(), 4);
        // A glob only applies without a value.
        assert_eq!(parse_env_arg("X*=1", &h).unwrap(), pairs(&[("X*", "1")]));
    }

    #[test]
    fn env_arg_errors() {
        let h = host();
        for (arg, want) in [
            ("=x", "the name is empty"),
            ("=", "the name is empty"),
            ("A B=c", "white space"),
            ("A\tB", "white space"),
            ("  =x", "white space"),
        ] {
            let e = err(parse_env_arg(arg, &h));
            assert!(e.contains("--env"), "{arg:?}: {e}");
            assert!(e.contains(want), "{arg:?}: {e}");
        }
    }

    #[test]
    fn env_file_text() {
        let text = "# comment\n\nA=1\n  B=\"quoted\"  \r\nHOME\nUNSET\nLC_*\n   # indented comment\nC=x#y\n";
        let got = parse_env_file(text, "f.env", &host()).unwrap();
        assert_eq!(
            got,
            pairs(&[
                ("A", "1"),
                ("B", "\"quoted\"  "),
                ("HOME", "/home/u"),
                ("LC_ALL", "C"),
                ("LC_TIME", "en_GB"),
                ("C", "x#y"),
            ])
        );
        let e = err(parse_env_file("A=1\n=x\n", "f.env", &host()));
        assert!(e.contains("--env-file f.env: line 2"), "{e}");
        let e = err(parse_env_file("A=1\n\n\nbad key=1", "f.env", &host()));
        assert!(e.contains("line 4") && e.contains("white space"), "{e}");
    }

    #[test]
    fn env_file_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.env");
        std::fs::write(&path, "X=1\nY=2\n").unwrap();
        assert_eq!(
            read_env_file_with(&path, &[]).unwrap(),
            pairs(&[("X", "1"), ("Y", "2")])
        );
        assert_eq!(read_env_file(&path).unwrap().len(), 2);
        let e = err(read_env_file(dir.path().join("missing")));
        assert!(e.contains("--env-file") && e.contains("missing"), "{e}");
    }

    #[test]
    fn merge_env_order_and_override() {
        let base = strings(&["PATH=/usr/bin", "HOME=/root", "TERM=xterm", "PATH=/bin"]);
        let merged = merge_env(
            &base,
            &pairs(&[("HOME", "/home/u"), ("NEW", "1"), ("NEW", "2"), ("A", "")]),
        );
        assert_eq!(
            merged,
            strings(&["PATH=/bin", "HOME=/home/u", "TERM=xterm", "NEW=2", "A="])
        );
        assert_eq!(merge_env(&[], &[]), Vec::<String>::new());
    }

    // --- labels ---

    #[test]
    fn key_values() {
        let m = parse_key_values(&strings(&["a=1", "b", "c=x=y", "a=2"]), "--label").unwrap();
        assert_eq!(m.get("a").unwrap(), "2");
        assert_eq!(m.get("b").unwrap(), "");
        assert_eq!(m.get("c").unwrap(), "x=y");
        let e = err(parse_key_values(&strings(&["=v"]), "--label"));
        assert!(
            e.contains("--label \"=v\"") && e.contains("key is empty"),
            "{e}"
        );
        let e = err(parse_key_values(&strings(&["k"]), "--annotation"));
        assert!(
            e.contains("--annotation \"k\"") && e.contains("KEY=VALUE"),
            "{e}"
        );
        let m = parse_key_values(&strings(&["k="]), "--annotation").unwrap();
        assert_eq!(m.get("k").unwrap(), "");
    }

    #[test]
    fn label_file() {
        let m = parse_label_file("# c\nA=1\nB\n  C=x y\n", "l").unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("B").unwrap(), "");
        assert_eq!(m.get("C").unwrap(), "x y");
        let e = err(parse_label_file("A=1\n=2\n", "labels.txt"));
        assert!(e.contains("--label-file labels.txt: line 2"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        std::fs::write(&path, "k=v\n").unwrap();
        assert_eq!(read_label_file(&path).unwrap().get("k").unwrap(), "v");
    }

    // --- signals ---

    #[test]
    fn signals() {
        assert_eq!(parse_signal("TERM").unwrap(), 15);
        assert_eq!(parse_signal("SIGTERM").unwrap(), 15);
        assert_eq!(parse_signal("sigkill").unwrap(), 9);
        assert_eq!(parse_signal("Kill").unwrap(), 9);
        assert_eq!(parse_signal("15").unwrap(), 15);
        assert_eq!(parse_signal("64").unwrap(), 64);
        assert_eq!(parse_signal("HUP").unwrap(), libc::SIGHUP);
        assert_eq!(parse_signal("SIGWINCH").unwrap(), libc::SIGWINCH);
        assert_eq!(parse_signal("RTMIN").unwrap(), 34);
        assert_eq!(parse_signal("RTMIN+3").unwrap(), 37);
        assert_eq!(parse_signal("SIGRTMIN+3").unwrap(), 37);
        assert_eq!(parse_signal("rtmax-1").unwrap(), 63);
        assert_eq!(parse_signal("RTMAX").unwrap(), 64);
        for bad in [
            "",
            "0",
            "-9",
            "65",
            "NOPE",
            "SIG",
            "RTMIN+",
            "RTMIN+31",
            "RTMAX-31",
            "RTMIN+-1",
            "RTMIN+x",
            "SIGSIGTERM",
            "TERM ",
        ] {
            let e = err(parse_signal(bad));
            assert!(e.contains("invalid signal"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(15).as_deref(), Some("SIGTERM"));
        assert_eq!(signal_name(6).as_deref(), Some("SIGABRT"));
        assert_eq!(signal_name(17).as_deref(), Some("SIGCHLD"));
        assert_eq!(signal_name(34).as_deref(), Some("SIGRTMIN"));
        assert_eq!(signal_name(37).as_deref(), Some("SIGRTMIN+3"));
        assert_eq!(signal_name(64).as_deref(), Some("SIGRTMAX"));
        assert_eq!(signal_name(0), None);
        for sig in 1..=64 {
            if let Some(name) = signal_name(sig) {
                assert_eq!(parse_signal(&name).unwrap(), sig, "{name}");
            }
        }
    }

    // --- hostname, name ---

    #[test]
    fn hostnames() {
        for ok in [
            "a",
            "web-1",
            "my.host.example",
            "A1",
            &"a".repeat(63),
            "1234",
        ] {
            validate_hostname(ok).unwrap();
        }
        let long = format!("{}.{}", "a".repeat(40), "b".repeat(30));
        let trailing_dot = format!("{}.", "a".repeat(63));
        for (bad, want) in [
            ("", "cannot be empty"),
            ("-a", "invalid label"),
            ("a-", "invalid label"),
            ("a_b", "invalid label"),
            ("a..b", "invalid label \"\""),
            ("a.", "invalid label"),
            ("has space", "invalid label"),
            ("ünï", "invalid label"),
            (long.as_str(), "too long"),
            (trailing_dot.as_str(), "invalid label \"\""),
        ] {
            let e = err(validate_hostname(bad));
            assert!(e.contains("--hostname"), "{bad:?}: {e}");
            assert!(e.contains(want), "{bad:?}: {e}");
        }
        assert!(validate_hostname(&"a".repeat(64)).is_err());
    }

    #[test]
    fn container_names() {
        for ok in ["web", "a", "A_b.c-d", "0x"] {
            validate_container_name(ok).unwrap();
        }
        for bad in ["", "-web", "_x", ".x", "a/b", "a b", "a:b", "é"] {
            let e = err(validate_container_name(bad));
            assert!(
                e.contains("--name") && e.contains(NAME_RULE),
                "{bad:?}: {e}"
            );
        }
    }

    // --- security-opt ---

    #[test]
    fn security_opts() {
        use SecurityOpt::*;
        let cases = [
            ("no-new-privileges", NoNewPrivileges(true)),
            ("no-new-privileges=true", NoNewPrivileges(true)),
            ("no-new-privileges=false", NoNewPrivileges(false)),
            ("no-new-privileges:true", NoNewPrivileges(true)),
            ("no-new-privileges:0", NoNewPrivileges(false)),
            ("seccomp=unconfined", Seccomp(SeccompChoice::Unconfined)),
            ("seccomp:unconfined", Seccomp(SeccompChoice::Unconfined)),
            (
                "seccomp=/etc/p.json",
                Seccomp(SeccompChoice::Profile("/etc/p.json".into())),
            ),
            (
                "seccomp=/odd:path.json",
                Seccomp(SeccompChoice::Profile("/odd:path.json".into())),
            ),
            ("label=disable", Label("disable".into())),
            ("label:disable", Label("disable".into())),
            ("label=type:spc_t", Label("type:spc_t".into())),
            ("label=nested", Label("nested".into())),
            ("apparmor=unconfined", Apparmor("unconfined".into())),
            ("mask=/a:/b", Mask(strings(&["/a", "/b"]))),
            ("unmask=ALL", Unmask(strings(&["ALL"]))),
            (
                "unmask=/proc/*:/sys/firmware",
                Unmask(strings(&["/proc/*", "/sys/firmware"])),
            ),
            ("systempaths=unconfined", Unmask(strings(&["ALL"]))),
        ];
        for (arg, want) in cases {
            assert_eq!(parse_security_opt(arg).unwrap(), want, "{arg}");
        }
    }

    #[test]
    fn security_opt_errors() {
        let cases = [
            ("bogus", "expected one of"),
            ("bogus=1", "unknown option \"bogus\""),
            ("no-new-privileges=maybe", "true or false"),
            ("seccomp=", "expected seccomp=unconfined"),
            ("label=enable", "invalid label option"),
            ("label=type:", "invalid label option"),
            ("apparmor=docker-default", "only apparmor=unconfined"),
            ("mask=relative", "absolute paths"),
            ("mask=ALL", "absolute paths"),
            ("mask=/a:", "absolute paths"),
            ("unmask=x", "ALL or absolute paths"),
            ("systempaths=confined", "systempaths=unconfined"),
            ("proc-opts=a", "not supported"),
        ];
        for (arg, want) in cases {
            let e = err(parse_security_opt(arg));
            assert!(e.contains("--security-opt"), "{arg:?}: {e}");
            assert!(e.contains(want), "{arg:?}: {e}");
        }
        assert!(err(parse_security_opt("x=1")).contains("no-new-privileges"));
    }

    // --- userns, network ---

    #[test]
    fn userns_modes() {
        assert_eq!(parse_userns("").unwrap(), UsernsMode::Default);
        assert_eq!(parse_userns("host").unwrap(), UsernsMode::Host);
        assert_eq!(
            parse_userns("keep-id").unwrap(),
            UsernsMode::KeepId {
                uid: None,
                gid: None
            }
        );
        assert_eq!(
            parse_userns("keep-id:uid=1000,gid=100").unwrap(),
            UsernsMode::KeepId {
                uid: Some(1000),
                gid: Some(100)
            }
        );
        assert_eq!(
            parse_userns("keep-id:gid=5").unwrap(),
            UsernsMode::KeepId {
                uid: None,
                gid: Some(5)
            }
        );
        for (bad, want) in [
            ("auto", "not supported yet"),
            ("auto:size=100", "not supported yet"),
            ("nomap", "not supported yet"),
            ("private", "not supported"),
            ("container:abc", "not supported"),
            ("ns:/proc/1/ns/user", "not supported"),
            ("keep-id:uid=x", "invalid id \"x\""),
            ("keep-id:uid=-1", "invalid id"),
            ("keep-id:size=10", "size= is not supported"),
            ("keep-id:user=1", "unknown keep-id option"),
            ("host:x", "invalid user namespace mode"),
            ("bogus", "invalid user namespace mode"),
        ] {
            let e = err(parse_userns(bad));
            assert!(e.contains("--userns"), "{bad:?}: {e}");
            assert!(e.contains(want), "{bad:?}: {e}");
        }
    }

    #[test]
    fn container_path_cleaning() {
        assert_eq!(clean_container_path("/"), "/");
        assert_eq!(clean_container_path("/a/b/"), "/a/b");
        assert_eq!(clean_container_path("/a/../../b"), "/b");
        assert_eq!(clean_container_path("//a//./b"), "/a/b");
    }
}
