//! The default seccomp profile for containers.
//!
//! Same effect as Podman 4's (containers-common) default: an allow list,
//! everything else answers ENOSYS so that programs probing for newer
//! syscalls take their fallback path, and the syscalls known to be dangerous
//! answer EPERM, unless the container holds the capability that the kernel
//! would check for them anyway.
//!
//! The tables are plain syscall names; names a given architecture does not
//! have are skipped when compiling. The profile covers the compat ABIs the
//! compiler has tables for, as Podman's does (i386 and x32 on x86_64), with
//! the same rules: see [`default_arches`].

use oci_spec::runtime::{
    Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompArgBuilder,
    LinuxSeccompOperator, LinuxSyscall,
};

/// Allowed in every container.
pub(super) const ALLOWED: &[&str] = &[
    "accept",
    "accept4",
    "access",
    "adjtimex", // setting the clock still needs CAP_SYS_TIME
    "alarm",
    "arch_prctl",
    "bind",
    "brk",
    "cachestat",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "clock_adjtime",
    "clock_getres",
    "clock_gettime",
    "clock_nanosleep",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchownat",
    "fcntl",
    "fdatasync",
    "fgetxattr",
    "file_getattr",
    "file_setattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstatfs",
    "fsync",
    "ftruncate",
    "futex",
    "futex_requeue",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "futimesat",
    "get_mempolicy",
    "get_robust_list",
    "get_thread_area",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "geteuid",
    "getgid",
    "getgroups",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresuid",
    "getrlimit",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "gettid",
    "gettimeofday",
    "getuid",
    "getxattr",
    "getxattrat",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_setup",
    "io_submit",
    "ioctl",
    "ioprio_get",
    "ioprio_set",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "listxattrat",
    "llistxattr",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "madvise",
    "map_shadow_stack",
    "mbind",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod", // device nodes still need CAP_MKNOD
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "modify_ldt",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedsend",
    "mq_unlink",
    "mremap",
    "mseal",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at", // harmless; open_by_handle_at is the risky half
    "nanosleep",
    "newfstatat",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    // Since Linux 4.8 seccomp cannot be bypassed with ptrace, and ptrace is
    // limited to the container's own processes by the pid namespace.
    "process_vm_readv",
    "process_vm_writev",
    "pselect6",
    "ptrace",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recvfrom",
    "recvmmsg",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "removexattrat",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_tgsigqueueinfo",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "sendfile",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "set_mempolicy",
    "set_robust_list",
    "set_thread_area",
    "set_tid_address",
    "setfsgid",
    "setfsuid",
    "setgid",
    "setgroups",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setresgid",
    "setresuid",
    "setreuid",
    "setrlimit",
    "setsid",
    "setsockopt",
    "setuid",
    "setxattr",
    "setxattrat",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "socketpair",
    "splice",
    "stat",
    "statfs",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_settime",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_settime",
    "times",
    "tkill",
    "truncate",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "uretprobe",
    "utime",
    "utimensat",
    "utimes",
    "vfork",
    "wait4",
    "waitid",
    "write",
    "writev",
];

/// Allowed in every container too: i386's own syscalls, each the 32-bit (or
/// legacy) form of an allowed one: 32-bit ids, 64-bit offsets and sizes,
/// 64-bit times, the old signal calls and structures. i386's multiplexers
/// `socketcall` and `ipc` are not listed: the compiler gives them the rules
/// of the calls they stand for.
pub(super) const ALLOWED_I386: &[&str] = &[
    "_llseek",
    "_newselect",
    "chown32",
    "clock_adjtime64",
    "clock_getres_time64",
    "clock_gettime64",
    "clock_nanosleep_time64",
    "fadvise64_64",
    "fchown32",
    "fcntl64",
    "fstat64",
    "fstatat64",
    "fstatfs64",
    "ftruncate64",
    "futex_time64",
    "getegid32",
    "geteuid32",
    "getgid32",
    "getgroups32",
    "getresgid32",
    "getresuid32",
    "getuid32",
    "io_pgetevents_time64",
    "lchown32",
    "lstat64",
    "mmap2",
    "mq_timedreceive_time64",
    "mq_timedsend_time64",
    "nice", // raising priority still needs CAP_SYS_NICE
    "oldfstat",
    "oldlstat",
    "oldolduname",
    "oldstat",
    "olduname",
    "ppoll_time64",
    "pselect6_time64",
    "readdir",
    "recvmmsg_time64",
    "rt_sigtimedwait_time64",
    "sched_rr_get_interval_time64",
    "semtimedop_time64",
    "sendfile64",
    "setfsgid32",
    "setfsuid32",
    "setgid32",
    "setgroups32",
    "setregid32",
    "setresgid32",
    "setresuid32",
    "setreuid32",
    "setuid32",
    "sgetmask",
    "sigaction",
    "signal",
    "sigpending",
    "sigprocmask",
    "sigreturn",
    "sigsuspend",
    "ssetmask",
    "stat64",
    "statfs64",
    "timer_gettime64",
    "timer_settime64",
    "timerfd_gettime64",
    "timerfd_settime64",
    "truncate64",
    "ugetrlimit",
    "utimensat_time64",
    "waitpid",
];

/// Allowed when the container holds any of the listed capabilities, EPERM
/// otherwise. Each syscall appears in one row only.
pub(super) const BY_CAPABILITY: &[(&[&str], &[&str])] = &[
    (
        &["CAP_SYS_ADMIN"],
        &[
            "fanotify_init",
            "fsconfig",
            "fsmount",
            "fsopen",
            "fspick",
            "listmount",
            "lookup_dcookie",
            "mount",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "open_tree_attr",
            "pivot_root",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "sethostname",
            "setns",
            "statmount",
            "umount",
            "umount2",
            "unshare",
        ],
    ),
    (&["CAP_SYS_ADMIN", "CAP_BPF"], &["bpf"]),
    (&["CAP_SYS_ADMIN", "CAP_PERFMON"], &["perf_event_open"]),
    (&["CAP_SYS_ADMIN", "CAP_SYSLOG"], &["syslog"]),
    (&["CAP_SYS_BOOT"], &["reboot"]),
    (&["CAP_SYS_CHROOT"], &["chroot"]),
    (
        &["CAP_SYS_MODULE"],
        &["delete_module", "finit_module", "init_module"],
    ),
    (&["CAP_SYS_PACCT"], &["acct"]),
    (
        &["CAP_SYS_PTRACE"],
        &["kcmp", "pidfd_getfd", "process_madvise"],
    ),
    (&["CAP_SYS_RAWIO"], &["ioperm", "iopl"]),
    (
        &["CAP_SYS_TIME"],
        &["clock_settime", "clock_settime64", "settimeofday", "stime"],
    ),
    (&["CAP_SYS_TTY_CONFIG"], &["vhangup"]),
    (
        &["CAP_SYS_NICE"],
        &["migrate_pages", "move_pages", "set_mempolicy_home_node"],
    ),
    (&["CAP_DAC_READ_SEARCH"], &["open_by_handle_at"]),
];

/// Always EPERM: not namespaced (keyrings, swap, kexec), obsolete, or a
/// well-known attack surface (userfaultfd, vmsplice).
pub(super) const DENIED: &[&str] = &[
    "_sysctl",
    "add_key",
    "create_module",
    "get_kernel_syms",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "nfsservctl",
    "query_module",
    "request_key",
    "swapoff",
    "swapon",
    "sysfs",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
    "vmsplice",
];

/// Namespace flags that `clone` may only use with CAP_SYS_ADMIN:
/// NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET.
pub(super) const CLONE_NAMESPACE_FLAGS: u64 = 0x7E02_0000;

/// `personality` values a container may set: PER_LINUX, PER_LINUX32,
/// UNAME26, PER_LINUX32|UNAME26, and the query value 0xffffffff.
const PERSONALITIES: &[u64] = &[0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff];

/// `AF_VSOCK`: would reach the host's (or hypervisor's) vsock services.
const AF_VSOCK: u64 = libc::AF_VSOCK as u64;
const AF_NETLINK: u64 = libc::AF_NETLINK as u64;
const NETLINK_AUDIT: u64 = libc::NETLINK_AUDIT as u64;

/// The default profile for a container holding `caps` (names such as
/// `CAP_SYS_ADMIN`, any case, with or without `CAP_`).
pub fn default_profile(caps: &[String]) -> LinuxSeccomp {
    let has = |cap: &str| caps.iter().any(|c| same_cap(c, cap));
    let mut rules = vec![allow(ALLOWED), allow(ALLOWED_I386)];

    // personality: only the harmless execution domains.
    for &value in PERSONALITIES {
        rules.push(with_args(
            allow(&["personality"]),
            vec![arg(0, LinuxSeccompOperator::ScmpCmpEq, value, None)],
        ));
    }
    rules.push(errno(&["personality"], libc::EPERM));

    // socket: everything but vsock, which answers like a kernel without it,
    // and, without CAP_AUDIT_WRITE, the audit netlink socket: EINVAL makes
    // libaudit users (sudo, login) treat audit as unavailable instead of
    // failing later when sending a message.
    rules.push(with_args(
        errno(&["socket"], libc::EAFNOSUPPORT),
        vec![arg(0, LinuxSeccompOperator::ScmpCmpEq, AF_VSOCK, None)],
    ));
    if !has("CAP_AUDIT_WRITE") {
        rules.push(with_args(
            errno(&["socket"], libc::EINVAL),
            vec![
                arg(0, LinuxSeccompOperator::ScmpCmpEq, AF_NETLINK, None),
                arg(2, LinuxSeccompOperator::ScmpCmpEq, NETLINK_AUDIT, None),
            ],
        ));
    }
    rules.push(allow(&["socket"]));

    // clone: new namespaces need CAP_SYS_ADMIN. clone3 passes its flags in
    // memory, which BPF cannot read, so without the capability it answers
    // ENOSYS and libc falls back to clone.
    if has("CAP_SYS_ADMIN") {
        rules.push(allow(&["clone", "clone3"]));
    } else {
        rules.push(with_args(
            allow(&["clone"]),
            vec![arg(
                0,
                LinuxSeccompOperator::ScmpCmpMaskedEq,
                CLONE_NAMESPACE_FLAGS,
                Some(0),
            )],
        ));
        rules.push(errno(&["clone"], libc::EPERM));
        rules.push(errno(&["clone3"], libc::ENOSYS));
    }

    for (needed, names) in BY_CAPABILITY {
        if needed.iter().any(|cap| has(cap)) {
            rules.push(allow(names));
        } else {
            rules.push(errno(names, libc::EPERM));
        }
    }
    rules.push(errno(DENIED, libc::EPERM));

    let mut profile = LinuxSeccomp::default();
    profile
        .set_default_action(LinuxSeccompAction::ScmpActErrno)
        .set_default_errno_ret(Some(libc::ENOSYS as u32))
        .set_architectures(default_arches())
        .set_syscalls(Some(rules));
    profile
}

/// The seccomp architecture of this build, if the compiler supports it.
pub(super) fn native_arch() -> Option<Arch> {
    if cfg!(target_arch = "x86_64") {
        Some(Arch::ScmpArchX86_64)
    } else if cfg!(target_arch = "aarch64") {
        Some(Arch::ScmpArchAarch64)
    } else {
        None
    }
}

/// The architectures the default profile covers: the native one and the
/// compat ABIs the compiler has syscall tables for, i386 and x32 on x86_64
/// (Podman's archMap). Not arm32 on aarch64: with no table, the compiler
/// could only kill it anyway.
pub(super) fn default_arches() -> Option<Vec<Arch>> {
    let native = native_arch()?;
    let mut arches = vec![native];
    if native == Arch::ScmpArchX86_64 {
        arches.extend([Arch::ScmpArchX86, Arch::ScmpArchX32]);
    }
    Some(arches)
}

/// Whether two capability names mean the same capability.
pub(super) fn same_cap(a: &str, b: &str) -> bool {
    let strip = |s: &str| {
        let s = s.trim();
        if s.len() >= 4 && s[..4].eq_ignore_ascii_case("CAP_") {
            s[4..].to_ascii_uppercase()
        } else {
            s.to_ascii_uppercase()
        }
    };
    strip(a) == strip(b)
}

fn rule(names: &[&str], action: LinuxSeccompAction, errno_ret: Option<u32>) -> LinuxSyscall {
    let mut rule = LinuxSyscall::default();
    rule.set_names(names.iter().map(|n| n.to_string()).collect())
        .set_action(action)
        .set_errno_ret(errno_ret);
    rule
}

fn allow(names: &[&str]) -> LinuxSyscall {
    rule(names, LinuxSeccompAction::ScmpActAllow, None)
}

fn errno(names: &[&str], errno: i32) -> LinuxSyscall {
    rule(names, LinuxSeccompAction::ScmpActErrno, Some(errno as u32))
}

fn with_args(mut rule: LinuxSyscall, args: Vec<LinuxSeccompArg>) -> LinuxSyscall {
    rule.set_args(Some(args));
    rule
}

pub(super) fn arg(
    index: usize,
    op: LinuxSeccompOperator,
    value: u64,
    value_two: Option<u64>,
) -> LinuxSeccompArg {
    let mut builder = LinuxSeccompArgBuilder::default()
        .index(index)
        .op(op)
        .value(value);
    if let Some(value_two) = value_two {
        builder = builder.value_two(value_two);
    }
    // Every field has a default, so building cannot fail.
    builder
        .build()
        .expect("LinuxSeccompArg has defaults for all fields")
}
