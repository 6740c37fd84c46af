//! Compiles an OCI seccomp profile into a classic BPF program.
//!
//! Layout of the generated program:
//!
//! ```text
//!   load arch;  arch != native        -> KILL_PROCESS
//!   load nr;    (x86_64) nr >= x32 bit -> x32 action
//!   binary search on nr over the syscalls that have rules
//!     leaf: a few `jeq nr` tests, then the default action,
//!           then one shared `ret` per plain action used in the leaf,
//!           then the argument checks of syscalls that have some
//! ```
//!
//! Rule semantics for one syscall: rules with argument conditions are tried
//! first, in profile order, then the first rule without conditions; the first
//! rule whose conditions all hold decides. Conditions in one rule are ANDed,
//! so several rules with the same action OR together. When nothing matches,
//! the default action applies. Names unknown on this architecture are
//! skipped, since profiles list names for many architectures.
//!
//! Jumps are emitted against symbolic labels; a final pass resolves them and,
//! where a conditional jump would exceed its 8-bit offset, routes it through
//! an unconditional `ja` (32-bit offset) placed right after it.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use libc::sock_filter;
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};

use super::syscalls;

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

/// x32 syscalls arrive with the x86_64 audit arch and this bit in `nr`.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

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

/// Compiles `profile` for the running architecture.
pub fn compile(profile: &LinuxSeccomp) -> Result<Vec<sock_filter>> {
    let Some(native) = NATIVE_AUDIT_ARCH else {
        bail!("seccomp filters are not supported on this architecture");
    };
    let default = action_value(profile.default_action(), profile.default_errno_ret())?;

    let mut by_nr: BTreeMap<u32, Vec<Rule>> = BTreeMap::new();
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
        for name in syscall.names() {
            if let Some(nr) = syscalls::number(name) {
                by_nr.entry(nr).or_default().push(Rule {
                    conds: conds.clone(),
                    action,
                });
            }
        }
    }

    let mut entries = Vec::with_capacity(by_nr.len());
    for (nr, mut rules) in by_nr {
        // Conditional rules first (stable: profile order kept), and nothing
        // after the first unconditional one can ever match.
        rules.sort_by_key(|r| r.conds.is_empty());
        if let Some(first_plain) = rules.iter().position(|r| r.conds.is_empty()) {
            rules.truncate(first_plain + 1);
        }
        // A syscall whose only rule is the default action needs no code.
        if rules.len() == 1 && rules[0].conds.is_empty() && rules[0].action == default {
            continue;
        }
        entries.push((nr, rules));
    }

    let mut b = Builder::default();
    let bad_arch = b.label();
    b.load(OFF_ARCH);
    b.jump(Cmp::Eq, native, Target::Next, Target::To(bad_arch));
    b.load(OFF_NR);
    if cfg!(target_arch = "x86_64") {
        // x32 shares the x86_64 audit arch; its numbers have their own
        // meaning, so none of the rules apply. Never let them through
        // unfiltered, even under an allow-by-default profile.
        let x32 = b.label();
        b.jump(Cmp::Ge, X32_SYSCALL_BIT, Target::To(x32), Target::Next);
        emit_search(&mut b, &entries, default);
        b.bind(x32);
        b.ret(if is_allowing(default) {
            libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32
        } else {
            default
        });
    } else {
        emit_search(&mut b, &entries, default);
    }
    // Foreign ABIs (i386 on x86_64, arm32 on aarch64) get no rules of their
    // own: kill rather than let them bypass the filter.
    b.bind(bad_arch);
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

fn is_allowing(action: u32) -> bool {
    action == libc::SECCOMP_RET_ALLOW || action == libc::SECCOMP_RET_LOG
}

/// Binary search over `entries` (sorted by number); `A` holds `nr`.
fn emit_search(b: &mut Builder, entries: &[(u32, Vec<Rule>)], default: u32) {
    if entries.len() <= LEAF_SIZE {
        emit_leaf(b, entries, default);
        return;
    }
    let mid = entries.len() / 2;
    let upper = b.label();
    b.jump(Cmp::Ge, entries[mid].0, Target::To(upper), Target::Next);
    emit_search(b, &entries[..mid], default);
    b.bind(upper);
    emit_search(b, &entries[mid..], default);
}

fn emit_leaf(b: &mut Builder, entries: &[(u32, Vec<Rule>)], default: u32) {
    let mut shared: Vec<(u32, Label)> = Vec::new();
    let mut blocks: Vec<(Label, &[Rule])> = Vec::new();
    for (nr, rules) in entries {
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
        b.jump(Cmp::Eq, *nr, Target::To(target), Target::Next);
    }
    b.ret(default);
    for (action, label) in shared {
        b.bind(label);
        b.ret(action);
    }
    for (label, rules) in blocks {
        b.bind(label);
        emit_rules(b, rules, default);
    }
}

fn emit_rules(b: &mut Builder, rules: &[Rule], default: u32) {
    for rule in rules {
        if rule.conds.is_empty() {
            // Sorted last and truncated after: nothing follows.
            b.ret(rule.action);
            return;
        }
        let next = b.label();
        for cond in &rule.conds {
            emit_cond(b, cond, next);
        }
        b.ret(rule.action);
        b.bind(next);
    }
    b.ret(default);
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
