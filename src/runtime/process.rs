//! The last steps in the container before exec: resource limits, the
//! container user, capabilities, no_new_privs, seccomp, the working
//! directory, and finding the command on the container's PATH.
//!
//! A command that is missing ends in exit code 127 and one that cannot be
//! executed in 126, as a shell and Podman report them.

use super::child::Failure;
use crate::sys::userns::IdMaps;
use anyhow::Context;
use nix::unistd::{Gid, Uid};
use oci_spec::runtime::Process;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// What the process becomes: shared by the container's first process
/// (`child`) and the processes `cove exec` starts in it (`exec`).
pub(super) struct ProcessPlan<'a> {
    /// Command, environment, working directory, user, capabilities,
    /// rlimits, no_new_privileges.
    pub process: &'a Process,
    /// Compiled seccomp filter, if any.
    pub seccomp: Option<&'a [libc::sock_filter]>,
    /// The maps of the user namespace the process is in (none as root).
    pub id_maps: Option<&'a IdMaps>,
    /// Fork `--init` as pid 1 and run the command as its child.
    pub init: bool,
    /// Die (SIGKILL) with the cove process that started it.
    pub die_with_parent: bool,
}

/// `report` is the pipe to the parent, which `--init` must close in pid 1.
pub(super) fn exec(plan: &ProcessPlan, report: i32) -> Failure {
    match prepare_and_exec(plan, report) {
        Ok(f) | Err(f) => f,
    }
}

fn prepare_and_exec(plan: &ProcessPlan, report: i32) -> Result<Failure, Failure> {
    let process = plan.process;
    let args = process.args().clone().unwrap_or_default();
    if args.is_empty() {
        return Err(anyhow::anyhow!(
            "no command given, and the image has neither an entrypoint nor a command"
        )
        .into());
    }
    let env = process.env().clone().unwrap_or_default();
    let c_env = to_cstrings(&env)?;
    let c_args = to_cstrings(&args)?;
    let caps = match process.capabilities() {
        Some(c) => Some(super::caps::CapSets::from_spec(c)?),
        None => None,
    };
    set_rlimits(process)?;
    reset_signal_dispositions();
    let no_new_privs = process.no_new_privileges() == Some(true);
    // Without no_new_privs the kernel wants CAP_SYS_ADMIN to install a
    // filter, which the container user may not keep: install it first.
    if !no_new_privs {
        if let Some(filter) = plan.seccomp {
            super::seccomp::install(filter).context("installing the seccomp filter")?;
        }
    }
    switch_user(process, plan.id_maps)?;
    if let Some(caps) = &caps {
        caps.apply().context("setting capabilities")?;
    }
    // The container dies with `cove run` while no monitor exists to keep
    // it; set after the uid change, which clears it.
    if plan.die_with_parent {
        // SAFETY: prctl with integer arguments.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
    }
    enter_cwd(process.cwd())?;
    if no_new_privs {
        // SAFETY: prctl with integer arguments.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(anyhow::Error::from(std::io::Error::last_os_error())
                .context("setting no_new_privs")
                .into());
        }
        if let Some(filter) = plan.seccomp {
            super::seccomp::install(filter).context("installing the seccomp filter")?;
        }
    }
    // The init comes last, so it holds no more privilege than the command.
    if plan.init {
        super::init::become_init(report)?;
    }
    let path_var = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    let program = find_executable(&args[0], path_var)?;
    let c_program = CString::new(program.as_os_str().as_bytes())
        .map_err(|_| anyhow::anyhow!("command path contains a NUL byte"))?;
    let err = nix::unistd::execve(&c_program, &c_args, &c_env).unwrap_err();
    Err(exec_failure(&args[0], err))
}

/// A missing directory is "not found" (127), as runc and Podman report a
/// bad `exec -w`; `run` creates its working directory beforehand.
fn enter_cwd(cwd: &Path) -> Result<(), Failure> {
    use nix::errno::Errno;
    match nix::unistd::chdir(cwd) {
        Ok(()) => Ok(()),
        Err(e @ (Errno::ENOENT | Errno::ENOTDIR)) => Err(Failure {
            code: 127,
            message: format!(
                "chdir to the working directory {}: {}",
                cwd.display(),
                e.desc()
            ),
        }),
        Err(e) => Err(anyhow::Error::from(e)
            .context(format!("entering the working directory {}", cwd.display()))
            .into()),
    }
}

fn to_cstrings(items: &[String]) -> Result<Vec<CString>, Failure> {
    items
        .iter()
        .map(|s| {
            CString::new(s.as_bytes())
                .map_err(|_| anyhow::anyhow!("{s:?} contains a NUL byte").into())
        })
        .collect()
}

fn set_rlimits(process: &Process) -> anyhow::Result<()> {
    for limit in process.rlimits().as_deref().unwrap_or_default() {
        let name = serde_json::to_value(limit.typ())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let Some(resource) = rlimit_resource(&name) else {
            anyhow::bail!("unknown resource limit {name}");
        };
        let value = libc::rlimit {
            rlim_cur: limit.soft(),
            rlim_max: limit.hard(),
        };
        // SAFETY: setrlimit with a valid struct.
        if unsafe { libc::setrlimit(resource, &value) } != 0 {
            let err = std::io::Error::last_os_error();
            anyhow::bail!(
                "setting {name} to {}:{}: {err} (a limit cannot exceed the one cove itself runs with; see `ulimit -H -a`)",
                limit.soft(),
                limit.hard()
            );
        }
    }
    Ok(())
}

/// Rust ignores SIGPIPE in its own processes; an ignored signal survives
/// exec, and `yes | head` in the container would misbehave.
fn reset_signal_dispositions() {
    for sig in 1..32 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: restoring the default disposition is always valid.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
}

fn switch_user(process: &Process, maps: Option<&IdMaps>) -> anyhow::Result<()> {
    let user = process.user();
    let uid = Uid::from_raw(user.uid());
    let gid = Gid::from_raw(user.gid());
    if let Some(mask) = user.umask() {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask));
    } else {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    }
    // Keep capabilities across the uid change; CapSets::apply then sets
    // exactly the ones the container gets.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) };
    let groups: Vec<Gid> = user
        .additional_gids()
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|g| Gid::from_raw(*g))
        .collect();
    let setgroups_denied = maps.is_some_and(|m| m.gids.len() == 1);
    if setgroups_denied {
        // The primary group is all a single-id namespace can hold.
        if groups.iter().any(|g| *g != gid) {
            anyhow::bail!("supplementary groups need a range in /etc/subgid (this user namespace maps a single id)");
        }
    } else {
        nix::unistd::setgroups(&groups).context("setting supplementary groups")?;
    }
    nix::unistd::setresgid(gid, gid, gid)
        .with_context(|| format!("switching to gid {gid}: not mapped in the container's user namespace (see /etc/subuid and /etc/subgid)"))?;
    nix::unistd::setresuid(uid, uid, uid)
        .with_context(|| format!("switching to uid {uid}: not mapped in the container's user namespace (see /etc/subuid and /etc/subgid)"))?;
    Ok(())
}

/// The shell's lookup: a name with a slash is used as is; otherwise the
/// first executable regular file of that name on PATH.
fn find_executable(name: &str, path_var: &str) -> Result<PathBuf, Failure> {
    if name.contains('/') {
        return Ok(PathBuf::from(name));
    }
    let mut found_not_executable = None;
    for dir in path_var.split(':').filter(|d| !d.is_empty()) {
        let candidate = Path::new(dir).join(name);
        let Ok(meta) = std::fs::metadata(&candidate) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        if nix::unistd::access(&candidate, nix::unistd::AccessFlags::X_OK).is_ok() {
            return Ok(candidate);
        }
        found_not_executable.get_or_insert(candidate);
    }
    match found_not_executable {
        Some(path) => Err(Failure {
            code: 126,
            message: format!(
                "{}: permission denied: the file is not executable",
                path.display()
            ),
        }),
        None => Err(Failure {
            code: 127,
            message: format!(
                "executable file `{name}` not found in $PATH: No such file or directory"
            ),
        }),
    }
}

fn exec_failure(name: &str, err: nix::errno::Errno) -> Failure {
    use nix::errno::Errno;
    match err {
        Errno::ENOENT => Failure {
            code: 127,
            message: format!("{name}: no such file or directory"),
        },
        Errno::EACCES | Errno::EPERM | Errno::ENOEXEC | Errno::EISDIR | Errno::ETXTBSY => Failure {
            code: 126,
            message: format!("{name}: permission denied: cannot execute ({})", err.desc()),
        },
        other => Failure {
            code: 126,
            message: format!("{name}: cannot execute: {}", other.desc()),
        },
    }
}
/// The type libc's setrlimit takes for a resource.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub type RlimitResource = libc::__rlimit_resource_t;
/// The type libc's setrlimit takes for a resource.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub type RlimitResource = libc::c_int;

/// The libc resource for an OCI rlimit name such as `RLIMIT_NOFILE`.
pub fn rlimit_resource(kind: &str) -> Option<RlimitResource> {
    Some(match kind {
        "RLIMIT_AS" => libc::RLIMIT_AS,
        "RLIMIT_CORE" => libc::RLIMIT_CORE,
        "RLIMIT_CPU" => libc::RLIMIT_CPU,
        "RLIMIT_DATA" => libc::RLIMIT_DATA,
        "RLIMIT_FSIZE" => libc::RLIMIT_FSIZE,
        "RLIMIT_LOCKS" => libc::RLIMIT_LOCKS,
        "RLIMIT_MEMLOCK" => libc::RLIMIT_MEMLOCK,
        "RLIMIT_MSGQUEUE" => libc::RLIMIT_MSGQUEUE,
        "RLIMIT_NICE" => libc::RLIMIT_NICE,
        "RLIMIT_NOFILE" => libc::RLIMIT_NOFILE,
        "RLIMIT_NPROC" => libc::RLIMIT_NPROC,
        "RLIMIT_RSS" => libc::RLIMIT_RSS,
        "RLIMIT_RTPRIO" => libc::RLIMIT_RTPRIO,
        "RLIMIT_RTTIME" => libc::RLIMIT_RTTIME,
        "RLIMIT_SIGPENDING" => libc::RLIMIT_SIGPENDING,
        "RLIMIT_STACK" => libc::RLIMIT_STACK,
        _ => return None,
    })
}
