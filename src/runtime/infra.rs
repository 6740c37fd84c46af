//! A pod's infra process: cove itself holding the pod's namespaces, so no
//! pause image is needed (Podman pulls or builds one).
//!
//! The launcher clones it like any container (`LaunchPlan::infra`); the
//! child sets the hostname and loopback, creates the slirp tap as for a
//! container, then instead of a root filesystem pivots into an empty
//! tmpfs (the host's tree stays out of reach through /proc/<pid>/root) and
//! re-executes the cove binary as [`HOLD_COMMAND`], which `main` catches
//! before clap. [`hold`] drops every capability, reaps what the shared pid
//! namespace leaves to it, and exits on SIGTERM/SIGINT/SIGHUP.

use super::child::Failure;
use super::LaunchPlan;
use anyhow::Context;
use nix::mount::MsFlags;
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};

/// The hidden argument the infra process is run with (never in --help).
pub const HOLD_COMMAND: &str = "__pod-infra";

/// In the cloned child, once the tap is made: hostname, loopback, stdio,
/// an empty root, then exec of cove's holder. Returns only on failure.
pub(super) fn exec_holder(plan: &LaunchPlan, own_uts: bool, own_net: bool) -> Failure {
    match try_exec_holder(plan, own_uts, own_net) {
        Ok(never) => match never {},
        Err(e) => e.into(),
    }
}

fn try_exec_holder(
    plan: &LaunchPlan,
    own_uts: bool,
    own_net: bool,
) -> anyhow::Result<std::convert::Infallible> {
    // Opened before the pivot: /proc/self/exe is the host's file.
    let exe: OwnedFd = nix::fcntl::open(
        "/proc/self/exe",
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .context("opening cove's own binary")?;
    if let (true, Some(host)) = (own_uts, plan.spec.hostname()) {
        nix::unistd::sethostname(host).context("setting the pod's hostname")?;
    }
    if own_net {
        super::child::loopback_up().context("bringing up the loopback interface")?;
    }
    super::child::connect_stdio(&plan.stdio)?;
    let _ = nix::unistd::setsid();
    // cove is linked dynamically: its loader must still be found, so the
    // holder leaves the host's tree itself, once running.
    let root = plan.bundle.join("rootfs");
    let argv = [
        CString::new("cove")?,
        CString::new(HOLD_COMMAND)?,
        CString::new(root.as_os_str().as_encoded_bytes())?,
    ];
    let argv_ptrs: Vec<*const libc::c_char> = argv
        .iter()
        .map(|a| a.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let envp: [*const libc::c_char; 1] = [std::ptr::null()];
    // SAFETY: argv and envp are null-terminated arrays of C strings that
    // live across the call; an empty path with AT_EMPTY_PATH runs `exe`.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            exe.as_raw_fd(),
            c"".as_ptr(),
            argv_ptrs.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    Err(std::io::Error::last_os_error()).context("running cove as the pod's infra process")
}

/// Make an empty, read-only tmpfs this mount namespace's root.
fn empty_root(target: &std::path::Path) -> anyhow::Result<()> {
    use nix::mount::mount;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .context("making mounts private")?;
    mount(
        Some("tmpfs"),
        target,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("size=4k,mode=0555"),
    )
    .with_context(|| format!("mounting a tmpfs on {}", target.display()))?;
    nix::unistd::chdir(target).context("entering the empty root")?;
    nix::unistd::pivot_root(".", ".").context("pivot_root into the empty root")?;
    nix::mount::umount2(".", nix::mount::MntFlags::MNT_DETACH).context("detaching the old root")?;
    nix::unistd::chdir("/").context("entering the empty root")?;
    Ok(())
}

/// `cove __pod-infra ROOT`: the infra process itself. Pivots into an
/// empty tmpfs on ROOT, then holds the namespaces it was started in until
/// SIGTERM, SIGINT or SIGHUP; as pid 1 of the pod's pid namespace it
/// reaps orphans.
pub fn hold(root: &std::ffi::OsStr) -> ! {
    if nix::unistd::getpid().as_raw() != 1 {
        eprintln!("Error: {HOLD_COMMAND} is run by cove as a pod's infra process");
        std::process::exit(125);
    }
    if let Err(e) = empty_root(std::path::Path::new(root)) {
        eprintln!("Error: {e:#}");
        std::process::exit(125);
    }
    // Nothing to do that needs a privilege: give them all up.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    let empty = std::collections::HashSet::<oci_spec::runtime::Capability>::new;
    if let Ok(none) = oci_spec::runtime::LinuxCapabilitiesBuilder::default()
        .bounding(empty())
        .effective(empty())
        .permitted(empty())
        .inheritable(empty())
        .ambient(empty())
        .build()
    {
        let _ = super::caps::apply(&none);
    }
    let mut set = nix::sys::signal::SigSet::empty();
    for s in [
        nix::sys::signal::Signal::SIGCHLD,
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGHUP,
    ] {
        set.add(s);
    }
    // Blocked signals reach pid 1 of a namespace even without handlers.
    let _ = set.thread_block();
    loop {
        match set.wait() {
            Ok(nix::sys::signal::Signal::SIGCHLD) => {
                while let Ok(status) = nix::sys::wait::waitpid(
                    nix::unistd::Pid::from_raw(-1),
                    Some(nix::sys::wait::WaitPidFlag::WNOHANG),
                ) {
                    if status == nix::sys::wait::WaitStatus::StillAlive {
                        break;
                    }
                }
            }
            Ok(_) => std::process::exit(0),
            Err(_) => {}
        }
    }
}
