//! A tiny eBPF interpreter for exactly the instructions `codegen` emits, with
//! the checks the kernel's verifier would make that matter here: forward
//! jumps in range, no unreachable instruction, registers set before use,
//! only 32-bit context loads at the three field offsets, and a return value
//! of 0 or 1. Anything else is a test failure, so a program that passes here
//! is one the kernel loads (the loader tests check that on a real kernel).

use super::super::ebpf::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    Unset,
    Ctx,
    Scalar(u64),
}

/// `struct bpf_cgroup_dev_ctx` as the kernel fills it.
pub struct Ctx {
    pub kind: u32,
    pub access: u32,
    pub major: u32,
    pub minor: u32,
}

fn scalar(v: Val, pc: usize) -> u64 {
    match v {
        Val::Scalar(x) => x,
        other => panic!("insn {pc}: register used as a number while {other:?}"),
    }
}

/// Runs `prog` on `ctx`; true when the access is allowed.
pub fn run(prog: &[Insn], ctx: &Ctx) -> bool {
    let mut r = [Val::Unset; 11];
    r[1] = Val::Ctx;
    let fields = [(ctx.access << 16) | ctx.kind, ctx.major, ctx.minor];
    let mut pc = 0;
    loop {
        let i = *prog.get(pc).unwrap_or_else(|| panic!("ran off the end at {pc}"));
        let (dst, src) = (usize::from(i.regs & 0x0f), usize::from(i.regs >> 4));
        let imm64 = i.imm as i64 as u64; // immediates are sign-extended
        let mut next = pc + 1;
        match i.code {
            LDX_W => {
                assert_eq!(r[src], Val::Ctx, "insn {pc}: load from a non-context register");
                assert!(matches!(i.off, 0 | 4 | 8), "insn {pc}: context offset {}", i.off);
                r[dst] = Val::Scalar(u64::from(fields[i.off as usize / 4]));
            }
            MOV32_X => r[dst] = Val::Scalar(u64::from(scalar(r[src], pc) as u32)),
            AND32_K => r[dst] = Val::Scalar(u64::from(scalar(r[dst], pc) as u32 & i.imm as u32)),
            RSH32_K => r[dst] = Val::Scalar(u64::from((scalar(r[dst], pc) as u32) >> i.imm)),
            MOV64_K => r[dst] = Val::Scalar(imm64),
            JA_ | JNE_K | JSET_K => {
                assert!(i.off > 0, "insn {pc}: jump offset {} (backwards or to the next insn)", i.off);
                let taken = match i.code {
                    JA_ => true,
                    JNE_K => scalar(r[dst], pc) != imm64,
                    _ => scalar(r[dst], pc) & imm64 != 0,
                };
                if taken {
                    next = pc + 1 + i.off as usize;
                }
            }
            EXIT_ => {
                let v = scalar(r[0], pc);
                assert!(v <= 1, "insn {pc}: device programs return 0 or 1, not {v}");
                return v == 1;
            }
            code => panic!("insn {pc}: opcode {code:#04x} is not one codegen emits"),
        }
        pc = next;
    }
}

/// Every instruction can be reached from the first (the verifier refuses
/// dead code), and no jump leaves the program.
pub fn assert_all_reachable(prog: &[Insn]) {
    let mut seen = vec![false; prog.len()];
    let mut todo = vec![0usize];
    while let Some(pc) = todo.pop() {
        assert!(pc < prog.len(), "a path runs past the end ({pc})");
        if std::mem::replace(&mut seen[pc], true) {
            continue;
        }
        let i = prog[pc];
        let target = pc + 1 + i.off.max(0) as usize;
        match i.code {
            EXIT_ => {}
            JA_ => todo.push(target),
            JNE_K | JSET_K => todo.extend([pc + 1, target]),
            _ => todo.push(pc + 1),
        }
    }
    if let Some(dead) = seen.iter().position(|s| !s) {
        panic!("insn {dead} is unreachable:\n{}", listing(prog));
    }
}

/// The program as text, one instruction a line, jump targets as absolute
/// instruction numbers.
pub fn listing(prog: &[Insn]) -> String {
    let mut out = String::new();
    for (pc, i) in prog.iter().enumerate() {
        let (d, s) = (i.regs & 0x0f, i.regs >> 4);
        let to = pc as i64 + 1 + i64::from(i.off);
        let text = match i.code {
            LDX_W => format!("r{d} = *(u32 *)(r{s} + {})", i.off),
            MOV32_X => format!("w{d} = w{s}"),
            AND32_K => format!("w{d} &= {:#x}", i.imm),
            RSH32_K => format!("w{d} >>= {}", i.imm),
            MOV64_K => format!("r{d} = {}", i.imm),
            JA_ => format!("goto {to}"),
            JNE_K => format!("if r{d} != {} goto {to}", i.imm),
            JSET_K => format!("if r{d} & {:#x} goto {to}", i.imm),
            EXIT_ => "exit".to_string(),
            c => format!("?? {c:#04x}"),
        };
        out.push_str(&format!("{pc:3}: {text}\n"));
    }
    out
}
