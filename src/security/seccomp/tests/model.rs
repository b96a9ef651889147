//! Random profiles, compiled and run through the interpreter, against a
//! direct reading of the rules (`expected`). This is what catches mistakes
//! in the jump tree, the long jumps and the 64-bit halves.

use super::interp::*;
use crate::security::seccomp::arch::Abi;
use crate::security::seccomp::tables::lookup;
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction as Action, LinuxSeccompArg, LinuxSeccompOperator as Op};
use serde_json::{json, Value};

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const VALUES: [u64; 10] = [0, 1, 5, 40, 0xffff_ffff, 1 << 32, 0x1_0000_0005, 0x7e02_0000, u64::MAX, 0x8000_0000];

fn random_profile(rng: &mut Rng, entries: usize) -> Value {
    let actions = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_LOG"];
    let more_actions = ["SCMP_ACT_TRACE", "SCMP_ACT_KILL", "SCMP_ACT_NOTIFY", "SCMP_ACT_KILL_THREAD"];
    let ops = ["SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE"];
    let arches = ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_PPC64LE"];
    let tables = [Abi::X86_64.table(), Abi::X86.table(), Abi::Aarch64.table()];
    let value = |rng: &mut Rng| if rng.below(4) == 0 { rng.next() } else { *rng.pick(&VALUES) };
    let syscalls: Vec<Value> = (0..entries)
        .map(|_| {
            let names: Vec<&str> = (0..1 + rng.below(3))
                .map(|_| {
                    let table = *rng.pick(&tables);
                    if rng.below(20) == 0 {
                        "not_a_syscall"
                    } else {
                        rng.pick(table).0
                    }
                })
                .collect();
            let action = if rng.below(4) == 0 { rng.pick(&more_actions) } else { rng.pick(&actions) };
            let args: Vec<Value> = (0..[0, 0, 1, 1, 2, 3][rng.below(6)])
                .map(|_| {
                    let op = if rng.below(6) == 0 { "SCMP_CMP_MASKED_EQ" } else { rng.pick(&ops) };
                    json!({"index": rng.below(3), "value": value(rng), "valueTwo": value(rng), "op": op})
                })
                .collect();
            let mut entry = json!({"names": names, "action": action, "args": args});
            if rng.below(3) == 0 {
                entry["errnoRet"] = json!(rng.below(200));
            }
            entry
        })
        .collect();
    let mut listed: Vec<&str> = arches.iter().copied().filter(|_| rng.below(2) == 0).collect();
    if rng.below(4) == 0 {
        listed.push("SCMP_ARCH_NATIVE");
    }
    let default = *rng.pick(&["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_LOG"]);
    let mut profile = json!({"defaultAction": default, "architectures": listed, "listenerPath": "/agent",
                             "syscalls": syscalls});
    if rng.below(2) == 0 {
        profile["defaultErrnoRet"] = json!(rng.below(100));
    }
    profile
}

fn ret(a: Action, errno_ret: Option<u32>) -> u32 {
    let data = errno_ret.unwrap_or(libc::EPERM as u32);
    match a {
        Action::ScmpActKill | Action::ScmpActKillThread => KILL_THREAD,
        Action::ScmpActKillProcess => KILL_PROCESS,
        Action::ScmpActTrap => TRAP,
        Action::ScmpActErrno => errno(data as i32),
        Action::ScmpActTrace => trace(data),
        Action::ScmpActLog => LOG,
        Action::ScmpActNotify => NOTIFY,
        Action::ScmpActAllow => ALLOW,
    }
}

fn holds(a: &LinuxSeccompArg, args: &[u64; 6], wide: bool) -> bool {
    let narrow = |v: u64| if wide { v } else { v & 0xffff_ffff };
    let (arg, value, two) = (narrow(args[a.index()]), narrow(a.value()), narrow(a.value_two().unwrap_or(0)));
    match a.op() {
        Op::ScmpCmpEq => arg == value,
        Op::ScmpCmpNe => arg != value,
        Op::ScmpCmpLt => arg < value,
        Op::ScmpCmpLe => arg <= value,
        Op::ScmpCmpGt => arg > value,
        Op::ScmpCmpGe => arg >= value,
        Op::ScmpCmpMaskedEq => arg & value == two & value,
    }
}

/// What the profile says about one syscall, read straight off the rules.
fn expected(s: &LinuxSeccomp, arch: u32, nr: u32, args: &[u64; 6]) -> u32 {
    let mut covered = vec![Abi::X86_64];
    covered.extend(s.architectures().iter().flatten().filter_map(|&a| Abi::from_oci(a)));
    let default = ret(s.default_action(), s.default_errno_ret());
    let abi = match arch {
        AUDIT_ARCH_X86_64 if nr < X32_SYSCALL_BIT => Abi::X86_64,
        AUDIT_ARCH_X86_64 if covered.contains(&Abi::X32) => Abi::X32,
        AUDIT_ARCH_X86_64 if nr == u32::MAX => return default,
        AUDIT_ARCH_I386 => Abi::X86,
        AUDIT_ARCH_AARCH64 => Abi::Aarch64,
        AUDIT_ARCH_ARM => Abi::Arm,
        _ => return KILL_THREAD,
    };
    if !covered.contains(&abi) {
        return KILL_THREAD;
    }
    let calls = s.syscalls().clone().unwrap_or_default();
    let numbers = |c: &oci_spec::runtime::LinuxSyscall| -> Vec<u32> {
        c.names().iter().filter_map(|n| lookup(abi.table(), n)).collect()
    };
    for call in &calls {
        let action = ret(call.action(), call.errno_ret());
        if action == default || !numbers(call).contains(&nr) {
            continue;
        }
        let args_of = call.args().clone().unwrap_or_default();
        let mut indexes: Vec<usize> = args_of.iter().map(|a| a.index()).collect();
        indexes.sort_unstable();
        let repeated = indexes.windows(2).any(|w| w[0] == w[1]);
        let hit = if repeated {
            args_of.iter().any(|a| holds(a, args, abi.wide_args()))
        } else {
            args_of.iter().all(|a| holds(a, args, abi.wide_args()))
        };
        if hit {
            return action;
        }
    }
    let last = calls.iter().flat_map(numbers).max();
    let permissive = matches!(default & 0xffff_0000, ALLOW | LOG | 0x7ff0_0000);
    if !permissive && default != errno(libc::ENOSYS) && last.is_some_and(|l| nr > l) {
        return errno(libc::ENOSYS);
    }
    default
}

fn check_profile(rng: &mut Rng, profile: &Value, calls: usize) -> usize {
    let json = profile.to_string();
    let p = compile(&json);
    let s = super::interp::profile(&json);
    let archs = [AUDIT_ARCH_X86_64, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 7];
    let mut used: Vec<u64> = VALUES.to_vec();
    for call in s.syscalls().iter().flatten() {
        for a in call.args().iter().flatten() {
            used.extend([a.value(), a.value().wrapping_add(1), a.value().wrapping_sub(1), a.value() ^ (1 << 32)]);
        }
    }
    for _ in 0..calls {
        let arch = *rng.pick(&archs);
        let table = match arch {
            AUDIT_ARCH_I386 => Abi::X86.table(),
            AUDIT_ARCH_AARCH64 => Abi::Aarch64.table(),
            AUDIT_ARCH_ARM => Abi::Arm.table(),
            _ if rng.below(4) == 0 => Abi::X32.table(),
            _ => Abi::X86_64.table(),
        };
        let nr = match rng.below(10) {
            0 => rng.below(1100) as u32,
            1 => *rng.pick(&[u32::MAX, X32_SYSCALL_BIT, X32_SYSCALL_BIT - 1, 0]),
            _ => rng.pick(table).1.wrapping_add(rng.below(3) as u32).wrapping_sub(1),
        };
        let args: [u64; 6] = std::array::from_fn(|_| *rng.pick(&used));
        let got = run(&p.filter, arch, nr, args);
        let want = expected(&s, arch, nr, &args);
        assert_eq!(got, want, "arch {arch:#x} nr {nr:#x} args {args:x?}\n{json}");
    }
    p.filter.len()
}

#[test]
fn random_profiles_behave_as_their_rules_say() {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    for _ in 0..150 {
        let entries = rng.below(30);
        let profile = random_profile(&mut rng, entries);
        check_profile(&mut rng, &profile, 300);
    }
}

/// Hundreds of argument rules put most targets beyond a conditional jump's
/// 255-instruction reach, so the `ja` and duplicated `ret` paths run.
#[test]
fn large_profiles_with_long_jumps() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..4 {
        let mut profile = random_profile(&mut rng, 150);
        // Two ABIs keep it under the kernel's 4096 instructions.
        profile["architectures"] = json!(["SCMP_ARCH_X86"]);
        let len = check_profile(&mut rng, &profile, 3000);
        assert!(len > 1000, "only {len} instructions: the long-jump paths were not exercised");
        let p = compile(&profile.to_string());
        let ja = (libc::BPF_JMP | libc::BPF_JA) as u16;
        assert!(p.filter.iter().any(|i| i.code == ja), "no long jump in {len} instructions");
    }
}
