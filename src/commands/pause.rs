//! `pause`: freeze every process of the container and record it as paused.

use crate::cgroups::{self, freezer::Freezer};
use crate::cli::{GlobalOpts, IdArg};
use crate::error::{About, Result};
use crate::state::{ContainerDir, Status};

pub fn run(g: &GlobalOpts, a: &IdArg) -> Result<i32> {
    let dir = ContainerDir::open(&g.root, &a.id)?;
    let mut state = dir.load()?;
    // runc pauses a created container too: its init waits for `start` frozen.
    match state.status() {
        Status::Running | Status::Created => {}
        s => return Err(super::Error::wrong_status("pause", s)).in_container(&a.id),
    }
    let freezer = Freezer::of(&cgroups::bind(&state.cgroups)?)?;
    freezer.freeze()?;
    state.status = Status::Paused;
    if let Err(e) = dir.save(&state) {
        // Unrecorded, a frozen container could never be resumed: undo.
        let _ = freezer.thaw();
        return Err(e);
    }
    Ok(0)
}
