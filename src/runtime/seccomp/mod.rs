//! Seccomp for container processes: the default profile, loading of
//! Docker/containers-common style profile files, compilation of a profile
//! into a BPF program for the running architecture, and installation.
//!
//! Everything that allocates (`default_profile`, `load_profile_json`,
//! `compile`) runs in the parent before fork; the child only calls
//! [`install`], which makes one raw syscall.
//!
//! Supported architectures: x86_64 and aarch64. On x86_64 the filter also
//! applies the profile's rules to the i386 and x32 ABIs when the profile
//! lists them (`SCMP_ARCH_X86`, `SCMP_ARCH_X32`, as Podman's archMap and the
//! default profile do), each by its own syscall numbers, so 32-bit programs
//! run in containers. An ABI the profile does not list gets no rules: i386
//! syscalls kill the process, x32 syscalls get the default action (ENOSYS
//! if that would allow them). arm32 on aarch64 is always killed: the `libc`
//! crate has no arm32 numbers for an aarch64 build.

mod bpf;
mod profile;
mod syscalls;
#[cfg(target_arch = "x86_64")]
mod syscalls_x86;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::io;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use oci_spec::runtime::{
    Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompFilterFlag, LinuxSeccompOperator,
    LinuxSyscall,
};
use serde::Deserialize;

pub use bpf::compile;
pub use profile::default_profile;

/// Installs a compiled filter on the calling thread (and, through fork and
/// exec, on everything it starts). Async-signal-safe: one raw syscall, no
/// allocation.
///
/// The caller must either have set `PR_SET_NO_NEW_PRIVS` or hold
/// CAP_SYS_ADMIN in its user namespace, otherwise the kernel answers EACCES.
/// Install it as late as possible (right before exec), since the filter also
/// applies to the runtime's own remaining syscalls in the child.
pub fn install(prog: &[libc::sock_filter]) -> io::Result<()> {
    install_with_flags(prog, 0)
}

/// [`install`] with `SECCOMP_FILTER_FLAG_*` flags (see [`filter_flags`]).
pub fn install_with_flags(prog: &[libc::sock_filter], flags: u32) -> io::Result<()> {
    if prog.is_empty() || prog.len() > bpf::MAX_INSNS {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let fprog = libc::sock_fprog {
        len: prog.len() as libc::c_ushort,
        // The kernel only reads the program.
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: fprog points to `prog`, which outlives the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER as libc::c_ulong,
            flags as libc::c_ulong,
            &fprog as *const libc::sock_fprog,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    if rc > 0 {
        // With TSYNC: the id of a thread that could not be synchronized.
        return Err(io::Error::from_raw_os_error(libc::ESRCH));
    }
    Ok(())
}

/// The `SECCOMP_FILTER_FLAG_*` bits a profile asks for.
pub fn filter_flags(profile: &LinuxSeccomp) -> u32 {
    profile
        .flags()
        .iter()
        .flatten()
        .map(|flag| match flag {
            LinuxSeccompFilterFlag::SeccompFilterFlagTsync => libc::SECCOMP_FILTER_FLAG_TSYNC,
            LinuxSeccompFilterFlag::SeccompFilterFlagLog => libc::SECCOMP_FILTER_FLAG_LOG,
            LinuxSeccompFilterFlag::SeccompFilterFlagSpecAllow => {
                libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW
            }
            LinuxSeccompFilterFlag::SeccompFilterFlagWaitKillableRecv => {
                libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
            }
        } as u32)
        .fold(0, |acc, bit| acc | bit)
}

/// Parses a seccomp profile: a Docker/containers-common profile file (with
/// `includes`/`excludes`, `archMap`, `name` or `names`) or a plain OCI
/// `linux.seccomp` object. Conditional rules are resolved against `caps`
/// (the container's capabilities), the running architecture and the running
/// kernel, so the result only holds rules that apply here.
pub fn load_profile_json(text: &str, caps: &[String]) -> Result<LinuxSeccomp> {
    let host = Host {
        caps: caps.iter().map(|c| canonical_cap(c)).collect(),
        arch_names: native_arch_names(),
        kernel: running_kernel(),
    };
    resolve(text, &host)
}

/// What conditional rules are checked against.
struct Host {
    /// Canonical `CAP_*` names.
    caps: HashSet<String>,
    /// Names `includes.arches` may use for this architecture.
    arch_names: &'static [&'static str],
    /// (major, minor) of the running kernel, if known.
    kernel: Option<(u32, u32)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileFile {
    default_action: String,
    #[serde(default)]
    default_errno_ret: Option<u32>,
    #[serde(default)]
    architectures: Option<Vec<String>>,
    #[serde(default)]
    arch_map: Option<Vec<ArchMapEntry>>,
    #[serde(default)]
    flags: Option<Vec<String>>,
    #[serde(default)]
    listener_path: Option<PathBuf>,
    #[serde(default)]
    listener_metadata: Option<String>,
    #[serde(default)]
    syscalls: Option<Vec<SyscallEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArchMapEntry {
    architecture: String,
    #[serde(default)]
    sub_architectures: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SyscallEntry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    names: Option<Vec<String>>,
    action: String,
    #[serde(default)]
    errno_ret: Option<u32>,
    #[serde(default)]
    args: Option<Vec<ArgEntry>>,
    #[serde(default)]
    includes: Option<Filter>,
    #[serde(default)]
    excludes: Option<Filter>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArgEntry {
    index: usize,
    value: u64,
    #[serde(default)]
    value_two: Option<u64>,
    op: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Filter {
    #[serde(default)]
    caps: Option<Vec<String>>,
    #[serde(default)]
    arches: Option<Vec<String>>,
    #[serde(default)]
    min_kernel: Option<String>,
}

fn resolve(text: &str, host: &Host) -> Result<LinuxSeccomp> {
    let file: ProfileFile = serde_json::from_str(text).context("invalid seccomp profile JSON")?;
    let mut profile = LinuxSeccomp::default();
    profile
        .set_default_action(parse_action(&file.default_action).context("defaultAction")?)
        .set_default_errno_ret(file.default_errno_ret)
        .set_listener_path(file.listener_path)
        .set_listener_metadata(file.listener_metadata);

    if file.architectures.is_some() && file.arch_map.is_some() {
        bail!("seccomp profile has both \"architectures\" and \"archMap\"; use one");
    }
    // Only the native architecture matters to the compiler; unknown names
    // (newer libseccomp) are skipped rather than refused.
    let mut arches: Vec<Arch> = file
        .architectures
        .iter()
        .flatten()
        .filter_map(|a| parse_arch(a))
        .collect();
    let native = profile::native_arch();
    for entry in file.arch_map.iter().flatten() {
        if native.is_some() && parse_arch(&entry.architecture) == native {
            arches.extend(native);
            arches.extend(
                entry
                    .sub_architectures
                    .iter()
                    .flatten()
                    .filter_map(|a| parse_arch(a)),
            );
        }
    }
    if !arches.is_empty() {
        profile.set_architectures(Some(arches));
    }

    if let Some(flags) = &file.flags {
        let parsed = flags
            .iter()
            .map(|f| {
                serde_json::from_value(serde_json::Value::String(f.clone()))
                    .map_err(|_| anyhow!("unknown seccomp flag {f:?}"))
            })
            .collect::<Result<Vec<LinuxSeccompFilterFlag>>>()?;
        profile.set_flags(Some(parsed));
    }

    let mut rules = Vec::new();
    for (i, entry) in file.syscalls.into_iter().flatten().enumerate() {
        let names = match (entry.name, entry.names) {
            (Some(_), Some(_)) => {
                bail!("seccomp rule #{i}: has both \"name\" and \"names\"; use one")
            }
            (Some(name), None) => vec![name],
            (None, Some(names)) if !names.is_empty() => names,
            _ => bail!("seccomp rule #{i}: no syscall names"),
        };
        let what = || format!("seccomp rule #{i} ({})", names.join(","));
        let action = parse_action(&entry.action).with_context(what)?;
        let mut args = Vec::new();
        for a in entry.args.into_iter().flatten() {
            if a.index >= 6 {
                bail!(
                    "{}: argument index {} is out of range (0-5)",
                    what(),
                    a.index
                );
            }
            let op = parse_op(&a.op).with_context(what)?;
            args.push(profile::arg(a.index, op, a.value, a.value_two));
        }
        if !applies(entry.includes.as_ref(), entry.excludes.as_ref(), host).with_context(what)? {
            continue;
        }
        let mut rule = LinuxSyscall::default();
        rule.set_names(names)
            .set_action(action)
            .set_errno_ret(entry.errno_ret)
            .set_args((!args.is_empty()).then_some(args));
        rules.push(rule);
    }
    profile.set_syscalls(Some(rules));
    Ok(profile)
}

/// Docker's rule: a rule is dropped when any `excludes` matches, and kept
/// only when every `includes` condition holds (all listed caps held, the
/// architecture listed, the kernel at least `minKernel`).
fn applies(includes: Option<&Filter>, excludes: Option<&Filter>, host: &Host) -> Result<bool> {
    let arch_listed = |arches: &Option<Vec<String>>| {
        arches.iter().flatten().any(|a| {
            host.arch_names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(a.trim()))
        })
    };
    let kernel_at_least = |min: &str| -> Result<bool> {
        let want = parse_kernel_version(min)
            .ok_or_else(|| anyhow!("invalid minKernel {min:?} (want e.g. \"4.8\")"))?;
        // Unknown running kernel: assume a modern one.
        Ok(host.kernel.is_none_or(|have| have >= want))
    };

    if let Some(ex) = excludes {
        if arch_listed(&ex.arches) {
            return Ok(false);
        }
        if ex
            .caps
            .iter()
            .flatten()
            .any(|c| host.caps.contains(&canonical_cap(c)))
        {
            return Ok(false);
        }
        if let Some(min) = &ex.min_kernel {
            if kernel_at_least(min)? {
                return Ok(false);
            }
        }
    }
    if let Some(inc) = includes {
        if inc.arches.as_ref().is_some_and(|a| !a.is_empty()) && !arch_listed(&inc.arches) {
            return Ok(false);
        }
        if !inc
            .caps
            .iter()
            .flatten()
            .all(|c| host.caps.contains(&canonical_cap(c)))
        {
            return Ok(false);
        }
        if let Some(min) = &inc.min_kernel {
            if !kernel_at_least(min)? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn parse_action(s: &str) -> Result<LinuxSeccompAction> {
    Ok(match s.trim() {
        "SCMP_ACT_KILL" => LinuxSeccompAction::ScmpActKill,
        "SCMP_ACT_KILL_THREAD" => LinuxSeccompAction::ScmpActKillThread,
        "SCMP_ACT_KILL_PROCESS" => LinuxSeccompAction::ScmpActKillProcess,
        "SCMP_ACT_TRAP" => LinuxSeccompAction::ScmpActTrap,
        "SCMP_ACT_ERRNO" => LinuxSeccompAction::ScmpActErrno,
        "SCMP_ACT_TRACE" => LinuxSeccompAction::ScmpActTrace,
        "SCMP_ACT_LOG" => LinuxSeccompAction::ScmpActLog,
        "SCMP_ACT_ALLOW" => LinuxSeccompAction::ScmpActAllow,
        "SCMP_ACT_NOTIFY" => LinuxSeccompAction::ScmpActNotify,
        other => bail!(
            "unknown seccomp action {other:?} (expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, \
             SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, \
             SCMP_ACT_TRACE, SCMP_ACT_LOG or SCMP_ACT_NOTIFY)"
        ),
    })
}

fn parse_op(s: &str) -> Result<LinuxSeccompOperator> {
    Ok(match s.trim() {
        "SCMP_CMP_NE" => LinuxSeccompOperator::ScmpCmpNe,
        "SCMP_CMP_LT" => LinuxSeccompOperator::ScmpCmpLt,
        "SCMP_CMP_LE" => LinuxSeccompOperator::ScmpCmpLe,
        "SCMP_CMP_EQ" => LinuxSeccompOperator::ScmpCmpEq,
        "SCMP_CMP_GE" => LinuxSeccompOperator::ScmpCmpGe,
        "SCMP_CMP_GT" => LinuxSeccompOperator::ScmpCmpGt,
        "SCMP_CMP_MASKED_EQ" => LinuxSeccompOperator::ScmpCmpMaskedEq,
        other => bail!(
            "unknown seccomp operator {other:?} (expected SCMP_CMP_EQ, SCMP_CMP_NE, \
             SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GT, SCMP_CMP_GE or SCMP_CMP_MASKED_EQ)"
        ),
    })
}

/// `SCMP_ARCH_X86_64` → `Arch::ScmpArchX86_64`; `None` if unknown.
fn parse_arch(s: &str) -> Option<Arch> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_uppercase())).ok()
}

/// Names a profile's `includes.arches` / `excludes.arches` may use for the
/// running architecture (Docker uses Go's names).
fn native_arch_names() -> &'static [&'static str] {
    if cfg!(target_arch = "x86_64") {
        &["amd64", "x86_64", "SCMP_ARCH_X86_64"]
    } else if cfg!(target_arch = "aarch64") {
        &["arm64", "aarch64", "SCMP_ARCH_AARCH64"]
    } else {
        &[]
    }
}

fn canonical_cap(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    }
}

/// "4.8", "5.10.0", "6.18.44-fc-v669" → (major, minor).
fn parse_kernel_version(s: &str) -> Option<(u32, u32)> {
    let mut parts = s.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor_text = parts.next().unwrap_or("0");
    let digits = minor_text
        .find(|c: char| !c.is_ascii_digit())
        .map_or(minor_text, |end| &minor_text[..end]);
    Some((major, digits.parse().ok()?))
}

fn running_kernel() -> Option<(u32, u32)> {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .and_then(|s| parse_kernel_version(&s))
}
