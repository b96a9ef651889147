//! `run`: create + start + wait + delete, forwarding signals to the container
//! and, when it has a terminal and no --console-socket, proxying that terminal.

use super::create::{self, Created};
use crate::cli::{GlobalOpts, RunArgs};
use crate::error::Result;
use crate::process::foreground;
use crate::state::ContainerDir;

pub fn run(g: &GlobalOpts, a: &RunArgs) -> Result<i32> {
    // Block signals before the clone: a container that exits at once must not
    // lose its SIGCHLD, and every other signal is ours to forward.
    let signals = foreground::block_signals()?;
    // A new pid namespace may need a second fork; then init is our grandchild,
    // and as subreaper we still get to wait for it.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let id = &a.create.id;
    let Created { dir, state, tty, .. } = create::create(g, &a.create, !a.detach)?;
    crate::logging::debug(&format!("run {id}: created, init pid {}; starting", state.pid));
    let started = match super::start::start(&dir, &a.create.id) {
        Ok(s) => s,
        Err(e) => {
            let _ = super::delete::destroy(dir, &state);
            return Err(e);
        }
    };
    drop(dir); // let `state`, `kill` and friends in while we wait
    if a.detach {
        started.wait_ready()?;
        crate::logging::debug(&format!("run {id}: started, detached"));
        return Ok(0);
    }
    crate::logging::debug(&format!("run {id}: started; waiting for pid {}", state.pid));
    let status = foreground::wait(state.pid, &signals, tty, started.notify)?;
    crate::logging::debug(&format!("run {id}: the process ended with status {status}"));
    if !a.keep {
        let dir = ContainerDir::open(&g.root, &a.create.id)?;
        let state = dir.load()?;
        super::delete::destroy(dir, &state)?;
        crate::logging::debug(&format!("run {id}: deleted"));
    }
    Ok(status)
}
