//! `kill`: a signal to init, or with --all to every process in the cgroup.

use crate::cli::{GlobalOpts, KillArgs};
use crate::state::{State, Status};
use anyhow::{anyhow, bail, Result};

pub fn run(g: &GlobalOpts, a: &KillArgs) -> Result<i32> {
    let sig = parse_signal(a.signal.as_deref().unwrap_or("SIGTERM"))?;
    let state = crate::state::load(&g.root, &a.id)?;
    match state.status() {
        Status::Stopped if !a.all => bail!("container {:?}: container not running", a.id),
        Status::Creating => bail!("container {:?}: container not running (still being created)", a.id),
        _ => {}
    }
    if a.all {
        signal_all(&state, sig)?;
    } else {
        signal_init(&state, sig)?;
        if sig == libc::SIGKILL && state.status() == Status::Paused {
            // A frozen v1 task dies only once thawed (runc does the same).
            crate::cgroups::freezer::thaw_if_frozen(&state.cgroups);
        }
    }
    Ok(0)
}

/// Signals init through a pidfd opened after checking the start time, so a
/// recycled pid can never receive it. Init gone since the state was read
/// (another caller's KILL) is the answer runc gives a stopped container.
fn signal_init(state: &State, sig: i32) -> Result<()> {
    let gone = || anyhow!("container {:?}: container not running", state.id);
    let pidfd = crate::sys::pidfd_open(state.pid).map_err(|_| gone())?;
    if !state.alive() {
        return Err(gone());
    }
    crate::sys::pidfd_send_signal(&pidfd, sig).map_err(|e| match e.raw_os_error() {
        Some(libc::ESRCH) => gone(),
        _ => anyhow!("container {:?}: kill: {e}", state.id),
    })
}

/// Every process in the container's cgroup (see `cgroups::signal_all`:
/// cgroup.kill on v2, else pid by pid under the freezer).
pub fn signal_all(state: &State, sig: i32) -> Result<()> {
    crate::cgroups::signal_all(&state.cgroups, sig).map_err(|e| anyhow!("container {:?}: kill --all: {e:#}", state.id))
}

/// "KILL", "SIGKILL", "kill", "9": runc accepts all of them.
pub fn parse_signal(s: &str) -> Result<i32> {
    if let Ok(n) = s.parse::<i32>() {
        // 0 sends nothing and checks the process exists, as kill(2) does.
        if (0..=libc::SIGRTMAX()).contains(&n) {
            return Ok(n);
        }
        bail!("signal {s:?}: out of range");
    }
    let upper = s.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") };
    if let Some(rt) = name.strip_prefix("SIGRTMIN+") {
        if let Ok(n) = rt.parse::<i32>() {
            return Ok(libc::SIGRTMIN() + n);
        }
    }
    name.parse::<nix::sys::signal::Signal>().map(|s| s as i32).map_err(|_| anyhow!("signal {s:?}: unknown signal"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_forms() {
        assert_eq!(parse_signal("KILL").unwrap(), 9);
        assert_eq!(parse_signal("SIGKILL").unwrap(), 9);
        assert_eq!(parse_signal("term").unwrap(), 15);
        assert_eq!(parse_signal("9").unwrap(), 9);
        assert_eq!(parse_signal("SIGRTMIN+1").unwrap(), libc::SIGRTMIN() + 1);
        assert!(parse_signal("NOPE").is_err());
        assert_eq!(parse_signal("0").unwrap(), 0);
        assert!(parse_signal("-1").is_err());
        assert!(parse_signal("999").is_err());
    }
}
