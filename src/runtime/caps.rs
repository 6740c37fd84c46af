//! Linux capabilities for container processes.
//!
//! Two halves:
//! * naming and policy (`parse_cap`, `DEFAULT_CAPS`, `effective_set`): turns
//!   `--cap-add` / `--cap-drop` / `--privileged` into the list of `CAP_*`
//!   names the container gets, with Docker/Podman semantics;
//! * enforcement (`CapSets`): bit masks built from an OCI
//!   `process.capabilities` before fork, applied in the container child right
//!   before `execve` using only raw syscalls.
//!
//! # Call order in the child
//!
//! ```text
//! prctl(PR_SET_KEEPCAPS, 1)     // keep the permitted set across setuid
//! setgroups / setgid / setuid   // switch to the container user
//! CapSets::apply()              // bounding, then e/p/i, then ambient
//! execve
//! ```
//!
//! Without `PR_SET_KEEPCAPS` a switch from uid 0 to a non-zero uid empties the
//! permitted set and `apply` can no longer grant anything. `setuid` always
//! clears the effective set when leaving uid 0, so `apply` first raises the
//! effective set back to the permitted one: it needs `CAP_SETPCAP` to shrink
//! the bounding set.
//!
//! What survives `execve`: for uid 0 the kernel recomputes the permitted and
//! effective sets as `inheritable | bounding`, so the bounding set is what
//! limits a root process. For a non-zero uid without file capabilities only
//! the ambient set survives, so caps meant for a non-root user must be in the
//! ambient set (and therefore also in permitted and inheritable).

use std::collections::BTreeSet;
use std::io;

use anyhow::{anyhow, bail, Result};
use oci_spec::runtime::{Capabilities, LinuxCapabilities};

/// Every capability Linux defines (as of 5.9), indexed by its number.
pub const CAP_NAMES: [&str; 41] = [
    "CAP_CHOWN",              // 0
    "CAP_DAC_OVERRIDE",       // 1
    "CAP_DAC_READ_SEARCH",    // 2
    "CAP_FOWNER",             // 3
    "CAP_FSETID",             // 4
    "CAP_KILL",               // 5
    "CAP_SETGID",             // 6
    "CAP_SETUID",             // 7
    "CAP_SETPCAP",            // 8
    "CAP_LINUX_IMMUTABLE",    // 9
    "CAP_NET_BIND_SERVICE",   // 10
    "CAP_NET_BROADCAST",      // 11
    "CAP_NET_ADMIN",          // 12
    "CAP_NET_RAW",            // 13
    "CAP_IPC_LOCK",           // 14
    "CAP_IPC_OWNER",          // 15
    "CAP_SYS_MODULE",         // 16
    "CAP_SYS_RAWIO",          // 17
    "CAP_SYS_CHROOT",         // 18
    "CAP_SYS_PTRACE",         // 19
    "CAP_SYS_PACCT",          // 20
    "CAP_SYS_ADMIN",          // 21
    "CAP_SYS_BOOT",           // 22
    "CAP_SYS_NICE",           // 23
    "CAP_SYS_RESOURCE",       // 24
    "CAP_SYS_TIME",           // 25
    "CAP_SYS_TTY_CONFIG",     // 26
    "CAP_MKNOD",              // 27
    "CAP_LEASE",              // 28
    "CAP_AUDIT_WRITE",        // 29
    "CAP_AUDIT_CONTROL",      // 30
    "CAP_SETFCAP",            // 31
    "CAP_MAC_OVERRIDE",       // 32
    "CAP_MAC_ADMIN",          // 33
    "CAP_SYSLOG",             // 34
    "CAP_WAKE_ALARM",         // 35
    "CAP_BLOCK_SUSPEND",      // 36
    "CAP_AUDIT_READ",         // 37
    "CAP_PERFMON",            // 38
    "CAP_BPF",                // 39
    "CAP_CHECKPOINT_RESTORE", // 40
];

/// Highest capability number in [`CAP_NAMES`].
const MAX_KNOWN_CAP: u32 = CAP_NAMES.len() as u32 - 1;

/// The capabilities a container gets by default: Podman 4's set.
pub const DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

/// Parses `CHOWN`, `cap_chown` or `CAP_CHOWN` (any case) to its number.
pub fn parse_cap(name: &str) -> Result<u32> {
    let full = canonical(name);
    CAP_NAMES
        .iter()
        .position(|c| *c == full)
        .map(|n| n as u32)
        .ok_or_else(|| anyhow!("unknown capability {name:?}; see capabilities(7)"))
}

/// The `CAP_*` name of a capability number, if Linux defines it.
pub fn cap_name(cap: u32) -> Option<&'static str> {
    CAP_NAMES.get(cap as usize).copied()
}

/// Upper-cases a name and adds the `CAP_` prefix when missing.
fn canonical(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    }
}

/// The highest capability number the running kernel knows
/// (`/proc/sys/kernel/cap_last_cap`), or 40 when that cannot be read.
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(MAX_KNOWN_CAP)
}

/// The names of the capabilities in this process's bounding set: what "all
/// capabilities" means for `--privileged` and `--cap-add ALL`, since a
/// process cannot hand out a capability it cannot hold itself.
pub fn bounding_set() -> Vec<String> {
    (0..=last_cap().min(MAX_KNOWN_CAP))
        // SAFETY: PR_CAPBSET_READ only reads this thread's bounding set.
        .filter(|&cap| unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap as libc::c_ulong) } == 1)
        .filter_map(cap_name)
        .map(str::to_owned)
        .collect()
}

/// The capability list for a container, Docker/Podman style.
///
/// Starts from [`DEFAULT_CAPS`], or every capability in this process's
/// bounding set when `privileged`. `--cap-add ALL` also starts from every
/// capability; `--cap-drop ALL` throws the start away and keeps only the
/// added ones. A capability both added and dropped is an error, as is adding
/// and dropping `ALL` together. The result is `CAP_*` names, sorted, unique.
pub fn effective_set(
    cap_add: &[String],
    cap_drop: &[String],
    privileged: bool,
) -> Result<Vec<String>> {
    merge(cap_add, cap_drop, privileged, bounding_set)
}

/// [`effective_set`] with the "all capabilities" list injected, for tests.
fn merge(
    cap_add: &[String],
    cap_drop: &[String],
    privileged: bool,
    all: impl Fn() -> Vec<String>,
) -> Result<Vec<String>> {
    let (add_all, adds) = normalize_list(cap_add)?;
    let (drop_all, drops) = normalize_list(cap_drop)?;
    if add_all && drop_all {
        bail!("--cap-add ALL and --cap-drop ALL cannot be used together");
    }
    if drop_all {
        return Ok(adds.into_iter().collect());
    }
    if let Some(both) = adds.intersection(&drops).next() {
        bail!("capability {both} cannot be both added and dropped");
    }
    let mut caps: BTreeSet<String> = if privileged || add_all {
        all().into_iter().collect()
    } else {
        DEFAULT_CAPS.iter().map(|c| c.to_string()).collect()
    };
    caps.extend(adds);
    caps.retain(|c| !drops.contains(c));
    Ok(caps.into_iter().collect())
}

/// Canonical names of a `--cap-*` list, and whether it contained `ALL`.
fn normalize_list(names: &[String]) -> Result<(bool, BTreeSet<String>)> {
    let mut all = false;
    let mut set = BTreeSet::new();
    for name in names {
        if name.trim().eq_ignore_ascii_case("ALL") {
            all = true;
        } else {
            set.insert(CAP_NAMES[parse_cap(name)? as usize].to_string());
        }
    }
    Ok((all, set))
}

/// The five capability sets of a process as bit masks (bit n = capability n),
/// ready to be applied without allocating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CapSets {
    pub bounding: u64,
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub ambient: u64,
    /// The kernel's highest capability: bounding-set drops go up to here.
    pub last_cap: u32,
}

impl CapSets {
    /// Builds the masks from an OCI spec. Call before fork: it allocates and
    /// reads `/proc`.
    ///
    /// A missing set is empty. Capabilities the running kernel does not know
    /// are left out (like runc does), so a spec written for a newer kernel
    /// still runs. Combinations the kernel would refuse at `apply` time are
    /// reported here, with names, instead.
    pub fn from_spec(caps: &LinuxCapabilities) -> Result<CapSets> {
        Self::from_spec_with_last_cap(caps, last_cap())
    }

    fn from_spec_with_last_cap(caps: &LinuxCapabilities, last_cap: u32) -> Result<CapSets> {
        let sets = CapSets {
            bounding: mask(caps.bounding().as_ref(), last_cap)?,
            effective: mask(caps.effective().as_ref(), last_cap)?,
            permitted: mask(caps.permitted().as_ref(), last_cap)?,
            inheritable: mask(caps.inheritable().as_ref(), last_cap)?,
            ambient: mask(caps.ambient().as_ref(), last_cap)?,
            last_cap,
        };
        check_subset(sets.effective, sets.permitted, "effective", "permitted")?;
        check_subset(sets.ambient, sets.permitted, "ambient", "permitted")?;
        check_subset(sets.ambient, sets.inheritable, "ambient", "inheritable")?;
        check_subset(sets.inheritable, sets.bounding, "inheritable", "bounding")?;
        Ok(sets)
    }

    /// Applies the sets to the calling thread. Async-signal-safe: raw
    /// syscalls only, no allocation. See the module docs for the order the
    /// caller must follow (`PR_SET_KEEPCAPS`, setuid, then this, then exec).
    pub fn apply(&self) -> io::Result<()> {
        // setuid away from 0 cleared the effective set; get it back so that
        // CAP_SETPCAP is usable for the bounding-set drops below.
        let mut data = capget()?;
        for word in data.iter_mut() {
            word.effective = word.permitted;
        }
        capset(&data)?;

        for cap in 0..=self.last_cap.min(63) {
            if self.bounding & (1u64 << cap) != 0 {
                continue;
            }
            // Dropping needs CAP_SETPCAP even for a no-op, so skip caps that
            // are already gone: this lets an unprivileged caller apply a set
            // that asks for nothing it lacks.
            // SAFETY: PR_CAPBSET_READ/DROP take one integer argument.
            let held = unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap as libc::c_ulong) };
            if held < 0 {
                let err = io::Error::last_os_error();
                if err.raw_os_error() == Some(libc::EINVAL) {
                    break; // beyond what this kernel knows
                }
                return Err(err);
            }
            if held == 1 {
                // SAFETY: as above, one integer argument.
                let dropped = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong) };
                if dropped < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }

        capset(&[CapData::from_masks(self, 0), CapData::from_masks(self, 32)])?;

        // Ambient caps need to be in permitted and inheritable, set above.
        // SAFETY: PR_CAP_AMBIENT takes integer arguments only.
        let cleared = unsafe {
            libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            )
        };
        if cleared < 0 {
            let err = io::Error::last_os_error();
            // Kernels before 4.3 have no ambient set; fine if none is wanted.
            if self.ambient != 0 || err.raw_os_error() != Some(libc::EINVAL) {
                return Err(err);
            }
        }
        for cap in 0..64u32 {
            if self.ambient & (1u64 << cap) == 0 {
                continue;
            }
            // SAFETY: as above.
            let rc = unsafe {
                libc::prctl(
                    libc::PR_CAP_AMBIENT,
                    libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                    cap as libc::c_ulong,
                    0 as libc::c_ulong,
                    0 as libc::c_ulong,
                )
            };
            if rc < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

/// Builds the masks from `caps` and applies them: [`CapSets::from_spec`]
/// followed by [`CapSets::apply`]. This allocates; in a forked child of a
/// multi-threaded process use the two steps separately.
pub fn apply(caps: &LinuxCapabilities) -> io::Result<()> {
    CapSets::from_spec(caps)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?
        .apply()
}

/// Bit mask of one OCI capability set.
fn mask(set: Option<&Capabilities>, last_cap: u32) -> Result<u64> {
    let mut bits = 0u64;
    for cap in set.into_iter().flatten() {
        // oci-spec displays capabilities without the CAP_ prefix.
        let n = parse_cap(&cap.to_string())?;
        if n <= last_cap.min(63) {
            bits |= 1u64 << n;
        }
    }
    Ok(bits)
}

fn check_subset(inner: u64, outer: u64, inner_name: &str, outer_name: &str) -> Result<()> {
    let extra = inner & !outer;
    if extra == 0 {
        return Ok(());
    }
    let names: Vec<&str> = (0..64u32)
        .filter(|n| extra & (1u64 << n) != 0)
        .map(|n| cap_name(n).unwrap_or("?"))
        .collect();
    bail!(
        "capabilities {} are in the {inner_name} set but not in the {outer_name} set",
        names.join(", ")
    )
}

/// `_LINUX_CAPABILITY_VERSION_3`: 64-bit sets as two 32-bit words.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// `struct __user_cap_header_struct`.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

/// `struct __user_cap_data_struct`: one 32-bit word of each set.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

impl CapData {
    /// The word of each set starting at bit `shift` (0 or 32).
    fn from_masks(sets: &CapSets, shift: u32) -> CapData {
        CapData {
            effective: (sets.effective >> shift) as u32,
            permitted: (sets.permitted >> shift) as u32,
            inheritable: (sets.inheritable >> shift) as u32,
        }
    }
}

fn capget() -> io::Result<[CapData; 2]> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: header and a two-element data array, as version 3 requires.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut CapHeader,
            data.as_mut_ptr(),
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(data)
}

fn capset(data: &[CapData; 2]) -> io::Result<()> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    // SAFETY: header and a two-element data array, as version 3 requires.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capset,
            &mut header as *mut CapHeader,
            data.as_ptr(),
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::{Capability, LinuxCapabilitiesBuilder};

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn all_caps() -> Vec<String> {
        strings(&CAP_NAMES)
    }

    fn defaults() -> Vec<String> {
        let mut v = strings(DEFAULT_CAPS);
        v.sort();
        v
    }

    #[test]
    fn parses_names_in_any_form() {
        for name in ["CHOWN", "chown", "cap_chown", "CAP_CHOWN", " Cap_Chown "] {
            assert_eq!(parse_cap(name).unwrap(), 0, "{name}");
        }
        assert_eq!(parse_cap("sys_admin").unwrap(), 21);
        assert_eq!(parse_cap("CAP_CHECKPOINT_RESTORE").unwrap(), 40);
        assert_eq!(parse_cap("net_bind_service").unwrap(), 10);
    }

    #[test]
    fn unknown_names_are_explained() {
        let err = parse_cap("FLY").unwrap_err().to_string();
        assert_eq!(err, "unknown capability \"FLY\"; see capabilities(7)");
        assert!(parse_cap("").is_err());
        assert!(parse_cap("ALL").is_err(), "ALL is for effective_set only");
    }

    #[test]
    fn table_round_trips_and_matches_oci_spec() {
        for (n, name) in CAP_NAMES.iter().enumerate() {
            assert_eq!(parse_cap(name).unwrap() as usize, n);
            assert_eq!(cap_name(n as u32), Some(*name));
            // oci-spec must agree on every name we know.
            let json = format!("\"{name}\"");
            let cap: Capability = serde_json::from_str(&json).unwrap();
            assert_eq!(format!("CAP_{cap}"), *name);
        }
        assert_eq!(cap_name(41), None);
        for name in DEFAULT_CAPS {
            parse_cap(name).unwrap();
        }
    }

    #[test]
    fn defaults_without_flags() {
        let got = merge(&[], &[], false, all_caps).unwrap();
        assert_eq!(got, defaults());
        assert_eq!(got.len(), 11);
    }

    #[test]
    fn add_and_drop_normalize_names() {
        let got = merge(
            &strings(&["net_raw", "CAP_SYS_PTRACE", "NET_RAW"]),
            &strings(&["chown", "cap_kill", "SYS_ADMIN"]),
            false,
            all_caps,
        )
        .unwrap();
        let mut want = defaults();
        want.retain(|c| c != "CAP_CHOWN" && c != "CAP_KILL");
        want.push("CAP_NET_RAW".into());
        want.push("CAP_SYS_PTRACE".into());
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn drop_all_then_add() {
        let got = merge(
            &strings(&["net_bind_service", "chown"]),
            &strings(&["all"]),
            false,
            all_caps,
        )
        .unwrap();
        assert_eq!(got, strings(&["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]));
        assert!(merge(&[], &strings(&["ALL"]), true, all_caps)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn add_all_minus_drops() {
        let got = merge(
            &strings(&["ALL"]),
            &strings(&["sys_admin"]),
            false,
            all_caps,
        )
        .unwrap();
        assert_eq!(got.len(), 40);
        assert!(!got.contains(&"CAP_SYS_ADMIN".to_string()));
        assert!(got.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    }

    #[test]
    fn privileged_starts_from_all() {
        let got = merge(&[], &[], true, all_caps).unwrap();
        assert_eq!(got.len(), 41);
        let got = merge(&[], &strings(&["CAP_SYS_MODULE"]), true, all_caps).unwrap();
        assert_eq!(got.len(), 40);
        // "All" is what the process holds, not the whole table.
        let got = merge(&[], &[], true, || strings(&["CAP_CHOWN", "CAP_KILL"])).unwrap();
        assert_eq!(got, strings(&["CAP_CHOWN", "CAP_KILL"]));
    }

    #[test]
    fn conflicting_flags_are_errors() {
        let err = merge(&strings(&["ALL"]), &strings(&["ALL"]), false, all_caps).unwrap_err();
        assert!(err.to_string().contains("cannot be used together"));
        let err = merge(
            &strings(&["net_raw"]),
            &strings(&["CAP_NET_RAW"]),
            false,
            all_caps,
        )
        .unwrap_err();
        assert!(err.to_string().contains("CAP_NET_RAW"), "{err}");
        let err = merge(&strings(&["bogus"]), &[], false, all_caps).unwrap_err();
        assert!(err.to_string().contains("unknown capability \"bogus\""));
        assert!(merge(&[], &strings(&["bogus"]), false, all_caps).is_err());
    }

    #[test]
    fn bounding_set_is_plausible() {
        let set = bounding_set();
        assert!(set.len() <= 41);
        assert!(set.iter().all(|c| parse_cap(c).is_ok()));
    }

    #[test]
    fn last_cap_reads_kernel() {
        let n = last_cap();
        assert!((30..64).contains(&n), "{n}");
    }

    fn caps_from(names: &[&str]) -> Capabilities {
        names
            .iter()
            .map(|n| serde_json::from_str::<Capability>(&format!("\"{n}\"")).unwrap())
            .collect()
    }

    fn spec(
        bounding: &[&str],
        effective: &[&str],
        permitted: &[&str],
        inheritable: &[&str],
        ambient: &[&str],
    ) -> LinuxCapabilities {
        LinuxCapabilitiesBuilder::default()
            .bounding(caps_from(bounding))
            .effective(caps_from(effective))
            .permitted(caps_from(permitted))
            .inheritable(caps_from(inheritable))
            .ambient(caps_from(ambient))
            .build()
            .unwrap()
    }

    #[test]
    fn masks_from_spec() {
        let all = [
            "CAP_CHOWN",
            "CAP_NET_BIND_SERVICE",
            "CAP_CHECKPOINT_RESTORE",
        ];
        let s = spec(&all, &all, &all, &["CAP_NET_BIND_SERVICE"], &[]);
        let sets = CapSets::from_spec_with_last_cap(&s, 40).unwrap();
        let want = 1 | 1 << 10 | 1 << 40;
        assert_eq!(sets.bounding, want);
        assert_eq!(sets.effective, want);
        assert_eq!(sets.permitted, want);
        assert_eq!(sets.inheritable, 1 << 10);
        assert_eq!(sets.ambient, 0);
        assert_eq!(sets.last_cap, 40);

        // An older kernel (last cap 37) silently loses the newer ones.
        let sets = CapSets::from_spec_with_last_cap(&s, 37).unwrap();
        assert_eq!(sets.bounding, 1 | 1 << 10);

        // A missing set means an empty set. (The builder's defaults are not
        // empty: oci-spec fills in a few caps, hence the setters.)
        let mut only_bounding = LinuxCapabilities::default();
        only_bounding
            .set_bounding(Some(caps_from(&["CAP_KILL"])))
            .set_effective(None)
            .set_permitted(None)
            .set_inheritable(None)
            .set_ambient(None);
        let sets = CapSets::from_spec_with_last_cap(&only_bounding, 40).unwrap();
        assert_eq!(sets.bounding, 1 << 5);
        assert_eq!(sets.effective | sets.permitted | sets.ambient, 0);
    }

    #[test]
    fn inconsistent_specs_are_refused_early() {
        let err = CapSets::from_spec_with_last_cap(
            &spec(&["CAP_KILL"], &["CAP_KILL"], &[], &[], &[]),
            40,
        )
        .unwrap_err();
        assert!(err
            .to_string()
            .contains("CAP_KILL are in the effective set"));
        let err = CapSets::from_spec_with_last_cap(
            &spec(&["CAP_KILL"], &[], &["CAP_KILL"], &[], &["CAP_KILL"]),
            40,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("not in the inheritable set"),
            "{err}"
        );
        let err = CapSets::from_spec_with_last_cap(&spec(&[], &[], &[], &["CAP_KILL"], &[]), 40)
            .unwrap_err();
        assert!(err.to_string().contains("bounding"), "{err}");
    }

    /// Whether this test process may manipulate its capabilities at all.
    fn can_setpcap() -> bool {
        capget()
            .map(|d| d[0].effective & (1 << 8) != 0 && d[0].effective & (1 << 6) != 0)
            .unwrap_or(false)
    }

    /// Runs `child` in a forked process and returns its exit code. The child
    /// must only make raw syscalls: the test binary is multi-threaded.
    fn in_child(child: impl FnOnce() -> i32) -> i32 {
        use nix::sys::wait::{waitpid, WaitStatus};
        use nix::unistd::{fork, ForkResult};
        // SAFETY: the child only runs async-signal-safe code and _exits.
        match unsafe { fork() }.expect("fork") {
            ForkResult::Child => {
                let code = child();
                // SAFETY: _exit ends the child without running the test
                // harness's atexit handlers or flushing its buffers.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => match waitpid(child, None).expect("waitpid") {
                WaitStatus::Exited(_, code) => code,
                other => panic!("child ended with {other:?}"),
            },
        }
    }

    fn bnd_has(cap: u32) -> bool {
        // SAFETY: PR_CAPBSET_READ takes one integer and only reads.
        unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap as libc::c_ulong) == 1 }
    }

    #[test]
    fn apply_as_root_restricts_all_sets() {
        if !can_setpcap() {
            eprintln!("skipped: needs CAP_SETPCAP and CAP_SETGID");
            return;
        }
        let d = DEFAULT_CAPS;
        let sets = CapSets::from_spec(&spec(d, d, d, d, &[])).unwrap();
        let code = in_child(|| {
            if sets.apply().is_err() {
                return 10;
            }
            if bnd_has(21) || bnd_has(12) || !bnd_has(0) || !bnd_has(10) {
                return 11;
            }
            let Ok(data) = capget() else { return 12 };
            let lo = sets.effective as u32;
            if data[0].effective != lo || data[0].permitted != lo || data[0].inheritable != lo {
                return 13;
            }
            if data[1].effective != 0 || data[1].permitted != 0 {
                return 14;
            }
            // Applying again (now without e.g. CAP_SYS_ADMIN) must succeed.
            if sets.apply().is_err() {
                return 15;
            }
            0
        });
        assert_eq!(code, 0);
    }

    #[test]
    fn ambient_caps_survive_setuid_and_exec() {
        if !can_setpcap() || !std::path::Path::new("/bin/sh").exists() {
            eprintln!("skipped: needs CAP_SETPCAP, CAP_SETGID and /bin/sh");
            return;
        }
        let nbs = ["CAP_NET_BIND_SERVICE"];
        let sets = CapSets::from_spec(&spec(DEFAULT_CAPS, &nbs, &nbs, &nbs, &nbs)).unwrap();
        // CapEff of the exec'd shell must be exactly CAP_NET_BIND_SERVICE.
        let sh = c"/bin/sh";
        let script = c"grep -q '^CapEff:[[:space:]]*0000000000000400$' /proc/self/status && grep -q '^CapBnd:[[:space:]]*00000000800405fb$' /proc/self/status";
        let argv = [
            sh.as_ptr(),
            c"-c".as_ptr(),
            script.as_ptr(),
            std::ptr::null(),
        ];
        // SAFETY: in the forked child: integer-argument syscalls, and execv
        // with NUL-terminated strings and a null-terminated argv built
        // before the fork.
        let code = in_child(|| unsafe {
            if libc::prctl(libc::PR_SET_KEEPCAPS, 1 as libc::c_ulong) != 0 {
                return 20;
            }
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                return 21;
            }
            if sets.apply().is_err() {
                return 22;
            }
            let is_set = libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_IS_SET as libc::c_ulong,
                10 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            );
            if is_set != 1 {
                return 23;
            }
            libc::execv(sh.as_ptr(), argv.as_ptr());
            24
        });
        assert_eq!(code, 0);
    }

    #[test]
    fn apply_without_keepcaps_cannot_grant() {
        if !can_setpcap() {
            eprintln!("skipped: needs CAP_SETPCAP and CAP_SETGID");
            return;
        }
        let nbs = ["CAP_NET_BIND_SERVICE"];
        let sets = CapSets::from_spec(&spec(DEFAULT_CAPS, &nbs, &nbs, &nbs, &nbs)).unwrap();
        // SAFETY: in the forked child: setgid and setuid take integers.
        let code = in_child(|| unsafe {
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                return 30;
            }
            match sets.apply() {
                Err(e) if e.raw_os_error() == Some(libc::EPERM) => 0,
                _ => 31,
            }
        });
        assert_eq!(code, 0, "the documented order matters");
    }
}
