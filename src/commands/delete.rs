//! `delete`: end the container and remove everything it held.

use crate::cli::{DeleteArgs, GlobalOpts};
use crate::state::{ContainerDir, State, Status};
use anyhow::{bail, Result};
use std::os::fd::AsFd;

pub fn run(g: &GlobalOpts, a: &DeleteArgs) -> Result<i32> {
    crate::spec::validate::container_id(&a.id)?;
    if !g.root.join(&a.id).exists() {
        if a.force {
            return Ok(0);
        }
        bail!("container {:?}: container does not exist", a.id);
    }
    let dir = ContainerDir::open(&g.root, &a.id)?;
    let Ok(state) = dir.load() else {
        // Died between making the directory and writing its state: nothing else exists.
        dir.remove()?;
        return Ok(0);
    };
    match state.status() {
        Status::Stopped | Status::Created | Status::Creating => {}
        s if a.force => {
            let _ = s;
        }
        s => bail!("container {:?}: cannot delete a container that is {} (use --force)", a.id, s.as_str()),
    }
    destroy(dir, &state)?;
    Ok(0)
}

/// Kills whatever is left, removes cgroups, runs poststop hooks, removes the
/// state directory.
pub fn destroy(dir: ContainerDir, state: &State) -> Result<()> {
    kill_and_wait(state);
    crate::cgroups::remove(&state.cgroups);
    if let Some(hooks) = state.hooks.as_ref().and_then(|h| h.poststop().clone()) {
        crate::hooks::run_all_warn("poststop", &hooks, &state.hook_json(Status::Stopped).to_string());
    }
    dir.remove()
}

fn kill_and_wait(state: &State) {
    if state.alive() {
        if let Ok(pidfd) = crate::sys::pidfd_open(state.pid) {
            if state.alive() {
                let _ = crate::sys::pidfd_send_signal(&pidfd, libc::SIGKILL);
                // The pidfd becomes readable when the process has exited.
                let mut fds = [nix::poll::PollFd::new(pidfd.as_fd(), nix::poll::PollFlags::POLLIN)];
                let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(10_000u16));
            }
        }
    }
    // Processes outside init's pid namespace (or without one) die one by one.
    if let Ok(pids) = crate::cgroups::pids(&state.cgroups) {
        for pid in pids {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
        }
    }
}
