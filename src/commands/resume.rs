//! `resume`: thaw a paused container.

use crate::cgroups::{self, freezer::Freezer};
use crate::cli::{GlobalOpts, IdArg};
use crate::error::{About, Result};
use crate::state::{start_barrier, ContainerDir, Status};

pub fn run(g: &GlobalOpts, a: &IdArg) -> Result<i32> {
    let dir = ContainerDir::open(&g.root, &a.id)?;
    let mut state = dir.load()?;
    match state.status() {
        Status::Paused => {}
        s => return Err(super::Error::wrong_status("resume", s)).in_container(&a.id),
    }
    Freezer::of(&cgroups::bind(&state.cgroups)?)?.thaw()?;
    // A container paused before `start` still has its start socket: it goes
    // back to waiting for `start`.
    state.status = if start_barrier::pending(&dir) { Status::Created } else { Status::Running };
    dir.save(&state)?;
    Ok(0)
}
