//! Compiles an OCI seccomp profile into a classic BPF program.
//!
//! Layout of the generated program (x86_64; aarch64 has no x32 and no
//! compat section):
//!
//! ```text
//!   load arch;  arch != native             -> compat section
//!   load nr;    nr < x32 bit               -> native search
//!   x32 (when the profile lists SCMP_ARCH_X32):
//!               nr in x32 bit + (512..=547) -> x32 search
//!               nr &= ~x32 bit, then fall into the native search
//!   x32 (otherwise): the default action, ENOSYS if that would allow
//!   native search: binary search on nr over the syscalls that have rules,
//!       runs of consecutive numbers with the same plain action merged
//!     leaf: a few `jeq nr` tests (two range tests for a run), then the
//!           default action, then one shared `ret` per plain action used
//!           in the leaf, then the argument checks of syscalls that have some
//!   x32 search: the same over x32's own entry points (512 to 547)
//!   compat section (when the profile lists SCMP_ARCH_X86):
//!               arch != i386               -> KILL_PROCESS
//!               load nr; i386 search, with 32-bit argument checks
//!   KILL_PROCESS
//! ```
//!
//! Rule semantics for one syscall: rules with argument conditions are tried
//! first, in profile order, then the first rule without conditions; the first
//! rule whose conditions all hold decides. Conditions in one rule are ANDed,
//! so several rules with the same action OR together. When nothing matches,
//! the default action applies. Names unknown on this architecture are
//! skipped, since profiles list names for many architectures.
//!
//! Every ABI gets the same rules, each by its own numbers, as libseccomp
//! does for the architectures a profile lists:
//!
//! - i386 compares arguments on their low 32 bits, and so does the value a
//!   rule gives (libseccomp's treatment of 32-bit ABIs). Its multiplexers
//!   `socketcall` and `ipc`, unless the profile names them, follow the rules
//!   of the calls they stand for; see [`multiplexer_rules`].
//! - x32 numbers outside x32's own 512-547 are x86_64's (the table
//!   generator checks this; the kernel numbers new syscalls for both), so
//!   they are searched in the native tree once the x32 bit is cleared. That
//!   includes the few x86_64-only numbers, which an x32 caller gets ENOSYS
//!   for from the kernel (Linux 5.4 and later) or, before that, the x86_64
//!   syscall itself, which the native rules decide anyway.
//! - Foreign ABIs the profile does not list, and arm32 on aarch64 (no
//!   table), kill the process rather than let it bypass the filter.
//!
//! Jumps are emitted against symbolic labels; a final pass resolves them and,
//! where a conditional jump would exceed its 8-bit offset, routes it through
//! an unconditional `ja` (32-bit offset) placed right after it.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use libc::sock_filter;
use oci_spec::runtime::{Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};

use super::syscalls::{self, Abi};

/// The kernel refuses longer programs (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;

/// `AUDIT_ARCH_*` of the native architecture: ELF machine number plus the
/// 64-bit and little-endian flags (linux/audit.h).
#[cfg(target_arch = "x86_64")]
pub const NATIVE_AUDIT_ARCH: Option<u32> = Some(0xC000_003E);
#[cfg(target_arch = "aarch64")]
pub const NATIVE_AUDIT_ARCH: Option<u32> = Some(0xC000_00B7);
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub const NATIVE_AUDIT_ARCH: Option<u32> = None;

/// `AUDIT_ARCH_I386`: syscalls made through the i386 ABI of an x86_64
/// kernel (`int $0x80`, `sysenter`, 32-bit `syscall`).
pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;

/// x32 syscalls arrive with the x86_64 audit arch and this bit in `nr`.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// Errno used by SCMP_ACT_ERRNO/SCMP_ACT_TRACE when the profile names none
/// (runc's choice).
const DEFAULT_ERRNO: u32 = libc::EPERM as u32;

/// Leaves of the binary search hold at most this many syscalls: below that a
/// linear scan costs about the same and needs fewer instructions.
const LEAF_SIZE: usize = 6;

// Offsets into `struct seccomp_data`.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARGS: u32 = 16;

/// Offsets of the low and high 32-bit halves of argument `index`.
fn arg_offsets(index: u32) -> (u32, u32) {
    let base = OFF_ARGS + 8 * index;
    if cfg!(target_endian = "little") {
        (base, base + 4)
    } else {
        (base + 4, base)
    }
}

/// Return value of a seccomp action.
pub fn action_value(action: LinuxSeccompAction, errno: Option<u32>) -> Result<u32> {
    Ok(match action {
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => {
            libc::SECCOMP_RET_KILL_THREAD
        }
        LinuxSeccompAction::ScmpActKillProcess => libc::SECCOMP_RET_KILL_PROCESS,
        LinuxSeccompAction::ScmpActTrap => libc::SECCOMP_RET_TRAP,
        LinuxSeccompAction::ScmpActErrno => {
            let errno = errno.unwrap_or(DEFAULT_ERRNO);
            // The kernel turns larger values into MAX_ERRNO anyway.
            if errno > 4095 {
                bail!("errno {errno} is out of range (at most 4095)");
            }
            libc::SECCOMP_RET_ERRNO | errno
        }
        LinuxSeccompAction::ScmpActTrace => {
            let data = errno.unwrap_or(DEFAULT_ERRNO);
            if data > libc::SECCOMP_RET_DATA {
                bail!("trace value {data} is out of range (at most 65535)");
            }
            libc::SECCOMP_RET_TRACE | data
        }
        LinuxSeccompAction::ScmpActLog => libc::SECCOMP_RET_LOG,
        LinuxSeccompAction::ScmpActAllow => libc::SECCOMP_RET_ALLOW,
        LinuxSeccompAction::ScmpActNotify => {
            bail!("SCMP_ACT_NOTIFY needs a seccomp agent, which is not supported")
        }
    })
}

/// One argument comparison, on the full 64-bit value.
#[derive(Clone, Copy, Debug)]
struct Cond {
    index: u32,
    op: LinuxSeccompOperator,
    value: u64,
    value_two: u64,
}

#[derive(Clone, Debug)]
struct Rule {
    conds: Vec<Cond>,
    action: u32,
}

/// A profile rule, checked and converted, with the names it is for.
struct NamedRule<'a> {
    names: &'a [String],
    rule: Rule,
}

/// Syscalls `first..=last` and the rules they share, in trial order. Only
/// syscalls with one unconditional rule share an entry.
struct Entry {
    first: u32,
    last: u32,
    rules: Vec<Rule>,
}

/// What every search in one section shares.
#[derive(Clone, Copy)]
struct Section {
    default: u32,
    /// Compare arguments on their low halves only (32-bit ABIs).
    arg32: bool,
}

/// Compiles `profile` for the running architecture.
pub fn compile(profile: &LinuxSeccomp) -> Result<Vec<sock_filter>> {
    let Some(native) = NATIVE_AUDIT_ARCH else {
        bail!("seccomp filters are not supported on this architecture");
    };
    let default = action_value(profile.default_action(), profile.default_errno_ret())?;
    let rules = named_rules(profile)?;
    let listed = |arch: Arch| {
        cfg!(target_arch = "x86_64") && profile.architectures().iter().flatten().any(|a| *a == arch)
    };
    let plain = Section {
        default,
        arg32: false,
    };

    let mut b = Builder::default();
    let compat = b.label();
    b.load(OFF_ARCH);
    b.jump(Cmp::Eq, native, Target::Next, Target::To(compat));
    b.load(OFF_NR);
    let native_entries = entries(&rules, Abi::Native, default);
    if cfg!(target_arch = "x86_64") {
        let native_search = b.label();
        b.jump(
            Cmp::Ge,
            X32_SYSCALL_BIT,
            Target::Next,
            Target::To(native_search),
        );
        if let (true, Some((own_first, own_last))) =
            (listed(Arch::ScmpArchX32), syscalls::x32_own_range())
        {
            let (x32_search, shared) = (b.label(), b.label());
            b.jump(
                Cmp::Ge,
                X32_SYSCALL_BIT | own_first,
                Target::Next,
                Target::To(shared),
            );
            b.jump(
                Cmp::Gt,
                X32_SYSCALL_BIT | own_last,
                Target::To(shared),
                Target::To(x32_search),
            );
            b.bind(shared);
            b.and(!X32_SYSCALL_BIT);
            b.bind(native_search);
            emit_search(&mut b, &native_entries, plain);
            b.bind(x32_search);
            let x32_entries: Vec<_> = entries(&rules, Abi::X32Own, default)
                .into_iter()
                .map(|e| Entry {
                    first: e.first | X32_SYSCALL_BIT,
                    last: e.last | X32_SYSCALL_BIT,
                    ..e
                })
                .collect();
            emit_search(&mut b, &x32_entries, plain);
        } else {
            // Never let x32 through unfiltered, even under an
            // allow-by-default profile.
            b.ret(if is_allowing(default) {
                libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32
            } else {
                default
            });
            b.bind(native_search);
            emit_search(&mut b, &native_entries, plain);
        }
    } else {
        emit_search(&mut b, &native_entries, plain);
    }

    b.bind(compat);
    if listed(Arch::ScmpArchX86) {
        let kill = b.label();
        b.jump(Cmp::Eq, AUDIT_ARCH_I386, Target::Next, Target::To(kill));
        b.load(OFF_NR);
        let i386 = Section {
            default,
            arg32: true,
        };
        emit_search(&mut b, &entries(&rules, Abi::I386, default), i386);
        b.bind(kill);
    }
    b.ret(libc::SECCOMP_RET_KILL_PROCESS);

    let prog = b.finish()?;
    if prog.len() > MAX_INSNS {
        bail!(
            "seccomp profile compiles to {} BPF instructions, more than the kernel's limit of {MAX_INSNS}",
            prog.len()
        );
    }
    Ok(prog)
}

/// The profile's rules, in profile order, with actions and conditions
/// checked.
fn named_rules(profile: &LinuxSeccomp) -> Result<Vec<NamedRule<'_>>> {
    let mut rules = Vec::new();
    for syscall in profile.syscalls().iter().flatten() {
        let what = || syscall.names().join(",");
        let action = action_value(syscall.action(), syscall.errno_ret())
            .map_err(|e| anyhow!("seccomp rule for {}: {e}", what()))?;
        let mut conds = Vec::new();
        for arg in syscall.args().iter().flatten() {
            if arg.index() >= 6 {
                bail!(
                    "seccomp rule for {}: argument index {} is out of range (0-5)",
                    what(),
                    arg.index()
                );
            }
            conds.push(Cond {
                index: arg.index() as u32,
                op: arg.op(),
                value: arg.value(),
                value_two: arg.value_two().unwrap_or(0),
            });
        }
        rules.push(NamedRule {
            names: syscall.names(),
            rule: Rule { conds, action },
        });
    }
    Ok(rules)
}

/// The syscalls of `abi` that need code, sorted by number, each with its
/// rules in the order they are tried. Consecutive numbers with the same
/// unconditional rule share an entry (only numbers that name syscalls: a
/// number the tables do not know keeps the default action).
fn entries(rules: &[NamedRule], abi: Abi, default: u32) -> Vec<Entry> {
    let mut by_nr: BTreeMap<u32, Vec<Rule>> = BTreeMap::new();
    for named in rules {
        for name in named.names {
            if let Some(nr) = syscalls::number_in(abi, name) {
                by_nr.entry(nr).or_default().push(named.rule.clone());
            }
        }
    }
    if abi == Abi::I386 {
        for (name, calls) in syscalls::multiplexers() {
            let Some(nr) = syscalls::number_in(abi, name) else {
                continue;
            };
            // Rules the profile gives for the multiplexer itself win.
            if let std::collections::btree_map::Entry::Vacant(slot) = by_nr.entry(nr) {
                slot.insert(multiplexer_rules(rules, calls, default));
            }
        }
    }

    let plain_action = |rules: &[Rule]| match rules {
        [Rule { conds, action }] if conds.is_empty() => Some(*action),
        _ => None,
    };
    let mut entries: Vec<Entry> = Vec::with_capacity(by_nr.len());
    for (nr, mut rules) in by_nr {
        in_trial_order(&mut rules);
        // A syscall whose only rule is the default action needs no code.
        if rules.is_empty() || plain_action(&rules) == Some(default) {
            continue;
        }
        if let Some(run) = entries.last_mut() {
            if run.last.checked_add(1) == Some(nr)
                && plain_action(&rules).is_some()
                && plain_action(&run.rules) == plain_action(&rules)
            {
                run.last = nr;
                continue;
            }
        }
        entries.push(Entry {
            first: nr,
            last: nr,
            rules,
        });
    }
    entries
}

/// Conditional rules first (stable: profile order kept), and nothing after
/// the first unconditional one, which could never match.
fn in_trial_order(rules: &mut Vec<Rule>) {
    rules.sort_by_key(|r| r.conds.is_empty());
    if let Some(first_plain) = rules.iter().position(|r| r.conds.is_empty()) {
        rules.truncate(first_plain + 1);
    }
}

/// Rules for an i386 multiplexer (`socketcall` or `ipc`) from the rules of
/// the syscalls its `calls` stand for, selected by the call number in its
/// first argument.
///
/// The multiplexed syscall's own arguments are in memory, where BPF cannot
/// look, so a call gets the first allowing action of its syscall's rules
/// when it has one (a syscall allowed for some arguments is allowed through
/// the multiplexer for all), else the action of its unconditional rule,
/// else the default. `send` and `recv`, which i386 only has as calls, follow
/// `sendto` and `recvfrom` (what the kernel runs for them) unless named.
///
/// Neighbouring calls with the same action share one range check, which
/// also covers the unused numbers between them (ipc's 5-10 and 15-20): the
/// kernel refuses those itself. Numbers outside every range, and ipc calls
/// with a version in the high half, get the default, as in libseccomp,
/// which compares the whole first argument.
fn multiplexer_rules(rules: &[NamedRule], calls: &[(u32, &str)], default: u32) -> Vec<Rule> {
    let rules_for = |name: &str| -> Vec<Rule> {
        let mut found: Vec<Rule> = rules
            .iter()
            .filter(|r| r.names.iter().any(|n| n == name))
            .map(|r| r.rule.clone())
            .collect();
        in_trial_order(&mut found);
        found
    };
    let action_of = |name: &str| -> u32 {
        let mut found = rules_for(name);
        if found.is_empty() {
            let stand_in = match name {
                "send" => "sendto",
                "recv" => "recvfrom",
                _ => return default,
            };
            found = rules_for(stand_in);
        }
        found
            .iter()
            .find(|r| is_allowing(r.action))
            .or_else(|| found.iter().find(|r| r.conds.is_empty()))
            .map_or(default, |r| r.action)
    };

    // (first call, last call, action), calls in ascending order.
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    for &(call, name) in calls {
        let action = action_of(name);
        match runs.last_mut() {
            Some(run) if run.2 == action => run.1 = call,
            _ => runs.push((call, call, action)),
        }
    }
    let call_is = |op, value| Cond {
        index: 0,
        op,
        value: u64::from(value),
        value_two: 0,
    };
    runs.into_iter()
        .filter(|&(_, _, action)| action != default)
        .map(|(first, last, action)| Rule {
            conds: if first == last {
                vec![call_is(LinuxSeccompOperator::ScmpCmpEq, first)]
            } else {
                vec![
                    call_is(LinuxSeccompOperator::ScmpCmpGe, first),
                    call_is(LinuxSeccompOperator::ScmpCmpLe, last),
                ]
            },
            action,
        })
        .collect()
}

fn is_allowing(action: u32) -> bool {
    action == libc::SECCOMP_RET_ALLOW || action == libc::SECCOMP_RET_LOG
}

/// Binary search over `entries` (sorted by number); `A` holds `nr`.
fn emit_search(b: &mut Builder, entries: &[Entry], section: Section) {
    if entries.len() <= LEAF_SIZE {
        emit_leaf(b, entries, section);
        return;
    }
    let mid = entries.len() / 2;
    let upper = b.label();
    b.jump(Cmp::Ge, entries[mid].first, Target::To(upper), Target::Next);
    emit_search(b, &entries[..mid], section);
    b.bind(upper);
    emit_search(b, &entries[mid..], section);
}

/// Tests `A` against each entry in ascending order. A run is two tests:
/// below its first number, `A` is below every later entry and equal to no
/// earlier one, so nothing matches; above its last, the scan goes on.
fn emit_leaf(b: &mut Builder, entries: &[Entry], section: Section) {
    let mut shared: Vec<(u32, Label)> = Vec::new();
    let mut blocks: Vec<(Label, &[Rule])> = Vec::new();
    let fallback = b.label();
    for Entry { first, last, rules } in entries {
        let target = if let [Rule { conds, action }] = rules.as_slice() {
            if conds.is_empty() {
                match shared.iter().find(|(a, _)| a == action) {
                    Some(&(_, label)) => label,
                    None => {
                        let label = b.label();
                        shared.push((*action, label));
                        label
                    }
                }
            } else {
                let label = b.label();
                blocks.push((label, rules));
                label
            }
        } else {
            let label = b.label();
            blocks.push((label, rules));
            label
        };
        if first == last {
            b.jump(Cmp::Eq, *first, Target::To(target), Target::Next);
        } else {
            b.jump(Cmp::Ge, *first, Target::Next, Target::To(fallback));
            b.jump(Cmp::Gt, *last, Target::Next, Target::To(target));
        }
    }
    b.bind(fallback);
    b.ret(section.default);
    for (action, label) in shared {
        b.bind(label);
        b.ret(action);
    }
    for (label, rules) in blocks {
        b.bind(label);
        emit_rules(b, rules, section);
    }
}

fn emit_rules(b: &mut Builder, rules: &[Rule], section: Section) {
    for rule in rules {
        if rule.conds.is_empty() {
            // Sorted last and truncated after: nothing follows.
            b.ret(rule.action);
            return;
        }
        let next = b.label();
        for cond in &rule.conds {
            if section.arg32 {
                emit_cond32(b, cond, next);
            } else {
                emit_cond(b, cond, next);
            }
        }
        b.ret(rule.action);
        b.bind(next);
    }
    b.ret(section.default);
}

/// [`emit_cond`] for a 32-bit ABI: the argument's low half against the
/// low half of the rule's values, as libseccomp compares for 32-bit ABIs.
fn emit_cond32(b: &mut Builder, cond: &Cond, fail: Label) {
    use Target::{Next, To};
    let (lo_off, _) = arg_offsets(cond.index);
    let (value, fail) = (cond.value as u32, To(fail));
    b.load(lo_off);
    match cond.op {
        LinuxSeccompOperator::ScmpCmpEq => b.jump(Cmp::Eq, value, Next, fail),
        LinuxSeccompOperator::ScmpCmpNe => b.jump(Cmp::Eq, value, fail, Next),
        LinuxSeccompOperator::ScmpCmpMaskedEq => {
            // value is the mask, valueTwo the datum.
            if value != u32::MAX {
                b.and(value);
            }
            b.jump(Cmp::Eq, cond.value_two as u32, Next, fail);
        }
        LinuxSeccompOperator::ScmpCmpGt => b.jump(Cmp::Gt, value, Next, fail),
        LinuxSeccompOperator::ScmpCmpGe => b.jump(Cmp::Ge, value, Next, fail),
        // a < v  is  !(a >= v);  a <= v  is  !(a > v).
        LinuxSeccompOperator::ScmpCmpLt => b.jump(Cmp::Ge, value, fail, Next),
        LinuxSeccompOperator::ScmpCmpLe => b.jump(Cmp::Gt, value, fail, Next),
    }
}

/// Falls through when `cond` holds, jumps to `fail` otherwise. 64-bit
/// comparisons are done on the high half first, then the low half.
fn emit_cond(b: &mut Builder, cond: &Cond, fail: Label) {
    use Target::{Next, To};
    let (lo_off, hi_off) = arg_offsets(cond.index);
    let (v_hi, v_lo) = ((cond.value >> 32) as u32, cond.value as u32);
    let fail = To(fail);
    match cond.op {
        LinuxSeccompOperator::ScmpCmpEq => {
            b.load(hi_off);
            b.jump(Cmp::Eq, v_hi, Next, fail);
            b.load(lo_off);
            b.jump(Cmp::Eq, v_lo, Next, fail);
        }
        LinuxSeccompOperator::ScmpCmpNe => {
            let pass = b.label();
            b.load(hi_off);
            b.jump(Cmp::Eq, v_hi, Next, To(pass));
            b.load(lo_off);
            b.jump(Cmp::Eq, v_lo, fail, Next);
            b.bind(pass);
        }
        LinuxSeccompOperator::ScmpCmpMaskedEq => {
            // libseccomp's convention: value is the mask, valueTwo the datum.
            let (m_hi, m_lo) = ((cond.value >> 32) as u32, cond.value as u32);
            let (d_hi, d_lo) = ((cond.value_two >> 32) as u32, cond.value_two as u32);
            if m_hi != 0 || d_hi != 0 {
                b.load(hi_off);
                b.and(m_hi);
                b.jump(Cmp::Eq, d_hi, Next, fail);
            }
            b.load(lo_off);
            b.and(m_lo);
            b.jump(Cmp::Eq, d_lo, Next, fail);
        }
        op @ (LinuxSeccompOperator::ScmpCmpGt | LinuxSeccompOperator::ScmpCmpGe) => {
            let pass = b.label();
            b.load(hi_off);
            b.jump(Cmp::Gt, v_hi, To(pass), Next);
            b.jump(Cmp::Eq, v_hi, Next, fail);
            b.load(lo_off);
            let cmp = if op == LinuxSeccompOperator::ScmpCmpGt {
                Cmp::Gt
            } else {
                Cmp::Ge
            };
            b.jump(cmp, v_lo, To(pass), fail);
            b.bind(pass);
        }
        op @ (LinuxSeccompOperator::ScmpCmpLt | LinuxSeccompOperator::ScmpCmpLe) => {
            // a < v  is  !(a >= v);  a <= v  is  !(a > v).
            let pass = b.label();
            b.load(hi_off);
            b.jump(Cmp::Gt, v_hi, fail, Next);
            b.jump(Cmp::Eq, v_hi, Next, To(pass));
            b.load(lo_off);
            let cmp = if op == LinuxSeccompOperator::ScmpCmpLt {
                Cmp::Ge
            } else {
                Cmp::Gt
            };
            b.jump(cmp, v_lo, fail, To(pass));
            b.bind(pass);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Label(usize);

#[derive(Clone, Copy, Debug)]
enum Target {
    /// The instruction right after the jump.
    Next,
    To(Label),
}

#[derive(Clone, Copy, Debug)]
enum Cmp {
    Eq,
    Gt,
    Ge,
}

enum Item {
    /// A non-jump instruction.
    Insn(sock_filter),
    /// Conditional jump; targets are always labels once pushed.
    Jump {
        code: u16,
        k: u32,
        jt: Label,
        jf: Label,
    },
    /// Unconditional jump.
    Ja(Label),
    /// Marks the position of the next instruction; emits nothing.
    Bind(Label),
}

/// Collects instructions with symbolic jump targets.
#[derive(Default)]
struct Builder {
    items: Vec<Item>,
    labels: usize,
}

const fn insn(code: u32, k: u32) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

impl Builder {
    fn label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    fn bind(&mut self, label: Label) {
        self.items.push(Item::Bind(label));
    }

    /// `A = seccomp_data[offset]` (32 bits).
    fn load(&mut self, offset: u32) {
        self.items.push(Item::Insn(insn(
            libc::BPF_LD | libc::BPF_W | libc::BPF_ABS,
            offset,
        )));
    }

    /// `A &= k`.
    fn and(&mut self, k: u32) {
        self.items.push(Item::Insn(insn(
            libc::BPF_ALU | libc::BPF_AND | libc::BPF_K,
            k,
        )));
    }

    fn ret(&mut self, action: u32) {
        self.items
            .push(Item::Insn(insn(libc::BPF_RET | libc::BPF_K, action)));
    }

    fn jump(&mut self, cmp: Cmp, k: u32, jt: Target, jf: Target) {
        let op = match cmp {
            Cmp::Eq => libc::BPF_JEQ,
            Cmp::Gt => libc::BPF_JGT,
            Cmp::Ge => libc::BPF_JGE,
        };
        // "Next" becomes a real label so that trampolines inserted after the
        // jump later cannot change what it means.
        let mut next = None;
        let mut resolve = |t: Target, this: &mut Self| match t {
            Target::To(l) => l,
            Target::Next => *next.get_or_insert_with(|| this.label()),
        };
        let jt = resolve(jt, self);
        let jf = resolve(jf, self);
        self.items.push(Item::Jump {
            code: (libc::BPF_JMP | op | libc::BPF_K) as u16,
            k,
            jt,
            jf,
        });
        if let Some(label) = next {
            self.bind(label);
        }
    }

    /// Resolves labels into offsets, adding `ja` trampolines for conditional
    /// jumps that are too far for their 8-bit offsets.
    fn finish(mut self) -> Result<Vec<sock_filter>> {
        loop {
            let (positions, label_pos) = self.layout()?;
            let mut changed = false;
            let mut items = Vec::with_capacity(self.items.len());
            for (item, pos) in std::mem::take(&mut self.items).into_iter().zip(positions) {
                let Item::Jump { code, k, jt, jf } = item else {
                    items.push(item);
                    continue;
                };
                let mut trampolines = Vec::new();
                let mut near = |target: Label, labels: &mut usize| {
                    if label_pos[target.0] - (pos + 1) <= 255 {
                        return target;
                    }
                    *labels += 1;
                    let hop = Label(*labels - 1);
                    trampolines.push(Item::Bind(hop));
                    trampolines.push(Item::Ja(target));
                    hop
                };
                let jt = near(jt, &mut self.labels);
                let jf = near(jf, &mut self.labels);
                changed |= !trampolines.is_empty();
                items.push(Item::Jump { code, k, jt, jf });
                items.extend(trampolines);
            }
            self.items = items;
            if !changed {
                break;
            }
        }

        let (positions, label_pos) = self.layout()?;
        let mut prog = Vec::with_capacity(self.items.len());
        for (item, pos) in self.items.iter().zip(positions) {
            let offset = |l: Label| label_pos[l.0] - (pos + 1);
            match *item {
                Item::Insn(i) => prog.push(i),
                Item::Jump { code, k, jt, jf } => prog.push(sock_filter {
                    code,
                    jt: u8::try_from(offset(jt))?,
                    jf: u8::try_from(offset(jf))?,
                    k,
                }),
                Item::Ja(l) => prog.push(insn(
                    libc::BPF_JMP | libc::BPF_JA,
                    u32::try_from(offset(l))?,
                )),
                Item::Bind(_) => {}
            }
        }
        Ok(prog)
    }

    /// Instruction index of every item, and of every label. Fails on unbound
    /// labels and backward jumps, which BPF cannot express (internal bugs).
    fn layout(&self) -> Result<(Vec<usize>, Vec<usize>)> {
        let mut positions = Vec::with_capacity(self.items.len());
        let mut label_pos = vec![usize::MAX; self.labels];
        let mut pos = 0;
        for item in &self.items {
            positions.push(pos);
            match item {
                Item::Bind(l) => label_pos[l.0] = pos,
                _ => pos += 1,
            }
        }
        for (item, &pos) in self.items.iter().zip(&positions) {
            let targets = match *item {
                Item::Jump { jt, jf, .. } => [Some(jt), Some(jf)],
                Item::Ja(l) => [Some(l), None],
                _ => [None, None],
            };
            for l in targets.into_iter().flatten() {
                if label_pos[l.0] == usize::MAX || label_pos[l.0] <= pos {
                    bail!("internal error: bad BPF jump target at instruction {pos}");
                }
            }
        }
        Ok((positions, label_pos))
    }
}

#[cfg(test)]
pub(super) mod interp {
    //! A classic-BPF interpreter for the subset the compiler emits, so tests
    //! can run a filter against any `seccomp_data` without installing it.

    use libc::sock_filter;

    /// Runs `prog` on `(nr, arch, args)` and returns the seccomp action.
    pub fn run(prog: &[sock_filter], nr: u32, arch: u32, args: [u64; 6]) -> u32 {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&nr.to_ne_bytes());
        data[4..8].copy_from_slice(&arch.to_ne_bytes());
        for (i, arg) in args.iter().enumerate() {
            data[16 + 8 * i..24 + 8 * i].copy_from_slice(&arg.to_ne_bytes());
        }
        let mut a: u32 = 0;
        let mut pc = 0usize;
        loop {
            let ins = prog[pc];
            pc += 1;
            let code = u32::from(ins.code);
            match code {
                c if c == libc::BPF_LD | libc::BPF_W | libc::BPF_ABS => {
                    let k = ins.k as usize;
                    assert!(k % 4 == 0 && k + 4 <= 64, "bad load offset {k}");
                    a = u32::from_ne_bytes(data[k..k + 4].try_into().unwrap());
                }
                c if c == libc::BPF_ALU | libc::BPF_AND | libc::BPF_K => a &= ins.k,
                c if c == libc::BPF_RET | libc::BPF_K => return ins.k,
                c if c == libc::BPF_JMP | libc::BPF_JA => pc += ins.k as usize,
                c if c & 0x07 == libc::BPF_JMP => {
                    let taken = match c & 0xf0 {
                        x if x == libc::BPF_JEQ => a == ins.k,
                        x if x == libc::BPF_JGT => a > ins.k,
                        x if x == libc::BPF_JGE => a >= ins.k,
                        other => panic!("unexpected jump op {other:#x}"),
                    };
                    pc += usize::from(if taken { ins.jt } else { ins.jf });
                }
                other => panic!("unexpected BPF opcode {other:#x}"),
            }
        }
    }
}
