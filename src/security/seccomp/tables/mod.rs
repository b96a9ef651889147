//! Syscall name -> number, one generated table per ABI (see each file's
//! header for the kernel headers it came from, and tools/gen-syscall-tables.py).

mod aarch64;
mod arm;
mod x32;
mod x86;
mod x86_64;

pub const X86_64: &[(&str, u32)] = x86_64::SYSCALLS;
pub const X86: &[(&str, u32)] = x86::SYSCALLS;
/// x32 numbers include __X32_SYSCALL_BIT, as the filter sees them.
pub const X32: &[(&str, u32)] = x32::SYSCALLS;
pub const AARCH64: &[(&str, u32)] = aarch64::SYSCALLS;
pub const ARM: &[(&str, u32)] = arm::SYSCALLS;

pub fn lookup(table: &[(&str, u32)], name: &str) -> Option<u32> {
    table.binary_search_by(|(n, _)| (*n).cmp(name)).ok().map(|i| table[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        for table in [X86_64, X86, X32, AARCH64, ARM] {
            assert!(table.windows(2).all(|w| w[0].0 < w[1].0), "unsorted or duplicate name");
        }
    }

    #[test]
    fn known_numbers() {
        assert_eq!(lookup(X86_64, "getpid"), Some(39));
        assert_eq!(lookup(X86, "getpid"), Some(20));
        assert_eq!(lookup(X32, "getpid"), Some(0x4000_0027));
        assert_eq!(lookup(AARCH64, "getpid"), Some(172));
        assert_eq!(lookup(ARM, "getpid"), Some(20));
        assert_eq!(lookup(X86_64, "_sysctl"), Some(156));
        assert_eq!(lookup(X86_64, "no_such_syscall"), None);
        assert_eq!(lookup(AARCH64, "open"), None, "arm64 only has openat");
    }
}
