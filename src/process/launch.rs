//! The parent side of create: clone init with its namespaces, give it what
//! only the host side can (cgroup, id maps, oom_score_adj, runtime hooks),
//! and wait until it is ready or reports why it is not.

pub use super::context::Context;
use super::error::Ended;
use super::init;
use super::sync::{Channel, ToInit, ToParent};
use crate::error::{Result, SysResult};
use crate::spec::LaunchPlan;
use crate::sys::{self, Forked};
use nix::sched::{setns, CloneFlags};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

pub struct Launched {
    pub pid: i32,
    pub pidfd: Option<OwnedFd>,
}

pub fn launch(plan: &LaunchPlan, ctx: &Context) -> Result<Launched> {
    if let Some(fd) = &plan.ns.parent_pid_join {
        setns(fd, CloneFlags::CLONE_NEWPID).sys("setns (pid namespace)")?;
    }
    // The child inherits this: it is never dumpable, not even for an instant;
    // but for a user without privileges mapping its new user namespace: the
    // kernel lets it (and newuidmap) open the child's uid_map only while the
    // child is dumpable. Nothing else is in those new namespaces yet, and
    // init turns non-dumpable as soon as its maps are written.
    if !plan.ns.maps.by_unprivileged_parent() {
        super::protect::set_dumpable(false)?;
    }
    let (parent_end, child_end) = Channel::pair()?;
    let v2_dir = ctx.layout.hierarchies.iter().zip(&ctx.placement.dirs).find(|(h, _)| h.v2).map(|(_, d)| d);
    let (forked, born_in) = clone_into_cgroup(plan.ns.clone_flags.bits() as u64, v2_dir.map(|d| d.as_path()))?;
    let (pid, pidfd) = match forked {
        Forked::Child => {
            drop(parent_end);
            init::run(plan, ctx, child_end)
        }
        Forked::Parent { pid, pidfd } => (pid, pidfd),
    };
    drop(child_end);
    let mut launched = Launched { pid, pidfd };
    let mut intermediate = None;
    match supervise(plan, ctx, &parent_end, &mut launched, &mut intermediate, born_in.as_deref()) {
        Ok(()) => Ok(launched),
        Err(e) => {
            kill(launched.pid, launched.pidfd.as_ref());
            if let Some(p) = intermediate {
                let _ = waitpid(Pid::from_raw(p), None);
            }
            Err(e)
        }
    }
}

/// Clones init straight into the container's cgroup v2 directory
/// (CLONE_INTO_CGROUP), so it never runs a moment in the caller's cgroup;
/// falls back to a plain clone where the kernel refuses. Returns the
/// directory init was born in, if any.
pub fn clone_into_cgroup(flags: u64, v2_dir: Option<&Path>) -> Result<(Forked, Option<PathBuf>)> {
    let dir_fd = v2_dir.and_then(|d| sys::openat2(libc::AT_FDCWD, d, libc::O_PATH | libc::O_DIRECTORY, 0, 0).ok());
    if let (Some(fd), Some(dir)) = (&dir_fd, v2_dir) {
        match sys::clone_process(flags, Some(fd.as_raw_fd())) {
            Ok(forked) => return Ok((forked, Some(dir.to_path_buf()))),
            Err(e) => crate::logging::debug(&format!("clone into cgroup {}: {e}; joining after clone", dir.display())),
        }
    }
    Ok((sys::clone_process(flags, None).sys("clone")?, None))
}

fn supervise(
    plan: &LaunchPlan,
    ctx: &Context,
    chan: &Channel,
    l: &mut Launched,
    intermediate: &mut Option<i32>,
    born_in: Option<&Path>,
) -> Result<()> {
    let pid = l.pid;
    if plan.ns.clone_flags.contains(CloneFlags::CLONE_NEWUSER) {
        crate::userns::write(pid, &plan.ns.maps)?;
    }
    let rest: Vec<PathBuf> = ctx.placement.dirs.iter().filter(|d| Some(d.as_path()) != born_in).cloned().collect();
    // Init moves itself when it still can (no user namespace yet): cheap,
    // where our moving it by pid waits out an RCU grace period. Otherwise
    // Go comes first, and init spends that wait on its own setup.
    let self_join = !plan.ns.clone_flags.contains(CloneFlags::CLONE_NEWUSER);
    if self_join {
        send(chan, &ToInit::JoinCgroups(rest.clone()), l)?;
    }
    send(chan, &ToInit::Go, l)?;
    if !self_join {
        crate::cgroups::join(&rest, pid)?;
    }
    if let Some(adj) = plan.attrs.oom_score_adj {
        crate::security::process_attrs::oom_score_adj(pid, adj)?;
    }
    if !self_join {
        send(chan, &ToInit::Joined, l)?;
    }
    loop {
        match chan.recv::<ToParent>()? {
            Some(ToParent::MapUserNs) => {
                crate::userns::write(pid, &plan.ns.maps)?;
                chan.send(&ToInit::Go)?;
            }
            Some(ToParent::Grandchild(child)) => {
                *intermediate = Some(l.pid);
                reap(l.pid);
                *intermediate = None;
                l.pid = child;
                l.pidfd = sys::pidfd_open(child).ok();
            }
            Some(ToParent::RunHooks) => {
                let mut state = ctx.hook_state.clone();
                state["pid"] = l.pid.into();
                state["status"] = crate::state::Status::Created.as_str().into();
                let state = state.to_string();
                crate::hooks::run_all("prestart", &plan.hooks.prestart, &state)?;
                crate::hooks::run_all("createRuntime", &plan.hooks.create_runtime, &state)?;
                chan.send(&ToInit::HooksDone)?;
            }
            Some(ToParent::Ready) => return Ok(()),
            Some(ToParent::Error(e)) => {
                reap(l.pid);
                return Err(e);
            }
            None => {
                let status = reap(l.pid);
                return Err(super::Error::InitDied { status }.into());
            }
        }
    }
}

/// SIGKILL to a process we started (through its pidfd when we hold one),
/// then reaped.
pub fn kill(pid: i32, pidfd: Option<&OwnedFd>) {
    match pidfd {
        Some(fd) => {
            let _ = sys::pidfd_send_signal(fd, libc::SIGKILL);
        }
        None => {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), nix::sys::signal::SIGKILL);
        }
    }
    // Reaps it when it is our child; a grandchild is reaped by its new parent.
    let _ = waitpid(Pid::from_raw(pid), None);
}

/// A send to init; when init has already failed and gone (EPIPE), its own
/// error, still queued on the channel, is the one reported.
fn send(chan: &Channel, msg: &ToInit, l: &Launched) -> Result<()> {
    chan.send(msg).map_err(|e| match chan.recv::<ToParent>() {
        Ok(Some(ToParent::Error(e))) => {
            reap(l.pid);
            e
        }
        _ => e,
    })
}

/// Waits for `pid` to end; how it did.
pub fn reap(pid: i32) -> Ended {
    loop {
        match waitpid(Pid::from_raw(pid), None) {
            Err(nix::errno::Errno::EINTR) => continue,
            Ok(WaitStatus::Exited(_, c)) => return Ended::Exited(c),
            Ok(WaitStatus::Signaled(_, s, _)) => return Ended::Killed(s as i32),
            Ok(_) => continue,
            Err(e) => return Ended::Unknown(e.into()),
        }
    }
}
