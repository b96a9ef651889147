//! The handful of eBPF instructions a device filter needs, and an assembler
//! with labels for forward jumps.
//!
//! Encoding from <linux/bpf.h> and <linux/bpf_common.h>: an instruction is
//! 8 bytes, `code`, the destination register in the low nibble of the next
//! byte and the source register in the high one (bitfields on a little-endian
//! machine), a signed 16-bit jump offset counted from the next instruction,
//! and a signed 32-bit immediate.

use crate::error::Result;

/// eBPF registers. r0 holds the return value, r1 the context pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reg {
    R0 = 0,
    R1 = 1,
    R2 = 2,
    R3 = 3,
    R4 = 4,
    R5 = 5,
}

// Instruction classes.
const LDX: u8 = 0x01;
const JMP: u8 = 0x05;
const ALU: u8 = 0x04; // 32-bit: the result is zero-extended to 64
const ALU64: u8 = 0x07;
// Operand source: the immediate (K) or the source register (X).
const K: u8 = 0x00;
// Load size and mode.
const W: u8 = 0x00; // 32-bit word
const MEM: u8 = 0x60;
// ALU operations.
const AND: u8 = 0x50;
const RSH: u8 = 0x70;
const MOV: u8 = 0xb0;
// Jump operations.
const JA: u8 = 0x00;
const JSET: u8 = 0x40;
const JNE: u8 = 0x50;
const EXIT: u8 = 0x90;

pub const LDX_W: u8 = LDX | W | MEM;
pub const AND32_K: u8 = ALU | AND | K;
pub const RSH32_K: u8 = ALU | RSH | K;
pub const MOV32_X: u8 = ALU | MOV | 0x08;
pub const MOV64_K: u8 = ALU64 | MOV | K;
pub const JA_: u8 = JMP | JA;
pub const JNE_K: u8 = JMP | JNE | K;
pub const JSET_K: u8 = JMP | JSET | K;
pub const EXIT_: u8 = JMP | EXIT;

/// `struct bpf_insn`, laid out as the kernel reads it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u8,
    /// dst in the low nibble, src in the high one.
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

impl Insn {
    fn new(code: u8, dst: Reg, src: Reg, off: i16, imm: i32) -> Insn {
        Insn { code, regs: (dst as u8) | ((src as u8) << 4), off, imm }
    }
}

/// `dst = *(u32 *)(src + off)`
pub fn load_word(dst: Reg, src: Reg, off: i16) -> Insn {
    Insn::new(LDX_W, dst, src, off, 0)
}

/// `dst = (u32)dst & imm`
pub fn and32(dst: Reg, imm: i32) -> Insn {
    Insn::new(AND32_K, dst, Reg::R0, 0, imm)
}

/// `dst = (u32)dst >> imm`
pub fn rsh32(dst: Reg, imm: i32) -> Insn {
    Insn::new(RSH32_K, dst, Reg::R0, 0, imm)
}

/// `dst = (u32)src`
pub fn mov32(dst: Reg, src: Reg) -> Insn {
    Insn::new(MOV32_X, dst, src, 0, 0)
}

/// `dst = imm` (sign-extended to 64 bits)
pub fn mov64(dst: Reg, imm: i32) -> Insn {
    Insn::new(MOV64_K, dst, Reg::R0, 0, imm)
}

pub fn exit() -> Insn {
    Insn::new(EXIT_, Reg::R0, Reg::R0, 0, 0)
}

/// A place in the program that jumps name before it is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(usize);

/// Jumps the assembler can target at a label.
#[derive(Clone, Copy, Debug)]
pub enum Jump {
    Always,
    /// Taken when `reg != imm`, compared as 64-bit values (imm sign-extended).
    Ne(Reg, i32),
    /// Taken when `reg & imm != 0`.
    Set(Reg, i32),
}

/// Collects instructions; jump offsets are filled in by `finish`, once every
/// label has its position.
#[derive(Default)]
pub struct Asm {
    insns: Vec<Insn>,
    labels: Vec<Option<usize>>,
    /// (instruction index, label it jumps to)
    fixups: Vec<(usize, Label)>,
}

impl Asm {
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// The next instruction emitted is where `l` points.
    pub fn bind(&mut self, l: Label) {
        self.labels[l.0] = Some(self.insns.len());
    }

    pub fn emit(&mut self, i: Insn) {
        self.insns.push(i);
    }

    pub fn jump(&mut self, j: Jump, to: Label) {
        self.fixups.push((self.insns.len(), to));
        self.insns.push(match j {
            Jump::Always => Insn::new(JA_, Reg::R0, Reg::R0, 0, 0),
            Jump::Ne(r, imm) => Insn::new(JNE_K, r, Reg::R0, 0, imm),
            Jump::Set(r, imm) => Insn::new(JSET_K, r, Reg::R0, 0, imm),
        });
    }

    /// The program with every jump resolved. Only forward jumps are possible
    /// (the verifier refuses loops in a program like this anyway), and never
    /// to the very next instruction: a `ja +0` is dead weight, so the code
    /// generator never asks for one and this checks it.
    pub fn finish(mut self) -> Result<Vec<Insn>> {
        for (at, label) in self.fixups {
            let Some(target) = self.labels[label.0] else {
                return Err("device filter: jump to an unbound label".into());
            };
            if target <= at + 1 || target > self.insns.len() {
                return Err(format!("device filter: bad jump from {at} to {target}").into());
            }
            let Ok(off) = i16::try_from(target - at - 1) else {
                return Err("device filter: too many rules (a jump spans more than 32767 instructions)".into());
            };
            self.insns[at].off = off;
        }
        Ok(self.insns)
    }
}
