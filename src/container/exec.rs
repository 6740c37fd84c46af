//! `cove exec`: the process to start in a running container, made from the
//! container's own runtime spec the way Podman 4 makes an exec session's
//! process (environment, working directory, user, capabilities), then
//! started by `runtime::exec`.

use super::record::ContainerDir;
use super::spec::capability_set;
use super::{options, user};
use crate::error::exit_error;
use crate::runtime::{self, exec::ExecPlan, exec::Target};
use anyhow::Context;
use oci_spec::runtime::{Capability, LinuxCapabilities, LinuxCapabilitiesBuilder, Process, User};
use std::collections::HashSet;

/// What the user asked for on the command line.
pub struct ExecRequest<'a> {
    pub command: &'a [String],
    /// `--env-file` then `-e` variables, lowest precedence first.
    pub env: Vec<(String, String)>,
    pub user: Option<&'a str>,
    pub workdir: Option<&'a str>,
    pub tty: bool,
    pub interactive: bool,
    pub detach: bool,
    pub privileged: bool,
}

fn not_running() -> anyhow::Error {
    exit_error(
        125,
        "can only create exec sessions on running containers: container state improper",
    )
}

/// Run the request in `container`; returns the command's exit code (0 at
/// once with `detach`).
pub fn exec(container: &ContainerDir, req: &ExecRequest) -> anyhow::Result<i32> {
    if req.command.is_empty() {
        return Err(exit_error(
            125,
            "must provide a non-empty command to start an exec session: invalid argument",
        ));
    }
    if req.detach && req.tty {
        return Err(exit_error(
            125,
            "--tty cannot be used with --detach: cove keeps no process to hold a detached terminal; drop -t",
        ));
    }
    let pid = container.running_pid()?.ok_or_else(not_running)?;
    let target = Target::open(pid, not_running)?;
    // The pid was read from the state: make sure the pinned process is
    // still the container's (the monitor keeps the lock until it has
    // reaped it and recorded the exit).
    if container.running_pid()? != Some(pid) {
        return Err(not_running());
    }
    let spec = container.spec()?;
    let base = spec
        .process()
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the container's spec has no process"))?;
    let seccomp = match spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
        Some(profile) => {
            Some(runtime::seccomp::compile(profile).context("compiling the seccomp profile")?)
        }
        None => None,
    };
    let all_caps = if req.privileged {
        Some(capability_set(&runtime::caps::bounding_set())?)
    } else {
        None
    };
    // From here on `/` is the container's root: no more host files.
    runtime::exec::join(&target)?;
    let process = exec_process(container, base, req, all_caps)?;
    let plan = ExecPlan {
        process,
        seccomp,
        id_maps: container.config.id_maps.clone(),
        keep_stdin: req.interactive,
        detach: req.detach,
    };
    let (mut signals, old_mask) = runtime::block_signals()?;
    let launched = match runtime::exec::start(&plan, &old_mask) {
        Ok(l) => l,
        Err(e) => {
            let _ = nix::sys::signal::pthread_sigmask(
                nix::sys::signal::SigmaskHow::SIG_SETMASK,
                Some(&old_mask),
                None,
            );
            return Err(e);
        }
    };
    if req.detach {
        // Left to the container: its pid 1 adopts it when we exit.
        return Ok(0);
    }
    runtime::supervise(launched, &mut signals, req.interactive)
}

/// The exec session's process: the container's, with the command, the
/// extra variables, `-w`, `-u`, `-t` and `--privileged` (`all_caps`)
/// applied. Runs inside the container's mount namespace, where `-u` is
/// looked up in its /etc/passwd and /etc/group.
fn exec_process(
    container: &ContainerDir,
    base: &Process,
    req: &ExecRequest,
    all_caps: Option<HashSet<Capability>>,
) -> anyhow::Result<Process> {
    let mut process = base.clone();
    process.set_args(Some(req.command.to_vec()));
    process.set_terminal(Some(req.tty));
    process.set_console_size(None);
    if let Some(dir) = req.workdir {
        process.set_cwd(dir.into());
    }
    let mut overrides = req.env.clone();
    let mut home = None;
    if let Some(spec) = req.user {
        let read = |path: &str| {
            user::read_rootfs_file(std::path::Path::new("/"), path, 4 << 20)
                .with_context(|| format!("reading the container's {path}"))
        };
        let passwd = read("/etc/passwd")?;
        let group = read("/etc/group")?;
        let resolved = user::resolve_user(passwd.as_deref(), group.as_deref(), spec, &[])
            .map_err(|e| exit_error(125, format!("{e:#}")))?;
        let mut u = User::default();
        u.set_uid(resolved.uid);
        u.set_gid(resolved.gid);
        u.set_umask(base.user().umask());
        // Podman gives an exec user the groups that list it as a member,
        // not its primary group again (`id` shows no groups= line).
        let supplementary: Vec<u32> = resolved
            .additional_gids
            .iter()
            .copied()
            .filter(|g| *g != resolved.gid)
            .collect();
        u.set_additional_gids((!supplementary.is_empty()).then_some(supplementary));
        process.set_user(u);
        home = Some(resolved.home);
    }
    let env = exec_env(
        base.env().as_deref().unwrap_or_default(),
        &mut overrides,
        home.as_deref(),
        req.tty,
    );
    process.set_env(Some(env));
    let same_user = req
        .user
        .is_none_or(|u| u == container.config.create_info.user);
    if let Some(caps) = base.capabilities() {
        process.set_capabilities(Some(exec_capabilities(
            caps,
            all_caps,
            process.user().uid(),
            same_user,
        )?));
    }
    Ok(process)
}

/// The container's environment with the exec's variables applied. With
/// `-u`, HOME is the exec user's unless given (Podman 4); TERM=xterm with
/// `-t` when the container has none.
fn exec_env(
    base: &[String],
    overrides: &mut Vec<(String, String)>,
    user_home: Option<&str>,
    tty: bool,
) -> Vec<String> {
    let set_by_user = |name: &str, o: &[(String, String)]| o.iter().any(|(k, _)| k == name);
    let in_base = |name: &str| {
        base.iter()
            .any(|e| e.split_once('=').is_some_and(|(k, _)| k == name))
    };
    if let Some(home) = user_home {
        if !set_by_user("HOME", overrides) {
            overrides.insert(0, ("HOME".into(), home.to_string()));
        }
    } else if !in_base("HOME") && !set_by_user("HOME", overrides) {
        overrides.insert(0, ("HOME".into(), "/".into()));
    }
    if tty && !in_base("TERM") && !set_by_user("TERM", overrides) {
        overrides.insert(0, ("TERM".into(), "xterm".into()));
    }
    options::merge_env(base, overrides)
}

/// Podman 4's exec capabilities: the container's bounding set (every
/// capability with `--privileged`); all of it for uid 0; the container's
/// effective set for the container's own user; nothing for another user.
fn exec_capabilities(
    base: &LinuxCapabilities,
    privileged_all: Option<HashSet<Capability>>,
    uid: u32,
    same_user: bool,
) -> anyhow::Result<LinuxCapabilities> {
    let bounding = privileged_all.unwrap_or_else(|| base.bounding().clone().unwrap_or_default());
    let empty = HashSet::new();
    let (effective, inheritable, ambient) = if uid == 0 {
        (bounding.clone(), empty.clone(), empty)
    } else if same_user {
        let own = base.effective().clone().unwrap_or_default();
        (own.clone(), own.clone(), own)
    } else {
        (empty.clone(), empty.clone(), empty)
    };
    Ok(LinuxCapabilitiesBuilder::default()
        .bounding(bounding)
        .permitted(effective.clone())
        .effective(effective)
        .inheritable(inheritable)
        .ambient(ambient)
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn env_overrides_home_and_term() {
        let base = strings(&["PATH=/bin", "HOME=/root", "FOO=image"]);
        let mut o = vec![("FOO".to_string(), "cli".to_string())];
        assert_eq!(
            exec_env(&base, &mut o, None, false),
            strings(&["PATH=/bin", "HOME=/root", "FOO=cli"])
        );
        // -u: the exec user's home replaces the container's.
        let mut o = vec![];
        assert_eq!(
            exec_env(&base, &mut o, Some("/home/user"), true),
            strings(&["PATH=/bin", "HOME=/home/user", "FOO=image", "TERM=xterm"])
        );
        // ... unless -e HOME is given.
        let mut o = vec![("HOME".to_string(), "/x".to_string())];
        assert_eq!(
            exec_env(&base, &mut o, Some("/home/user"), false),
            strings(&["PATH=/bin", "HOME=/x", "FOO=image"])
        );
        // No HOME at all: "/".
        let mut o = vec![];
        assert_eq!(
            exec_env(&strings(&["TERM=vt100"]), &mut o, None, true),
            strings(&["TERM=vt100", "HOME=/"])
        );
    }

    fn caps(names: &[&str]) -> HashSet<Capability> {
        capability_set(&strings(names)).unwrap()
    }

    #[test]
    fn capabilities_as_podman() {
        let base = LinuxCapabilitiesBuilder::default()
            .bounding(caps(&["CAP_CHOWN", "CAP_KILL"]))
            .effective(caps(&["CAP_KILL"]))
            .permitted(caps(&["CAP_KILL"]))
            .inheritable(caps(&["CAP_KILL"]))
            .ambient(caps(&["CAP_KILL"]))
            .build()
            .unwrap();
        let root = exec_capabilities(&base, None, 0, false).unwrap();
        assert_eq!(root.effective().as_ref().unwrap().len(), 2);
        assert!(root.ambient().as_ref().unwrap().is_empty());
        let own = exec_capabilities(&base, None, 1000, true).unwrap();
        assert_eq!(own.ambient().as_ref().unwrap(), &caps(&["CAP_KILL"]));
        let other = exec_capabilities(&base, None, 1000, false).unwrap();
        assert!(other.effective().as_ref().unwrap().is_empty());
        assert_eq!(other.bounding().as_ref().unwrap().len(), 2);
        let all = caps(&["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"]);
        let privileged = exec_capabilities(&base, Some(all.clone()), 0, true).unwrap();
        assert_eq!(privileged.effective().as_ref().unwrap(), &all);
        // Each set passes the runtime's consistency checks.
        for c in [root, own, other, privileged] {
            runtime::caps::CapSets::from_spec(&c).unwrap();
        }
    }
}
