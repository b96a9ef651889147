//! Filters installed for real, each in a forked child (with no_new_privs,
//! so no root needed) that makes a few syscalls and reports through its
//! exit status. x86_64 only: the numbers and the i386/x32 entry points are.

use super::interp::compile;
use crate::security::seccomp::{install, Program};

/// Forks; the child sets no_new_privs, installs `p`, runs `body` and exits
/// with its result (100 if the install failed). Returns the wait status.
///
/// The child of a threaded test binary must stay away from locks other
/// threads may have held at the fork: `install` allocates nothing when it
/// succeeds, and `body` makes raw syscalls only.
fn in_child(p: &Program, body: fn() -> i32) -> i32 {
    // SAFETY: the child only calls prctl, seccomp, the syscalls in `body` and
    // _exit, none of which needs a lock another thread could hold.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // SAFETY: PR_SET_NO_NEW_PRIVS takes integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
        let code = match install(p) {
            Ok(_listener) => body(),
            Err(_) => 100,
        };
        // SAFETY: ends the child without running the parent's atexit handlers.
        unsafe { libc::_exit(code) }
    }
    let mut status = 0;
    // SAFETY: waits for our own child, writing into a live local.
    let r = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(r, pid);
    status
}

fn exit_code(status: i32) -> i32 {
    assert!(libc::WIFEXITED(status), "child did not exit: status {status:#x}");
    libc::WEXITSTATUS(status)
}

fn killed_by(status: i32) -> Option<i32> {
    libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status))
}

/// A raw syscall's result as -errno or the value.
fn sys(nr: libc::c_long, arg0: libc::c_ulong) -> i64 {
    // SAFETY: only called with syscalls that take integers (or nothing).
    let r = unsafe { libc::syscall(nr, arg0, 0usize, 0usize) };
    if r == -1 {
        // SAFETY: errno is thread-local and was set by the failed syscall.
        -i64::from(unsafe { *libc::__errno_location() })
    } else {
        r as i64
    }
}

/// An i386 syscall through int 0x80, with no arguments; returns eax.
fn i386_syscall(nr: u32) -> i32 {
    let ret: u32;
    // SAFETY: int 0x80 enters the kernel's i386 syscall path with the number in
    // eax; the kernel preserves every register except eax. The syscalls used
    // here take no arguments and touch no memory.
    unsafe { std::arch::asm!("int 0x80", inlateout("eax") nr => ret, options(nostack)) };
    ret as i32
}

fn int80_works() -> bool {
    // i386 getpid is 20; kernels without IA32 emulation fault instead.
    exit_code_or_signal(in_child(&compile(r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#), || {
        // SAFETY: getpid has no preconditions.
        i32::from(i386_syscall(20) != unsafe { libc::getpid() })
    })) == Ok(0)
}

fn exit_code_or_signal(status: i32) -> Result<i32, i32> {
    killed_by(status).map_or_else(|| Ok(exit_code(status)), Err)
}

#[test]
fn errno_allowed_and_denied_arguments_and_enosys() {
    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["exit_group", "getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let status = in_child(&p, || {
        if sys(libc::SYS_getpid, 0) <= 0 {
            return 1;
        }
        if sys(libc::SYS_getppid, 0) != -42 {
            return 2;
        }
        if sys(libc::SYS_personality, 0xffff_ffff) < 0 {
            return 3; // the allowed argument (a query) passes
        }
        if sys(libc::SYS_personality, 0x0040_0000) != -i64::from(libc::EPERM) {
            return 4; // another argument gets the default action
        }
        if sys(libc::SYS_gettid, 0) != -i64::from(libc::EPERM) {
            return 5; // not listed, below the highest listed number
        }
        if sys(1000, 0) != -i64::from(libc::ENOSYS) {
            return 6; // above every listed number: runc's ENOSYS
        }
        0
    });
    assert_eq!(exit_code(status), 0);
}

#[test]
fn kill_process_kills_with_sigsys() {
    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]}"#,
    );
    let status = in_child(&p, || {
        sys(libc::SYS_getppid, 0);
        0
    });
    assert_eq!(killed_by(status), Some(libc::SIGSYS));
    // The others still run.
    assert_eq!(exit_code(in_child(&p, || i32::from(sys(libc::SYS_getpid, 0) <= 0))), 0);
}

#[test]
fn i386_syscalls_are_killed_unless_x86_is_listed() {
    if !int80_works() {
        eprintln!("skipped: this kernel has no IA32 emulation");
        return;
    }
    let native = compile(r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#);
    let status = in_child(&native, || {
        i386_syscall(20);
        0
    });
    assert_eq!(killed_by(status), Some(libc::SIGSYS), "bad arch: KILL_THREAD of the only thread");

    let with_x86 = compile(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"],
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7}]}"#,
    );
    let status = in_child(&with_x86, || {
        // i386 getpid is 20; i386 getppid (64) has no rule.
        i32::from(i386_syscall(20) != -7) + 2 * i32::from(i386_syscall(64) <= 0)
    });
    assert_eq!(exit_code(status), 0);
}

#[test]
fn x32_numbers_are_killed_unless_x32_is_listed() {
    let x32_getpid = 0x4000_0000 | libc::SYS_getpid;
    let native = compile(r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#);
    let status = in_child(&native, || {
        sys(0x4000_0000 | libc::SYS_getpid, 0);
        0
    });
    assert_eq!(killed_by(status), Some(libc::SIGSYS));

    let with_x32 = compile(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X32"],
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9}]}"#,
    );
    let status = in_child(&with_x32, || i32::from(sys(0x4000_0000 | libc::SYS_getpid, 0) != -9));
    assert_eq!(exit_code(status), 0, "x32 getpid {x32_getpid:#x} gets its rule");
}

#[test]
fn notify_returns_a_listener_fd() {
    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock",
            "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}]}"#,
    );
    assert!(p.wants_listener);
    // SAFETY: as in in_child.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
        let code = match install(&p) {
            Ok(Some(fd)) => {
                use std::os::fd::AsRawFd;
                let id = 0u64;
                // SAFETY: NOTIF_ID_VALID reads a u64 from a live local; on a
                // listener with no such notification it fails with ENOENT.
                let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SECCOMP_IOCTL_NOTIF_ID_VALID as _, &id) };
                // SAFETY: errno is thread-local.
                i32::from(!(r == -1 && unsafe { *libc::__errno_location() } == libc::ENOENT))
            }
            Ok(None) => 2,
            Err(_) => 3,
        };
        // SAFETY: as in in_child.
        unsafe { libc::_exit(code) }
    }
    let mut status = 0;
    // SAFETY: our own child, a live local.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert_eq!(exit_code(status), 0);
}

#[test]
fn flags_the_kernel_accepts_install() {
    let k = crate::security::seccomp::kernel::Kernel::probe();
    let mut flags = vec![];
    for (name, bit) in [
        ("SECCOMP_FILTER_FLAG_TSYNC", crate::security::seccomp::kernel::FLAG_TSYNC),
        ("SECCOMP_FILTER_FLAG_LOG", crate::security::seccomp::kernel::FLAG_LOG),
        ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", crate::security::seccomp::kernel::FLAG_SPEC_ALLOW),
    ] {
        if k.supports_flags(bit) {
            flags.push(format!("{name:?}"));
        }
    }
    let p = compile(&format!(r#"{{"defaultAction": "SCMP_ACT_ALLOW", "flags": [{}]}}"#, flags.join(",")));
    assert_eq!(exit_code(in_child(&p, || 0)), 0, "flags {:#x}", p.flags);
}

#[test]
fn the_docker_like_profile_runs_getpid() {
    let p = compile(include_str!("../testdata/docker-like.json"));
    let status = in_child(&p, || {
        if sys(libc::SYS_getpid, 0) <= 0 {
            return 1;
        }
        if sys(libc::SYS_acct, 0) != -i64::from(libc::EPERM) {
            return 2;
        }
        if sys(libc::SYS_personality, 0xffff_ffff) < 0 {
            return 3;
        }
        if sys(libc::SYS_clone3, 0) != -i64::from(libc::ENOSYS) {
            return 4;
        }
        0
    });
    assert_eq!(exit_code(status), 0);
}

#[test]
fn a_program_with_long_jumps_loads_into_the_kernel() {
    // Two checks on every x86_64 syscall but the ones the child needs to exit:
    // thousands of instructions, most targets out of a conditional jump's reach.
    let entries: Vec<String> = crate::security::seccomp::tables::X86_64
        .iter()
        .filter(|(name, _)| !name.starts_with("exit"))
        .map(|(name, _)| {
            format!(
                r#"{{"names": ["{name}"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77, "args": [
                    {{"index": 0, "value": 12345, "op": "SCMP_CMP_EQ"}},
                    {{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}}]}}"#
            )
        })
        .collect();
    let p = compile(&format!(r#"{{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{}]}}"#, entries.join(",")));
    let ja = (libc::BPF_JMP | libc::BPF_JA) as u16;
    assert!(p.filter.len() > 2000 && p.filter.iter().any(|i| i.code == ja), "{} instructions", p.filter.len());
    let status = in_child(&p, || {
        if sys(libc::SYS_getppid, 12345) != -77 {
            return 1;
        }
        i32::from(sys(libc::SYS_getppid, 1) <= 0) * 2
    });
    assert_eq!(exit_code(status), 0, "{} instructions", p.filter.len());
}

#[test]
fn features_lists_what_compile_accepts_here() {
    let f = crate::security::seccomp::features();
    println!("{f:#}");
    assert_eq!(f["enabled"], true);
    let list = |key: &str| -> Vec<String> {
        f[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    };
    assert!(list("actions").contains(&"SCMP_ACT_ERRNO".to_owned()));
    assert_eq!(list("operators").len(), 7);
    let archs = list("archs");
    assert!(archs.windows(2).all(|w| w[0] < w[1]) && archs.contains(&"SCMP_ARCH_X86_64".to_owned()));
    let known = list("knownFlags");
    assert!(list("supportedFlags").iter().all(|f| known.contains(f)));
    for action in list("actions") {
        let json = format!(
            r#"{{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/a",
                "syscalls": [{{"names": ["getppid"], "action": "{action}"}}]}}"#
        );
        let s: oci_spec::runtime::LinuxSeccomp = serde_json::from_str(&json).unwrap();
        crate::security::seccomp::compile(&s).unwrap_or_else(|e| panic!("{action}: {e}"));
    }
}
