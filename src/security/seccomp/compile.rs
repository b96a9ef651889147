//! `linux.seccomp` -> `Program`: every check that can fail happens here, in
//! the parent, and names the field at fault.

use super::arch::Abi;
use super::codegen::{self, AbiRules, ArgCheck, Plan, Rule};
use super::kernel::{self, Kernel};
use super::{tables, Program};
use crate::error::Result;
use crate::security::Error;
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction as Action, LinuxSeccompArg, LinuxSeccompFilterFlag as Flag};

const FIELD: &str = "linux.seccomp";

/// Syscall arguments are numbered 0 to 5.
const MAX_ARG_INDEX: usize = 5;

/// BPF_MAXINSNS.
const MAX_INSTRUCTIONS: usize = 4096;

/// Compiles `s` for the running kernel: refuses actions and flags it lacks.
pub fn compile(s: &LinuxSeccomp) -> Result<Program> {
    compile_for(s, &Kernel::probe())
}

pub fn compile_for(s: &LinuxSeccomp, kernel: &Kernel) -> Result<Program> {
    if !kernel.available {
        return Err(crate::Error::field(FIELD, "this kernel has no seccomp filters (seccomp(2): ENOSYS)"));
    }
    let native = Abi::native().ok_or_else(|| {
        crate::Error::field(FIELD, format!("berth has no seccomp support on {}", std::env::consts::ARCH))
    })?;

    let default_action = s.default_action();
    if default_action == Action::ScmpActNotify {
        // As runc: every syscall, the ones that hand the listener to its agent
        // included, would wait for an agent that has not got it yet.
        return Err(crate::Error::field(
            format!("{FIELD}.defaultAction"),
            "SCMP_ACT_NOTIFY cannot be the default action",
        ));
    }
    let default = action(
        default_action,
        s.default_errno_ret(),
        kernel,
        &format!("{FIELD}.defaultAction"),
        &format!("{FIELD}.defaultErrnoRet"),
    )?;

    let mut skipped = Vec::new();
    let mut abis = vec![native];
    for (i, &arch) in s.architectures().iter().flatten().enumerate() {
        match Abi::from_oci(arch) {
            Some(abi) if !abis.contains(&abi) => abis.push(abi),
            Some(_) => {}
            None => skipped.push(format!(
                "{FIELD}.architectures[{i}]: no syscall table for {arch}; its syscalls get the bad-arch action"
            )),
        }
    }
    let mut per_abi: Vec<AbiRules> =
        abis.iter().map(|&abi| AbiRules { abi, rules: Default::default(), last: None }).collect();

    let mut wants_listener = false;
    for (i, call) in s.syscalls().iter().flatten().enumerate() {
        let field = format!("{FIELD}.syscalls[{i}]");
        if call.names().is_empty() {
            return Err(crate::Error::field(format!("{field}.names"), "empty"));
        }
        let ret =
            action(call.action(), call.errno_ret(), kernel, &format!("{field}.action"), &format!("{field}.errnoRet"))?;
        if call.action() == Action::ScmpActNotify {
            if let Some(j) = call.names().iter().position(|n| n == "write") {
                // The agent, or berth handing it the listener, may write to
                // the container's stdio: notifying write can deadlock (runc
                // refuses it too).
                return Err(crate::Error::field(
                    format!("{field}.names[{j}]"),
                    "SCMP_ACT_NOTIFY cannot be used for write",
                ));
            }
            wants_listener = true;
            if s.listener_path().is_none() {
                // The listener fd would have nowhere to go, and notified syscalls would hang.
                let reason = format!("required by {field}.action SCMP_ACT_NOTIFY");
                return Err(crate::Error::field(format!("{FIELD}.listenerPath"), reason));
            }
        }
        let args = call.args().as_deref().unwrap_or_default();
        for (j, arg) in args.iter().enumerate() {
            if arg.index() > MAX_ARG_INDEX {
                let reason = format!("{} is above {MAX_ARG_INDEX}", arg.index());
                return Err(crate::Error::field(format!("{field}.args[{j}].index"), reason));
            }
        }
        let rules = rules(ret, args);
        for (j, name) in call.names().iter().enumerate() {
            if name.is_empty() {
                return Err(crate::Error::field(format!("{field}.names[{j}]"), "empty"));
            }
            for abi in &mut per_abi {
                let Some(nr) = tables::lookup(abi.abi.table(), name) else {
                    skipped.push(format!("{field}.names[{j}]: {name} is not a syscall on {}", abi.abi.name()));
                    continue;
                };
                abi.last = abi.last.max(Some(nr));
                // As runc: a rule with the default action changes nothing on
                // its own, and libseccomp refuses it, so it is left out.
                if ret != default {
                    abi.rules.entry(nr).or_default().extend(rules.iter().cloned());
                }
            }
        }
    }

    let flags = filter_flags(s, kernel, wants_listener)?;
    let permissive = matches!(
        default & libc::SECCOMP_RET_ACTION_FULL,
        libc::SECCOMP_RET_ALLOW | libc::SECCOMP_RET_LOG | libc::SECCOMP_RET_TRACE
    );
    let plan = Plan { default, enosys_above_last: !permissive && default != codegen::ENOSYS, abis: per_abi };
    let filter = codegen::generate(&plan);
    if filter.len() > MAX_INSTRUCTIONS {
        let reason =
            format!("the filter needs {} instructions, above the kernel's limit of {MAX_INSTRUCTIONS}", filter.len());
        return Err(crate::Error::field(FIELD, reason));
    }
    Ok(Program { filter, flags, wants_listener, skipped })
}

/// The SECCOMP_RET_* value of an action. `errnoRet` is the data of ERRNO and
/// TRACE, EPERM when absent as with runc, and ignored by the other actions
/// (runc ignores it too). Errors name `action_field` or `errno_field`.
fn action(a: Action, errno_ret: Option<u32>, kernel: &Kernel, action_field: &str, errno_field: &str) -> Result<u32> {
    let data = || match errno_ret.unwrap_or(libc::EPERM as u32) {
        errno if errno > libc::SECCOMP_RET_DATA => {
            Err(crate::Error::field(errno_field, format!("{errno} is above {}", libc::SECCOMP_RET_DATA)))
        }
        errno => Ok(errno),
    };
    let ret = match a {
        Action::ScmpActKill | Action::ScmpActKillThread => libc::SECCOMP_RET_KILL_THREAD,
        Action::ScmpActKillProcess => libc::SECCOMP_RET_KILL_PROCESS,
        Action::ScmpActTrap => libc::SECCOMP_RET_TRAP,
        Action::ScmpActErrno => libc::SECCOMP_RET_ERRNO | data()?,
        Action::ScmpActTrace => libc::SECCOMP_RET_TRACE | data()?,
        Action::ScmpActLog => libc::SECCOMP_RET_LOG,
        Action::ScmpActNotify => libc::SECCOMP_RET_USER_NOTIF,
        Action::ScmpActAllow => libc::SECCOMP_RET_ALLOW,
    };
    if !kernel.supports_action(ret) {
        return Err(crate::Error::field(action_field, Error::Unsupported { what: a.to_string() }));
    }
    Ok(ret)
}

/// The rules one `syscalls[]` entry makes for each of its names: one rule
/// whose checks are ANDed. Except, as runc does, when two checks look at the
/// same argument: then each check is a rule of its own and they are ORed,
/// which is what profiles written for that behaviour expect.
fn rules(action: u32, args: &[LinuxSeccompArg]) -> Vec<Rule> {
    let check = |a: &LinuxSeccompArg| ArgCheck {
        index: a.index() as u32,
        op: a.op(),
        value: a.value(),
        value_two: a.value_two().unwrap_or(0),
    };
    let mut seen = [false; MAX_ARG_INDEX + 1];
    let repeats = args.iter().any(|a| std::mem::replace(&mut seen[a.index()], true));
    if repeats {
        args.iter().map(|a| Rule { action, args: vec![check(a)] }).collect()
    } else {
        vec![Rule { action, args: args.iter().map(check).collect() }]
    }
}

fn filter_flags(s: &LinuxSeccomp, kernel: &Kernel, wants_listener: bool) -> Result<u32> {
    let mut flags = 0;
    for (i, flag) in s.flags().iter().flatten().enumerate() {
        let bit = match flag {
            Flag::SeccompFilterFlagTsync => kernel::FLAG_TSYNC,
            Flag::SeccompFilterFlagLog => kernel::FLAG_LOG,
            Flag::SeccompFilterFlagSpecAllow => kernel::FLAG_SPEC_ALLOW,
            Flag::SeccompFilterFlagWaitKillableRecv => kernel::FLAG_WAIT_KILLABLE_RECV,
        };
        if !kernel.supports_flags(bit) {
            return Err(crate::Error::field(
                format!("{FIELD}.flags[{i}]"),
                Error::Unsupported { what: flag.to_string() },
            ));
        }
        flags |= bit;
    }
    if wants_listener {
        if !kernel.supports_flags(kernel::FLAG_NEW_LISTENER) {
            let reason = "SCMP_ACT_NOTIFY needs SECCOMP_FILTER_FLAG_NEW_LISTENER (Linux 5.0), which this kernel lacks";
            return Err(crate::Error::field(FIELD, reason));
        }
        // The kernel refuses TSYNC with a listener unless TSYNC failures are
        // reported as ESRCH rather than as a thread id; libseccomp does the same.
        if flags & kernel::FLAG_TSYNC != 0 {
            if !kernel.supports_flags(kernel::FLAG_TSYNC_ESRCH) {
                let reason = "SECCOMP_FILTER_FLAG_TSYNC with SCMP_ACT_NOTIFY needs Linux 5.7";
                return Err(crate::Error::field(format!("{FIELD}.flags"), reason));
            }
            flags |= kernel::FLAG_TSYNC_ESRCH;
        }
    } else {
        // Only means something for a listener, and the kernel refuses it
        // without one; libseccomp drops it the same way.
        flags &= !kernel::FLAG_WAIT_KILLABLE_RECV;
    }
    Ok(flags)
}
