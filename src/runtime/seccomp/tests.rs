//! Tests for profile loading, the default profile, the BPF compiler (run
//! through a small interpreter) and, in forked children, the real kernel.

use std::collections::HashSet;

use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator, LinuxSyscall};

use super::bpf::{interp, NATIVE_AUDIT_ARCH};
use super::profile::{self, ALLOWED, ALLOWED_I386, BY_CAPABILITY, DENIED};
use super::syscalls::Abi;
use super::*;

const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
const KILL: u32 = libc::SECCOMP_RET_KILL_PROCESS;

fn errno(e: i32) -> u32 {
    libc::SECCOMP_RET_ERRNO | e as u32
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn default_caps() -> Vec<String> {
    strings(super::super::caps::DEFAULT_CAPS)
}

fn nr(name: &str) -> u32 {
    syscalls::number(name).unwrap_or_else(|| panic!("{name} not in table"))
}

fn native() -> u32 {
    NATIVE_AUDIT_ARCH.expect("tests run on x86_64 or aarch64")
}

/// `AUDIT_ARCH_ARM`: arm32 syscalls on an aarch64 kernel.
const AUDIT_ARCH_ARM: u32 = 0x4000_0028;

/// i386 number of `name` (x86_64 builds only).
fn nr32(name: &str) -> u32 {
    syscalls::number_in(Abi::I386, name).unwrap_or_else(|| panic!("{name} not in the i386 table"))
}

/// Action the filter returns for i386 syscall `name` with `args`.
fn decide32(prog: &[libc::sock_filter], name: &str, args: [u64; 6]) -> u32 {
    interp::run(prog, nr32(name), bpf::AUDIT_ARCH_I386, args)
}

/// Action the filter returns for x32 syscall number `nr` (without the x32
/// bit) with `args`.
fn decide_x32(prog: &[libc::sock_filter], nr: u32, args: [u64; 6]) -> u32 {
    interp::run(prog, bpf::X32_SYSCALL_BIT | nr, native(), args)
}

/// Action the filter returns for syscall `name` with `args`.
fn decide(prog: &[libc::sock_filter], name: &str, args: [u64; 6]) -> u32 {
    interp::run(prog, nr(name), native(), args)
}

fn host(caps: &[&str], kernel: Option<(u32, u32)>) -> Host {
    Host {
        caps: caps.iter().map(|c| canonical_cap(c)).collect(),
        arch_names: native_arch_names(),
        kernel,
    }
}

fn names_of(profile: &LinuxSeccomp) -> Vec<Vec<String>> {
    profile
        .syscalls()
        .iter()
        .flatten()
        .map(|s| s.names().clone())
        .collect()
}

// ---- profile loading ----

const DOCKER_STYLE: &str = r#"{
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "archMap": [
        {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
        {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
        {"architecture": "SCMP_ARCH_NEWFANGLED", "subArchitectures": []}
    ],
    "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": "",
         "includes": {}, "excludes": {}},
        {"name": "getpid", "action": "SCMP_ACT_ALLOW", "args": null},
        {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["bpf"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_ADMIN", "cap_bpf"]}},
        {"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
         "excludes": {"caps": ["SYS_ADMIN"]}},
        {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW",
         "includes": {"arches": ["amd64", "x32"]}},
        {"names": ["set_tls"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"]}},
        {"names": ["sync_file_range"], "action": "SCMP_ACT_ALLOW",
         "excludes": {"arches": ["amd64", "arm64"]}},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
         "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["old_thing"], "action": "SCMP_ACT_ERRNO", "excludes": {"minKernel": "5.0"}}
    ]
}"#;

#[test]
fn docker_profile_without_caps() {
    let p = resolve(DOCKER_STYLE, &host(&[], Some((6, 1)))).unwrap();
    assert_eq!(p.default_action(), LinuxSeccompAction::ScmpActErrno);
    assert_eq!(p.default_errno_ret(), Some(38));
    let mut want = strings(&["read", "write"]);
    let mut got = names_of(&p);
    assert_eq!(got.remove(0), want);
    want = got.into_iter().flatten().collect();
    let expected_arch_rule = if cfg!(target_arch = "x86_64") {
        "arch_prctl"
    } else {
        "set_tls"
    };
    assert_eq!(
        want,
        strings(&["getpid", "ptrace", "unshare", expected_arch_rule, "clone"])
    );
    let rules = p.syscalls().as_ref().unwrap();
    assert_eq!(rules[3].errno_ret(), Some(1));
    assert!(rules[0].args().is_none(), "empty args become None");
    let clone = rules.last().unwrap().args().as_ref().unwrap()[0];
    assert_eq!(clone.op(), LinuxSeccompOperator::ScmpCmpMaskedEq);
    assert_eq!(clone.value(), 0x7E02_0000);
    assert_eq!(clone.value_two(), Some(0));
    // archMap picks the native entry and its sub-architectures.
    let arches = p.architectures().as_ref().unwrap();
    assert_eq!(arches[0], profile::native_arch().unwrap());
    assert_eq!(
        arches.len(),
        if cfg!(target_arch = "x86_64") { 3 } else { 2 }
    );
}

#[test]
fn docker_profile_with_caps_and_old_kernel() {
    let p = resolve(
        DOCKER_STYLE,
        &host(&["CAP_SYS_ADMIN", "CAP_BPF"], Some((4, 4))),
    )
    .unwrap();
    let names: Vec<String> = names_of(&p).into_iter().flatten().collect();
    assert!(names.contains(&"mount".to_string()));
    assert!(names.contains(&"bpf".to_string()), "all included caps held");
    assert!(!names.contains(&"unshare".to_string()), "excluded by cap");
    assert!(!names.contains(&"clone".to_string()), "excluded by cap");
    assert!(!names.contains(&"ptrace".to_string()), "kernel too old");
    assert!(
        names.contains(&"old_thing".to_string()),
        "excludes minKernel"
    );

    // Only one of the two caps bpf needs: not included.
    let p = resolve(DOCKER_STYLE, &host(&["sys_admin"], None)).unwrap();
    let names: Vec<String> = names_of(&p).into_iter().flatten().collect();
    assert!(
        names.contains(&"mount".to_string()),
        "caps match in any form"
    );
    assert!(!names.contains(&"bpf".to_string()));
    assert!(
        names.contains(&"ptrace".to_string()),
        "unknown kernel: modern"
    );
    assert!(!names.contains(&"old_thing".to_string()));
}

#[test]
fn plain_oci_profile() {
    let text = r#"{
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_SOMETHING_NEW"],
        "flags": ["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
            {"names": ["personality"], "action": "SCMP_ACT_KILL_PROCESS",
             "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_NE"},
                      {"index": 0, "value": 0, "op": "SCMP_CMP_NE"}]}
        ]
    }"#;
    let p = load_profile_json(text, &[]).unwrap();
    assert_eq!(p.default_action(), LinuxSeccompAction::ScmpActAllow);
    assert_eq!(p.architectures().as_ref().unwrap().len(), 2);
    assert_eq!(filter_flags(&p), libc::SECCOMP_FILTER_FLAG_LOG as u32);
    let rules = p.syscalls().as_ref().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].errno_ret(), Some(13));
    assert_eq!(rules[1].args().as_ref().unwrap().len(), 2);
    assert_eq!(rules[1].args().as_ref().unwrap()[1].value_two(), None);

    // The loaded profile is a valid OCI linux.seccomp value.
    let json = serde_json::to_string(&p).unwrap();
    let back: LinuxSeccomp = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);

    // Minimal: no syscalls at all.
    let p = load_profile_json(r#"{"defaultAction":"SCMP_ACT_LOG"}"#, &[]).unwrap();
    assert_eq!(p.default_action(), LinuxSeccompAction::ScmpActLog);
    assert!(p.syscalls().as_ref().unwrap().is_empty());
}

#[test]
fn load_errors_are_clear() {
    let err = |text: &str| format!("{:#}", load_profile_json(text, &[]).unwrap_err());
    assert!(err("{ not json").contains("invalid seccomp profile JSON"));
    assert!(err("{}").contains("defaultAction"));
    let e = err(r#"{"defaultAction":"SCMP_ACT_NOPE"}"#);
    assert!(
        e.contains("unknown seccomp action \"SCMP_ACT_NOPE\""),
        "{e}"
    );
    let e = err(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"ALLOW"}]}"#,
    );
    assert!(
        e.contains("rule #0 (read)") && e.contains("unknown seccomp action"),
        "{e}"
    );
    let e = err(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO",
            "args":[{"index":0,"value":1,"op":"SCMP_CMP_ALMOST"}]}]}"#,
    );
    assert!(
        e.contains("unknown seccomp operator \"SCMP_CMP_ALMOST\""),
        "{e}"
    );
    let e = err(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO",
            "args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}"#,
    );
    assert!(e.contains("argument index 6"), "{e}");
    let e = err(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]}"#,
    );
    assert!(e.contains("both \"name\" and \"names\""), "{e}");
    let e = err(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}"#,
    );
    assert!(e.contains("no syscall names"), "{e}");
    let e = err(r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":[],"archMap":[]}"#);
    assert!(e.contains("both \"architectures\" and \"archMap\""), "{e}");
    let e = err(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW",
            "includes":{"minKernel":"four"}}]}"#,
    );
    assert!(e.contains("invalid minKernel \"four\""), "{e}");
    let e = err(r#"{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_FAST"]}"#);
    assert!(e.contains("unknown seccomp flag"), "{e}");
    let e = err(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":-1,"op":"SCMP_CMP_EQ"}]}]}"#,
    );
    assert!(e.contains("invalid seccomp profile JSON"), "{e}");
}

#[test]
fn kernel_versions_parse() {
    assert_eq!(parse_kernel_version("4.8"), Some((4, 8)));
    assert_eq!(parse_kernel_version("5.10.0"), Some((5, 10)));
    assert_eq!(parse_kernel_version("6.18.44-fc-v669\n"), Some((6, 18)));
    assert_eq!(parse_kernel_version("6.1-rc1"), Some((6, 1)));
    assert_eq!(parse_kernel_version("5"), Some((5, 0)));
    assert_eq!(parse_kernel_version("x.1"), None);
    assert!(running_kernel().is_some());
}

// ---- default profile ----

#[test]
fn default_profile_tables_are_consistent() {
    let mut seen = HashSet::new();
    let special = ["clone", "clone3", "personality", "socket"];
    let cap_names = BY_CAPABILITY.iter().flat_map(|(_, names)| names.iter());
    for name in ALLOWED
        .iter()
        .chain(ALLOWED_I386)
        .chain(cap_names)
        .chain(DENIED)
        .chain(&special)
    {
        assert!(seen.insert(*name), "{name} is listed twice");
    }
    for (caps, _) in BY_CAPABILITY {
        for cap in *caps {
            super::super::caps::parse_cap(cap).unwrap();
        }
    }
    // Every syscall of every ABI the profile covers is classified on
    // purpose; these are left to the default (ENOSYS).
    let unlisted = [
        "afs_syscall",
        "getpmsg",
        "putpmsg",
        "security",
        "tuxcall",
        "vserver",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        // i386: never implemented (the kernel answers ENOSYS), or obsolete.
        "break",
        "stty",
        "gtty",
        "ftime",
        "prof",
        "lock",
        "mpx",
        "ulimit",
        "profil",
        "idle",
        "bdflush",
        // i386's multiplexers: the compiler derives their rules.
        "socketcall",
        "ipc",
    ];
    for abi in [Abi::Native, Abi::I386, Abi::X32Own] {
        for name in syscalls::names_in(abi) {
            assert!(
                seen.contains(name) || unlisted.contains(&name),
                "{abi:?} syscall {name} is neither allowed, cap-gated, denied nor deliberately unlisted"
            );
        }
    }
    // The i386 list holds i386's own syscalls only.
    for name in ALLOWED_I386 {
        assert!(
            syscalls::number(name).is_none() || cfg!(not(target_arch = "x86_64")),
            "{name} is not i386-only"
        );
        if cfg!(target_arch = "x86_64") {
            assert!(syscalls::number_in(Abi::I386, name).is_some(), "{name}");
        }
    }
}

#[test]
fn default_profile_depends_on_caps() {
    let find = |p: &LinuxSeccomp, name: &str| -> Vec<LinuxSyscall> {
        p.syscalls()
            .iter()
            .flatten()
            .filter(|s| s.names().iter().any(|n| n == name))
            .cloned()
            .collect()
    };
    let plain = default_profile(&default_caps());
    assert_eq!(plain.default_action(), LinuxSeccompAction::ScmpActErrno);
    assert_eq!(plain.default_errno_ret(), Some(libc::ENOSYS as u32));
    let mount = find(&plain, "mount");
    assert_eq!(mount.len(), 1);
    assert_eq!(mount[0].action(), LinuxSeccompAction::ScmpActErrno);
    assert_eq!(mount[0].errno_ret(), Some(1));
    assert_eq!(
        find(&plain, "chroot")[0].action(),
        LinuxSeccompAction::ScmpActAllow
    );
    assert_eq!(find(&plain, "clone").len(), 2);

    let admin = default_profile(&strings(&["sys_admin"]));
    assert_eq!(
        find(&admin, "mount")[0].action(),
        LinuxSeccompAction::ScmpActAllow
    );
    assert_eq!(
        find(&admin, "bpf")[0].action(),
        LinuxSeccompAction::ScmpActAllow
    );
    assert_eq!(
        find(&admin, "chroot")[0].action(),
        LinuxSeccompAction::ScmpActErrno
    );
    let clone = find(&admin, "clone");
    assert_eq!(clone.len(), 1);
    assert!(clone[0].args().is_none());
}

#[test]
fn default_profile_decisions() {
    let prog = compile(&default_profile(&default_caps())).unwrap();
    assert!(prog.len() < 1000, "{} instructions", prog.len());
    let none = [0; 6];
    for name in [
        "read", "write", "getpid", "openat", "execve", "ptrace", "chroot",
    ] {
        assert_eq!(decide(&prog, name, none), ALLOW, "{name}");
    }
    for name in [
        "keyctl", "add_key", "mount", "unshare", "setns", "bpf", "reboot",
    ] {
        assert_eq!(decide(&prog, name, none), errno(libc::EPERM), "{name}");
    }
    for name in ["io_uring_setup", "clone3"] {
        assert_eq!(decide(&prog, name, none), errno(libc::ENOSYS), "{name}");
    }
    // A number no table knows.
    assert_eq!(
        interp::run(&prog, 1000, native(), none),
        errno(libc::ENOSYS)
    );

    let clone_with = |flags: u64| decide(&prog, "clone", [flags, 0, 0, 0, 0, 0]);
    let thread = (libc::CLONE_VM
        | libc::CLONE_FS
        | libc::CLONE_FILES
        | libc::CLONE_SIGHAND
        | libc::CLONE_THREAD
        | libc::CLONE_SYSVSEM
        | libc::CLONE_SETTLS
        | libc::CLONE_PARENT_SETTID
        | libc::CLONE_CHILD_CLEARTID) as u64;
    assert_eq!(clone_with(thread), ALLOW);
    assert_eq!(clone_with(libc::SIGCHLD as u64), ALLOW);
    for ns in [
        libc::CLONE_NEWUSER,
        libc::CLONE_NEWNS,
        libc::CLONE_NEWPID,
        libc::CLONE_NEWNET,
        libc::CLONE_NEWUTS,
        libc::CLONE_NEWIPC,
        libc::CLONE_NEWCGROUP,
    ] {
        assert_eq!(
            clone_with(ns as u64 | libc::SIGCHLD as u64),
            errno(libc::EPERM)
        );
    }
    // High bits beyond the mask do not matter (libseccomp compares 64 bits).
    assert_eq!(clone_with(1 << 40 | libc::SIGCHLD as u64), ALLOW);

    let persona = |p: u64| decide(&prog, "personality", [p, 0, 0, 0, 0, 0]);
    assert_eq!(persona(0), ALLOW);
    assert_eq!(persona(0xffff_ffff), ALLOW);
    assert_eq!(persona(0x0040000), errno(libc::EPERM)); // ADDR_NO_RANDOMIZE

    let socket = |family: i32| decide(&prog, "socket", [family as u64, 1, 0, 0, 0, 0]);
    assert_eq!(socket(libc::AF_INET), ALLOW);
    assert_eq!(socket(libc::AF_UNIX), ALLOW);
    assert_eq!(socket(libc::AF_VSOCK), errno(libc::EAFNOSUPPORT));
    let netlink = |proto: i32| decide(&prog, "socket", [16, 3, proto as u64, 0, 0, 0]);
    assert_eq!(netlink(libc::NETLINK_AUDIT), errno(libc::EINVAL));
    assert_eq!(netlink(libc::NETLINK_ROUTE), ALLOW);
    assert_eq!(
        decide(&prog, "socket", [2, 1, libc::NETLINK_AUDIT as u64, 0, 0, 0]),
        ALLOW
    );

    // The compat ABIs follow the same rules (see the i386_ and x32_ tests);
    // arm32 on aarch64 (no table) and unknown architectures are killed.
    assert_eq!(interp::run(&prog, nr("getpid"), 0x1234_5678, none), KILL);
    if cfg!(target_arch = "x86_64") {
        let x32_getpid = bpf::X32_SYSCALL_BIT | nr("getpid");
        assert_eq!(interp::run(&prog, x32_getpid, native(), none), ALLOW);
    } else {
        assert_eq!(interp::run(&prog, nr("getpid"), AUDIT_ARCH_ARM, none), KILL);
    }

    let admin = compile(&default_profile(&strings(&["CAP_SYS_ADMIN"]))).unwrap();
    assert_eq!(decide(&admin, "mount", none), ALLOW);
    assert_eq!(decide(&admin, "clone3", none), ALLOW);
    assert_eq!(
        decide(&admin, "clone", [libc::CLONE_NEWUSER as u64, 0, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(decide(&admin, "chroot", none), errno(libc::EPERM));

    let audit = compile(&default_profile(&strings(&["AUDIT_WRITE"]))).unwrap();
    let netlink_audit = [16, 3, libc::NETLINK_AUDIT as u64, 0, 0, 0];
    assert_eq!(decide(&audit, "socket", netlink_audit), ALLOW);
}

/// Podman's own profile file, where containers-common is installed: it must
/// load, resolve and compile, and behave as that project intends.
#[test]
fn containers_common_profile_file() {
    let Ok(text) = std::fs::read_to_string("/usr/share/containers/seccomp.json") else {
        eprintln!("skipped: /usr/share/containers/seccomp.json not installed");
        return;
    };
    let profile = load_profile_json(&text, &default_caps()).unwrap();
    let prog = compile(&profile).unwrap();
    assert!(prog.len() < 4096);
    let none = [0; 6];
    assert_eq!(decide(&prog, "getpid", none), ALLOW);
    assert_eq!(decide(&prog, "chroot", none), ALLOW, "CAP_SYS_CHROOT held");
    assert_eq!(decide(&prog, "acct", none), errno(libc::EPERM));
    assert_eq!(
        decide(&prog, "personality", [0xffff_ffff, 0, 0, 0, 0, 0]),
        ALLOW
    );
    let netlink_audit = [16, 3, libc::NETLINK_AUDIT as u64, 0, 0, 0];
    assert_eq!(decide(&prog, "socket", netlink_audit), errno(libc::EINVAL));
    assert_eq!(decide(&prog, "socket", [2, 1, 0, 0, 0, 0]), ALLOW);
    assert_eq!(
        interp::run(&prog, 1000, native(), none),
        errno(libc::ENOSYS)
    );
    // Its archMap lists i386 and x32 for amd64; it names socketcall itself.
    if cfg!(target_arch = "x86_64") {
        assert_eq!(decide32(&prog, "getpid", none), ALLOW);
        assert_eq!(decide32(&prog, "mmap2", none), ALLOW);
        assert_eq!(decide32(&prog, "acct", none), errno(libc::EPERM));
        assert_eq!(decide32(&prog, "socketcall", none), ALLOW);
        assert_eq!(
            decide32(&prog, "socket", netlink_audit),
            errno(libc::EINVAL)
        );
        assert_eq!(decide_x32(&prog, nr("getpid"), none), ALLOW);
        assert_eq!(decide_x32(&prog, nr("acct"), none), errno(libc::EPERM));
    }
}

// ---- compiler ----

fn profile_with(default: LinuxSeccompAction, rules: Vec<LinuxSyscall>) -> LinuxSeccomp {
    let mut p = LinuxSeccomp::default();
    p.set_default_action(default).set_syscalls(Some(rules));
    p
}

fn rule(
    names: &[&str],
    action: LinuxSeccompAction,
    args: Vec<(usize, LinuxSeccompOperator, u64, Option<u64>)>,
) -> LinuxSyscall {
    let mut r = LinuxSyscall::default();
    r.set_names(strings(names)).set_action(action);
    if !args.is_empty() {
        r.set_args(Some(
            args.into_iter()
                .map(|(i, op, v, v2)| profile::arg(i, op, v, v2))
                .collect(),
        ));
    }
    r
}

#[test]
fn every_operator_on_64_bit_values() {
    use LinuxSeccompOperator::*;
    let interesting: &[u64] = &[
        0,
        1,
        2,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_fffe,
        0xffff_ffff,
        0x1_0000_0000,
        0x1_0000_0001,
        0x1_ffff_ffff,
        0x2_0000_0000,
        0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0000,
        0xffff_ffff_0000_0000,
        0xffff_ffff_ffff_fffe,
        u64::MAX,
    ];
    type Holds = fn(u64, u64) -> bool;
    let ops: [(LinuxSeccompOperator, Holds); 6] = [
        (ScmpCmpEq, |a, v| a == v),
        (ScmpCmpNe, |a, v| a != v),
        (ScmpCmpLt, |a, v| a < v),
        (ScmpCmpLe, |a, v| a <= v),
        (ScmpCmpGt, |a, v| a > v),
        (ScmpCmpGe, |a, v| a >= v),
    ];
    for &(op, holds) in &ops {
        for &v in interesting {
            let p = profile_with(
                LinuxSeccompAction::ScmpActErrno,
                vec![rule(
                    &["getpid"],
                    LinuxSeccompAction::ScmpActAllow,
                    vec![(3, op, v, None)],
                )],
            );
            let prog = compile(&p).unwrap();
            for &a in interesting {
                let want = if holds(a, v) {
                    ALLOW
                } else {
                    errno(libc::EPERM)
                };
                assert_eq!(
                    decide(&prog, "getpid", [0, 0, 0, a, 0, 0]),
                    want,
                    "{op:?} a={a:#x} v={v:#x}"
                );
            }
        }
    }
    for &mask in interesting {
        for &datum in &[0, 1, 0x8000_0000, 0x1_0000_0000, u64::MAX] {
            let p = profile_with(
                LinuxSeccompAction::ScmpActErrno,
                vec![rule(
                    &["getpid"],
                    LinuxSeccompAction::ScmpActAllow,
                    vec![(5, ScmpCmpMaskedEq, mask, Some(datum))],
                )],
            );
            let prog = compile(&p).unwrap();
            for &a in interesting {
                let want = if a & mask == datum {
                    ALLOW
                } else {
                    errno(libc::EPERM)
                };
                assert_eq!(
                    decide(&prog, "getpid", [0, 0, 0, 0, 0, a]),
                    want,
                    "mask={mask:#x} datum={datum:#x} a={a:#x}"
                );
            }
        }
    }
}

#[test]
fn conditions_and_rules_combine() {
    use LinuxSeccompOperator::*;
    let p = profile_with(
        LinuxSeccompAction::ScmpActAllow,
        vec![
            // Unconditional rule listed first still loses to argument rules.
            rule(&["getppid"], LinuxSeccompAction::ScmpActKillProcess, vec![]),
            rule(
                &["getppid"],
                LinuxSeccompAction::ScmpActErrno,
                vec![(0, ScmpCmpEq, 1, None), (1, ScmpCmpEq, 2, None)],
            ),
            rule(
                &["getppid"],
                LinuxSeccompAction::ScmpActTrap,
                vec![(0, ScmpCmpEq, 7, None)],
            ),
            // Later unconditional rules for the same syscall are dead.
            rule(&["getppid"], LinuxSeccompAction::ScmpActLog, vec![]),
            rule(
                &["no_such_syscall_anywhere", "gettid"],
                LinuxSeccompAction::ScmpActTrace,
                vec![],
            ),
        ],
    );
    let prog = compile(&p).unwrap();
    let run = |args: [u64; 6]| decide(&prog, "getppid", args);
    assert_eq!(
        run([1, 2, 0, 0, 0, 0]),
        errno(libc::EPERM),
        "both conditions hold"
    );
    assert_eq!(run([1, 3, 0, 0, 0, 0]), libc::SECCOMP_RET_KILL_PROCESS);
    assert_eq!(run([7, 0, 0, 0, 0, 0]), libc::SECCOMP_RET_TRAP, "rules OR");
    assert_eq!(run([0, 0, 0, 0, 0, 0]), libc::SECCOMP_RET_KILL_PROCESS);
    assert_eq!(decide(&prog, "gettid", [0; 6]), libc::SECCOMP_RET_TRACE | 1);
    assert_eq!(decide(&prog, "getpid", [0; 6]), ALLOW);
}

#[test]
fn actions_and_errno_values() {
    use LinuxSeccompAction::*;
    let check = |action, errno_ret, want| {
        let mut r = rule(&["getpid"], action, vec![]);
        r.set_errno_ret(errno_ret);
        let prog = compile(&profile_with(ScmpActAllow, vec![r])).unwrap();
        assert_eq!(decide(&prog, "getpid", [0; 6]), want, "{action:?}");
    };
    check(ScmpActErrno, None, errno(libc::EPERM));
    check(ScmpActErrno, Some(13), errno(libc::EACCES));
    check(ScmpActKill, None, libc::SECCOMP_RET_KILL_THREAD);
    check(ScmpActKillThread, None, libc::SECCOMP_RET_KILL_THREAD);
    check(ScmpActKillProcess, None, libc::SECCOMP_RET_KILL_PROCESS);
    check(ScmpActTrap, None, libc::SECCOMP_RET_TRAP);
    check(ScmpActLog, None, libc::SECCOMP_RET_LOG);
    check(ScmpActTrace, Some(42), libc::SECCOMP_RET_TRACE | 42);

    let mut p = profile_with(ScmpActErrno, vec![]);
    p.set_default_errno_ret(Some(5000));
    assert!(compile(&p)
        .unwrap_err()
        .to_string()
        .contains("out of range"));
    let p = profile_with(ScmpActAllow, vec![rule(&["read"], ScmpActNotify, vec![])]);
    let e = compile(&p).unwrap_err().to_string();
    assert!(e.contains("read") && e.contains("SCMP_ACT_NOTIFY"), "{e}");
    let p = profile_with(
        ScmpActAllow,
        vec![rule(
            &["read"],
            ScmpActErrno,
            vec![(6, LinuxSeccompOperator::ScmpCmpEq, 0, None)],
        )],
    );
    assert!(compile(&p).unwrap_err().to_string().contains("index 6"));
    // Default-only profile: still a valid program.
    let prog = compile(&profile_with(ScmpActLog, vec![])).unwrap();
    assert_eq!(decide(&prog, "read", [0; 6]), libc::SECCOMP_RET_LOG);
    if cfg!(target_arch = "x86_64") {
        // x32 must not slip through an allow-by-default filter.
        assert_eq!(
            interp::run(&prog, 0x4000_0000, native(), [0; 6]),
            errno(libc::ENOSYS)
        );
    }
}

#[test]
fn long_programs_use_trampolines_and_stay_correct() {
    use LinuxSeccompOperator::*;
    // Every syscall gets two argument rules: far more code than 8-bit jump
    // offsets can span.
    let names: Vec<&str> = syscalls::names().take(250).collect();
    let rules: Vec<LinuxSyscall> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut r = rule(
                &[name],
                LinuxSeccompAction::ScmpActErrno,
                vec![
                    (0, ScmpCmpEq, i as u64, None),
                    (1, ScmpCmpGe, 1 << 33, None),
                ],
            );
            r.set_errno_ret(Some((i % 4000) as u32 + 1));
            r
        })
        .collect();
    let prog = compile(&profile_with(LinuxSeccompAction::ScmpActAllow, rules)).unwrap();
    assert!(prog.len() > 2000 && prog.len() <= 4096, "{}", prog.len());
    let ja = (libc::BPF_JMP | libc::BPF_JA) as u16;
    assert!(prog.iter().any(|i| i.code == ja), "expected trampolines");
    for (i, name) in names.iter().enumerate() {
        let want = errno((i % 4000) as i32 + 1);
        assert_eq!(
            decide(&prog, name, [i as u64, 1 << 33, 0, 0, 0, 0]),
            want,
            "{name}"
        );
        assert_eq!(
            decide(&prog, name, [i as u64, 1 << 32, 0, 0, 0, 0]),
            ALLOW,
            "{name}"
        );
        assert_eq!(
            decide(&prog, name, [i as u64 + 1, 1 << 33, 0, 0, 0, 0]),
            ALLOW,
            "{name}"
        );
    }

    // Too much: a clear error rather than a kernel EINVAL.
    let rules: Vec<LinuxSyscall> = names
        .iter()
        .map(|name| {
            rule(
                &[name],
                LinuxSeccompAction::ScmpActErrno,
                (0..6).map(|i| (i, ScmpCmpLt, 5, None)).collect(),
            )
        })
        .collect();
    let e = compile(&profile_with(LinuxSeccompAction::ScmpActAllow, rules)).unwrap_err();
    assert!(e.to_string().contains("limit of 4096"), "{e}");
}

#[test]
fn syscall_table_is_sane() {
    assert_eq!(syscalls::number("getpid"), Some(libc::SYS_getpid as u32));
    assert_eq!(syscalls::number("openat"), Some(libc::SYS_openat as u32));
    assert_eq!(syscalls::number("no_such_syscall"), None);
    assert_eq!(syscalls::number(""), None);
    let names: Vec<&str> = syscalls::names().collect();
    assert!(names.len() > 250, "{}", names.len());
    let unique: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len());
}

// ---- the real kernel, in forked children ----

/// Runs `child` in a forked process and returns how it ended. The child must
/// only make raw syscalls: the test binary is multi-threaded.
fn in_child(child: impl FnOnce() -> i32) -> nix::sys::wait::WaitStatus {
    use nix::sys::wait::waitpid;
    use nix::unistd::{fork, ForkResult};
    // SAFETY: the child runs async-signal-safe code only and _exits.
    match unsafe { fork() }.expect("fork") {
        ForkResult::Child => {
            let code = child();
            // SAFETY: _exit ends the child without running the harness's
            // atexit handlers or flushing its buffers.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => waitpid(child, None).expect("waitpid"),
    }
}

fn exit_code(status: nix::sys::wait::WaitStatus) -> i32 {
    match status {
        nix::sys::wait::WaitStatus::Exited(_, code) => code,
        other => panic!("child ended with {other:?}"),
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// `PR_SET_NO_NEW_PRIVS` then install; 100 + errno on failure.
fn enter_filter(prog: &[libc::sock_filter]) -> Result<(), i32> {
    // SAFETY: PR_SET_NO_NEW_PRIVS takes integer arguments only.
    unsafe {
        if libc::prctl(
            libc::PR_SET_NO_NEW_PRIVS,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        ) != 0
        {
            return Err(100 + last_errno());
        }
    }
    install(prog).map_err(|e| 100 + e.raw_os_error().unwrap_or(0))
}

/// Expects `rc` to be -1 with `want` errno, else returns `code`.
fn expect_errno(rc: libc::c_long, want: i32, code: i32) -> Result<(), i32> {
    if rc == -1 && last_errno() == want {
        Ok(())
    } else {
        Err(code)
    }
}

#[test]
fn kernel_enforces_default_profile() {
    let prog = compile(&default_profile(&default_caps())).unwrap();
    let status = in_child(|| {
        let run = || -> Result<(), i32> {
            enter_filter(&prog)?;
            // SAFETY: in the forked child: syscalls with integers, a pipe
            // array and a static buffer with its length; the clone is a
            // plain fork whose child only _exits.
            unsafe {
                if libc::syscall(libc::SYS_getpid) <= 0 {
                    return Err(2);
                }
                // keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)
                expect_errno(libc::syscall(libc::SYS_keyctl, 0, -3, 0), libc::EPERM, 3)?;
                expect_errno(
                    libc::syscall(libc::SYS_unshare, libc::CLONE_NEWUSER),
                    libc::EPERM,
                    4,
                )?;
                let mut fds = [0; 2];
                if libc::pipe(fds.as_mut_ptr()) != 0 {
                    return Err(5);
                }
                if libc::syscall(libc::SYS_write, fds[1], b"x".as_ptr(), 1) != 1 {
                    return Err(6);
                }
                // Not in the profile at all: ENOSYS (unfiltered: EFAULT).
                expect_errno(
                    libc::syscall(libc::SYS_io_uring_setup, 1, 0),
                    libc::ENOSYS,
                    7,
                )?;
                expect_errno(libc::syscall(libc::SYS_clone3, 0, 0), libc::ENOSYS, 8)?;
                let flags = (libc::CLONE_NEWUSER | libc::SIGCHLD) as libc::c_long;
                let pid = libc::syscall(libc::SYS_clone, flags, 0, 0, 0, 0);
                if pid == 0 {
                    libc::_exit(99); // the filter let it through
                }
                expect_errno(pid, libc::EPERM, 9)?;
                // A plain fork-like clone still works.
                let pid = libc::syscall(libc::SYS_clone, libc::SIGCHLD as libc::c_long, 0, 0, 0, 0);
                if pid == 0 {
                    libc::_exit(0);
                }
                let mut st = 0;
                if pid < 0
                    || libc::waitpid(pid as libc::pid_t, &mut st, 0) != pid as libc::pid_t
                    || st != 0
                {
                    return Err(10);
                }
                expect_errno(
                    libc::syscall(libc::SYS_socket, libc::AF_VSOCK, libc::SOCK_STREAM, 0),
                    libc::EAFNOSUPPORT,
                    11,
                )?;
                if libc::syscall(libc::SYS_socket, libc::AF_UNIX, libc::SOCK_STREAM, 0) < 0 {
                    return Err(12);
                }
                if libc::syscall(libc::SYS_personality, 0xffff_ffffu64) < 0 {
                    return Err(13);
                }
                expect_errno(
                    libc::syscall(libc::SYS_personality, 0x0040000),
                    libc::EPERM,
                    14,
                )?;
                if libc::syscall(libc::SYS_chroot, c"/".as_ptr()) != 0 {
                    return Err(15); // CAP_SYS_CHROOT is a default cap
                }
            }
            Ok(())
        };
        match run() {
            Ok(()) => 0,
            Err(code) => code,
        }
    });
    assert_eq!(exit_code(status), 0);
}

#[test]
fn kernel_enforces_custom_errno() {
    let text = r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
        {"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}"#;
    let prog = compile(&load_profile_json(text, &[]).unwrap()).unwrap();
    let dir = std::env::temp_dir().join(format!("cove-seccomp-test-{}", std::process::id()));
    let path = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    let status = in_child(|| {
        if let Err(code) = enter_filter(&prog) {
            return code;
        }
        // SAFETY: a NUL-terminated path built before the fork.
        let rc = unsafe { libc::mkdir(path.as_ptr(), 0o700) };
        if rc == -1 && last_errno() == libc::EACCES {
            0
        } else {
            1
        }
    });
    let _ = std::fs::remove_dir(&dir);
    assert_eq!(exit_code(status), 0);
}

#[test]
fn kernel_kills_process_on_kill_action() {
    let p = profile_with(
        LinuxSeccompAction::ScmpActAllow,
        vec![rule(
            &["getppid"],
            LinuxSeccompAction::ScmpActKillProcess,
            vec![],
        )],
    );
    let prog = compile(&p).unwrap();
    let status = in_child(|| {
        if let Err(code) = enter_filter(&prog) {
            return code;
        }
        // SAFETY: getppid takes no arguments.
        unsafe { libc::syscall(libc::SYS_getppid) };
        0
    });
    assert!(
        matches!(
            status,
            nix::sys::wait::WaitStatus::Signaled(_, nix::sys::signal::Signal::SIGSYS, _)
        ),
        "{status:?}"
    );
}

#[test]
fn install_rejects_bad_programs() {
    assert_eq!(install(&[]).unwrap_err().raw_os_error(), Some(libc::EINVAL));
    let huge = vec![
        libc::sock_filter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: ALLOW
        };
        4097
    ];
    assert_eq!(
        install(&huge).unwrap_err().raw_os_error(),
        Some(libc::EINVAL)
    );
}

/// `cargo test -- --ignored --nocapture getpid_cost` prints the cost of a
/// getpid syscall with and without the default filter.
#[test]
#[ignore]
fn getpid_cost() {
    let prog = compile(&default_profile(&default_caps())).unwrap();
    let time = || {
        let n = 2_000_000;
        let start = std::time::Instant::now();
        for _ in 0..n {
            // SAFETY: getpid takes no arguments.
            unsafe { libc::syscall(libc::SYS_getpid) };
        }
        start.elapsed().as_nanos() as u64 / n
    };
    let mut fds = [0; 2];
    // SAFETY: pipe writes two descriptors into a two-element array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let status = in_child(|| {
        let plain = time();
        if enter_filter(&prog).is_err() {
            return 1;
        }
        let filtered = time();
        let out = [plain, filtered];
        // SAFETY: 16 bytes from a two-u64 array.
        unsafe { libc::write(fds[1], out.as_ptr().cast(), 16) };
        0
    });
    assert_eq!(exit_code(status), 0);
    let mut out = [0u64; 2];
    assert_eq!(
        // SAFETY: at most 16 bytes into a two-u64 array.
        unsafe { libc::read(fds[0], out.as_mut_ptr().cast(), 16) },
        16
    );
    eprintln!(
        "getpid: {} ns unfiltered, {} ns with the default filter ({} instructions)",
        out[0],
        out[1],
        prog.len()
    );
}

/// `cargo test -- --ignored --nocapture instruction_counts` prints the
/// program sizes of the default profile.
#[test]
#[ignore]
fn instruction_counts() {
    for (what, caps) in [
        ("default caps", default_caps()),
        ("CAP_SYS_ADMIN", strings(&["CAP_SYS_ADMIN"])),
        ("no caps", vec![]),
    ] {
        let prog = compile(&default_profile(&caps)).unwrap();
        eprintln!("default profile, {what}: {} instructions", prog.len());
    }
    if let Ok(text) = std::fs::read_to_string("/usr/share/containers/seccomp.json") {
        let prog = compile(&load_profile_json(&text, &default_caps()).unwrap()).unwrap();
        eprintln!("containers-common profile: {} instructions", prog.len());
    }
}

// ---- compat ABIs (i386, x32) ----

#[cfg(target_arch = "x86_64")]
#[test]
fn i386_follows_the_default_profile() {
    let prog = compile(&default_profile(&default_caps())).unwrap();
    let none = [0; 6];
    // Its own numbers: i386 getpid is x86_64's sched_yield.
    assert_ne!(nr32("getpid"), nr("getpid"));
    for name in [
        "read",
        "write",
        "getpid",
        "execve",
        "ptrace",
        "chroot",
        "set_thread_area",
        "mmap2",
        "_llseek",
        "clock_gettime64",
        "futex_time64",
        "getuid32",
        "waitpid",
        "sigreturn",
    ] {
        assert_eq!(decide32(&prog, name, none), ALLOW, "{name}");
    }
    for name in [
        "keyctl",
        "add_key",
        "mount",
        "umount",
        "unshare",
        "setns",
        "bpf",
        "reboot",
        "vm86",
        "stime",
        "clock_settime64",
    ] {
        assert_eq!(decide32(&prog, name, none), errno(libc::EPERM), "{name}");
    }
    for name in ["io_uring_setup", "clone3", "idle"] {
        assert_eq!(decide32(&prog, name, none), errno(libc::ENOSYS), "{name}");
    }
    // Numbers i386 does not have.
    for nr in [1000, 0x4000_0000 | nr32("getpid"), u32::MAX] {
        let got = interp::run(&prog, nr, bpf::AUDIT_ARCH_I386, none);
        assert_eq!(got, errno(libc::ENOSYS), "{nr:#x}");
    }

    // Argument rules, on 32-bit arguments.
    let clone_with = |flags: u64| decide32(&prog, "clone", [flags, 0, 0, 0, 0, 0]);
    assert_eq!(clone_with(libc::SIGCHLD as u64), ALLOW);
    assert_eq!(
        clone_with((libc::CLONE_NEWUSER | libc::SIGCHLD) as u64),
        errno(libc::EPERM)
    );
    let persona = |p: u64| decide32(&prog, "personality", [p, 0, 0, 0, 0, 0]);
    assert_eq!(persona(0xffff_ffff), ALLOW);
    assert_eq!(persona(0x0040000), errno(libc::EPERM));
    // The high half is not looked at, as libseccomp does for 32-bit ABIs.
    assert_eq!(persona(0x1_0000_0008), ALLOW);
    let socket = |args: [u64; 3]| decide32(&prog, "socket", [args[0], args[1], args[2], 0, 0, 0]);
    assert_eq!(socket([libc::AF_INET as u64, 1, 0]), ALLOW);
    assert_eq!(
        socket([libc::AF_VSOCK as u64, 1, 0]),
        errno(libc::EAFNOSUPPORT)
    );
    assert_eq!(
        socket([16, 3, libc::NETLINK_AUDIT as u64]),
        errno(libc::EINVAL)
    );

    // The multiplexers: every call the kernel knows, and nothing else.
    let socketcall = |call: u64| decide32(&prog, "socketcall", [call, 0, 0, 0, 0, 0]);
    for call in 1..=20 {
        assert_eq!(socketcall(call), ALLOW, "socketcall({call})");
    }
    for call in [0, 21, 1 << 32 | 99] {
        assert_eq!(socketcall(call), errno(libc::ENOSYS), "socketcall({call})");
    }
    let ipc = |call: u64| decide32(&prog, "ipc", [call, 0, 0, 0, 0, 0]);
    for call in [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24] {
        assert_eq!(ipc(call), ALLOW, "ipc({call})");
    }
    for call in [0, 25, 0x10_0000] {
        assert_eq!(ipc(call), errno(libc::ENOSYS), "ipc({call})");
    }

    let admin = compile(&default_profile(&strings(&["CAP_SYS_ADMIN"]))).unwrap();
    assert_eq!(decide32(&admin, "mount", none), ALLOW);
    assert_eq!(decide32(&admin, "umount", none), ALLOW);
    assert_eq!(
        decide32(&admin, "clone", [libc::CLONE_NEWUSER as u64, 0, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(decide32(&admin, "chroot", none), errno(libc::EPERM));
}

#[cfg(target_arch = "x86_64")]
#[test]
fn x32_follows_the_default_profile() {
    let prog = compile(&default_profile(&default_caps())).unwrap();
    let none = [0; 6];
    let own = |name: &str| syscalls::number_in(Abi::X32Own, name).unwrap();
    // Shared numbers: the x86_64 rules.
    assert_eq!(decide_x32(&prog, nr("getpid"), none), ALLOW);
    assert_eq!(decide_x32(&prog, nr("openat"), none), ALLOW);
    assert_eq!(decide_x32(&prog, nr("keyctl"), none), errno(libc::EPERM));
    assert_eq!(decide_x32(&prog, nr("mount"), none), errno(libc::EPERM));
    assert_eq!(
        decide_x32(&prog, nr("io_uring_setup"), none),
        errno(libc::ENOSYS)
    );
    let clone_with = |flags: u64| decide_x32(&prog, nr("clone"), [flags, 0, 0, 0, 0, 0]);
    assert_eq!(clone_with(libc::SIGCHLD as u64), ALLOW);
    assert_eq!(
        clone_with((libc::CLONE_NEWUSER | libc::SIGCHLD) as u64),
        errno(libc::EPERM)
    );
    // x32's own entry points, by name.
    assert!(own("execve") >= 512);
    for name in ["execve", "ioctl", "rt_sigaction", "readv", "setsockopt"] {
        assert_eq!(decide_x32(&prog, own(name), none), ALLOW, "{name}");
    }
    assert_eq!(
        decide_x32(&prog, own("kexec_load"), none),
        errno(libc::EPERM)
    );
    assert_eq!(
        decide_x32(&prog, own("move_pages"), none),
        errno(libc::EPERM)
    );
    // Numbers above x32's own are x86_64's again (new syscalls are numbered
    // for both): the native rules, which for unknown numbers is the default.
    assert_eq!(syscalls::x32_own_range(), Some((512, 547)));
    // Numbers x32 does not have.
    for nr in [511, 548, 1000, 0x3fff_ffff, 0x7fff_ffff] {
        assert_eq!(decide_x32(&prog, nr, none), errno(libc::ENOSYS), "{nr:#x}");
    }
    assert_eq!(
        interp::run(&prog, u32::MAX, native(), none),
        errno(libc::ENOSYS)
    );
}

/// A profile that lists no compat ABI gives them no rules: i386 (and arm32)
/// is killed, x32 gets the default action, never an allowing one.
#[test]
fn unlisted_compat_abis_get_no_rules() {
    let none = [0; 6];
    let compat_arch = if cfg!(target_arch = "x86_64") {
        bpf::AUDIT_ARCH_I386
    } else {
        AUDIT_ARCH_ARM
    };
    let mut p = default_profile(&default_caps());
    p.set_architectures(None);
    let prog = compile(&p).unwrap();
    assert_eq!(decide(&prog, "getpid", none), ALLOW);
    for nr in [0, 20, 39, 1000] {
        assert_eq!(interp::run(&prog, nr, compat_arch, none), KILL);
    }
    if cfg!(target_arch = "x86_64") {
        assert_eq!(decide_x32(&prog, nr("getpid"), none), errno(libc::ENOSYS));
    }

    // Allow by default: x32 still answers ENOSYS; listing only i386 opens
    // i386 alone.
    let text = r#"{"defaultAction":"SCMP_ACT_ALLOW",
        "architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_ARM"],
        "syscalls":[{"names":["keyctl"],"action":"SCMP_ACT_ERRNO"}]}"#;
    let prog = compile(&load_profile_json(text, &[]).unwrap()).unwrap();
    if cfg!(target_arch = "x86_64") {
        assert_eq!(decide_x32(&prog, nr("getpid"), none), errno(libc::ENOSYS));
        assert_eq!(decide32(&prog, "getpid", none), ALLOW);
        assert_eq!(decide32(&prog, "keyctl", none), errno(libc::EPERM));
    } else {
        // arm32 has no table on aarch64: killed even when listed.
        assert_eq!(interp::run(&prog, 20, AUDIT_ARCH_ARM, none), KILL);
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn i386_multiplexers_follow_the_calls_they_stand_for() {
    use LinuxSeccompAction::*;
    use LinuxSeccompOperator::ScmpCmpEq;
    let with_arches = |rules| {
        let mut p = profile_with(ScmpActErrno, rules);
        p.set_default_errno_ret(Some(libc::ENOSYS as u32))
            .set_architectures(Some(vec![
                oci_spec::runtime::Arch::ScmpArchX86_64,
                oci_spec::runtime::Arch::ScmpArchX86,
            ]));
        compile(&p).unwrap()
    };
    let mut connect = rule(&["connect"], ScmpActErrno, vec![]);
    connect.set_errno_ret(Some(libc::EACCES as u32));
    let prog = with_arches(vec![
        // Allowed for some arguments: allowed through socketcall.
        rule(
            &["socket"],
            ScmpActAllow,
            vec![(0, ScmpCmpEq, libc::AF_UNIX as u64, None)],
        ),
        rule(&["socket"], ScmpActKillProcess, vec![]),
        // Denied: denied through socketcall too.
        connect,
        // Denied for some arguments only: the default.
        rule(&["bind"], ScmpActTrap, vec![(0, ScmpCmpEq, 3, None)]),
        // send follows sendto; recv, named, its own rule.
        rule(&["sendto", "recvfrom"], ScmpActAllow, vec![]),
        rule(&["recv"], ScmpActLog, vec![]),
        rule(&["semget", "semctl"], ScmpActAllow, vec![]),
    ]);
    let socketcall = |call: u64| decide32(&prog, "socketcall", [call, 0, 0, 0, 0, 0]);
    assert_eq!(socketcall(1), ALLOW, "socket");
    assert_eq!(socketcall(2), errno(libc::ENOSYS), "bind");
    assert_eq!(socketcall(3), errno(libc::EACCES), "connect");
    assert_eq!(socketcall(4), errno(libc::ENOSYS), "listen");
    assert_eq!(socketcall(9), ALLOW, "send");
    assert_eq!(socketcall(10), libc::SECCOMP_RET_LOG, "recv");
    assert_eq!(socketcall(11), ALLOW, "sendto");
    assert_eq!(socketcall(12), ALLOW, "recvfrom");
    let ipc = |call: u64| decide32(&prog, "ipc", [call, 0, 0, 0, 0, 0]);
    assert_eq!(ipc(1), errno(libc::ENOSYS), "semop");
    assert_eq!(ipc(2), ALLOW, "semget");
    assert_eq!(ipc(3), ALLOW, "semctl");
    assert_eq!(ipc(23), errno(libc::ENOSYS), "shmget");
    // The direct syscalls keep their argument checks.
    let socket = |family: i32| decide32(&prog, "socket", [family as u64, 1, 0, 0, 0, 0]);
    assert_eq!(socket(libc::AF_UNIX), ALLOW);
    assert_eq!(socket(libc::AF_INET), KILL);

    // Rules for the multiplexer itself win.
    let mut p = rule(&["socketcall"], ScmpActErrno, vec![]);
    p.set_errno_ret(Some(libc::EACCES as u32));
    let prog = with_arches(vec![rule(&["socket"], ScmpActAllow, vec![]), p]);
    let socketcall = |call: u64| decide32(&prog, "socketcall", [call, 0, 0, 0, 0, 0]);
    assert_eq!(socketcall(1), errno(libc::EACCES));
    assert_eq!(
        decide32(&prog, "ipc", [2, 0, 0, 0, 0, 0]),
        errno(libc::ENOSYS)
    );
}

/// i386 compares the low halves of argument and value, whatever the
/// operator (libseccomp's treatment of 32-bit ABIs).
#[cfg(target_arch = "x86_64")]
#[test]
fn i386_compares_low_halves() {
    use LinuxSeccompOperator::*;
    let interesting: &[u64] = &[
        0,
        1,
        2,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_fffe,
        0xffff_ffff,
        0x1_0000_0000,
        0x1_0000_0001,
        0x2_0000_0000,
        0xffff_ffff_0000_0000,
        u64::MAX,
    ];
    let compile32 = |op, value, value_two| {
        let mut p = profile_with(
            LinuxSeccompAction::ScmpActErrno,
            vec![rule(
                &["getpid"],
                LinuxSeccompAction::ScmpActAllow,
                vec![(2, op, value, value_two)],
            )],
        );
        p.set_architectures(Some(vec![oci_spec::runtime::Arch::ScmpArchX86]));
        compile(&p).unwrap()
    };
    type Holds = fn(u32, u32) -> bool;
    let ops: [(LinuxSeccompOperator, Holds); 6] = [
        (ScmpCmpEq, |a, v| a == v),
        (ScmpCmpNe, |a, v| a != v),
        (ScmpCmpLt, |a, v| a < v),
        (ScmpCmpLe, |a, v| a <= v),
        (ScmpCmpGt, |a, v| a > v),
        (ScmpCmpGe, |a, v| a >= v),
    ];
    let want = |holds: bool| if holds { ALLOW } else { errno(libc::EPERM) };
    for &(op, holds) in &ops {
        for &v in interesting {
            let prog = compile32(op, v, None);
            for &a in interesting {
                assert_eq!(
                    decide32(&prog, "getpid", [0, 0, a, 0, 0, 0]),
                    want(holds(a as u32, v as u32)),
                    "{op:?} a={a:#x} v={v:#x}"
                );
            }
        }
    }
    for &mask in interesting {
        for &datum in &[0, 1, 0x8000_0000, 0x1_0000_0000, u64::MAX] {
            let prog = compile32(ScmpCmpMaskedEq, mask, Some(datum));
            for &a in interesting {
                assert_eq!(
                    decide32(&prog, "getpid", [0, 0, a, 0, 0, 0]),
                    want(a as u32 & mask as u32 == datum as u32),
                    "mask={mask:#x} datum={datum:#x} a={a:#x}"
                );
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn compat_tables_are_sane() {
    let i386 = syscalls::names_in(Abi::I386);
    assert!(i386.len() > 400, "{}", i386.len());
    assert_eq!(i386.iter().collect::<HashSet<_>>().len(), i386.len());
    let numbers: HashSet<u32> = i386.iter().map(|n| nr32(n)).collect();
    assert_eq!(numbers.len(), i386.len());
    for name in syscalls::names_in(Abi::X32Own) {
        let own = syscalls::number_in(Abi::X32Own, name).unwrap();
        assert!((512..=547).contains(&own), "{name} = {own}");
        assert!(nr(name) < 512, "{name}: x32-only syscall");
    }
    for (mux, calls) in syscalls::multiplexers() {
        assert!(syscalls::number_in(Abi::I386, mux).is_some(), "{mux}");
        assert!(calls.windows(2).all(|w| w[0].0 < w[1].0), "{mux}");
    }
    assert_eq!(syscalls::number_in(Abi::I386, "no_such_syscall"), None);
}

/// The generated i386 table agrees with the installed uapi header, where
/// linux-libc-dev is installed (tests/seccomp-gen/ regenerates it).
#[cfg(target_arch = "x86_64")]
#[test]
fn i386_table_matches_installed_header() {
    let path = "/usr/include/x86_64-linux-gnu/asm/unistd_32.h";
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipped: {path} not installed");
        return;
    };
    let header: std::collections::HashMap<&str, u32> = text
        .lines()
        .filter_map(|line| {
            let mut words = line.strip_prefix("#define __NR_")?.split_whitespace();
            Some((words.next()?, words.next()?.parse().ok()?))
        })
        .collect();
    assert!(header.len() > 400, "{path}: {} numbers", header.len());
    for name in syscalls::names_in(Abi::I386) {
        assert_eq!(header.get(name), Some(&nr32(name)), "{name}");
    }
    let missing: Vec<_> = header
        .keys()
        .filter(|n| syscalls::number_in(Abi::I386, n).is_none())
        .collect();
    if !missing.is_empty() {
        eprintln!("{path} is newer than the generated table: {missing:?} missing");
    }
}

/// Makes an i386 syscall from this x86_64 process (`int $0x80`), which the
/// kernel and seccomp treat as one from a 32-bit program: i386 numbers,
/// `AUDIT_ARCH_I386`, 32-bit arguments. Returns the raw result (`-errno`).
#[cfg(target_arch = "x86_64")]
fn int80(nr: u32, args: [u32; 5]) -> i32 {
    let ret: u32;
    // SAFETY: the callers only make syscalls that take no pointers or
    // pointers below 4 GiB; rbx (which LLVM reserves) is swapped in and
    // restored around the call.
    unsafe {
        std::arch::asm!(
            "xchg {b}, rbx",
            "int 0x80",
            "xchg {b}, rbx",
            b = inout(reg) u64::from(args[0]) => _,
            inlateout("eax") nr => ret,
            in("ecx") args[1],
            in("edx") args[2],
            in("esi") args[3],
            in("edi") args[4],
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
        );
    }
    ret as i32
}

/// Whether this kernel runs i386 syscalls (IA32 emulation, which a kernel
/// may leave out or switch off).
#[cfg(target_arch = "x86_64")]
fn kernel_runs_i386() -> bool {
    let getpid = nr32("getpid");
    let status = in_child(|| {
        // SAFETY: getpid takes no arguments.
        let pid = unsafe { libc::syscall(libc::SYS_getpid) };
        i32::from(i64::from(int80(getpid, [0; 5])) != pid)
    });
    matches!(status, nix::sys::wait::WaitStatus::Exited(_, 0))
}

#[cfg(target_arch = "x86_64")]
#[test]
fn kernel_enforces_default_profile_on_i386() {
    if !kernel_runs_i386() {
        eprintln!("skipped: this kernel does not run i386 syscalls");
        return;
    }
    let prog = compile(&default_profile(&default_caps())).unwrap();
    let n = |name: &str| nr32(name);
    let (getpid, keyctl, io_uring_setup, unshare) =
        (n("getpid"), n("keyctl"), n("io_uring_setup"), n("unshare"));
    let (personality, clone, socket, socketcall, ipc) = (
        n("personality"),
        n("clone"),
        n("socket"),
        n("socketcall"),
        n("ipc"),
    );
    let status = in_child(|| {
        let run = || -> Result<(), i32> {
            // socketcall's arguments, where a 32-bit pointer reaches them.
            // SAFETY: a new anonymous mapping, placed by the kernel.
            let page = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    4096,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_32BIT,
                    -1,
                    0,
                )
            };
            if page == libc::MAP_FAILED {
                return Err(1);
            }
            let args = page.cast::<u32>();
            // SAFETY: three u32s at the start of the 4096-byte page mapped
            // writable above.
            unsafe {
                args.write(libc::AF_UNIX as u32);
                args.add(1).write(libc::SOCK_STREAM as u32);
                args.add(2).write(0);
            }
            let args = args as usize as u32;
            // SAFETY: getpid takes no arguments.
            let pid = unsafe { libc::syscall(libc::SYS_getpid) };
            enter_filter(&prog)?;
            let check = |ret: i32, want: i32, code: i32| {
                if ret == want {
                    Ok(())
                } else {
                    Err(code)
                }
            };
            check(int80(getpid, [0; 5]), pid as i32, 2)?;
            // keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)
            check(int80(keyctl, [0, -3i32 as u32, 0, 0, 0]), -libc::EPERM, 3)?;
            // Unfiltered: EFAULT.
            check(int80(io_uring_setup, [1, 0, 0, 0, 0]), -libc::ENOSYS, 4)?;
            check(int80(1000, [0; 5]), -libc::ENOSYS, 5)?;
            check(
                int80(unshare, [libc::CLONE_NEWUSER as u32, 0, 0, 0, 0]),
                -libc::EPERM,
                6,
            )?;
            if int80(personality, [0xffff_ffff, 0, 0, 0, 0]) < 0 {
                return Err(7);
            }
            check(int80(personality, [0x0040000, 0, 0, 0, 0]), -libc::EPERM, 8)?;
            let flags = (libc::CLONE_NEWUSER | libc::SIGCHLD) as u32;
            let child = int80(clone, [flags, 0, 0, 0, 0]);
            if child == 0 {
                // SAFETY: the clone's child leaves at once.
                unsafe { libc::_exit(99) }; // the filter let it through
            }
            check(child, -libc::EPERM, 9)?;
            // Unfiltered: a netlink audit socket.
            let netlink_audit = [16, 3, libc::NETLINK_AUDIT as u32, 0, 0];
            check(int80(socket, netlink_audit), -libc::EINVAL, 10)?;
            // socketcall(SYS_SOCKET, {AF_UNIX, SOCK_STREAM, 0})
            if int80(socketcall, [1, args, 0, 0, 0]) < 0 {
                return Err(11);
            }
            // Unfiltered: EINVAL.
            check(int80(socketcall, [99, args, 0, 0, 0]), -libc::ENOSYS, 12)?;
            // ipc(SEMCTL, -1, 0, IPC_RMID): the kernel's EINVAL, so allowed.
            check(int80(ipc, [3, u32::MAX, 0, 0, 0]), -libc::EINVAL, 13)?;
            Ok(())
        };
        match run() {
            Ok(()) => 0,
            Err(code) => code,
        }
    });
    assert_eq!(exit_code(status), 0);

    // Without SCMP_ARCH_X86 in the profile, i386 syscalls kill.
    let mut p = default_profile(&default_caps());
    p.set_architectures(None);
    let prog = compile(&p).unwrap();
    let status = in_child(|| {
        if let Err(code) = enter_filter(&prog) {
            return code;
        }
        int80(getpid, [0; 5]);
        0
    });
    assert!(
        matches!(
            status,
            nix::sys::wait::WaitStatus::Signaled(_, nix::sys::signal::Signal::SIGSYS, _)
        ),
        "{status:?}"
    );
}

/// A real 32-bit program (glibc, static) runs under the default filter:
/// built with `gcc -m32` (Debian's gcc-multilib), skipped where that fails.
#[cfg(target_arch = "x86_64")]
#[test]
fn i386_program_runs_under_default_profile() {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    if !kernel_runs_i386() {
        eprintln!("skipped: this kernel does not run i386 syscalls");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cove-seccomp-i386-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (src, exe) = (dir.join("prog.c"), dir.join("prog"));
    std::fs::write(
        &src,
        r#"#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec ts;
    int fds[2];
    if (getpid() <= 0) return 2;
    if (syscall(SYS_keyctl, 0, -3, 0) != -1 || errno != EPERM) return 3;
    if (syscall(SYS_io_uring_setup, 1, 0) != -1 || errno != ENOSYS) return 4;
    if (socket(AF_UNIX, SOCK_STREAM, 0) < 0) return 5;
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) != 0) return 6;
    if (send(fds[0], "x", 1, 0) != 1) return 7;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 8;
    if (printf("hello from i386 %d\n", (int)sizeof(long)) < 0) return 9;
    return 0;
}
"#,
    )
    .unwrap();
    let built = Command::new("gcc")
        .args(["-m32", "-static", "-O2", "-o"])
        .arg(&exe)
        .arg(&src)
        .output();
    if !built.as_ref().is_ok_and(|out| out.status.success()) {
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("skipped: gcc -m32 -static cannot build here (needs gcc-multilib)");
        return;
    }

    let run = |prog: Vec<libc::sock_filter>| {
        let mut cmd = Command::new(&exe);
        // SAFETY: the closure makes two raw syscalls and allocates nothing.
        unsafe {
            cmd.pre_exec(move || enter_filter(&prog).map_err(std::io::Error::from_raw_os_error));
        }
        cmd.output().unwrap()
    };
    let out = run(compile(&default_profile(&default_caps())).unwrap());
    let mut native_only = default_profile(&default_caps());
    native_only.set_architectures(None);
    let killed = run(compile(&native_only).unwrap());
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from i386 4\n");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(killed.status.signal(), Some(libc::SIGSYS), "{killed:?}");
}

/// What `profile` decides for syscall `name` of an ABI with `args`, read
/// straight from its rules (the compiler's semantics, without BPF).
fn reference(profile: &LinuxSeccomp, name: &str, args: [u64; 6], arg32: bool) -> u32 {
    let default = bpf::action_value(profile.default_action(), profile.default_errno_ret()).unwrap();
    let holds = |arg: &oci_spec::runtime::LinuxSeccompArg| {
        use LinuxSeccompOperator::*;
        let cut = |v: u64| if arg32 { v & 0xffff_ffff } else { v };
        let (a, v) = (cut(args[arg.index()]), cut(arg.value()));
        let v2 = cut(arg.value_two().unwrap_or(0));
        match arg.op() {
            ScmpCmpEq => a == v,
            ScmpCmpNe => a != v,
            ScmpCmpLt => a < v,
            ScmpCmpLe => a <= v,
            ScmpCmpGt => a > v,
            ScmpCmpGe => a >= v,
            ScmpCmpMaskedEq => a & v == v2,
        }
    };
    let rules: Vec<&LinuxSyscall> = profile
        .syscalls()
        .iter()
        .flatten()
        .filter(|r| r.names().iter().any(|n| n == name))
        .collect();
    let action = |r: &LinuxSyscall| bpf::action_value(r.action(), r.errno_ret()).unwrap();
    rules
        .iter()
        .filter(|r| r.args().as_ref().is_some_and(|a| !a.is_empty()))
        .find(|r| r.args().iter().flatten().all(holds))
        .or_else(|| {
            rules
                .iter()
                .find(|r| r.args().as_ref().is_none_or(|a| a.is_empty()))
        })
        .map_or(default, |r| action(r))
}

/// Every syscall number of every ABI, under the default profiles (and
/// containers-common's where installed), decides as the rules say.
#[test]
fn every_number_of_every_abi_decides_as_the_rules_say() {
    let mut profiles = vec![
        default_profile(&default_caps()),
        default_profile(&strings(&["CAP_SYS_ADMIN", "CAP_AUDIT_WRITE"])),
        default_profile(&[]),
    ];
    if let Ok(text) = std::fs::read_to_string("/usr/share/containers/seccomp.json") {
        profiles.push(load_profile_json(&text, &default_caps()).unwrap());
    }
    let argsets: [[u64; 6]; 5] = [
        [0; 6],
        [libc::AF_VSOCK as u64, 1, 0, 0, 0, 0],
        [16, 3, libc::NETLINK_AUDIT as u64, 0, 0, 0],
        [(libc::CLONE_NEWUSER | libc::SIGCHLD) as u64, 0, 0, 0, 0, 0],
        [0xffff_ffff, 1 << 33, 7, 0, 0, u64::MAX],
    ];
    // (abi, arch, number as the filter sees it, number in the table)
    let mut cases: Vec<(Abi, u32, u32, u32)> = Vec::new();
    for nr in 0..1100 {
        cases.push((Abi::Native, native(), nr, nr));
        if cfg!(target_arch = "x86_64") {
            cases.push((Abi::I386, bpf::AUDIT_ARCH_I386, nr, nr));
            let x32 = bpf::X32_SYSCALL_BIT | nr;
            let abi = if (512..=547).contains(&nr) {
                Abi::X32Own
            } else {
                Abi::Native
            };
            cases.push((abi, native(), x32, nr));
        }
    }
    let tables: Vec<(Abi, std::collections::HashMap<u32, &str>)> =
        [Abi::Native, Abi::I386, Abi::X32Own]
            .into_iter()
            .map(|abi| {
                let names = syscalls::names_in(abi).into_iter();
                (
                    abi,
                    names
                        .map(|n| (syscalls::number_in(abi, n).unwrap(), n))
                        .collect(),
                )
            })
            .collect();
    let name_of = |abi: Abi, nr: u32| {
        let table = &tables.iter().find(|(a, _)| *a == abi).unwrap().1;
        table.get(&nr).copied()
    };
    let mut checked = 0;
    for profile in &profiles {
        let prog = compile(profile).unwrap();
        let default =
            bpf::action_value(profile.default_action(), profile.default_errno_ret()).unwrap();
        for &(abi, arch, seen, nr) in &cases {
            let name = name_of(abi, nr);
            if abi == Abi::I386 && matches!(name, Some("socketcall" | "ipc")) {
                continue; // see i386_multiplexers_follow_the_calls_they_stand_for
            }
            for args in argsets {
                let want = name.map_or(default, |n| reference(profile, n, args, abi == Abi::I386));
                let got = interp::run(&prog, seen, arch, args);
                assert_eq!(got, want, "{abi:?} {name:?} ({seen:#x}) {args:x?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}
