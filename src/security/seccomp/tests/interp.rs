//! A cBPF interpreter for seccomp programs, and helpers to compile JSON
//! profiles against a kernel that supports everything.

use crate::security::seccomp::compile::compile_for;
use crate::security::seccomp::kernel::Kernel;
use crate::security::seccomp::Program;
use oci_spec::runtime::LinuxSeccomp;

pub use crate::security::seccomp::arch::{
    AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT,
};

pub const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
pub const KILL_THREAD: u32 = libc::SECCOMP_RET_KILL_THREAD;
pub const KILL_PROCESS: u32 = libc::SECCOMP_RET_KILL_PROCESS;
pub const TRAP: u32 = libc::SECCOMP_RET_TRAP;
pub const LOG: u32 = libc::SECCOMP_RET_LOG;
pub const NOTIFY: u32 = libc::SECCOMP_RET_USER_NOTIF;

pub fn errno(e: i32) -> u32 {
    libc::SECCOMP_RET_ERRNO | e as u32
}

pub fn trace(data: u32) -> u32 {
    libc::SECCOMP_RET_TRACE | data
}

pub fn profile(json: &str) -> LinuxSeccomp {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("fixture: {e}\n{json}"))
}

pub fn compile(json: &str) -> Program {
    compile_for(&profile(json), &Kernel::everything()).unwrap_or_else(|e| panic!("{e:#}\n{json}"))
}

pub fn compile_err(json: &str) -> String {
    match compile_for(&profile(json), &Kernel::everything()) {
        Ok(_) => panic!("compiled but should not have:\n{json}"),
        Err(e) => format!("{e:#}"),
    }
}

/// Runs `filter` on one syscall as the kernel would, after checking what
/// the kernel's checker checks: jumps in bounds and aligned loads inside
/// `struct seccomp_data`. Panics on anything a valid program cannot do.
pub fn run(filter: &[libc::sock_filter], arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    assert!(!filter.is_empty() && filter.len() <= 4096, "length {}", filter.len());
    let mut data = [0u8; 64];
    data[0..4].copy_from_slice(&nr.to_le_bytes());
    data[4..8].copy_from_slice(&arch.to_le_bytes());
    for (i, a) in args.iter().enumerate() {
        data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_le_bytes());
    }
    let mut acc: u32 = 0;
    let mut pc = 0usize;
    loop {
        let ins = filter.get(pc).unwrap_or_else(|| panic!("ran off the end at {pc}"));
        pc += 1;
        let k = ins.k;
        let jump_taken = |taken: bool| if taken { ins.jt as usize } else { ins.jf as usize };
        pc += match u32::from(ins.code) {
            c if c == libc::BPF_LD | libc::BPF_W | libc::BPF_ABS => {
                let at = k as usize;
                assert!(at % 4 == 0 && at + 4 <= data.len(), "load at {at}");
                acc = u32::from_le_bytes(data[at..at + 4].try_into().unwrap());
                0
            }
            c if c == libc::BPF_ALU | libc::BPF_AND | libc::BPF_K => {
                acc &= k;
                0
            }
            c if c == libc::BPF_JMP | libc::BPF_JA => k as usize,
            c if c == libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K => jump_taken(acc == k),
            c if c == libc::BPF_JMP | libc::BPF_JGT | libc::BPF_K => jump_taken(acc > k),
            c if c == libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K => jump_taken(acc >= k),
            c if c == libc::BPF_RET | libc::BPF_K => return k,
            c => panic!("unexpected opcode {c:#x} at {}", pc - 1),
        };
        assert!(pc < filter.len(), "jump out of the program at {}", pc);
    }
}

/// Shorthand: `run` with only the first argument set.
pub fn run1(p: &Program, arch: u32, nr: u32, arg0: u64) -> u32 {
    run(&p.filter, arch, nr, [arg0, 0, 0, 0, 0, 0])
}

/// A syscall number from the generated tables.
pub fn nr(table: &[(&str, u32)], name: &str) -> u32 {
    crate::security::seccomp::tables::lookup(table, name).unwrap_or_else(|| panic!("{name} not in table"))
}

pub fn x86_64(name: &str) -> u32 {
    nr(crate::security::seccomp::tables::X86_64, name)
}
