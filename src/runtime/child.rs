//! The container side of `launch`: runs in the cloned child, inside the new
//! namespaces, and ends in exec or in a report to the parent.
//!
//! Order matters and follows what the kernel allows: become root of the
//! user namespace, make every mount private, mount the root filesystem and
//! the spec's mounts beneath it, pivot, hide paths, then set up the
//! terminal, and finally drop to the container user (see `process`).

use super::mounts::{self, Leaf};
use super::{process, LaunchPlan};
use crate::sys::syscall::{Kernel, Syscall};
use anyhow::Context;
use nix::mount::MsFlags;
use nix::sys::signal::SigSet;
use oci_spec::runtime::Spec;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

/// Why the container could not start, with the exit code it deserves.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure {
            code: 125,
            message: format!("{e:#}"),
        }
    }
}

pub(super) fn run(
    plan: &LaunchPlan,
    go: OwnedFd,
    report: OwnedFd,
    console: Option<RawFd>,
    tap_sock: Option<RawFd>,
    old_mask: &SigSet,
) -> ! {
    let failure = match setup(plan, go, console, tap_sock, old_mask, report.as_fd()) {
        Ok(f) | Err(f) => f,
    };
    let mut bytes = vec![failure.code];
    bytes.extend_from_slice(failure.message.as_bytes());
    let _ = nix::unistd::write(&report, &bytes);
    // SAFETY: leave without unwinding into the parent's copy of the stack.
    unsafe { libc::_exit(failure.code as i32) }
}

/// Returns only on failure (success is exec).
fn setup(
    plan: &LaunchPlan,
    go: OwnedFd,
    console: Option<RawFd>,
    tap_sock: Option<RawFd>,
    old_mask: &SigSet,
    report: BorrowedFd,
) -> Result<Failure, Failure> {
    let mut byte = [0u8; 1];
    if !matches!(nix::unistd::read(&go, &mut byte), Ok(1)) {
        // The parent went away before mapping our ids.
        // SAFETY: leave the cloned child at once, without unwinding or
        // running the parent's exit handlers.
        unsafe { libc::_exit(125) };
    }
    drop(go);
    // Die with cove until the container is handed over (set again after
    // each credential change, which clears it).
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
    close_inherited_fds();
    nix::sys::signal::pthread_sigmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(old_mask),
        None,
    )
    .context("restoring the signal mask")?;
    if plan.id_maps.is_some() {
        become_namespace_root()?;
        // SAFETY: prctl with integer arguments.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
    }
    // The slirp network's tap: needs CAP_NET_ADMIN in the new network
    // namespace (root of the user namespace by now) and the host's
    // /dev/net/tun (before pivot_root).
    if let (Some(net), Some(sock)) = (&plan.network, tap_sock) {
        if !has_namespace(plan, oci_spec::runtime::LinuxNamespaceType::Network) {
            return Err(anyhow::anyhow!(
                "the slirp network needs the container to have its own network namespace"
            )
            .into());
        }
        let tap = crate::network::tap::create(&crate::network::tap::TapConfig::slirp(net.mtu))?;
        // SAFETY: the fd is the child's end of the tap socketpair.
        let sock = unsafe { BorrowedFd::borrow_raw(sock) };
        crate::sys::fd::send_fd(sock, tap.as_fd()).context("sending the network device to cove")?;
    }
    if has_namespace(plan, oci_spec::runtime::LinuxNamespaceType::Network) {
        allow_ping();
    }
    apply_sysctls(&plan.spec)?;
    set_oom_score_adj(&plan.spec)?;
    if plan.infra {
        return Ok(super::infra::exec_holder(
            plan,
            has_namespace(plan, oci_spec::runtime::LinuxNamespaceType::Uts),
            has_namespace(plan, oci_spec::runtime::LinuxNamespaceType::Network),
        ));
    }
    prepare_filesystem(&Kernel, &plan.spec, &plan.copy_ups, &plan.devices, || {
        plan.rootfs.mount()
    })?;
    let spec = &plan.spec;
    if let Some(host) = spec.hostname() {
        if has_namespace(plan, oci_spec::runtime::LinuxNamespaceType::Uts) {
            nix::unistd::sethostname(host).context("setting the hostname")?;
        }
    }
    if has_namespace(plan, oci_spec::runtime::LinuxNamespaceType::Network) {
        loopback_up().context("bringing up the loopback interface")?;
    }
    match console {
        Some(sock) => {
            // SAFETY: the fd is the child's end of the console socketpair.
            let sock = unsafe { BorrowedFd::borrow_raw(sock) };
            super::tty::open_container_console(sock)?;
        }
        None => {
            connect_stdio(&plan.stdio)?;
            // A session of its own: the terminal's ^C reaches only cove,
            // which forwards it once, as Podman's signal proxy does.
            let _ = nix::unistd::setsid();
        }
    }
    let process = spec
        .process()
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the spec has no process"))?;
    let process_plan = process::ProcessPlan {
        process,
        seccomp: plan.seccomp.as_deref(),
        id_maps: plan.id_maps.as_ref(),
        init: plan.init,
        die_with_parent: true,
    };
    Ok(process::exec(&process_plan, report.as_raw_fd()))
}

/// Descriptors cove inherited (an IDE's, a CI runner's) must not reach
/// the container: a directory fd would let it walk the host's tree.
/// Close-on-exec rather than closed, so the report pipe keeps working.
pub(super) fn close_inherited_fds() {
    // SAFETY: close_range with plain integer arguments.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
}

fn become_namespace_root() -> anyhow::Result<()> {
    use nix::unistd::{setresgid, setresuid, Gid, Uid};
    let root_gid = Gid::from_raw(0);
    let root_uid = Uid::from_raw(0);
    setresgid(root_gid, root_gid, root_gid).context("becoming root in the user namespace (gid)")?;
    setresuid(root_uid, root_uid, root_uid).context("becoming root in the user namespace (uid)")?;
    Ok(())
}

/// Podman's default sysctl for a container with a network namespace of its
/// own, `net.ipv4.ping_group_range=0 0`: the container's root may ping
/// through ping sockets without CAP_NET_RAW (the slirp network relays
/// those pings). Set through the host's /proc, which still shows this
/// process's network namespace, before the container's /proc/sys is made
/// read-only. Best effort: a container that cannot ping still runs.
fn allow_ping() {
    if let Err(e) = std::fs::write("/proc/sys/net/ipv4/ping_group_range", "0 0") {
        crate::log::debug(&format!(
            "setting net.ipv4.ping_group_range in the container: {e}"
        ));
    }
}

/// `--sysctl`: through the host's /proc, which shows this process's own
/// network and ipc namespaces' values (create allowed only those).
fn apply_sysctls(spec: &Spec) -> anyhow::Result<()> {
    let Some(sysctls) = spec.linux().as_ref().and_then(|l| l.sysctl().as_ref()) else {
        return Ok(());
    };
    for (name, value) in sysctls {
        let path = format!("/proc/sys/{}", name.replace('.', "/"));
        std::fs::write(&path, value)
            .with_context(|| format!("setting sysctl {name}={value} in the container"))?;
    }
    Ok(())
}

/// `--oom-score-adj`. Lowering the score takes CAP_SYS_RESOURCE on the
/// host, so rootless it may only go up.
fn set_oom_score_adj(spec: &Spec) -> anyhow::Result<()> {
    let Some(n) = spec.process().as_ref().and_then(|p| p.oom_score_adj()) else {
        return Ok(());
    };
    std::fs::write("/proc/self/oom_score_adj", n.to_string()).map_err(|e| {
        let hint = if e.raw_os_error() == Some(libc::EACCES) {
            " (lowering the OOM score needs privileges: rootless, give a value at or above the current one)"
        } else {
            ""
        };
        anyhow::anyhow!("setting the OOM score adjustment to {n}: {e}{hint}")
    })
}

fn has_namespace(plan: &LaunchPlan, kind: oci_spec::runtime::LinuxNamespaceType) -> bool {
    plan.spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|list| list.iter().any(|n| n.typ() == kind && n.path().is_none()))
}

/// The container's mount tree: every mount private, the root filesystem
/// (`mount_rootfs`, the storage driver's), the volumes' copy-ups, the
/// spec's mounts in its order, the default and `--device` nodes, then
/// pivot_root, masked paths, read-only paths and a read-only root.
fn prepare_filesystem(
    sys: &dyn Syscall,
    spec: &Spec,
    copy_ups: &[(String, PathBuf)],
    devices: &[(PathBuf, String)],
    mount_rootfs: impl FnOnce() -> anyhow::Result<PathBuf>,
) -> anyhow::Result<()> {
    sys.mount(None, "/", None, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None)
        .context("making mounts private")?;
    let rootfs = mount_rootfs().context("mounting the root filesystem")?;
    let root = nix::fcntl::open(
        &rootfs,
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .context("opening the root filesystem")?;
    for (path, volume) in copy_ups {
        mounts::copy_up(root.as_fd(), path, volume)?;
    }
    for m in spec.mounts().as_deref().unwrap_or_default() {
        mounts::mount_entry(sys, root.as_fd(), m)?;
    }
    for dev in mounts::DEFAULT_DEVICES {
        mounts::bind_device(sys, root.as_fd(), Path::new(dev), dev)?;
    }
    for (host, container_path) in devices {
        mounts::bind_device(sys, root.as_fd(), host, container_path)?;
    }
    mounts::dev_symlinks(root.as_fd())?;
    if let Some(process) = spec.process() {
        let cwd = process.cwd().to_string_lossy().to_string();
        mounts::open_target(root.as_fd(), &cwd, Leaf::Dir)
            .with_context(|| format!("creating the working directory {cwd}"))?;
    }
    drop(root);
    sys.pivot_root(&rootfs)?;
    if let Some(linux) = spec.linux() {
        mounts::mask_paths(sys, linux.masked_paths().as_deref().unwrap_or_default())?;
        mounts::readonly_paths(sys, linux.readonly_paths().as_deref().unwrap_or_default())?;
    }
    if spec.root().as_ref().and_then(|r| r.readonly()) == Some(true) {
        mounts::readonly_root(sys)?;
    }
    Ok(())
}

pub(super) fn connect_stdio(stdio: &super::ContainerStdio) -> anyhow::Result<()> {
    use super::ContainerStdio;
    let (stdin, out) = match stdio {
        ContainerStdio::Inherit { keep_stdin: true } => return Ok(()),
        ContainerStdio::Inherit { keep_stdin: false } => (None, None),
        ContainerStdio::Pipes {
            stdin,
            stdout,
            stderr,
        } => (*stdin, Some((*stdout, *stderr))),
    };
    // dup2 clears close-on-exec on the copy, which is what the container
    // inherits.
    match stdin {
        Some(fd) => dup2_raw(fd, 0).context("connecting stdin")?,
        None => redirect_stdin_to_null()?,
    }
    if let Some((stdout, stderr)) = out {
        dup2_raw(stdout, 1).context("connecting stdout")?;
        dup2_raw(stderr, 2).context("connecting stderr")?;
    }
    Ok(())
}

fn dup2_raw(from: RawFd, to: RawFd) -> nix::Result<()> {
    // SAFETY: plain descriptor numbers; `to` is a standard stream we own.
    if unsafe { libc::dup2(from, to) } < 0 {
        return Err(nix::errno::Errno::last());
    }
    Ok(())
}

pub(super) fn redirect_stdin_to_null() -> anyhow::Result<()> {
    let null = nix::fcntl::open(
        "/dev/null",
        nix::fcntl::OFlag::O_RDONLY,
        nix::sys::stat::Mode::empty(),
    )
    .context("opening /dev/null")?;
    nix::unistd::dup2_stdin(&null).context("redirecting stdin")?;
    Ok(())
}

/// `ip link set lo up`, with the ioctl the kernel has had forever.
pub(super) fn loopback_up() -> anyhow::Result<()> {
    // SAFETY: plain socket/ioctl calls on a zeroed, correctly sized ifreq.
    unsafe {
        let sock = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if sock < 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        let mut rc = libc::ioctl(sock, libc::SIOCGIFFLAGS, &mut req);
        if rc == 0 {
            req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            rc = libc::ioctl(sock, libc::SIOCSIFFLAGS, &req);
        }
        let err = std::io::Error::last_os_error();
        libc::close(sock);
        if rc < 0 {
            return Err(err.into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::mounts::tests::spec_mount as mount;
    use crate::sys::syscall::Recorder;
    use oci_spec::runtime::{LinuxBuilder, ProcessBuilder, RootBuilder, SpecBuilder};

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_mount_tree_is_built_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let rootfs = dir.path().join("rootfs");
        // What the image has: /srv to copy into its new volume, and what
        // the masked and read-only paths find once /proc is "mounted".
        std::fs::create_dir_all(rootfs.join("srv")).unwrap();
        std::fs::write(rootfs.join("srv/index.html"), "hi").unwrap();
        std::fs::create_dir_all(rootfs.join("proc/acpi")).unwrap();
        std::fs::create_dir_all(rootfs.join("proc/sys")).unwrap();
        std::fs::write(rootfs.join("proc/kcore"), "").unwrap();
        let data = dir.path().join("data");
        let volume = dir.path().join("volume");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&volume).unwrap();
        let hosts = dir.path().join("hosts");
        std::fs::write(&hosts, "").unwrap();
        let (data_s, volume_s, hosts_s) = (
            data.display().to_string(),
            volume.display().to_string(),
            hosts.display().to_string(),
        );
        let spec = SpecBuilder::default()
            .root(
                RootBuilder::default()
                    .path("rootfs")
                    .readonly(true)
                    .build()
                    .unwrap(),
            )
            .process(ProcessBuilder::default().cwd("/work").build().unwrap())
            .mounts(vec![
                mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"]),
                mount(
                    "/dev",
                    "tmpfs",
                    "tmpfs",
                    &["nosuid", "strictatime", "mode=755"],
                ),
                mount("/data", "bind", &data_s, &["rbind", "ro"]),
                mount("/srv", "bind", &volume_s, &["rbind", "rw"]),
                mount("/etc/hosts", "bind", &hosts_s, &["bind", "rprivate"]),
            ])
            .linux(
                LinuxBuilder::default()
                    .masked_paths(strings(&["/proc/kcore", "/proc/acpi", "/proc/nothing"]))
                    .readonly_paths(strings(&["/proc/sys", "/proc/none"]))
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let devices = vec![(PathBuf::from("/dev/null"), "/dev/mine".to_string())];
        let copy_ups = vec![("/srv".to_string(), volume.clone())];
        let rec = Recorder::new(&rootfs);
        let mut calls_before_rootfs = None;
        prepare_filesystem(&rec, &spec, &copy_ups, &devices, || {
            calls_before_rootfs = Some(rec.log());
            Ok(rootfs.clone())
        })
        .unwrap();
        assert_eq!(
            calls_before_rootfs.unwrap(),
            ["propagate / rec,private"],
            "mounts are private before the root filesystem is mounted"
        );
        let mut expected = vec![
            "propagate / rec,private".to_string(),
            // The spec's mounts, in the spec's order, beneath the root.
            "mount proc /proc nosuid,nodev,noexec".into(),
            "mount tmpfs /dev nosuid,strictatime mode=755".into(),
            format!("bind {data_s} /data rec"),
            "readonly-recursive /data".into(),
            "remount /data ro,nodev".into(),
            format!("bind {volume_s} /srv rec"),
            "remount /srv nodev".into(),
            format!("bind {hosts_s} /etc/hosts"),
            "remount /etc/hosts nodev".into(),
            "propagate /etc/hosts rec,private".into(),
        ];
        // The host's device nodes, then --device.
        for dev in mounts::DEFAULT_DEVICES {
            expected.push(format!("bind {dev} {dev}"));
        }
        expected.push("bind /dev/null /dev/mine".into());
        expected.extend(
            [
                "pivot_root",
                // After the pivot, paths are the container's; missing ones
                // are skipped.
                "bind /dev/null /proc/kcore",
                "mount tmpfs /proc/acpi ro",
                "bind /proc/sys /proc/sys rec",
                "remount /proc/sys ro",
                "remount / ro",
            ]
            .map(String::from),
        );
        assert_eq!(rec.log(), expected);
        // The volume got the image's content before being mounted over it;
        // targets, the working directory and /dev's links were made.
        assert!(volume.join("index.html").is_file());
        assert!(rootfs.join("etc/hosts").is_file());
        assert!(rootfs.join("dev/mine").is_file());
        assert!(rootfs.join("work").is_dir());
        assert_eq!(
            std::fs::read_link(rootfs.join("dev/fd")).unwrap(),
            Path::new("/proc/self/fd")
        );
    }

    #[test]
    fn a_read_write_root_is_not_remounted() {
        let dir = tempfile::tempdir().unwrap();
        let spec = SpecBuilder::default()
            .root(
                RootBuilder::default()
                    .path("rootfs")
                    .readonly(false)
                    .build()
                    .unwrap(),
            )
            .mounts(vec![])
            .build()
            .unwrap();
        let rec = Recorder::new(dir.path());
        prepare_filesystem(&rec, &spec, &[], &[], || Ok(dir.path().to_path_buf())).unwrap();
        let log = rec.log();
        assert_eq!(
            log.last().map(String::as_str),
            Some("pivot_root"),
            "{log:?}"
        );
    }
}
