//! The process `exec` starts, from clone to execve. Like init, it only
//! applies a plan, and its errors go back to the parent over the channel.
//!
//! The steps, in order:
//!  1. die with the parent during setup; initial CPU affinity
//!  2. join the container's cgroups (ourselves: cheap for the current
//!     thread), then wait for Go
//!  3. join init's namespaces in one setns on its pidfd (the kernel orders
//!     them, user first); chroot to init's root when there is no mount ns
//!  4. setsid, so a terminal can become our controlling tty
//!  5. terminal: a pty from the container's devpts, master to the console
//!     socket, peer as stdio
//!  6. rlimits, scheduler, I/O priority, while still privileged
//!  7. the handoff (handoff.rs), as init's: cwd, bounding set, user,
//!     program lookup, ambient set, close-on-exec; then no_new_privs,
//!     umask, signals, the seccomp filter and the capability sets in the
//!     order that leaves only capset and execve after the filter, execve

use super::enter_plan::EnterPlan;
use super::handoff;
use super::sync::{Channel, ToParent};
use crate::error::{Result, SysResult};
use crate::rootfs::safe_path::Root;
use crate::security::process_attrs;
use nix::sched::setns;
use std::path::Path;

pub fn run(plan: &EnterPlan, chan: Channel) -> ! {
    let err = match steps(plan, &chan) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    let code = err.exit_code().unwrap_or(1);
    let _ = chan.send(&ToParent::Error(err));
    // SAFETY: leave the cloned process without running destructors of state
    // that belongs to the parent.
    unsafe { libc::_exit(code) }
}

fn steps(plan: &EnterPlan, chan: &Channel) -> Result<std::convert::Infallible> {
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
    if let Some(cpus) = &plan.initial_cpus {
        process_attrs::cpu_affinity(cpus, "process.execCPUAffinity.initial")?;
    }
    // Read while /proc is still the host's: the agent knows us by this pid.
    let agent_msg = seccomp_agent_msg(plan, super::init::host_pid());
    let mut cgroup_entry = chan.wait_go()?;
    join_namespaces(plan)?;
    nix::unistd::setsid().sys("setsid")?;
    if plan.attrs.terminal {
        attach_terminal(plan)?;
    }
    process_attrs::rlimits(&plan.attrs)?;
    process_attrs::scheduler(&plan.attrs)?;
    process_attrs::io_priority(&plan.attrs)?;
    // Late, for the reason init gives: the limit counts the process, not us.
    chan.enter_cgroups(&mut cgroup_entry)?;
    let mut kernel =
        handoff::Real { seccomp: plan.seccomp.as_ref(), agent: plan.seccomp_agent.as_ref(), agent_msg: &agent_msg };
    let program = handoff::prepare(&plan.handoff, &mut kernel)?;
    // The exec itself closes the channel: the parent reads that as success.
    // SAFETY: prctl with integer arguments; from here on we must outlive the parent.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, 0, 0, 0, 0) };
    Err(handoff::finish(&plan.handoff, &program, &mut kernel))
}

fn join_namespaces(plan: &EnterPlan) -> Result<()> {
    if !plan.setns_flags.is_empty() {
        setns(&plan.init, plan.setns_flags)
            .sys(&format!("setns (the container's namespaces: {:?})", plan.setns_flags))?;
    }
    if let Some(root) = &plan.chroot {
        nix::unistd::fchdir(root).sys("fchdir (the container's root)")?;
        nix::unistd::chroot(".").sys("chroot (the container's root)")?;
    }
    Ok(())
}

fn attach_terminal(plan: &EnterPlan) -> Result<()> {
    let Some(socket) = &plan.console else {
        return Err(crate::Error::field("process.terminal", "needs --console-socket"));
    };
    let root = Root::open(Path::new("/"))?;
    let size = plan.attrs.console_size;
    let (master, peer) = super::console::open_pty(&root, size)?;
    super::console::give_to(&peer, plan.handoff.user.uid, plan.handoff.user.gid)?;
    super::console::send_master(socket, &master)?;
    drop(master);
    super::console::become_stdio(&peer)
}

/// The runtime-spec's container process state, for a seccomp agent.
fn seccomp_agent_msg(plan: &EnterPlan, pid: i32) -> Vec<u8> {
    if plan.seccomp_agent.is_none() {
        return Vec::new();
    }
    let msg = serde_json::json!({
        "ociVersion": plan.oci_version,
        "fds": ["seccompFd"],
        "pid": pid,
        "metadata": plan.listener_metadata,
        "state": plan.state,
    });
    msg.to_string().into_bytes()
}
