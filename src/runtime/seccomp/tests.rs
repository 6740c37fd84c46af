//! Tests for profile loading, the default profile, the BPF compiler (run
//! through a small interpreter) and, in forked children, the real kernel.

use std::collections::HashSet;

use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator, LinuxSyscall};

use super::bpf::{interp, NATIVE_AUDIT_ARCH};
use super::profile::{self, ALLOWED, BY_CAPABILITY, DENIED};
use super::*;

const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;

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
    // Every syscall of this architecture is classified on purpose; these
    // are left to the default (ENOSYS).
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
    ];
    for name in syscalls::names() {
        assert!(
            seen.contains(name) || unlisted.contains(&name),
            "syscall {name} is neither allowed, cap-gated, denied nor deliberately unlisted"
        );
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

    // Foreign ABIs are killed; x32 gets the default.
    let i386_or_arm = if cfg!(target_arch = "x86_64") {
        0x4000_0003
    } else {
        0x4000_0028
    };
    assert_eq!(
        interp::run(&prog, nr("getpid"), i386_or_arm, none),
        libc::SECCOMP_RET_KILL_PROCESS
    );
    if cfg!(target_arch = "x86_64") {
        let x32_getpid = 0x4000_0000 | 39;
        assert_eq!(
            interp::run(&prog, x32_getpid, native(), none),
            errno(libc::ENOSYS)
        );
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
            unsafe { libc::syscall(libc::SYS_getpid) };
        }
        start.elapsed().as_nanos() as u64 / n
    };
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let status = in_child(|| {
        let plain = time();
        if enter_filter(&prog).is_err() {
            return 1;
        }
        let filtered = time();
        let out = [plain, filtered];
        unsafe { libc::write(fds[1], out.as_ptr().cast(), 16) };
        0
    });
    assert_eq!(exit_code(status), 0);
    let mut out = [0u64; 2];
    assert_eq!(
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
