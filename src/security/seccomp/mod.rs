//! seccomp: `linux.seccomp` compiled to a classic BPF program and installed
//! with seccomp(2), without libseccomp.
//!
//! `compile` runs in the parent before the clone, so every error (a bad
//! field, an action or flag the kernel lacks, a filter over 4096
//! instructions) fails `create` with the field named; the child only calls
//! `install`.
//!
//! Semantics follow runc with libseccomp:
//! - The native architecture is always covered; `architectures` adds others.
//!   A syscall from an architecture not covered, and an x32 syscall (number
//!   with `__X32_SYSCALL_BIT`) when only x86_64 is, is killed
//!   (SECCOMP_RET_KILL_THREAD, libseccomp's bad-arch action). Architectures
//!   berth has no table for (MIPS, PPC, s390, RISC-V, ...) are accepted and
//!   listed in `Program::skipped`; their syscalls get that same action.
//! - A name with no number on an architecture is skipped there and listed in
//!   `Program::skipped`, for a debug log line. The numbers come from Linux
//!   6.12's headers (tables/); a newer syscall's name is skipped like an
//!   unknown one, and the -ENOSYS stub below then answers it with ENOSYS.
//! - Rules for one syscall are tried in profile order and the first whose
//!   argument checks all pass decides; none passing means the default action.
//!   (libseccomp merges them into a tree instead; where the rules of one
//!   syscall do not overlap, as in Docker's and podman's profiles, the
//!   outcome is the same.)
//!   Rules whose action equals the default action are dropped, as runc does.
//!   Checks within a rule are ANDed, except that when two checks of one rule
//!   test the same argument each becomes its own rule (ORed), as in runc.
//! - Argument comparisons are unsigned and 64-bit, on 32-bit ABIs (x86, x32,
//!   arm) only the low 32 bits, as libseccomp. MASKED_EQ is
//!   `(arg & value) == (valueTwo & value)`. `valueTwo` means nothing to the
//!   other operators.
//! - `errnoRet`/`defaultErrnoRet` are the data of ERRNO and TRACE (EPERM when
//!   absent) and are ignored for the other actions, as runc ignores them.
//!   SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD.
//! - runc's -ENOSYS stub: unless the default action is ALLOW, LOG, TRACE or
//!   ERRNO(ENOSYS), a syscall numbered above every name the profile lists
//!   for its ABI returns ENOSYS, so that programs newer than the profile
//!   fall back as on an older kernel instead of failing with EPERM.
//! - SCMP_ACT_NOTIFY needs `listenerPath` and cannot be the default action.
//!   SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is dropped without a listener
//!   (the kernel refuses it there); TSYNC with a listener adds TSYNC_ESRCH.
//! - Not done: libseccomp's translation of socket syscalls into `socketcall`
//!   and IPC syscalls into `ipc` on x86: those are names of their own here.

mod arch;
mod bpf;
mod codegen;
mod compile;
mod features;
mod install;
mod kernel;
mod sys;
mod tables;
// The tests use x86_64 syscall numbers and entry points.
#[cfg(all(test, target_arch = "x86_64"))]
mod tests;

pub use compile::compile;
pub use features::features;
pub use install::install;

/// A filter ready for `install`.
#[derive(Clone)]
pub struct Program {
    /// At most 4096 instructions, the kernel's limit.
    pub filter: Vec<libc::sock_filter>,
    /// SECCOMP_FILTER_FLAG_* bits for seccomp(2), without NEW_LISTENER.
    pub flags: u32,
    /// Some rule is SCMP_ACT_NOTIFY: `install` asks for a listener fd.
    pub wants_listener: bool,
    /// What the profile names that this filter leaves out (unknown syscall
    /// names per architecture, architectures without a table), one line each.
    pub skipped: Vec<String>,
}
