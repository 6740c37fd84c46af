//! Reaching a container's files from a forked child, whether it runs or
//! not (`cp`, `export`, `commit`). The child enters the container's user
//! namespace, so file owners are the container's ids, and chroots into
//! its root, so no path or symlink in it can lead outside; the command
//! exchanges tar streams with it over pipes.
//!
//! - running: the child joins the container's user and mount namespaces
//!   (`setns`) and chroots to `/proc/<pid>/root` (with its volumes), or to
//!   a clone of the root mount alone (`open_tree`, for `export`).
//! - stopped, overlay: the child makes a user namespace with the
//!   container's maps and a private mount namespace, mounts the overlay as
//!   the container would (writes land in its upper directory).
//! - stopped, vfs: the child chroots into `rootfs/` in the user namespace
//!   (made from the layers first if the container never started).
//!
//! A stopped container stays locked (as by `start`) while the access lasts,
//! so it cannot start under us.

use super::record::{ContainerDir, ContainerLock, Status};
use crate::error::{describe, exit_code, exit_error};
use crate::storage::Driver;
use anyhow::Context;
use nix::sched::CloneFlags;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Which part of a running container's mount tree the child sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Everything mounted in the container (volumes, /proc…), as `cp` wants.
    Mounts,
    /// The root filesystem alone, as `export` wants.
    RootOnly,
}

enum Target {
    Running {
        pid: i32,
    },
    Stopped {
        _lock: ContainerLock,
        layers: Vec<PathBuf>,
    },
}

pub struct Access {
    pub container: ContainerDir,
    target: Target,
}

/// A child working in a container; [`Worker::wait`] gives its outcome.
pub struct Worker {
    pid: nix::unistd::Pid,
    report: OwnedFd,
}

impl Access {
    /// Find out whether the container runs; lock it if it does not.
    pub fn open(container: ContainerDir) -> anyhow::Result<Access> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(lock) = container.try_lock()? {
                let layers = match container.config.driver {
                    Driver::Overlay => super::start::overlay_lowers(
                        &container,
                        super::start::rootfs_layers(&container)?,
                    )?,
                    Driver::Vfs => super::start::rootfs_layers(&container)?,
                    // Shifted on the fly: the image's own layers.
                    Driver::Fuse => container.config.layers.clone(),
                };
                return Ok(Access {
                    container,
                    target: Target::Stopped {
                        _lock: lock,
                        layers,
                    },
                });
            }
            let state = container.state();
            if let (Status::Running, Some(pid)) = (state.status, state.pid) {
                if std::path::Path::new(&format!("/proc/{pid}")).exists() {
                    return Ok(Access {
                        container,
                        target: Target::Running { pid },
                    });
                }
            }
            // Being created or started by another command: wait a little.
            if Instant::now() > deadline {
                return Err(exit_error(
                    125,
                    format!(
                        "container {} is busy (starting, or used by another command); try again",
                        container.config.name
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self.target, Target::Running { .. })
    }

    /// The layer directories the root filesystem is made of, top first
    /// (re-owned copies for keep-id).
    pub fn layers(&self) -> anyhow::Result<Vec<PathBuf>> {
        match &self.target {
            Target::Stopped { layers, .. } => Ok(layers.clone()),
            Target::Running { .. } => match self.container.config.driver {
                // Shifted on the fly: never re-owned copies.
                Driver::Fuse => Ok(self.container.config.layers.clone()),
                _ => super::start::rootfs_layers(&self.container),
            },
        }
    }

    /// Fork a child that enters the container's root and runs `work`
    /// there. Must be called while this process is single-threaded.
    /// Whatever `work` captures (pipe ends) is closed in this process when
    /// this returns.
    pub fn spawn<F>(&self, view: View, work: F) -> anyhow::Result<Worker>
    where
        F: FnOnce() -> anyhow::Result<()>,
    {
        self.fork(|| self.enter(view), work)
    }

    /// Like [`Access::spawn`], but the child only enters a user namespace
    /// with the container's maps and stays in this mount namespace: it
    /// reads the container's directories on the host (`commit`).
    pub fn spawn_in_userns<F>(&self, work: F) -> anyhow::Result<Worker>
    where
        F: FnOnce() -> anyhow::Result<()>,
    {
        let config = &self.container.config;
        // The fuse driver keeps the upper dir in the store's ids (it
        // shifts them as it serves): read it as the store sees it.
        let maps = match config.driver {
            Driver::Fuse => config.storage_maps.as_ref().or(config.id_maps.as_ref()),
            _ => config.id_maps.as_ref(),
        };
        self.fork(
            || match maps {
                Some(maps) => crate::sys::userns::enter(maps),
                None => Ok(()),
            },
            work,
        )
    }

    fn fork<E, F>(&self, enter: E, work: F) -> anyhow::Result<Worker>
    where
        E: FnOnce() -> anyhow::Result<()>,
        F: FnOnce() -> anyhow::Result<()>,
    {
        let (report_read, report_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        // SAFETY: single-threaded (documented contract); the child only
        // does its work and leaves with _exit.
        match unsafe { nix::unistd::fork() }.context("forking")? {
            nix::unistd::ForkResult::Child => {
                drop(report_read);
                let result = enter().and_then(|()| work());
                let code = match &result {
                    Ok(()) => 0,
                    Err(e) => {
                        let code = exit_code(e).clamp(1, 255);
                        let mut report = vec![code as u8];
                        report.extend_from_slice(describe(e).as_bytes());
                        let _ = nix::unistd::write(&report_write, &report);
                        code
                    }
                };
                // SAFETY: leave without running this process's destructors.
                unsafe { libc::_exit(code) };
            }
            nix::unistd::ForkResult::Parent { child } => {
                drop(report_write);
                Ok(Worker {
                    pid: child,
                    report: report_read,
                })
            }
        }
    }

    fn enter(&self, view: View) -> anyhow::Result<()> {
        let config = &self.container.config;
        match &self.target {
            Target::Running { pid } => {
                let open = |p: String, flags: nix::fcntl::OFlag| {
                    nix::fcntl::open(
                        p.as_str(),
                        flags | nix::fcntl::OFlag::O_CLOEXEC,
                        nix::sys::stat::Mode::empty(),
                    )
                    .with_context(|| format!("opening {p}"))
                };
                let root = open(
                    format!("/proc/{pid}/root"),
                    nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY,
                )?;
                let mnt = open(format!("/proc/{pid}/ns/mnt"), nix::fcntl::OFlag::O_RDONLY)?;
                if config.id_maps.is_some() {
                    let user = open(format!("/proc/{pid}/ns/user"), nix::fcntl::OFlag::O_RDONLY)?;
                    nix::sched::setns(user, CloneFlags::CLONE_NEWUSER)
                        .context("joining the container's user namespace")?;
                }
                nix::sched::setns(mnt, CloneFlags::CLONE_NEWNS)
                    .context("joining the container's mount namespace")?;
                nix::unistd::fchdir(&root).context("entering the container's root")?;
                if view == View::RootOnly {
                    let tree = open_tree_clone()?;
                    nix::unistd::fchdir(&tree).context("entering the container's root")?;
                }
            }
            Target::Stopped { layers, .. } => {
                if let Some(maps) = &config.id_maps {
                    crate::sys::userns::enter(maps)?;
                }
                let rootfs = self.container.rootfs();
                match config.driver {
                    Driver::Overlay => {
                        nix::sched::unshare(CloneFlags::CLONE_NEWNS)
                            .context("creating a mount namespace")?;
                        nix::mount::mount(
                            None::<&str>,
                            "/",
                            None::<&str>,
                            nix::mount::MsFlags::MS_REC | nix::mount::MsFlags::MS_PRIVATE,
                            None::<&str>,
                        )
                        .context("making mounts private")?;
                        std::fs::create_dir_all(&rootfs)?;
                        crate::storage::mount_overlay_at(
                            layers,
                            &self.container.upper(),
                            &self.container.work(),
                            &rootfs,
                        )?;
                    }
                    Driver::Fuse => {
                        std::fs::create_dir_all(&rootfs)?;
                        crate::storage::fuse::mount::mount_and_serve_here(
                            &crate::storage::fuse::FusePlan::new(
                                layers.clone(),
                                self.container.upper(),
                                self.container.work(),
                                rootfs.clone(),
                                config.id_maps.clone(),
                                config.storage_maps.clone(),
                                self.container.path.join(crate::storage::fuse::server::LOG),
                            )?,
                        )?;
                    }
                    Driver::Vfs => {
                        let bottom_first: Vec<PathBuf> = layers.iter().rev().cloned().collect();
                        crate::storage::populate_vfs(
                            &bottom_first,
                            &rootfs,
                            &self.container.path.join("rootfs.done"),
                            None,
                        )?;
                    }
                }
                nix::unistd::chdir(&rootfs).context("entering the container's root")?;
            }
        }
        nix::unistd::chroot(".").context("entering the container's root")?;
        nix::unistd::chdir("/")?;
        Ok(())
    }
}

/// A detached copy of the mount at the current directory, without the
/// mounts beneath it.
fn open_tree_clone() -> anyhow::Result<OwnedFd> {
    const OPEN_TREE_CLONE: libc::c_uint = 1;
    // SAFETY: plain syscall with a valid C string.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            c".".as_ptr(),
            OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error()).context("cloning the container's root mount");
    }
    // SAFETY: the kernel just gave us this descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

impl Worker {
    /// Wait for the child. Its own error (with its exit code) if it failed.
    pub fn wait(self) -> anyhow::Result<()> {
        let mut report = Vec::new();
        let _ = std::fs::File::from(self.report).read_to_end(&mut report);
        let status = nix::sys::wait::waitpid(self.pid, None)?;
        if !report.is_empty() {
            return Err(exit_error(
                report[0] as i32,
                String::from_utf8_lossy(&report[1..]).to_string(),
            ));
        }
        match status {
            nix::sys::wait::WaitStatus::Exited(_, 0) => Ok(()),
            nix::sys::wait::WaitStatus::Signaled(_, nix::sys::signal::Signal::SIGPIPE, _) => {
                Err(exit_error(125, "the other end of the copy stopped reading"))
            }
            other => Err(exit_error(
                125,
                format!("the process working in the container ended badly: {other:?}"),
            )),
        }
    }

    /// Wait for the child after this side's part: the child's own error
    /// explains best (this side then only saw a broken pipe); else this
    /// side's.
    pub fn wait_after<T>(self, mine: anyhow::Result<T>) -> anyhow::Result<T> {
        match (self.wait(), mine) {
            (Ok(()), mine) => mine,
            (Err(child), Ok(_)) => Err(child),
            (Err(child), Err(mine)) => {
                if crate::error::describe(&child).contains("stopped reading") {
                    Err(mine)
                } else {
                    Err(child)
                }
            }
        }
    }
}

/// A pipe as two files: (read, write).
pub fn pipe() -> anyhow::Result<(std::fs::File, std::fs::File)> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    Ok((std::fs::File::from(r), std::fs::File::from(w)))
}
