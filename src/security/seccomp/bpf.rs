//! Classic BPF for seccomp: the few instructions a filter needs, and an
//! assembler that writes a program from its last instruction to its first.
//!
//! cBPF only jumps forward, and a conditional jump reaches at most 255
//! instructions. Written back to front, every target already sits at its
//! final distance from the end of the program when the jump to it is
//! written, so offsets are exact at once, and a target out of reach gets a
//! copy of its `ret` or a `ja` (32-bit offset) placed within reach: no
//! second pass, no relocation.

use std::collections::HashMap;

/// Offsets into `struct seccomp_data`.
pub const DATA_NR: u32 = 0;
pub const DATA_ARCH: u32 = 4;

/// The low word of argument `index`; the high word follows it. All the ABIs
/// berth has tables for are little-endian.
pub fn arg_low(index: u32) -> u32 {
    16 + 8 * index
}

pub fn arg_high(index: u32) -> u32 {
    arg_low(index) + 4
}

// Opcodes, from <linux/filter.h> (`libc` has the parts as u32; sock_filter wants u16).
const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const ALU_AND_K: u16 = (libc::BPF_ALU | libc::BPF_AND | libc::BPF_K) as u16;
const JMP_JA: u16 = (libc::BPF_JMP | libc::BPF_JA) as u16;
const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

/// The comparisons cBPF has; the others are these with their targets swapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jump {
    Eq,
    Gt,
    Ge,
}

impl Jump {
    fn opcode(self) -> u16 {
        let op = match self {
            Jump::Eq => libc::BPF_JEQ,
            Jump::Gt => libc::BPF_JGT,
            Jump::Ge => libc::BPF_JGE,
        };
        (libc::BPF_JMP | op | libc::BPF_K) as u16
    }
}

/// Where control goes: a return value (a `ret` is placed wherever one is
/// needed), or an instruction already written, counted from the program's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Ret(u32),
    At(usize),
}

/// Conditional jumps reach 255. Targets are resolved one after the other and
/// each resolution may add one instruction, so a target is accepted only if
/// it stays in reach after the other target added one too.
const REACH: usize = 254;

#[derive(Default)]
pub struct Assembler {
    /// The program, last instruction first.
    rev: Vec<libc::sock_filter>,
    /// The latest `ret` written for each value, to reuse while in reach.
    rets: HashMap<u32, usize>,
}

impl Assembler {
    /// The program in execution order.
    pub fn finish(self) -> Vec<libc::sock_filter> {
        self.rev.into_iter().rev().collect()
    }

    /// `A = seccomp_data[offset]`, then continue at `then`.
    pub fn load(&mut self, offset: u32, then: Target) -> Target {
        self.continue_at(then);
        self.push(LD_W_ABS, 0, 0, offset)
    }

    /// `A &= mask`, then continue at `then`.
    pub fn and(&mut self, mask: u32, then: Target) -> Target {
        self.continue_at(then);
        self.push(ALU_AND_K, 0, 0, mask)
    }

    /// `if A <jump> k goto jt else goto jf`.
    pub fn jump(&mut self, jump: Jump, k: u32, jt: Target, jf: Target) -> Target {
        if jt == jf {
            return jt;
        }
        let t = self.in_reach(jt);
        let f = self.in_reach(jf);
        let offset = |at| u8::try_from(self.distance(at)).expect("in_reach keeps targets within 255");
        let (t, f) = (offset(t), offset(f));
        self.push(jump.opcode(), t, f, k)
    }

    /// Makes `target` the instruction that follows the next one written.
    fn continue_at(&mut self, target: Target) {
        match target {
            Target::At(at) if at + 1 == self.rev.len() => {}
            Target::At(at) => {
                let k = self.distance(at) as u32;
                self.push(JMP_JA, 0, 0, k);
            }
            Target::Ret(value) => {
                if self.rets.get(&value).is_none_or(|&at| at + 1 != self.rev.len()) {
                    self.ret(value);
                }
            }
        }
    }

    /// An instruction a conditional jump written next can reach that leads to `target`.
    fn in_reach(&mut self, target: Target) -> usize {
        match target {
            Target::At(at) if self.distance(at) <= REACH => at,
            Target::At(at) => {
                let k = self.distance(at) as u32;
                self.push(JMP_JA, 0, 0, k);
                self.rev.len() - 1
            }
            Target::Ret(value) => match self.rets.get(&value) {
                Some(&at) if self.distance(at) <= REACH => at,
                _ => self.ret(value),
            },
        }
    }

    fn ret(&mut self, value: u32) -> usize {
        self.push(RET_K, 0, 0, value);
        let at = self.rev.len() - 1;
        self.rets.insert(value, at);
        at
    }

    /// The jump offset from the instruction written next to `at`.
    fn distance(&self, at: usize) -> usize {
        self.rev.len() - at - 1
    }

    fn push(&mut self, code: u16, jt: u8, jf: u8, k: u32) -> Target {
        self.rev.push(libc::sock_filter { code, jt, jf, k });
        Target::At(self.rev.len() - 1)
    }
}
