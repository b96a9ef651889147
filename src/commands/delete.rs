//! `delete`: end the container and remove everything it held.

use crate::cli::{DeleteArgs, GlobalOpts};
use crate::error::{About, Result};
use crate::state::{ContainerDir, State, Status};

pub fn run(g: &GlobalOpts, a: &DeleteArgs) -> Result<i32> {
    crate::spec::validate::container_id(&a.id)?;
    let dir = match ContainerDir::open(&g.root, &a.id) {
        // Gone, perhaps deleted by a parallel call: --force asked for that.
        Err(e) if a.force && crate::state::is_missing(&e) => return Ok(0),
        other => other?,
    };
    let Ok(state) = dir.load() else {
        // Died between making the directory and writing its state: nothing else exists.
        dir.remove()?;
        return Ok(0);
    };
    match state.status() {
        Status::Stopped | Status::Created | Status::Creating => {}
        _ if a.force => {}
        s => return Err(super::Error::wrong_status("delete", s)).in_container(&a.id),
    }
    destroy(dir, &state)?;
    Ok(0)
}

/// Kills whatever is left, removes cgroups, runs poststop hooks, removes the
/// state directory.
pub fn destroy(dir: ContainerDir, state: &State) -> Result<()> {
    kill_and_wait(state);
    crate::cgroups::remove(&state.cgroups);
    if let Some(hooks) = &state.hooks {
        crate::hooks::run_all_warn("poststop", &hooks.poststop, &state.hook_json(Status::Stopped).to_string());
    }
    dir.remove()
}

/// SIGKILL to init and to everything else in the cgroup (processes outside
/// init's pid namespace, or all of them without one), which also thaws a
/// paused container so its tasks can die; then waits for init to be gone.
fn kill_and_wait(state: &State) {
    let init = state.init();
    let has_cgroup = !state.cgroups.dirs.is_empty();
    if !has_cgroup {
        // No cgroup (rootless): the processes are found through init, so
        // before it dies (see state::members).
        kill_members(state);
    }
    if let Some(init) = &init {
        let _ = init.signal(libc::SIGKILL, &state.id);
    }
    // An empty cgroup (the usual case: init has exited) has nothing to kill or thaw.
    if has_cgroup && crate::cgroups::pids(&state.cgroups).map_or(true, |p| !p.is_empty()) {
        kill_members(state);
        crate::cgroups::freezer::thaw_if_frozen(&state.cgroups);
    }
    if let Some(init) = init {
        init.wait_exit(std::time::Duration::from_secs(10));
    }
}

fn kill_members(state: &State) {
    if let Err(e) = crate::state::members::signal_all(state, libc::SIGKILL) {
        crate::logging::debug(&format!("delete: {e:#}"));
    }
}
