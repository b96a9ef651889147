//! Rules to a BPF_PROG_TYPE_CGROUP_DEVICE program.
//!
//! The kernel runs the program on every mknod and open of a device node by a
//! process in the cgroup, with `struct bpf_cgroup_dev_ctx { u32 access_type;
//! u32 major; u32 minor; }`, and allows the access when it returns 1.
//!
//! Semantics: for each access bit asked for (one open can ask for read and
//! write at once), the last rule that names the device and has that bit
//! decides; the access is allowed only when every bit asked for is. This is
//! "the last matching rule wins" of v1's ordered writes, taken bit by bit so
//! that `allow c 1:3 r` then `allow c 1:3 w` allows an O_RDWR open, and
//! `allow c 1:3 rwm` then `deny c 1:3 w` still allows reading, as they do
//! on v1.
//!
//! Shape (registers: r2 type, r3 access, r4 major, r5 minor):
//!
//! ```text
//!         prologue: unpack the context into r2..r5
//!         for each access bit B (mknod, read, write):
//!             if r3 & B goto check_B
//!             goto next_B
//!   check_B:
//!             for each rule with B, last to first:
//!                 if r2 != TYPE goto next_rule    (only the parts the rule names)
//!                 if r4 != MAJOR goto next_rule
//!                 if r5 != MINOR goto next_rule
//!                 goto next_B (allow) / goto deny (deny)
//!   next_rule:
//!             goto deny            (no rule with B matched; v1 starts from "deny all")
//!   next_B:
//!         r0 = 1; exit
//!   deny: r0 = 0; exit
//! ```
//!
//! A rule that matches every device ends its bit's chain: the earlier rules
//! cannot decide any more, and it replaces the final `goto deny` (an allow
//! falls through to next_B). Nothing dead is emitted, since the verifier
//! refuses unreachable instructions: a bit no rule allows is one
//! `if r3 & B goto deny`, a bit every device has is nothing at all.

use super::ebpf::{and32, exit, load_word, mov32, mov64, rsh32, Asm, Insn, Jump, Label, Reg};
use super::rules::{Rule, ACC_MKNOD, ACC_READ, ACC_WRITE};
use crate::error::Result;

/// Offsets in `struct bpf_cgroup_dev_ctx`.
const CTX_ACCESS_TYPE: i16 = 0;
const CTX_MAJOR: i16 = 4;
const CTX_MINOR: i16 = 8;

const TYPE: Reg = Reg::R2;
const ACCESS: Reg = Reg::R3;
const MAJOR: Reg = Reg::R4;
const MINOR: Reg = Reg::R5;

pub fn program(rules: &[Rule]) -> Result<Vec<Insn>> {
    let mut a = Asm::default();
    prologue(&mut a);
    let deny = a.label();
    let mut deny_used = false;
    for bit in [ACC_MKNOD, ACC_READ, ACC_WRITE] {
        deny_used |= access_bit(&mut a, rules, bit, deny);
    }
    // Every bit asked for was allowed (or nothing was asked).
    a.emit(mov64(Reg::R0, 1));
    a.emit(exit());
    if deny_used {
        a.bind(deny);
        a.emit(mov64(Reg::R0, 0));
        a.emit(exit());
    }
    a.finish()
}

fn prologue(a: &mut Asm) {
    a.emit(load_word(ACCESS, Reg::R1, CTX_ACCESS_TYPE));
    a.emit(mov32(TYPE, ACCESS));
    a.emit(and32(TYPE, 0xffff));
    a.emit(rsh32(ACCESS, 16));
    a.emit(load_word(MAJOR, Reg::R1, CTX_MAJOR));
    a.emit(load_word(MINOR, Reg::R1, CTX_MINOR));
}

/// How one access bit is decided: the rules that name particular devices,
/// last first, then what happens when none of them matches (the last rule
/// that matches every device, or deny: v1 starts from "deny all").
struct Chain<'r> {
    rules: Vec<&'r Rule>,
    otherwise_allow: bool,
}

fn chain(rules: &[Rule], bit: u32) -> Chain<'_> {
    let mut chain = Chain { rules: Vec::new(), otherwise_allow: false };
    for r in rules.iter().rev().filter(|r| r.access & bit != 0) {
        if r.matches_any_device() {
            chain.otherwise_allow = r.allow;
            break;
        }
        chain.rules.push(r);
    }
    // Rules just before the fallback that decide as it does change nothing;
    // dropping them also means no jump ever targets the next instruction.
    while chain.rules.last().is_some_and(|r| r.allow == chain.otherwise_allow) {
        chain.rules.pop();
    }
    chain
}

/// Emits the decision for one access bit; falls through when it is allowed
/// or not asked for. Returns whether it jumps to `deny`.
fn access_bit(a: &mut Asm, rules: &[Rule], bit: u32, deny: Label) -> bool {
    let chain = chain(rules, bit);
    if chain.rules.is_empty() {
        if chain.otherwise_allow {
            return false;
        }
        a.jump(Jump::Set(ACCESS, bit as i32), deny);
        return true;
    }
    let check = a.label();
    let next_bit = a.label();
    a.jump(Jump::Set(ACCESS, bit as i32), check);
    a.jump(Jump::Always, next_bit);
    a.bind(check);
    let mut deny_used = false;
    for rule in &chain.rules {
        let next_rule = a.label();
        for (reg, value) in [(TYPE, rule.kind), (MAJOR, rule.major), (MINOR, rule.minor)] {
            if let Some(v) = value {
                // The kernel's major is 12 bits and minor 20, so a number
                // above i32::MAX (which would sign-extend and never compare
                // equal) matches no device either way.
                a.jump(Jump::Ne(reg, v as i32), next_rule);
            }
        }
        if rule.allow {
            a.jump(Jump::Always, next_bit);
        } else {
            a.jump(Jump::Always, deny);
            deny_used = true;
        }
        a.bind(next_rule);
    }
    if !chain.otherwise_allow {
        a.jump(Jump::Always, deny);
        deny_used = true;
    }
    a.bind(next_bit);
    deny_used
}
