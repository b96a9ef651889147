//! The ABIs a filter can cover: how the kernel names each one in
//! `seccomp_data.arch`, which table gives its syscall numbers, and how many
//! bits of each argument libseccomp compares.

use super::tables;
use oci_spec::runtime::Arch;

/// `AUDIT_ARCH_*` from <linux/audit.h>: the ELF machine, | 0x80000000 for
/// 64-bit, | 0x40000000 for little-endian.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;
pub const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;
pub const AUDIT_ARCH_ARM: u32 = 0x4000_0028;

/// x32 shares AUDIT_ARCH_X86_64 with x86_64; its syscall numbers carry this
/// bit instead, so only the number tells the two apart.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    X86_64,
    X86,
    X32,
    Aarch64,
    Arm,
}

impl Abi {
    pub const ALL: [Abi; 5] = [Abi::X86_64, Abi::X86, Abi::X32, Abi::Aarch64, Abi::Arm];

    /// The ABI berth itself runs as, which every filter covers (as libseccomp's do).
    pub fn native() -> Option<Abi> {
        if cfg!(target_arch = "x86_64") {
            Some(Abi::X86_64)
        } else if cfg!(target_arch = "aarch64") {
            Some(Abi::Aarch64)
        } else {
            None
        }
    }

    /// None for an architecture the runtime-spec knows but berth has no table for.
    pub fn from_oci(arch: Arch) -> Option<Abi> {
        match arch {
            Arch::ScmpArchNative => Abi::native(),
            Arch::ScmpArchX86_64 => Some(Abi::X86_64),
            Arch::ScmpArchX86 => Some(Abi::X86),
            Arch::ScmpArchX32 => Some(Abi::X32),
            Arch::ScmpArchAarch64 => Some(Abi::Aarch64),
            Arch::ScmpArchArm => Some(Abi::Arm),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Abi::X86_64 => "SCMP_ARCH_X86_64",
            Abi::X86 => "SCMP_ARCH_X86",
            Abi::X32 => "SCMP_ARCH_X32",
            Abi::Aarch64 => "SCMP_ARCH_AARCH64",
            Abi::Arm => "SCMP_ARCH_ARM",
        }
    }

    pub fn audit_arch(self) -> u32 {
        match self {
            Abi::X86_64 | Abi::X32 => AUDIT_ARCH_X86_64,
            Abi::X86 => AUDIT_ARCH_I386,
            Abi::Aarch64 => AUDIT_ARCH_AARCH64,
            Abi::Arm => AUDIT_ARCH_ARM,
        }
    }

    pub fn table(self) -> &'static [(&'static str, u32)] {
        match self {
            Abi::X86_64 => tables::X86_64,
            Abi::X86 => tables::X86,
            Abi::X32 => tables::X32,
            Abi::Aarch64 => tables::AARCH64,
            Abi::Arm => tables::ARM,
        }
    }

    /// Whether argument comparisons use all 64 bits. libseccomp compares only
    /// the low word on 32-bit ABIs, x32 included, and so do we: a profile's
    /// value above 2^32 is truncated there rather than never matching.
    pub fn wide_args(self) -> bool {
        matches!(self, Abi::X86_64 | Abi::Aarch64)
    }
}
