//! The parent side of `exec`: clone a process that enters a running
//! container, and wait until it has exec'd its program or says why not.
//!
//! The container's pid namespace is joined here, before the clone, so the
//! process is born inside it with no second fork; it is born in the
//! container's cgroup v2 directory where the kernel allows (CLONE_INTO_CGROUP)
//! and put in the v1 ones before it may go on. Its other namespaces it joins
//! itself, all at once, through init's pidfd (enter_child.rs).

use super::handoff::Handoff;
use super::sync::{Channel, ToInit, ToParent};
use crate::error::ExitError;
use crate::sys::Forked;
use anyhow::{anyhow, bail, Result};
use nix::sched::{setns, CloneFlags};
use oci_spec::runtime::Process;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// Everything the entering process applies, decided by `exec` beforehand.
pub struct EnterPlan {
    /// A pidfd of the container's init, checked against its start time.
    pub init: OwnedFd,
    /// The container has its own pid namespace: join it before the clone.
    pub join_pid_ns: bool,
    /// The other namespaces where init differs from us.
    pub setns_flags: CloneFlags,
    /// Init's root, for a container without a mount namespace (chroot).
    pub chroot: Option<OwnedFd>,
    /// The cgroup directories the process goes in; the v2 one separately.
    pub cgroup_dirs: Vec<PathBuf>,
    pub cgroup_v2_dir: Option<PathBuf>,
    /// Frozen cgroups (a paused container with --ignore-paused), joined only
    /// once the process has exec'd: joined earlier, it would freeze before
    /// it could tell us it had.
    pub frozen_dirs: Vec<PathBuf>,
    pub process: Process,
    pub handoff: Handoff,
    pub initial_cpus: Option<Vec<usize>>,
    pub rlimits: Vec<(libc::c_int, u64, u64)>,
    pub seccomp: Option<crate::security::seccomp::Program>,
    /// Connected to linux.seccomp.listenerPath when the profile has NOTIFY rules.
    pub seccomp_agent: Option<OwnedFd>,
    /// The container's state document, for the seccomp agent.
    pub state: serde_json::Value,
    pub oci_version: String,
    pub listener_metadata: String,
    /// Where the pty master goes when process.terminal is set.
    pub console: Option<OwnedFd>,
}

pub struct Entered {
    pub pid: i32,
    pub pidfd: Option<OwnedFd>,
}

pub fn launch(plan: &EnterPlan) -> Result<Entered> {
    if plan.join_pid_ns {
        setns(&plan.init, CloneFlags::CLONE_NEWPID).map_err(|e| anyhow!("join the container's pid namespace: {e}"))?;
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
    if let Some(adj) = plan.process.oom_score_adj() {
        crate::security::process_attrs::oom_score_adj(pid, adj)?;
    }
    chan.send(&ToInit::Go)?;
    match chan.recv::<ToParent>()? {
        None => crate::cgroups::join(&plan.frozen_dirs, pid),
        Some(ToParent::Error { msg, exit }) => {
            super::launch::reap(pid);
            Err(ExitError::new(exit, msg).into())
        }
        Some(other) => bail!("exec: unexpected message {other:?} from the new process"),
    }
}
