//! `run`: create + start + wait + delete, forwarding signals to the container.

use super::create::{self, Created};
use crate::cli::{GlobalOpts, RunArgs};
use crate::state::ContainerDir;
use anyhow::Result;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

pub fn run(g: &GlobalOpts, a: &RunArgs) -> Result<i32> {
    // Block signals before the clone: a container that exits at once must not
    // lose its SIGCHLD, and every other signal is ours to forward.
    let signals = forwardable();
    signals.thread_block()?;
    // A new pid namespace may need a second fork; then init is our grandchild,
    // and as subreaper we still get to wait for it.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let Created { dir, state, .. } = create::create(g, &a.create, None)?;
    if let Err(e) = super::start::start(&dir, &a.create.id) {
        let _ = super::delete::destroy(dir, &state);
        return Err(e);
    }
    if a.detach {
        return Ok(0);
    }
    drop(dir); // let `state`, `kill` and friends in while we wait
    let status = wait_forwarding(state.pid, &signals);
    if !a.keep {
        let dir = ContainerDir::open(&g.root, &a.create.id)?;
        let state = dir.load()?;
        super::delete::destroy(dir, &state)?;
    }
    Ok(status)
}

fn forwardable() -> SigSet {
    let mut set = SigSet::all();
    for s in [Signal::SIGKILL, Signal::SIGSTOP, Signal::SIGSEGV, Signal::SIGBUS, Signal::SIGILL, Signal::SIGFPE] {
        set.remove(s);
    }
    set
}

/// Waits for init to exit, forwarding every other signal to it; reaps any
/// orphan that lands on us meanwhile. Returns the shell-style exit status.
fn wait_forwarding(init: i32, signals: &SigSet) -> i32 {
    loop {
        let Ok(sig) = signals.wait() else { continue };
        if sig != Signal::SIGCHLD {
            let _ = nix::sys::signal::kill(Pid::from_raw(init), sig);
            continue;
        }
        loop {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(pid, code)) if pid.as_raw() == init => return code,
                Ok(WaitStatus::Signaled(pid, s, _)) if pid.as_raw() == init => return 128 + s as i32,
                Ok(WaitStatus::StillAlive) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    }
}
