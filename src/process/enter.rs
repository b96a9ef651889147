//! The parent side of `exec`: clone a process that enters a running
//! container, and wait until it has exec'd its program or says why not.
//!
//! The container's pid namespace is joined here, before the clone, so the
//! process is born inside it with no second fork; it is born in the
//! container's cgroup v2 directory where the kernel allows (CLONE_INTO_CGROUP)
//! and put in the v1 ones before it may go on. Its other namespaces it joins
//! itself, all at once, through init's pidfd (enter_child.rs).

pub use super::enter_plan::EnterPlan;
use super::sync::{Channel, ToInit, ToParent};
use crate::error::{Result, SysResult};
use crate::sys::Forked;
use nix::sched::{setns, CloneFlags};
use std::os::fd::OwnedFd;
use std::path::PathBuf;

pub struct Entered {
    pub pid: i32,
    pub pidfd: Option<OwnedFd>,
}

pub fn launch(plan: &EnterPlan) -> Result<Entered> {
    let mut parent_joins = CloneFlags::empty();
    parent_joins.set(CloneFlags::CLONE_NEWPID, plan.join_pid_ns);
    parent_joins.set(CloneFlags::CLONE_NEWUSER, plan.parent_joins_user);
    if !parent_joins.is_empty() {
        setns(&plan.init, parent_joins).sys(&format!("setns (the container's namespaces: {parent_joins:?})"))?;
    }
    // The child inherits this: it is never dumpable, not even for an instant.
    super::protect::set_dumpable(false)?;
    let (parent_end, child_end) = Channel::pair()?;
    let (forked, born_in) = super::launch::clone_into_cgroup(0, plan.cgroup_v2_dir.as_deref())?;
    let (pid, pidfd) = match forked {
        Forked::Child => {
            drop(parent_end);
            super::enter_child::run(plan, child_end)
        }
        Forked::Parent { pid, pidfd } => (pid, pidfd),
    };
    drop(child_end);
    let entered = Entered { pid, pidfd };
    match supervise(plan, &parent_end, pid, born_in) {
        Ok(()) => Ok(entered),
        Err(e) => {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
            super::launch::reap(pid);
            Err(e)
        }
    }
}

/// Has the child join its cgroups, then waits for its exec: the channel is
/// close-on-exec, so a clean end of it means the program is running.
fn supervise(plan: &EnterPlan, chan: &Channel, pid: i32, born_in: Option<PathBuf>) -> Result<()> {
    // The child moves itself (it is still host root, before its setns):
    // cheap for the current thread, where moving it by pid is not.
    let join: Vec<PathBuf> = plan.cgroup_dirs.iter().filter(|d| Some(*d) != born_in.as_ref()).cloned().collect();
    chan.send(&ToInit::JoinCgroups(join))?;
    if let Some(adj) = plan.attrs.oom_score_adj {
        crate::security::process_attrs::oom_score_adj(pid, adj)?;
    }
    chan.send(&ToInit::Go)?;
    match chan.recv::<ToParent>()? {
        None => crate::cgroups::join(&plan.frozen_dirs, pid),
        Some(ToParent::Error(e)) => {
            super::launch::reap(pid);
            Err(e)
        }
        other => Err(super::Error::protocol("the new process's exec", other.as_ref()).into()),
    }
}
