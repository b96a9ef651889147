//! The `linux.seccomp` part of `berth features` (runtime-spec features.md).

use super::arch::Abi;
use super::kernel::{self, Kernel};
use serde_json::{json, Value};

/// What this build and the running kernel support. `actions` and
/// `supportedFlags` are what `compile` would accept here and now;
/// `knownFlags` is every flag berth understands.
pub fn features() -> Value {
    let k = Kernel::probe();
    let enabled = k.available && Abi::native().is_some();
    let mut actions: Vec<&str> = [
        ("SCMP_ACT_ALLOW", libc::SECCOMP_RET_ALLOW),
        ("SCMP_ACT_ERRNO", libc::SECCOMP_RET_ERRNO),
        ("SCMP_ACT_KILL", libc::SECCOMP_RET_KILL_THREAD),
        ("SCMP_ACT_KILL_PROCESS", libc::SECCOMP_RET_KILL_PROCESS),
        ("SCMP_ACT_KILL_THREAD", libc::SECCOMP_RET_KILL_THREAD),
        ("SCMP_ACT_LOG", libc::SECCOMP_RET_LOG),
        ("SCMP_ACT_NOTIFY", libc::SECCOMP_RET_USER_NOTIF),
        ("SCMP_ACT_TRACE", libc::SECCOMP_RET_TRACE),
        ("SCMP_ACT_TRAP", libc::SECCOMP_RET_TRAP),
    ]
    .into_iter()
    .filter(|&(_, ret)| k.supports_action(ret))
    .map(|(name, _)| name)
    .collect();
    // A listener needs NEW_LISTENER on top of the action.
    if !k.supports_flags(kernel::FLAG_NEW_LISTENER) {
        actions.retain(|&a| a != "SCMP_ACT_NOTIFY");
    }
    let mut archs: Vec<&str> = Abi::ALL.iter().map(|a| a.name()).collect();
    archs.sort_unstable();
    let known = [
        ("SECCOMP_FILTER_FLAG_LOG", kernel::FLAG_LOG),
        ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", kernel::FLAG_SPEC_ALLOW),
        ("SECCOMP_FILTER_FLAG_TSYNC", kernel::FLAG_TSYNC),
        ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", kernel::FLAG_WAIT_KILLABLE_RECV),
    ];
    let supported: Vec<&str> = known.iter().filter(|(_, bit)| k.supports_flags(*bit)).map(|(n, _)| *n).collect();
    if !enabled {
        return json!({"enabled": false});
    }
    json!({
        "enabled": true,
        "actions": actions,
        "operators": [
            "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"
        ],
        "archs": archs,
        "knownFlags": known.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        "supportedFlags": supported,
    })
}
