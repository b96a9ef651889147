//! What the running kernel supports, asked once per `compile` in the parent,
//! so a profile it cannot enforce fails `create` with the field to blame
//! instead of failing in init.

use super::sys;

/// Every SECCOMP_RET_* action, as GET_ACTION_AVAIL wants them (no data).
pub const ACTIONS: [u32; 8] = [
    libc::SECCOMP_RET_KILL_PROCESS,
    libc::SECCOMP_RET_KILL_THREAD,
    libc::SECCOMP_RET_TRAP,
    libc::SECCOMP_RET_ERRNO,
    libc::SECCOMP_RET_USER_NOTIF,
    libc::SECCOMP_RET_TRACE,
    libc::SECCOMP_RET_LOG,
    libc::SECCOMP_RET_ALLOW,
];

/// The actions of kernels before 4.14, which cannot be asked.
const LEGACY_ACTIONS: [u32; 5] = [
    libc::SECCOMP_RET_KILL_THREAD,
    libc::SECCOMP_RET_TRAP,
    libc::SECCOMP_RET_ERRNO,
    libc::SECCOMP_RET_TRACE,
    libc::SECCOMP_RET_ALLOW,
];

pub const FLAG_TSYNC: u32 = libc::SECCOMP_FILTER_FLAG_TSYNC as u32;
pub const FLAG_LOG: u32 = libc::SECCOMP_FILTER_FLAG_LOG as u32;
pub const FLAG_SPEC_ALLOW: u32 = libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW as u32;
pub const FLAG_NEW_LISTENER: u32 = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER as u32;
pub const FLAG_TSYNC_ESRCH: u32 = libc::SECCOMP_FILTER_FLAG_TSYNC_ESRCH as u32;
pub const FLAG_WAIT_KILLABLE_RECV: u32 = libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV as u32;

const FLAGS: [u32; 6] =
    [FLAG_TSYNC, FLAG_LOG, FLAG_SPEC_ALLOW, FLAG_NEW_LISTENER, FLAG_TSYNC_ESRCH, FLAG_WAIT_KILLABLE_RECV];

#[derive(Clone, Debug)]
pub struct Kernel {
    /// seccomp(2) exists (Linux 3.17, CONFIG_SECCOMP_FILTER).
    pub available: bool,
    /// SECCOMP_RET_* action values (no data) the kernel enforces.
    pub actions: Vec<u32>,
    /// SECCOMP_FILTER_FLAG_* bits the kernel accepts.
    pub flags: u32,
}

impl Kernel {
    pub fn probe() -> Kernel {
        let available = match sys::action_available(libc::SECCOMP_RET_ALLOW) {
            Err(e) => e.raw_os_error() != Some(libc::ENOSYS),
            Ok(()) => true,
        };
        if !available {
            return Kernel { available, actions: Vec::new(), flags: 0 };
        }
        let actions = ACTIONS
            .into_iter()
            .filter(|&a| match sys::action_available(a) {
                Ok(()) => true,
                Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => false,
                // EINVAL: older than 4.14, which cannot say; an outer filter may
                // also deny the question. Assume what every such kernel has.
                Err(_) => LEGACY_ACTIONS.contains(&a),
            })
            .collect();
        let mut flags = 0;
        for flag in FLAGS {
            // The kernel refuses WAIT_KILLABLE_RECV without a listener.
            let with = if flag == FLAG_WAIT_KILLABLE_RECV { FLAG_NEW_LISTENER } else { 0 };
            if sys::flags_accepted(flag | with) {
                flags |= flag;
            }
        }
        Kernel { available, actions, flags }
    }

    /// `ret` is a whole SECCOMP_RET_* value; its data part is ignored.
    pub fn supports_action(&self, ret: u32) -> bool {
        self.actions.contains(&(ret & libc::SECCOMP_RET_ACTION_FULL))
    }

    pub fn supports_flags(&self, flags: u32) -> bool {
        self.flags & flags == flags
    }

    /// A kernel with everything, for tests that must not depend on the host.
    #[cfg(test)]
    pub fn everything() -> Kernel {
        Kernel { available: true, actions: ACTIONS.to_vec(), flags: FLAGS.iter().fold(0, |a, f| a | f) }
    }
}
