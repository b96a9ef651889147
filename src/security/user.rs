//! Switching to the configured user, keeping the permitted capabilities
//! across setuid (PR_SET_KEEPCAPS) so they can be set exactly afterwards.

use anyhow::{anyhow, Result};
use nix::unistd::{setgroups, setresgid, setresuid, Gid, Uid};
use oci_spec::runtime::User;

pub fn switch(user: &User) -> Result<()> {
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) };
    let gids: Vec<Gid> = user.additional_gids().clone().unwrap_or_default().into_iter().map(Gid::from_raw).collect();
    setgroups(&gids).map_err(|e| anyhow!("process.user.additionalGids: setgroups {gids:?}: {e}"))?;
    let gid = Gid::from_raw(user.gid());
    setresgid(gid, gid, gid).map_err(|e| anyhow!("process.user.gid: setgid {gid}: {e}"))?;
    let uid = Uid::from_raw(user.uid());
    setresuid(uid, uid, uid).map_err(|e| anyhow!("process.user.uid: setuid {uid}: {e}"))?;
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0) };
    Ok(())
}
