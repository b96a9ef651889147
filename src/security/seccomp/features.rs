//! The `linux.seccomp` part of `berth features` (runtime-spec features.md).

use super::arch::Abi;
use super::kernel::{self, Kernel};
use serde_json::{json, Value};

const ACTIONS: [(&str, u32); 9] = [
    ("SCMP_ACT_ALLOW", libc::SECCOMP_RET_ALLOW),
    ("SCMP_ACT_ERRNO", libc::SECCOMP_RET_ERRNO),
    ("SCMP_ACT_KILL", libc::SECCOMP_RET_KILL_THREAD),
    ("SCMP_ACT_KILL_PROCESS", libc::SECCOMP_RET_KILL_PROCESS),
    ("SCMP_ACT_KILL_THREAD", libc::SECCOMP_RET_KILL_THREAD),
    ("SCMP_ACT_LOG", libc::SECCOMP_RET_LOG),
    ("SCMP_ACT_NOTIFY", libc::SECCOMP_RET_USER_NOTIF),
    ("SCMP_ACT_TRACE", libc::SECCOMP_RET_TRACE),
    ("SCMP_ACT_TRAP", libc::SECCOMP_RET_TRAP),
];

const OPERATORS: [&str; 7] =
    ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"];

const FLAGS: [(&str, u32); 4] = [
    ("SECCOMP_FILTER_FLAG_LOG", kernel::FLAG_LOG),
    ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", kernel::FLAG_SPEC_ALLOW),
    ("SECCOMP_FILTER_FLAG_TSYNC", kernel::FLAG_TSYNC),
    ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", kernel::FLAG_WAIT_KILLABLE_RECV),
];

/// What this build and the running kernel support. `actions` and
/// `supportedFlags` are what `compile` accepts here and now (runc lists every
/// action libseccomp knows instead); `knownFlags` is every flag berth handles.
pub fn features() -> Value {
    let k = Kernel::probe();
    if !k.available || Abi::native().is_none() {
        return json!({"enabled": false});
    }
    let actions: Vec<&str> = ACTIONS
        .iter()
        .filter(|&&(_, ret)| k.supports_action(ret))
        // A listener needs NEW_LISTENER on top of the action.
        .filter(|&&(_, ret)| ret != libc::SECCOMP_RET_USER_NOTIF || k.supports_flags(kernel::FLAG_NEW_LISTENER))
        .map(|&(name, _)| name)
        .collect();
    let mut archs: Vec<&str> = Abi::ALL.iter().map(|a| a.name()).collect();
    archs.sort_unstable();
    let supported: Vec<&str> = FLAGS.iter().filter(|&&(_, bit)| k.supports_flags(bit)).map(|&(n, _)| n).collect();
    json!({
        "enabled": true,
        "actions": actions,
        "operators": OPERATORS,
        "archs": archs,
        "knownFlags": FLAGS.map(|(name, _)| name),
        "supportedFlags": supported,
    })
}
