//! `start`: release the waiting init into the user's program.

use crate::cli::{GlobalOpts, IdArg};
use crate::error::{About, Result};
use crate::state::{ContainerDir, Status};

pub fn run(g: &GlobalOpts, a: &IdArg) -> Result<i32> {
    let dir = ContainerDir::open(&g.root, &a.id)?;
    let started = start(&dir, &a.id)?;
    drop(dir); // others may act on the container while we wait for READY
    started.wait_ready()?;
    Ok(0)
}

/// A started container: its init, and the socket it reports READY on when
/// our caller set NOTIFY_SOCKET.
pub struct Started {
    pub pid: i32,
    /// Init, held while we forward its READY.
    pub init: Option<crate::state::init::Init>,
    pub notify: Option<std::os::fd::OwnedFd>,
}

impl Started {
    /// Forwards the container's READY to our caller, as runc's `start` and
    /// `run -d` do before they return.
    pub fn wait_ready(&self) -> Result<()> {
        let Some(sock) = &self.notify else { return Ok(()) };
        let Some(init) = &self.init else { return Ok(()) };
        crate::notify::wait_ready(sock, &init.fd, init.pid)
    }
}

pub fn start(dir: &ContainerDir, id: &str) -> Result<Started> {
    let mut state = dir.load()?;
    match state.status() {
        Status::Created => {}
        s => return Err(super::Error::wrong_status("start", s)).in_container(id),
    }
    let notify = crate::notify::listen(&dir.path)?;
    crate::state::start_barrier::release(dir, id)?;
    state.status = Status::Running;
    dir.save(&state)?;
    if let Some(hooks) = &state.hooks {
        crate::hooks::run_all_warn("poststart", &hooks.poststart, &state.hook_json(Status::Running).to_string());
    }
    let init = notify.as_ref().and_then(|_| state.init());
    Ok(Started { pid: state.pid, init, notify })
}
