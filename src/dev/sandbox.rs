//! A dev sandbox is a container made for one user: labelled
//! `dev.cove.sandbox=NAME`, with the user's ids (`keep-id`, no copy of the
//! image), passwd/group/shadow entries and passwordless sudo written into
//! its writable layer, the home mounted at its own path, the host's network
//! and the desktop plumbing `desktop::plan` finds. Its first process only
//! holds it open; `enter` joins it as `exec` does, starting it first.

use super::desktop::{self, Host};
use super::export::check_sandbox_name;
use super::identity::{self, HostUser};
use crate::container::access::{Access, View};
use crate::container::record::{self, ContainerDir};
use crate::container::request::CreateOptions;
use crate::context::Ctx;
use crate::error::{exit_error, EXIT_COVE};
use std::path::{Path, PathBuf};

/// The label that marks a container as a sandbox (its value: the name).
pub const LABEL: &str = "dev.cove.sandbox";
/// The label holding the user's home inside the sandbox.
const HOME_LABEL: &str = "dev.cove.home";
/// The label holding the login shell chosen at create.
const SHELL_LABEL: &str = "dev.cove.shell";

/// The image when none is named.
pub const DEFAULT_IMAGE: &str = "docker.io/library/debian:stable";

/// What `dev create` was asked for.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    pub name: String,
    pub image: Option<String>,
    /// `--home DIR`: a home of its own instead of the host's.
    pub home: Option<PathBuf>,
    pub isolated: bool,
    pub gui: bool,
}

/// Whether an executable exists at `path` in the image's layers (top
/// first), following a merged /usr (/bin → usr/bin).
fn in_layers(layers: &[PathBuf], path: &str) -> bool {
    let rel = path.trim_start_matches('/');
    let merged = rel
        .strip_prefix("bin/")
        .map(|r| format!("usr/bin/{r}"))
        .unwrap_or_else(|| rel.to_string());
    layers.iter().any(|l| {
        [rel, merged.as_str()]
            .iter()
            .any(|r| std::fs::symlink_metadata(l.join(r)).is_ok_and(|m| !m.file_type().is_dir()))
    })
}

/// Make the sandbox (not started); its notices are printed on stderr.
pub fn create(ctx: &Ctx, req: &CreateRequest) -> anyhow::Result<ContainerDir> {
    check_sandbox_name(&req.name)?;
    if record::lookup(&ctx.paths.root, &req.name).is_ok() {
        return Err(exit_error(
            EXIT_COVE,
            format!(
                "the name \"{}\" is already in use: choose another, or remove it with cove dev rm {}",
                req.name, req.name
            ),
        ));
    }
    let mut user = HostUser::current()?;
    HostUser::check_name(&user.name)?;
    let host = Host::current();
    // The home the user works in ($HOME), which the passwd entry names too.
    let home = match &req.home {
        Some(dir) => {
            identity::check_home(dir)?;
            std::path::absolute(dir)?
        }
        None => host.home.clone(),
    };
    user.home = home.display().to_string();
    let image = req
        .image
        .clone()
        .unwrap_or_else(|| DEFAULT_IMAGE.to_string());
    let probe = CreateOptions {
        image: image.clone(),
        ..Default::default()
    };
    let image_id = crate::container::image::ensure_image(ctx, &probe)?;
    let layers = crate::container::create::image_layers(&ctx.paths.root, &image, &image_id)?;
    let read = |path: &str| crate::container::create::read_image_file(&layers, path);
    let passwd = read("/etc/passwd");
    let check = identity::check_image(&image, passwd.as_deref(), &user.shell, &|p| {
        in_layers(&layers, p)
    })?;
    let passwd = passwd.unwrap_or_default();
    let mut files: Vec<(PathBuf, String, u32)> = vec![
        (
            "/etc/passwd".into(),
            identity::merge_passwd(&passwd, &user, &check.shell)?,
            0o644,
        ),
        (
            "/etc/group".into(),
            identity::merge_group(&read("/etc/group").unwrap_or_default(), &user)?,
            0o644,
        ),
        (
            "/etc/shadow".into(),
            identity::merge_shadow(&read("/etc/shadow").unwrap_or_default(), &user)?,
            0o640,
        ),
    ];
    let (sudoers_name, sudoers) = identity::sudoers_file(&user)?;
    files.push((
        Path::new("/etc/sudoers.d").join(sudoers_name),
        sudoers,
        0o440,
    ));

    let plan = desktop::plan(
        &host,
        &desktop::Options {
            gui: req.gui,
            isolated: req.isolated,
            home_mounted: !req.isolated,
            host_network: !req.isolated,
        },
    );
    for (path, content) in &plan.files {
        files.push((path.clone(), content.clone(), 0o644));
    }
    let mut opts = CreateOptions {
        name: Some(req.name.clone()),
        hostname: Some(req.name.clone()),
        image,
        // Rootless, the user keeps their ids inside; root is root anyway.
        userns: (!crate::sys::userns::is_root()).then(|| "keep-id".into()),
        init: true,
        // The first process only holds the sandbox open.
        entrypoint: Some(r#"["/bin/sh","-c","while :; do sleep 86400; done"]"#.into()),
        workdir: Some(home.display().to_string()),
        label: vec![
            format!("{LABEL}={}", req.name),
            format!("{HOME_LABEL}={}", home.display()),
            format!("{SHELL_LABEL}={}", check.shell),
        ],
        env: plan.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        ..Default::default()
    };
    opts.env.push(format!("HOME={}", home.display()));
    opts.env.push(format!("USER={}", user.name));
    opts.env.push(format!("SHELL={}", check.shell));
    if !req.isolated {
        opts.network = vec!["host".into()];
        opts.volume
            .push(format!("{}:{}:rslave", home.display(), home.display()));
    } else if req.home.is_some() {
        opts.volume
            .push(format!("{}:{}", home.display(), home.display()));
    }
    for b in &plan.binds {
        let ro = if b.read_only { ":ro" } else { "" };
        opts.volume.push(format!(
            "{}:{}{ro}",
            b.source.display(),
            b.destination.display()
        ));
    }
    for d in &plan.devices {
        opts.device.push(d.display().to_string());
    }
    for line in check.notices.iter().chain(&plan.notices) {
        eprintln!("{line}");
    }
    let (container, lock) = crate::container::create::create(ctx, &opts)?;
    drop(lock);
    if let Err(e) = write_files(&container, &files) {
        let _ = crate::container::start::remove_with_volumes(ctx, &container);
        return Err(e.context("writing the user's entries into the sandbox"));
    }
    Ok(container)
}

/// Write `files` (path, content, mode) into the stopped container as its
/// root, so the image's package manager may change them later.
fn write_files(container: &ContainerDir, files: &[(PathBuf, String, u32)]) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let access = Access::open(container.clone())?;
    let files = files.to_vec();
    let worker = access.spawn(View::Mounts, move || {
        // The child holds every capability in the container's user
        // namespace but keeps the caller's ids there: owners are set.
        for (path, content, mode) in &files {
            if let Some(parent) = path.parent().filter(|p| !p.exists()) {
                std::fs::create_dir_all(parent)?;
                std::os::unix::fs::chown(parent, Some(0), Some(0))?;
            }
            let tmp = path.with_extension("cove-new");
            std::fs::write(&tmp, content)?;
            std::os::unix::fs::chown(&tmp, Some(0), Some(0))?;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(*mode))?;
            std::fs::rename(&tmp, path)?;
        }
        Ok(())
    })?;
    worker.wait()
}

/// The sandbox called `name` (a container without the label is not one).
pub fn lookup(ctx: &Ctx, name: &str) -> anyhow::Result<ContainerDir> {
    let not_found = || {
        exit_error(
            EXIT_COVE,
            format!("no dev sandbox named \"{name}\": see cove dev ls, or make it with cove dev create {name}"),
        )
    };
    let container = record::lookup(&ctx.paths.root, name).map_err(|_| not_found())?;
    if label(&container, LABEL).is_none() {
        return Err(not_found());
    }
    Ok(container)
}

/// Every sandbox, by name.
pub fn list(ctx: &Ctx) -> anyhow::Result<Vec<ContainerDir>> {
    let mut all: Vec<ContainerDir> = record::list(&ctx.paths.root)
        .into_iter()
        .filter(|c| label(c, LABEL).is_some())
        .collect();
    all.sort_by(|a, b| a.config.name.cmp(&b.config.name));
    Ok(all)
}

fn label(c: &ContainerDir, key: &str) -> Option<String> {
    c.config.labels.get(key).cloned()
}

/// What `enter` runs: the command (the login shell when none), as the
/// user, in `cwd` when the sandbox sees it (the home otherwise).
pub struct Entry {
    pub command: Vec<String>,
    pub user: String,
    pub workdir: String,
    pub env: Vec<(String, String)>,
}

/// Start the sandbox if it is not running; what to exec in it.
pub fn prepare_enter(
    ctx: &Ctx,
    container: &ContainerDir,
    command: &[String],
) -> anyhow::Result<Entry> {
    if container.running_pid()?.is_none() {
        crate::container::start::start_detached(ctx, container, None)?;
    }
    let home = label(container, HOME_LABEL).unwrap_or_else(|| "/".into());
    let shell = label(container, SHELL_LABEL).unwrap_or_else(|| "/bin/sh".into());
    let cwd = std::env::current_dir().ok();
    // The home is mounted at its own path: a directory in it is the same
    // directory inside.
    let workdir = match cwd {
        Some(dir) if dir.starts_with(&home) => dir.display().to_string(),
        _ => home,
    };
    let command = if command.is_empty() {
        vec![shell, "-l".into()]
    } else {
        command.to_vec()
    };
    let mut env = Vec::new();
    for name in ["TERM", "COLORTERM", "DISPLAY", "WAYLAND_DISPLAY"] {
        if let Ok(v) = std::env::var(name) {
            env.push((name.to_string(), v));
        }
    }
    Ok(Entry {
        command,
        user: format!("{}:{}", nix::unistd::getuid(), nix::unistd::getgid()),
        workdir,
        env,
    })
}
