//! `kill`: a signal to init, or with --all to every process in the cgroup.

use super::Error;
use crate::cli::{GlobalOpts, KillArgs};
use crate::error::{About, Result};
use crate::state::{State, Status};

pub fn run(g: &GlobalOpts, a: &KillArgs) -> Result<i32> {
    let sig = parse_signal(a.signal.as_deref().unwrap_or("SIGTERM"))?;
    let state = crate::state::load(&g.root, &a.id)?;
    match state.status() {
        Status::Stopped if !a.all => return Err(crate::state::Error::NotRunning).in_container(&a.id),
        s @ Status::Creating => return Err(Error::wrong_status("kill", s)).in_container(&a.id),
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
    state.running_init()?.signal(sig, &state.id)
}

fn signal_all(state: &State, sig: i32) -> Result<()> {
    crate::state::members::signal_all(state, sig).flag("--all").in_container(&state.id)
}

/// "KILL", "SIGKILL", "kill", "9": runc accepts all of them.
pub fn parse_signal(s: &str) -> Result<i32> {
    // 0 sends nothing and checks the process exists, as kill(2) does.
    let in_range = |n: i64| -> Result<i32> {
        match i32::try_from(n) {
            Ok(n) if (0..=libc::SIGRTMAX()).contains(&n) => Ok(n),
            _ => Err(Error::SignalOutOfRange { signal: s.into() }.into()),
        }
    };
    if let Ok(n) = s.parse::<i64>() {
        return in_range(n);
    }
    let upper = s.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") };
    if let Some(rt) = name.strip_prefix("SIGRTMIN+") {
        if let Ok(n) = rt.parse::<i64>() {
            return in_range(i64::from(libc::SIGRTMIN()) + n);
        }
    }
    name.parse::<nix::sys::signal::Signal>()
        .map(|s| s as i32)
        .map_err(|_| Error::UnknownSignal { signal: s.into() }.into())
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
        assert_eq!(parse_signal("NOPE").unwrap_err().to_string(), "signal \"NOPE\": unknown signal");
        assert_eq!(parse_signal("0").unwrap(), 0);
        assert!(parse_signal("-1").is_err());
        assert_eq!(parse_signal("999").unwrap_err().to_string(), "signal \"999\": out of range");
        assert_eq!(parse_signal("99999999999").unwrap_err().to_string(), "signal \"99999999999\": out of range");
        assert!(parse_signal("SIGRTMIN+99").is_err(), "beyond SIGRTMAX");
    }
}
