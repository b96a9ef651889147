//! Switching to the configured user. The permitted capabilities are kept
//! across setuid (PR_SET_KEEPCAPS) and raised effective again, because the
//! handoff still needs them after the switch (the ambient raises, and
//! seccomp(2) without no_new_privs); the final capset sets them exactly.

use crate::error::{About, Result, SysError, SysResult};
use nix::unistd::{setgroups, setresgid, setresuid, Gid, Uid};

/// The ids the process runs as, in the container's user namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserIds {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    /// setgroups(2) is denied in the container's user namespace (a rootless
    /// one mapping only its creator's gid): the groups stay as they are.
    pub groups_denied: bool,
}

pub fn switch(user: &UserIds) -> Result<()> {
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) };
    let gids: Vec<Gid> = user.additional_gids.iter().copied().map(Gid::from_raw).collect();
    // The calls are named only on failure: nothing is built on the way.
    let failed = |call: String, e: nix::Error| SysError::new(call, None, e);
    if !user.groups_denied {
        setgroups(&gids).map_err(|e| failed(format!("setgroups {gids:?}"), e)).field("process.user.additionalGids")?;
    }
    let gid = Gid::from_raw(user.gid);
    setresgid(gid, gid, gid).map_err(|e| failed(format!("setgid {gid}"), e)).field("process.user.gid")?;
    let uid = Uid::from_raw(user.uid);
    setresuid(uid, uid, uid).map_err(|e| failed(format!("setuid {uid}"), e)).field("process.user.uid")?;
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0) };
    // Leaving uid 0 emptied the effective set; permitted is intact.
    let (_, permitted, inheritable) = crate::sys::capget().sys("capget")?;
    crate::sys::capset(permitted, permitted, inheritable).sys("capset").field("process.user")
}
