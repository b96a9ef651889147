//! Each part of the profile model, checked by running the compiled program
//! through the interpreter. Syscall numbers are x86_64's (the native ABI).

use super::interp::*;
use crate::security::seccomp::compile::compile_for;
use crate::security::seccomp::kernel::{self, Kernel};

const GETPPID: u32 = 110;
const GETPID: u32 = 39;

/// A profile with one rule for getppid (`rule` is the JSON object's inside).
fn one_rule(default: &str, rule: &str) -> String {
    format!(
        r#"{{"defaultAction": {default}, "listenerPath": "/run/agent.sock",
            "syscalls": [{{"names": ["getppid"], {rule}}}]}}"#
    )
}

#[test]
fn every_action_has_its_kernel_value() {
    let cases = [
        (r#""action": "SCMP_ACT_ERRNO""#, errno(libc::EPERM)),
        (r#""action": "SCMP_ACT_ERRNO", "errnoRet": 42"#, errno(42)),
        (r#""action": "SCMP_ACT_KILL""#, KILL_THREAD),
        (r#""action": "SCMP_ACT_KILL_THREAD""#, KILL_THREAD),
        (r#""action": "SCMP_ACT_KILL_PROCESS""#, KILL_PROCESS),
        (r#""action": "SCMP_ACT_TRAP""#, TRAP),
        (r#""action": "SCMP_ACT_TRAP", "errnoRet": 5"#, TRAP),
        (r#""action": "SCMP_ACT_TRACE""#, trace(libc::EPERM as u32)),
        (r#""action": "SCMP_ACT_TRACE", "errnoRet": 7"#, trace(7)),
        (r#""action": "SCMP_ACT_LOG""#, LOG),
        (r#""action": "SCMP_ACT_NOTIFY""#, NOTIFY),
    ];
    for (rule, want) in cases {
        let p = compile(&one_rule(r#""SCMP_ACT_ALLOW""#, rule));
        assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 0), want, "{rule}");
        assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPID, 0), ALLOW, "{rule}: other syscalls get the default");
        assert_eq!(p.wants_listener, want == NOTIFY, "{rule}");
    }
    let p = compile(&one_rule(r#""SCMP_ACT_KILL_PROCESS""#, r#""action": "SCMP_ACT_ALLOW""#));
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 0), ALLOW);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPID, 0), KILL_PROCESS);
}

#[test]
fn default_action_and_its_errno() {
    let cases = [
        (r#""SCMP_ACT_ERRNO""#, errno(libc::EPERM)),
        (r#""SCMP_ACT_ERRNO", "defaultErrnoRet": 38"#, errno(libc::ENOSYS)),
        (r#""SCMP_ACT_TRACE", "defaultErrnoRet": 3"#, trace(3)),
        (r#""SCMP_ACT_KILL""#, KILL_THREAD),
        (r#""SCMP_ACT_TRAP", "defaultErrnoRet": 3"#, TRAP),
        (r#""SCMP_ACT_LOG""#, LOG),
    ];
    for (default, want) in cases {
        let p = compile(&format!(r#"{{"defaultAction": {default}}}"#));
        assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPID, 0), want, "{default}");
        assert!(p.filter.len() <= 8, "{default}: {} instructions for an empty profile", p.filter.len());
    }
}

#[test]
fn errno_values_are_the_16_data_bits() {
    let p = compile(&one_rule(r#""SCMP_ACT_ALLOW""#, r#""action": "SCMP_ACT_ERRNO", "errnoRet": 0"#));
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 0), libc::SECCOMP_RET_ERRNO);
    let p = compile(&one_rule(r#""SCMP_ACT_ALLOW""#, r#""action": "SCMP_ACT_ERRNO", "errnoRet": 65535"#));
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 0), errno(65535));
    let e = compile_err(&one_rule(r#""SCMP_ACT_ALLOW""#, r#""action": "SCMP_ACT_ERRNO", "errnoRet": 65536"#));
    assert_eq!(e, "linux.seccomp.syscalls[0].errnoRet: 65536 is above 65535");
    let e = compile_err(r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000}"#);
    assert_eq!(e, "linux.seccomp.defaultErrnoRet: 70000 is above 65535");
}

/// `op` with `value`/`valueTwo` on argument 2 of getppid: ERRNO(99) when it holds.
fn with_check(arch_list: &str, op: &str, value: u64, value_two: u64) -> crate::security::seccomp::Program {
    compile(&format!(
        r#"{{"defaultAction": "SCMP_ACT_ALLOW", "architectures": [{arch_list}], "syscalls": [{{
            "names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 99,
            "args": [{{"index": 2, "value": {value}, "valueTwo": {value_two}, "op": "{op}"}}]}}]}}"#
    ))
}

fn on_arg2(p: &crate::security::seccomp::Program, arch: u32, nr: u32, arg: u64) -> bool {
    match run(&p.filter, arch, nr, [0, 0, arg, 0, 0, 0]) {
        r if r == errno(99) => true,
        ALLOW => false,
        r => panic!("unexpected {r:#x}"),
    }
}

#[test]
fn operators_compare_all_64_bits_unsigned() {
    let v: u64 = 0x1_0000_0005;
    let args =
        [v, v - 1, v + 1, 0x5, 0x2_0000_0005, 0xffff_ffff, 0x2_0000_0000, 0, u64::MAX, 0x1_ffff_ffff, 0x1_0000_0000];
    type Cmp = fn(u64, u64) -> bool;
    let ops: [(&str, Cmp); 6] = [
        ("SCMP_CMP_EQ", |a, v| a == v),
        ("SCMP_CMP_NE", |a, v| a != v),
        ("SCMP_CMP_LT", |a, v| a < v),
        ("SCMP_CMP_LE", |a, v| a <= v),
        ("SCMP_CMP_GT", |a, v| a > v),
        ("SCMP_CMP_GE", |a, v| a >= v),
    ];
    for (op, cmp) in ops {
        for value in [v, 0, u64::MAX, 0xffff_ffff] {
            let p = with_check("", op, value, 0);
            for arg in args {
                assert_eq!(
                    on_arg2(&p, AUDIT_ARCH_X86_64, GETPPID, arg),
                    cmp(arg, value),
                    "{op} {value:#x} on {arg:#x}"
                );
            }
        }
    }
    let (mask, datum) = (0xf0_0000_00f0u64, 0x10_0000_0020u64);
    let p = with_check("", "SCMP_CMP_MASKED_EQ", mask, datum);
    for arg in [0x10_0000_0020, 0x1f_0000_002f, 0x10_0000_0030, 0x20_0000_0020, 0x20, 0x10_0000_0000, u64::MAX] {
        assert_eq!(on_arg2(&p, AUDIT_ARCH_X86_64, GETPPID, arg), arg & mask == datum, "masked {arg:#x}");
    }
    // As libseccomp, the datum is masked too: bits outside the mask do not matter.
    let p = with_check("", "SCMP_CMP_MASKED_EQ", 0xff, 0x1234);
    assert!(on_arg2(&p, AUDIT_ARCH_X86_64, GETPPID, 0x34));
    // Docker's clone rule: none of the namespace flags.
    let p = with_check("", "SCMP_CMP_MASKED_EQ", 2114060288, 0);
    assert!(on_arg2(&p, AUDIT_ARCH_X86_64, GETPPID, libc::SIGCHLD as u64));
    assert!(!on_arg2(&p, AUDIT_ARCH_X86_64, GETPPID, libc::CLONE_NEWUSER as u64));
}

#[test]
fn thirty_two_bit_abis_compare_low_words_only() {
    let p = with_check(r#""SCMP_ARCH_X86""#, "SCMP_CMP_EQ", 0x1_0000_0005, 0);
    let i386_getppid = 64;
    assert!(on_arg2(&p, AUDIT_ARCH_I386, i386_getppid, 5), "the value is cut to 32 bits, as libseccomp does");
    assert!(!on_arg2(&p, AUDIT_ARCH_X86_64, GETPPID, 5), "x86_64 compares 64 bits");
    assert!(on_arg2(&p, AUDIT_ARCH_X86_64, GETPPID, 0x1_0000_0005));
    let p = with_check(r#""SCMP_ARCH_X86""#, "SCMP_CMP_GT", 0x1_0000_0005, 0);
    assert!(on_arg2(&p, AUDIT_ARCH_I386, i386_getppid, 6));
    assert!(!on_arg2(&p, AUDIT_ARCH_I386, i386_getppid, 4));
}

#[test]
fn checks_in_a_rule_are_anded_rules_are_ored_first_match_wins() {
    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 10,
             "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]},
            {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 11,
             "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
            {"names": ["getppid", "getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 12,
             "args": [{"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]},
            {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
            {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 14}
        ]}"#,
    );
    let call = |nr, a0, a1| run(&p.filter, AUDIT_ARCH_X86_64, nr, [a0, a1, 0, 0, 0, 0]);
    assert_eq!(call(GETPPID, 1, 2), errno(10), "both checks hold: the first rule");
    assert_eq!(call(GETPPID, 1, 3), errno(11));
    assert_eq!(call(GETPPID, 0, 2), errno(12));
    assert_eq!(call(GETPPID, 0, 0), errno(13), "an unconditional rule after them");
    assert_eq!(call(GETPID, 0, 2), errno(12), "every name of an entry gets its rules");
    assert_eq!(call(GETPID, 1, 0), ALLOW);
}

#[test]
fn two_checks_on_one_argument_are_ored_as_in_runc() {
    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO",
            "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 1), errno(libc::EPERM));
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 2), errno(libc::EPERM));
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 3), ALLOW);
}

#[test]
fn rules_with_the_default_action_are_dropped_as_in_runc() {
    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
            {"names": ["getppid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 0), ALLOW);
}

#[test]
fn architectures_dispatch_on_the_audit_arch() {
    let native_only = compile(&one_rule(r#""SCMP_ACT_ALLOW""#, r#""action": "SCMP_ACT_ERRNO", "errnoRet": 3"#));
    assert_eq!(run1(&native_only, AUDIT_ARCH_X86_64, GETPPID, 0), errno(3));
    for other in [AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0xdead_beef] {
        assert_eq!(run1(&native_only, other, GETPPID, 0), KILL_THREAD, "arch {other:#x} not covered");
    }

    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_NATIVE"],
            "syscalls": [{"names": ["getppid", "cacheflush", "socketcall"],
                          "action": "SCMP_ACT_ERRNO", "errnoRet": 3}]}"#,
    );
    let e3 = errno(3);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 0), e3);
    assert_eq!(run1(&p, AUDIT_ARCH_I386, 64, 0), e3, "i386 getppid is 64");
    assert_eq!(run1(&p, AUDIT_ARCH_I386, 102, 0), e3, "socketcall exists on i386 only");
    assert_eq!(run1(&p, AUDIT_ARCH_I386, GETPPID, 0), ALLOW, "110 is iopl on i386");
    assert_eq!(run1(&p, AUDIT_ARCH_AARCH64, 173, 0), e3, "arm64 getppid is 173");
    assert_eq!(run1(&p, AUDIT_ARCH_ARM, 64, 0), e3);
    assert_eq!(run1(&p, AUDIT_ARCH_ARM, 0xf0002, 0), e3, "ARM private cacheflush");
    assert_eq!(run1(&p, 0xdead_beef, 64, 0), KILL_THREAD);
    assert!(p.skipped.iter().any(|s| s.contains("socketcall is not a syscall on SCMP_ARCH_X86_64")), "{:?}", p.skipped);

    let p = compile(r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PPC64LE"]}"#);
    assert!(p.skipped[0].starts_with("linux.seccomp.architectures[0]: no syscall table for SCMP_ARCH_PPC64LE"));
    assert_eq!(run1(&p, 0xc000_0015, 1, 0), KILL_THREAD);
}

#[test]
fn x32_numbers_never_pass_an_x86_64_only_filter() {
    let x32_getppid = X32_SYSCALL_BIT | GETPPID;
    // A deny list: the default allows, so an x32 number must not reach it.
    let p = compile(&one_rule(r#""SCMP_ACT_ALLOW""#, r#""action": "SCMP_ACT_ERRNO""#));
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, x32_getppid, 0), KILL_THREAD);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT, 0), KILL_THREAD);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, u32::MAX, 0), ALLOW, "-1 (a tracer skipping a syscall) gets the default");
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT - 1, 0), ALLOW);
}

#[test]
fn x32_numbers_follow_the_x32_table_when_listed() {
    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
            "syscalls": [{"names": ["getppid", "rt_sigaction"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4,
                          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let e4 = errno(4);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | GETPPID, 1), e4);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 512, 1), e4, "x32 rt_sigaction is 512");
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, 13, 1), e4, "x86_64 rt_sigaction is 13");
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 13, 1), ALLOW, "13 is not rt_sigaction on x32");
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 1 << 32 | 1), ALLOW, "x86_64 compares 64 bits");
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | GETPPID, 1 << 32 | 1), e4, "x32 only the low 32");
}

#[test]
fn unknown_names_are_skipped_and_listed() {
    let p = compile(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["getpid", "no_such_call", "getppid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    assert_eq!(p.skipped, ["linux.seccomp.syscalls[0].names[1]: no_such_call is not a syscall on SCMP_ARCH_X86_64"]);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPID, 0), ALLOW);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, GETPPID, 0), ALLOW);
}

#[test]
fn syscalls_newer_than_the_profile_get_enosys_as_in_runc() {
    let listing = r#""syscalls": [{"names": ["getpid", "getppid"], "action": "SCMP_ACT_ALLOW"},
                                   {"names": ["futex"], "action": "SCMP_ACT_ERRNO"}]"#;
    let with_default = |d: &str| compile(&format!(r#"{{"defaultAction": {d}, {listing}}}"#));
    let futex = x86_64("futex"); // 202, the highest number listed
    let p = with_default(r#""SCMP_ACT_ERRNO""#);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, futex, 0), errno(libc::EPERM), "the highest listed name counts");
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, futex + 1, 0), errno(libc::ENOSYS));
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, 1000, 0), errno(libc::ENOSYS));
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, 100, 0), errno(libc::EPERM), "below the highest: the default");
    let p = with_default(r#""SCMP_ACT_KILL_PROCESS""#);
    assert_eq!(run1(&p, AUDIT_ARCH_X86_64, 1000, 0), errno(libc::ENOSYS));
    for permissive in [r#""SCMP_ACT_ALLOW""#, r#""SCMP_ACT_LOG""#, r#""SCMP_ACT_TRACE""#] {
        let p = with_default(permissive);
        assert_ne!(run1(&p, AUDIT_ARCH_X86_64, 1000, 0), errno(libc::ENOSYS), "{permissive}");
    }
}

#[test]
fn errors_name_the_field() {
    let cases = [
        (
            r#"{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x"}"#,
            "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_NOTIFY"}]}"#,
            "linux.seccomp.listenerPath: required by linux.seccomp.syscalls[0].action SCMP_ACT_NOTIFY",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["getpid"], "action": "SCMP_ACT_ERRNO"}, {"names": ["getpid"], "action": "SCMP_ACT_ERRNO"},
                {"names": [], "action": "SCMP_ACT_ERRNO"}]}"#,
            "linux.seccomp.syscalls[2].names: empty",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["getpid", ""], "action": "SCMP_ACT_ERRNO"}]}"#,
            "linux.seccomp.syscalls[0].names[1]: empty",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["a"], "action": "SCMP_ACT_LOG"}, {"names": ["b"], "action": "SCMP_ACT_LOG"},
                {"names": ["c"], "action": "SCMP_ACT_LOG"},
                {"names": ["getpid"], "action": "SCMP_ACT_ERRNO",
                 "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
            "linux.seccomp.syscalls[3].args[0].index: 7 is above 5",
        ),
    ];
    for (json, want) in cases {
        let e = compile_err(json);
        assert!(e.starts_with(want), "{e}\nwanted {want}");
    }
}

#[test]
fn what_the_kernel_lacks_is_refused_with_the_field() {
    let mut old = Kernel::everything();
    old.actions.retain(|&a| a != libc::SECCOMP_RET_LOG && a != libc::SECCOMP_RET_KILL_PROCESS);
    old.flags &= !kernel::FLAG_SPEC_ALLOW;
    let try_compile = |json: &str| compile_for(&profile(json), &old).map(drop).map_err(|e| e.to_string());
    assert_eq!(
        try_compile(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_LOG"}]}"#
        ),
        Err("linux.seccomp.syscalls[0].action: SCMP_ACT_LOG is not supported by this kernel".into())
    );
    assert_eq!(
        try_compile(r#"{"defaultAction": "SCMP_ACT_KILL_PROCESS"}"#),
        Err("linux.seccomp.defaultAction: SCMP_ACT_KILL_PROCESS is not supported by this kernel".into())
    );
    assert_eq!(
        try_compile(
            r#"{"defaultAction": "SCMP_ACT_ALLOW",
                "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}"#
        ),
        Err("linux.seccomp.flags[1]: SECCOMP_FILTER_FLAG_SPEC_ALLOW is not supported by this kernel".into())
    );
    let none = Kernel { available: false, actions: vec![], flags: 0 };
    let e = compile_for(&profile(r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#), &none).map(drop).unwrap_err();
    assert!(e.to_string().starts_with("linux.seccomp: this kernel has no seccomp filters"), "{e}");
}

#[test]
fn names_serde_refuses_come_with_their_path() {
    let spec = |seccomp: &str| {
        let json = format!(r#"{{"ociVersion": "1.0.0", "linux": {{"seccomp": {seccomp}}}}}"#);
        crate::spec::load::parse(json.as_bytes()).map(drop).unwrap_err().to_string()
    };
    let e = spec(r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_FOO"]}"#);
    assert!(e.starts_with("linux.seccomp.architectures[1]: unknown variant `SCMP_ARCH_FOO`"), "{e}");
    let e = spec(r#"{"defaultAction": "SCMP_ACT_BOGUS"}"#);
    assert!(e.starts_with("linux.seccomp.defaultAction: unknown variant `SCMP_ACT_BOGUS`"), "{e}");
    let e = spec(r#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW"]}"#);
    assert!(e.starts_with("linux.seccomp.flags[0]: unknown variant"), "{e}");
    let e = spec(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_SOMETIMES"}]}]}"#,
    );
    assert!(e.starts_with("linux.seccomp.syscalls[0].args[0].op: unknown variant"), "{e}");
}

#[test]
fn flags_become_filter_flag_bits() {
    let flags = |list: &str, notify: bool| {
        let action = if notify { "SCMP_ACT_NOTIFY" } else { "SCMP_ACT_ERRNO" };
        compile(&format!(
            r#"{{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/a", "flags": [{list}],
                "syscalls": [{{"names": ["getppid"], "action": "{action}"}}]}}"#
        ))
    };
    let p = flags(r#""SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW""#, false);
    assert_eq!(p.flags, kernel::FLAG_TSYNC | kernel::FLAG_LOG | kernel::FLAG_SPEC_ALLOW);
    assert!(!p.wants_listener);
    let p = flags(r#""SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV""#, false);
    assert_eq!(p.flags, 0, "meaningless without a listener, and refused by the kernel there");
    let p = flags(r#""SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV""#, true);
    assert_eq!(p.flags, kernel::FLAG_WAIT_KILLABLE_RECV);
    assert!(p.wants_listener);
    let p = flags(r#""SECCOMP_FILTER_FLAG_TSYNC""#, true);
    assert_eq!(p.flags, kernel::FLAG_TSYNC | kernel::FLAG_TSYNC_ESRCH);
}
