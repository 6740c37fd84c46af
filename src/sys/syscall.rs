//! The seam between a container's setup and the kernel: the calls that
//! need privileges (mount, mount_setattr, pivot_root, setns, id-mapping
//! writes and newuidmap/newgidmap) go through [`Syscall`], so the order and the
//! arguments of the setup are unit-tested without privileges against the
//! [`Recorder`]. [`Kernel`] makes the real calls; it has no state, so the
//! seam costs one indirect call per syscall.
//!
//! Only what needs privileges is behind the seam: opening, creating and
//! reading files beneath the root filesystem works unprivileged, so tests
//! do it for real in a temporary directory.

use anyhow::Context;
use nix::mount::MsFlags;
use nix::sched::CloneFlags;
use std::os::fd::BorrowedFd;
use std::path::Path;

/// One newuidmap or newgidmap run: the tool and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdMapper {
    pub tool: &'static str,
    pub args: Vec<String>,
}

pub trait Syscall {
    /// mount(2).
    fn mount(
        &self,
        source: Option<&str>,
        target: &str,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> nix::Result<()>;

    /// Make the mount `mount` and every mount beneath it read-only
    /// (mount_setattr).
    fn set_readonly_recursive(&self, mount: BorrowedFd) -> anyhow::Result<()>;

    /// The flags the mount at `target` has (statvfs): a remount in a user
    /// namespace must repeat the locked ones.
    fn mount_flags(&self, target: &str) -> MsFlags;

    /// Make `rootfs` the root (pivot_root) and detach the old one, so
    /// nothing of the host's tree stays reachable.
    fn pivot_root(&self, rootfs: &Path) -> anyhow::Result<()>;

    /// Enter the `namespaces` of the process `pidfd` refers to, in one
    /// setns(2).
    fn setns(&self, pidfd: BorrowedFd, namespaces: CloneFlags) -> nix::Result<()>;

    /// lstat(2) of a path as this process sees it (after pivot_root, in
    /// the container).
    fn symlink_metadata(&self, path: &Path) -> std::io::Result<std::fs::Metadata>;

    /// Write one of a process's id-mapping files (`setgroups`, `uid_map`,
    /// `gid_map` under /proc).
    fn write_id_map(&self, path: &Path, contents: &str) -> std::io::Result<()>;

    /// Run the setuid id mappers side by side and wait for all of them.
    fn run_id_mappers(&self, mappers: &[IdMapper]) -> anyhow::Result<()>;
}

/// The real system calls.
pub struct Kernel;

impl Syscall for Kernel {
    fn mount(
        &self,
        source: Option<&str>,
        target: &str,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> nix::Result<()> {
        nix::mount::mount(source, target, fstype, flags, data)
    }

    fn set_readonly_recursive(&self, mount: BorrowedFd) -> anyhow::Result<()> {
        super::mount::make_readonly_recursive(mount)
    }

    fn mount_flags(&self, target: &str) -> MsFlags {
        super::mount::statvfs_flags(target)
    }

    fn pivot_root(&self, rootfs: &Path) -> anyhow::Result<()> {
        nix::unistd::chdir(rootfs).context("entering the root filesystem")?;
        nix::unistd::pivot_root(".", ".").context("pivot_root")?;
        nix::mount::umount2(".", nix::mount::MntFlags::MNT_DETACH)
            .context("detaching the old root")?;
        nix::unistd::chdir("/")?;
        Ok(())
    }

    fn setns(&self, pidfd: BorrowedFd, namespaces: CloneFlags) -> nix::Result<()> {
        nix::sched::setns(pidfd, namespaces)
    }

    fn symlink_metadata(&self, path: &Path) -> std::io::Result<std::fs::Metadata> {
        std::fs::symlink_metadata(path)
    }

    fn write_id_map(&self, path: &Path, contents: &str) -> std::io::Result<()> {
        std::fs::write(path, contents)
    }

    fn run_id_mappers(&self, mappers: &[IdMapper]) -> anyhow::Result<()> {
        super::userns::spawn_id_mappers(mappers)
    }
}

#[cfg(test)]
pub use recorder::{Call, Recorder};

#[cfg(test)]
mod recorder {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::os::fd::AsRawFd;
    use std::path::PathBuf;

    /// A call the code under test made, with paths beneath the root
    /// filesystem shown as the container sees them.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Call {
        Mount {
            source: Option<String>,
            target: String,
            fstype: Option<String>,
            flags: MsFlags,
            data: Option<String>,
        },
        ReadonlyRecursive(String),
        PivotRoot(String),
        Setns(CloneFlags),
        WriteIdMap(PathBuf, String),
        RunIdMappers(Vec<IdMapper>),
    }

    /// Records every call instead of making it. Before `pivot_root`,
    /// targets are `/proc/self/fd/N` paths, read back to where the
    /// descriptor points; after it, paths are looked up beneath `rootfs`,
    /// as the kernel would in the container.
    pub struct Recorder {
        rootfs: PathBuf,
        pivoted: Cell<bool>,
        calls: RefCell<Vec<Call>>,
        /// Flags every mount reports as its own (as locked flags would be).
        pub mount_flags: MsFlags,
        /// File system types whose mount fails with this error.
        pub refuse: Vec<(&'static str, nix::errno::Errno)>,
        /// The error setns fails with, if any.
        pub refuse_setns: Option<nix::errno::Errno>,
    }

    impl Recorder {
        pub fn new(rootfs: &Path) -> Recorder {
            Recorder {
                // Descriptor paths read back fully resolved.
                rootfs: rootfs.canonicalize().unwrap_or_else(|_| rootfs.into()),
                pivoted: Cell::new(false),
                calls: RefCell::new(Vec::new()),
                mount_flags: MsFlags::empty(),
                refuse: Vec::new(),
                refuse_setns: None,
            }
        }

        pub fn calls(&self) -> Vec<Call> {
            self.calls.borrow().clone()
        }

        /// The calls in order, one line each, paths as the container sees
        /// them: `mount TYPE TARGET [DATA]`, `bind SOURCE TARGET [rec]`,
        /// `remount TARGET FLAGS`, `propagate TARGET FLAGS`,
        /// `readonly-recursive TARGET`, `pivot_root`, `write PATH TEXT`,
        /// `setns NAMESPACES`, `TOOL ARGS`.
        pub fn log(&self) -> Vec<String> {
            let mut out = Vec::new();
            for call in self.calls() {
                match call {
                    Call::Mount {
                        source,
                        target,
                        fstype,
                        flags,
                        data,
                    } => out.push(if flags.contains(MsFlags::MS_REMOUNT) {
                        let flags = flags - MsFlags::MS_REMOUNT - MsFlags::MS_BIND;
                        format!("remount {target} {}", flag_names(flags))
                    } else if flags.contains(MsFlags::MS_BIND) {
                        let source = self.container_path(&source.unwrap_or_default());
                        let rec = if flags.contains(MsFlags::MS_REC) {
                            " rec"
                        } else {
                            ""
                        };
                        format!("bind {source} {target}{rec}")
                    } else if let Some(fstype) = fstype {
                        let data = data.map(|d| format!(" {d}")).unwrap_or_default();
                        let flags = match flag_names(flags).as_str() {
                            "" => String::new(),
                            names => format!(" {names}"),
                        };
                        format!("mount {fstype} {target}{flags}{data}")
                    } else {
                        format!("propagate {target} {}", flag_names(flags))
                    }),
                    Call::ReadonlyRecursive(target) => {
                        out.push(format!("readonly-recursive {target}"))
                    }
                    Call::PivotRoot(_) => out.push("pivot_root".into()),
                    Call::Setns(namespaces) => {
                        out.push(format!("setns {}", namespace_names(namespaces)))
                    }
                    Call::WriteIdMap(path, text) => {
                        out.push(format!("write {} {text:?}", path.display()))
                    }
                    Call::RunIdMappers(mappers) => {
                        for m in mappers {
                            out.push(format!("{} {}", m.tool, m.args.join(" ")));
                        }
                    }
                }
            }
            out
        }

        fn record(&self, call: Call) {
            self.calls.borrow_mut().push(call);
        }

        /// `path` as the container sees it: descriptor paths read back,
        /// and the root filesystem's prefix taken off.
        fn container_path(&self, path: &str) -> String {
            let resolved = if path.starts_with("/proc/self/fd/") {
                std::fs::read_link(path).unwrap_or_else(|_| path.into())
            } else {
                PathBuf::from(path)
            };
            match resolved.strip_prefix(&self.rootfs) {
                Ok(rel) => format!("/{}", rel.display()),
                Err(_) => resolved.display().to_string(),
            }
        }

        fn in_container(&self, path: &Path) -> PathBuf {
            if self.pivoted.get() {
                self.rootfs.join(path.strip_prefix("/").unwrap_or(path))
            } else {
                path.to_path_buf()
            }
        }
    }

    /// The names of the flags set in `flags`, in the table's order.
    fn names<F: Copy>(table: &[(F, &str)], is_set: impl Fn(F) -> bool) -> String {
        table
            .iter()
            .filter(|(flag, _)| is_set(*flag))
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Mount flags by their option names, in a fixed order.
    fn flag_names(flags: MsFlags) -> String {
        let table = [
            (MsFlags::MS_RDONLY, "ro"),
            (MsFlags::MS_NOSUID, "nosuid"),
            (MsFlags::MS_NODEV, "nodev"),
            (MsFlags::MS_NOEXEC, "noexec"),
            (MsFlags::MS_NOATIME, "noatime"),
            (MsFlags::MS_NODIRATIME, "nodiratime"),
            (MsFlags::MS_RELATIME, "relatime"),
            (MsFlags::MS_STRICTATIME, "strictatime"),
            (MsFlags::MS_REC, "rec"),
            (MsFlags::MS_PRIVATE, "private"),
            (MsFlags::MS_SLAVE, "slave"),
            (MsFlags::MS_SHARED, "shared"),
        ];
        names(&table, |f| flags.contains(f))
    }

    /// Namespace flags by their /proc/PID/ns names.
    fn namespace_names(namespaces: CloneFlags) -> String {
        let table = [
            (CloneFlags::CLONE_NEWUSER, "user"),
            (CloneFlags::CLONE_NEWNS, "mnt"),
            (CloneFlags::CLONE_NEWPID, "pid"),
            (CloneFlags::CLONE_NEWUTS, "uts"),
            (CloneFlags::CLONE_NEWIPC, "ipc"),
            (CloneFlags::CLONE_NEWNET, "net"),
            (CloneFlags::CLONE_NEWCGROUP, "cgroup"),
        ];
        names(&table, |f| namespaces.contains(f))
    }

    impl Syscall for Recorder {
        fn mount(
            &self,
            source: Option<&str>,
            target: &str,
            fstype: Option<&str>,
            flags: MsFlags,
            data: Option<&str>,
        ) -> nix::Result<()> {
            self.record(Call::Mount {
                source: source.map(str::to_string),
                target: self.container_path(target),
                fstype: fstype.map(str::to_string),
                flags,
                data: data.map(str::to_string),
            });
            match self.refuse.iter().find(|(t, _)| Some(*t) == fstype) {
                Some((_, errno)) => Err(*errno),
                None => Ok(()),
            }
        }

        fn set_readonly_recursive(&self, mount: BorrowedFd) -> anyhow::Result<()> {
            let target = self.container_path(&format!("/proc/self/fd/{}", mount.as_raw_fd()));
            self.record(Call::ReadonlyRecursive(target));
            Ok(())
        }

        fn mount_flags(&self, _target: &str) -> MsFlags {
            self.mount_flags
        }

        fn pivot_root(&self, rootfs: &Path) -> anyhow::Result<()> {
            self.record(Call::PivotRoot(rootfs.display().to_string()));
            self.pivoted.set(true);
            Ok(())
        }

        fn setns(&self, _pidfd: BorrowedFd, namespaces: CloneFlags) -> nix::Result<()> {
            self.record(Call::Setns(namespaces));
            self.refuse_setns.map_or(Ok(()), Err)
        }

        fn symlink_metadata(&self, path: &Path) -> std::io::Result<std::fs::Metadata> {
            std::fs::symlink_metadata(self.in_container(path))
        }

        fn write_id_map(&self, path: &Path, contents: &str) -> std::io::Result<()> {
            self.record(Call::WriteIdMap(path.into(), contents.into()));
            Ok(())
        }

        fn run_id_mappers(&self, mappers: &[IdMapper]) -> anyhow::Result<()> {
            self.record(Call::RunIdMappers(mappers.to_vec()));
            Ok(())
        }
    }
}
