//! From checked, per-ABI rules to the BPF program.
//!
//! Layout: load `arch`; one `jeq` per covered audit arch, the native one
//! first; any other arch gets the bad-arch action. Each arch section loads
//! the syscall number and walks a balanced tree of `jge` over a piecewise
//! map from syscall number to outcome, in which neighbouring numbers with
//! the same unconditional outcome form one piece. A lookup costs about
//! log2(pieces) jumps, an unconditional rule costs nothing by itself, and a
//! profile of a few hundred names fits in a few hundred instructions. Rules
//! with argument checks become small blocks at the leaves of the tree.

use super::arch::{Abi, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT};
use super::bpf::{arg_high, arg_low, Assembler, Jump, Target, DATA_ARCH, DATA_NR};
use oci_spec::runtime::LinuxSeccompOperator as Op;
use std::collections::BTreeMap;

/// What libseccomp does with a syscall from an architecture the filter
/// does not cover, and with an x32 syscall when only x86_64 is covered.
pub const BAD_ARCH: u32 = libc::SECCOMP_RET_KILL_THREAD;
pub const ENOSYS: u32 = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;

#[derive(Clone, Debug)]
pub struct ArgCheck {
    pub index: u32,
    pub op: Op,
    pub value: u64,
    pub value_two: u64,
}

/// Matches when every check does; then the filter returns `action`.
#[derive(Clone, Debug)]
pub struct Rule {
    pub action: u32,
    pub args: Vec<ArgCheck>,
}

pub struct AbiRules {
    pub abi: Abi,
    /// Per syscall number, the rules in profile order; the first match wins.
    pub rules: BTreeMap<u32, Vec<Rule>>,
    /// The highest number any name in the profile has on this ABI.
    pub last: Option<u32>,
}

pub struct Plan {
    pub default: u32,
    /// runc's -ENOSYS stub: numbers above `last` are syscalls newer than the
    /// profile, and get ENOSYS instead of the default action, so that
    /// programs fall back to older syscalls as they do on an older kernel.
    pub enosys_above_last: bool,
    /// The native ABI first.
    pub abis: Vec<AbiRules>,
}

pub fn generate(plan: &Plan) -> Vec<libc::sock_filter> {
    let mut asm = Assembler::default();
    let mut entries = Vec::new();
    for section in sections(plan).iter().rev() {
        let entry = match emit_tree(&mut asm, plan, section, &section.pieces) {
            // One outcome for every number: no need to load it.
            ret @ Target::Ret(_) => ret,
            tree => asm.load(DATA_NR, tree),
        };
        entries.push((section.audit_arch, entry));
    }
    // Written last to first, so the first section's check runs first.
    let mut next = Target::Ret(BAD_ARCH);
    for (audit_arch, entry) in entries {
        next = asm.jump(Jump::Eq, audit_arch, entry, next);
    }
    asm.load(DATA_ARCH, next);
    asm.finish()
}

/// Where a piece of the syscall number space goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ret(u32),
    /// Argument checks: index into `Section::blocks`.
    Block(usize),
}

struct Block<'a> {
    rules: &'a [Rule],
    wide: bool,
}

/// One audit arch: sorted pieces `(first number, outcome)` covering 0..=u32::MAX.
struct Section<'a> {
    audit_arch: u32,
    pieces: Vec<(u32, Outcome)>,
    blocks: Vec<Block<'a>>,
}

fn sections(plan: &Plan) -> Vec<Section<'_>> {
    let mut out: Vec<Section> = Vec::new();
    for abi in &plan.abis {
        let audit_arch = abi.abi.audit_arch();
        if out.iter().any(|s| s.audit_arch == audit_arch) {
            continue; // x86_64 and x32 share a section, built once
        }
        let mut s = Section { audit_arch, pieces: Vec::new(), blocks: Vec::new() };
        if audit_arch == AUDIT_ARCH_X86_64 {
            x86_64_pieces(plan, &mut s);
        } else {
            abi_pieces(plan, abi, 0, 1 << 32, &mut s);
        }
        out.push(s);
    }
    out
}

/// x86_64 numbers below the x32 bit, x32 numbers from it. An x32 number in
/// a filter without x32 gets the bad-arch action, as with libseccomp; so
/// does an x86_64 number in a filter with only x32. -1 is left to the
/// default action either way: tracers set it to skip a syscall.
fn x86_64_pieces<'a>(plan: &'a Plan, s: &mut Section<'a>) {
    let find = |abi| plan.abis.iter().find(|a| a.abi == abi);
    match find(Abi::X86_64) {
        Some(x86_64) => abi_pieces(plan, x86_64, 0, X32_SYSCALL_BIT.into(), s),
        None => push_piece(&mut s.pieces, 0, Outcome::Ret(BAD_ARCH)),
    }
    match find(Abi::X32) {
        Some(x32) => abi_pieces(plan, x32, X32_SYSCALL_BIT, 1 << 32, s),
        None => {
            push_piece(&mut s.pieces, X32_SYSCALL_BIT, Outcome::Ret(BAD_ARCH));
            push_piece(&mut s.pieces, u32::MAX, Outcome::Ret(plan.default));
        }
    }
}

/// Appends the pieces for numbers `start..end` of one ABI.
fn abi_pieces<'a>(plan: &'a Plan, abi: &'a AbiRules, start: u32, end: u64, s: &mut Section<'a>) {
    let newer = |nr: u32| plan.enosys_above_last && abi.last.is_some_and(|last| nr > last);
    let fallback = |nr: u32| Outcome::Ret(if newer(nr) { ENOSYS } else { plan.default });
    push_piece(&mut s.pieces, start, fallback(start));
    for (&nr, rules) in abi.rules.range(start..).take_while(|(&nr, _)| u64::from(nr) < end) {
        let outcome = match rules.first() {
            Some(rule) if rule.args.is_empty() => Outcome::Ret(rule.action),
            _ => {
                s.blocks.push(Block { rules, wide: abi.abi.wide_args() });
                Outcome::Block(s.blocks.len() - 1)
            }
        };
        push_piece(&mut s.pieces, nr, outcome);
        if u64::from(nr) + 1 < end {
            push_piece(&mut s.pieces, nr + 1, fallback(nr + 1));
        }
    }
    // Every number with rules is at most `last`, so this boundary comes after them.
    if let Some(first_newer) = abi.last.map(|last| u64::from(last) + 1).filter(|&n| n > start.into() && n < end) {
        push_piece(&mut s.pieces, first_newer as u32, fallback(first_newer as u32));
    }
}

/// Appends a piece, keeping starts strictly increasing and neighbours different.
fn push_piece(pieces: &mut Vec<(u32, Outcome)>, start: u32, outcome: Outcome) {
    if pieces.last().is_some_and(|&(s, _)| s == start) {
        pieces.pop();
    }
    if pieces.last().is_none_or(|&(_, o)| o != outcome) {
        pieces.push((start, outcome));
    }
}

/// A balanced `jge` tree over `pieces` (non-empty), with `A` holding the
/// syscall number on entry.
fn emit_tree(asm: &mut Assembler, plan: &Plan, s: &Section, pieces: &[(u32, Outcome)]) -> Target {
    if let [(_, outcome)] = pieces {
        return match *outcome {
            Outcome::Ret(value) => Target::Ret(value),
            Outcome::Block(i) => emit_block(asm, plan.default, &s.blocks[i]),
        };
    }
    let mid = pieces.len() / 2;
    let high = emit_tree(asm, plan, s, &pieces[mid..]);
    let low = emit_tree(asm, plan, s, &pieces[..mid]);
    asm.jump(Jump::Ge, pieces[mid].0, high, low)
}

/// The rules of one syscall in order; the first whose checks all pass
/// decides, and if none does the default action applies.
fn emit_block(asm: &mut Assembler, default: u32, block: &Block) -> Target {
    // A rule without checks always matches: the ones after it never run.
    let live = match block.rules.iter().position(|r| r.args.is_empty()) {
        Some(i) => &block.rules[..=i],
        None => block.rules,
    };
    let mut next = Target::Ret(default);
    for rule in live.iter().rev() {
        let mut pass = Target::Ret(rule.action);
        for check in rule.args.iter().rev() {
            pass = emit_check(asm, check, block.wide, pass, next);
        }
        next = pass;
    }
    next
}

/// One argument check. cBPF compares 32 bits at a time, so a 64-bit
/// comparison looks at the high words first and at the low words only when
/// the high words are equal. All comparisons are unsigned, as libseccomp's.
fn emit_check(asm: &mut Assembler, check: &ArgCheck, wide: bool, pass: Target, fail: Target) -> Target {
    let split = |v: u64| (v as u32, (v >> 32) as u32);
    let (low, high) = (arg_low(check.index), arg_high(check.index));
    if check.op == Op::ScmpCmpMaskedEq {
        // libseccomp masks the datum too: (arg & mask) == (datum & mask).
        let (mask_low, mask_high) = split(check.value);
        let (want_low, want_high) = split(check.value_two & check.value);
        let low_ok = if mask_low == 0 {
            pass
        } else {
            let j = asm.jump(Jump::Eq, want_low, pass, fail);
            let j = asm.and(mask_low, j);
            asm.load(low, j)
        };
        if !wide || mask_high == 0 {
            return low_ok;
        }
        let j = asm.jump(Jump::Eq, want_high, low_ok, fail);
        let j = asm.and(mask_high, j);
        return asm.load(high, j);
    }
    let (value_low, value_high) = split(check.value);
    // The low-word test; NE, LT and LE are EQ, GE and GT with the outcomes swapped.
    let (jump, negated) = match check.op {
        Op::ScmpCmpEq => (Jump::Eq, false),
        Op::ScmpCmpNe => (Jump::Eq, true),
        Op::ScmpCmpGt => (Jump::Gt, false),
        Op::ScmpCmpGe => (Jump::Ge, false),
        Op::ScmpCmpLt => (Jump::Ge, true),
        Op::ScmpCmpLe => (Jump::Gt, true),
        Op::ScmpCmpMaskedEq => unreachable!("handled above"),
    };
    let (t, f) = if negated { (fail, pass) } else { (pass, fail) };
    let j = asm.jump(jump, value_low, t, f);
    let low_ok = asm.load(low, j);
    if !wide {
        return low_ok;
    }
    let j = match check.op {
        Op::ScmpCmpEq => asm.jump(Jump::Eq, value_high, low_ok, fail),
        Op::ScmpCmpNe => asm.jump(Jump::Eq, value_high, low_ok, pass),
        // A higher high word decides for GT/GE, against LT/LE; a lower one the other way.
        Op::ScmpCmpGt | Op::ScmpCmpGe => {
            let equal = asm.jump(Jump::Eq, value_high, low_ok, fail);
            asm.jump(Jump::Gt, value_high, pass, equal)
        }
        _ => {
            let equal = asm.jump(Jump::Eq, value_high, low_ok, pass);
            asm.jump(Jump::Gt, value_high, fail, equal)
        }
    };
    asm.load(high, j)
}
