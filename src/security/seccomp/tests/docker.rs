//! A profile the size of Docker's default (369 names, x86_64 + x86 + x32,
//! the personality, clone, clone3 and socket rules).

use super::interp::*;

#[test]
fn docker_like_profile_is_small_and_right() {
    let p = compile(include_str!("../testdata/docker-like.json"));
    println!("docker-like profile: {} BPF instructions", p.filter.len());
    assert!(p.filter.len() < 4096 / 4, "{} instructions", p.filter.len());
    assert!(!p.wants_listener);
    let call = |nr, arg0| run1(&p, AUDIT_ARCH_X86_64, nr, arg0);
    let eperm = errno(libc::EPERM);
    assert_eq!(call(x86_64("getpid"), 0), ALLOW);
    assert_eq!(call(x86_64("write"), 0), ALLOW);
    assert_eq!(call(x86_64("acct"), 0), eperm);
    assert_eq!(call(x86_64("mount"), 0), eperm);
    assert_eq!(call(x86_64("personality"), 8), ALLOW);
    assert_eq!(call(x86_64("personality"), 0xffff_ffff), ALLOW);
    assert_eq!(call(x86_64("personality"), 1), eperm);
    assert_eq!(call(x86_64("clone"), libc::SIGCHLD as u64), ALLOW);
    assert_eq!(call(x86_64("clone"), (libc::CLONE_NEWNS | libc::SIGCHLD) as u64), eperm);
    assert_eq!(call(x86_64("clone3"), 0), errno(libc::ENOSYS));
    assert_eq!(call(x86_64("socket"), libc::AF_INET as u64), ALLOW);
    assert_eq!(call(x86_64("socket"), libc::AF_VSOCK as u64), eperm);
    assert_eq!(call(1000, 0), errno(libc::ENOSYS), "newer than the profile");
    assert_eq!(run1(&p, AUDIT_ARCH_I386, 20, 0), ALLOW, "i386 getpid");
    assert_eq!(run1(&p, AUDIT_ARCH_I386, 102, 0), ALLOW, "i386 socketcall");
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 39, 0), ALLOW, "x32 getpid");
    assert_eq!(run1(&p, AUDIT_ARCH_AARCH64, 172, 0), KILL_THREAD);
}
