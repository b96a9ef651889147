//! The container's init, from clone to execve. It only applies the plan the
//! parent compiled; its errors go back over the sync channel, never to stderr.
//!
//! The steps, in order, and why the order matters:
//!  1. detach from the runtime: drop the state lock, die with the parent
//!     during setup (PDEATHSIG); we are non-dumpable from birth (protect.rs)
//!  2. wait for Go: the parent has written our id maps. Without a user
//!     namespace we move ourselves into our cgroups (cheap for the current
//!     thread), through entry files opened now while the host's cgroupfs is
//!     in view; with one, the parent moves us by pid (an RCU grace period)
//!     while we go on. Either way we are in before a pid fork or a cgroup
//!     namespace (step 3), before the hooks (step 6), else at step 11
//!  3. namespaces: join, unshare, time offsets, pid fork (namespaces.rs)
//!  4. setsid, so a terminal can become our controlling tty
//!  5. rootfs: propagation, bind onto itself, config mounts, /dev, console
//!  6. prestart/createRuntime hooks (parent) then createContainer hooks (here):
//!     the spec puts all three after mounts and before pivot_root
//!  7. pivot_root (chroot without a mount namespace)
//!  8. sysctl, before readonlyPaths makes /proc/sys read-only
//!  9. readonlyPaths, maskedPaths, read-only root, rootfs propagation
//! 10. hostname, domainname
//! 11. rlimits, scheduler, I/O priority, memory policy, keyring: still privileged
//!     then into the cgroups, as late as can be: the container's memory limit
//!     counts the container, not our mounts and page copies
//! 12. the handoff's first half (handoff.rs): cwd, bounding set, user switch
//!     with capabilities kept, program lookup (a missing one fails `create`,
//!     127), personality, ambient set, every fd close-on-exec
//! 13. Ready; wait for `start` on the start socket
//! 14. startContainer hooks, each in a child that finishes the handoff as the
//!     container's program would: same user, capabilities and seccomp filter
//! 15. the handoff's second half: no_new_privs, final CPU affinity, umask,
//!     default signals, then the seccomp filter and the capability sets in
//!     the order that leaves only capset and execve after the filter, execve.
//!     Nothing of berth's own runs under the container's filter but those.

use super::context::Context;
use super::handoff;
use super::sync::{Channel, ToInit, ToParent};
use crate::error::{About, Result, SysError, SysResult};
use crate::rootfs::{
    devices, masks, mounts, pivot,
    safe_path::{Kind, Root},
};
use crate::security::process_attrs;
use crate::spec::LaunchPlan;
use crate::state::Status;
use crate::sys::procfs::ProcFs;
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::path::Path;

pub fn run(plan: &LaunchPlan, ctx: &Context, chan: Channel) -> ! {
    let err = match setup(plan, ctx, &chan) {
        Ok(ready) => wait_and_exec(plan, ctx, &ready),
        Err(e) => e,
    };
    let code = err.exit_code().unwrap_or(1);
    let _ = chan.send(&ToParent::Error(err));
    // SAFETY: leave the cloned process without running destructors of state
    // that belongs to the parent.
    unsafe { libc::_exit(code) }
}

/// What setup hands to the wait-and-exec phase.
struct Ready {
    program: CString,
    /// What the seccomp agent gets with the listener fd.
    agent_msg: Vec<u8>,
}

fn setup(plan: &LaunchPlan, ctx: &Context, chan: &Channel) -> Result<Ready> {
    detach_from_runtime(ctx)?;
    if let Some(cpus) = &plan.initial_cpus {
        process_attrs::cpu_affinity(cpus, "process.execCPUAffinity.initial")?;
    }
    let mut cgroup_entry = chan.wait_go()?;
    if plan.ns.fork_for_pid || plan.ns.unshare_flags.contains(nix::sched::CloneFlags::CLONE_NEWCGROUP) {
        // A forked init must be born in the cgroups, and a cgroup namespace
        // is rooted where we stand when we unshare it.
        chan.enter_cgroups(&mut cgroup_entry)?;
    }
    crate::namespaces::enter(&plan.ns, chan)?;
    // Our id maps are written: no longer dumpable (see launch).
    super::protect::set_dumpable(false)?;
    let host_pid = host_pid();
    nix::unistd::setsid().sys("setsid")?;
    let tty = prepare_rootfs(plan, ctx)?;
    if plan.hooks.any_at_create() {
        // Hooks find the container by its pid's cgroups (device rules, say).
        chan.enter_cgroups(&mut cgroup_entry)?;
    }
    run_create_hooks(plan, ctx, chan)?;
    enter_rootfs(plan)?;
    sysctl(plan)?;
    finish_rootfs(plan)?;
    set_names(plan)?;
    if plan.ns.new_net {
        // A new network namespace starts with lo down; runc and crun bring
        // it up, and programs that serve on 127.0.0.1 count on it.
        crate::sys::loopback_up().sys("ioctl SIOCSIFFLAGS lo").field("linux.namespaces (network)")?;
    }
    if let Some(peer) = &tty {
        super::console::become_stdio(peer)?;
    }
    drop(tty);
    process_attrs::rlimits(&plan.attrs)?;
    process_attrs::scheduler(&plan.attrs)?;
    process_attrs::io_priority(&plan.attrs)?;
    if let Some(policy) = &plan.memory_policy {
        policy.apply()?;
    }
    if !plan.opts.no_new_keyring {
        crate::sys::join_session_keyring(&plan.id).sys("join session keyring (keyctl)")?;
    }
    // As late as can be, while still root and before seccomp: the container's
    // memory limit then counts the container, not our setup (mounts, page
    // copies of this process), so tiny limits work.
    chan.enter_cgroups(&mut cgroup_entry)?;
    let agent_msg = seccomp_agent_msg(plan, ctx, host_pid);
    let program = handoff::prepare(&plan.handoff, &mut kernel(plan, ctx, &agent_msg))?;
    // From here on the parent may exit: we must outlive it.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, 0, 0, 0, 0) };
    chan.send(&ToParent::Ready)?;
    Ok(Ready { program, agent_msg })
}

fn detach_from_runtime(ctx: &Context) -> Result<()> {
    // The lock is shared with the parent's copy; closing ours keeps it held
    // by the parent only, so `start` can take it once create is done.
    // SAFETY: the fd is ours (inherited copy) and not used again here.
    unsafe { libc::close(ctx.lock_fd) };
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
    // Files we create (devices, mount points) get exactly the modes we ask for.
    nix::sys::stat::umask(nix::sys::stat::Mode::empty());
    Ok(())
}

fn wait_for(chan: &Channel, what: &str) -> Result<()> {
    match chan.recv_to_init()? {
        Some(ToInit::HooksDone) => Ok(()),
        other => Err(super::Error::protocol(what, other.as_ref()).into()),
    }
}

/// Mounts, /dev and the console, all inside the rootfs. Returns the pty peer
/// when process.terminal is set.
fn prepare_rootfs(plan: &LaunchPlan, ctx: &Context) -> Result<Option<OwnedFd>> {
    if plan.ns.has_mount_ns {
        pivot::prepare(&plan.rootfs, plan.rootfs_propagation)?;
    }
    let root = Root::open(&plan.rootfs)?;
    let view = crate::cgroups::mount::CgroupView {
        layout: ctx.layout,
        dirs: &ctx.placement.dirs,
        own_namespace: plan.ns.unshare_flags.contains(nix::sched::CloneFlags::CLONE_NEWCGROUP)
            || plan.ns.joins.iter().any(|(t, ..)| *t == oci_spec::runtime::LinuxNamespaceType::Cgroup),
    };
    mounts::mount_all(&root, &plan.mounts, &view)?;
    let dev = &plan.devices;
    devices::create(&root, &dev.defaults, dev.bind)?;
    if dev.symlinks {
        devices::symlinks(&root)?;
    }
    devices::create(&root, &dev.config, dev.bind).field("linux.devices")?;
    // runc creates a missing cwd; do it here, as root, inside the rootfs.
    root.resolve(&plan.handoff.cwd, Some(Kind::Dir)).field("process.cwd")?;
    let console = if plan.attrs.terminal {
        let Some(sock) = &ctx.console else {
            return Err(crate::Error::field("process.terminal", "needs --console-socket"));
        };
        let size = plan.attrs.console_size;
        let peer = super::console::setup(&root, sock, size)?;
        super::console::give_to(&peer, plan.handoff.user.uid, plan.handoff.user.gid)?;
        Some(peer)
    } else {
        None
    };
    mounts::read_only_dev_last(&root, &plan.mounts)?;
    Ok(console)
}

fn run_create_hooks(plan: &LaunchPlan, ctx: &Context, chan: &Channel) -> Result<()> {
    let h = &plan.hooks;
    if !(h.prestart.is_empty() && h.create_runtime.is_empty()) {
        chan.send(&ToParent::RunHooks)?;
        wait_for(chan, "hooks")?;
    }
    if !h.create_container.is_empty() {
        let state = state_doc(ctx, Status::Created, std::process::id() as i32).to_string();
        let runner = crate::hooks::Runner { default_env: Some(&plan.handoff.env), exec: None };
        crate::hooks::run_all_with("createContainer", &h.create_container, &state, &runner)?;
    }
    Ok(())
}

fn enter_rootfs(plan: &LaunchPlan) -> Result<()> {
    if !plan.ns.has_mount_ns {
        pivot::chroot_into(&plan.rootfs)
    } else if plan.opts.no_pivot {
        pivot::move_root(&plan.rootfs)
    } else {
        pivot::pivot(&plan.rootfs)
    }
}

/// Through a proc instance of our own (sys/procfs.rs), so a mount or
/// symlink the bundle put under /proc/sys cannot redirect the write.
fn sysctl(plan: &LaunchPlan) -> Result<()> {
    if plan.sysctl.is_empty() {
        return Ok(());
    }
    let proc = ProcFs::open().field("linux.sysctl")?;
    for (key, value) in &plan.sysctl {
        let rel = format!("sys/{}", key.replace('.', "/"));
        let field = || format!("linux.sysctl[{key:?}]");
        proc.write(&rel, value.as_bytes()).map_err(|e| match e.errno() {
            Some(libc::ENOENT) => crate::Error::field(field(), format!("no such sysctl (/proc/{rel})")),
            _ => crate::Error::field(field(), e),
        })?;
    }
    Ok(())
}

fn finish_rootfs(plan: &LaunchPlan) -> Result<()> {
    masks::readonly_paths(&plan.readonly)?;
    masks::masked_paths(&plan.masked)?;
    if plan.rootfs_readonly {
        masks::readonly_root()?;
    }
    if let Some(p) = plan.rootfs_propagation {
        if plan.ns.has_mount_ns {
            nix::mount::mount(None::<&str>, "/", None::<&str>, p, None::<&str>)
                .sys_at("set propagation of", Path::new("/"))
                .field("linux.rootfsPropagation")?;
        }
    }
    Ok(())
}

fn set_names(plan: &LaunchPlan) -> Result<()> {
    if let Some(h) = &plan.hostname {
        nix::unistd::sethostname(h).sys(&format!("sethostname {h:?}")).field("hostname")?;
    }
    if let Some(d) = &plan.domainname {
        // SAFETY: pointer and length of a live string.
        if unsafe { libc::setdomainname(d.as_ptr().cast(), d.len()) } != 0 {
            let e = SysError::new(format!("setdomainname {d:?}"), None, crate::error::OsError::last());
            return Err(crate::Error::field("domainname", e));
        }
    }
    Ok(())
}

/// Blocks until `start` connects, then runs startContainer hooks and execs.
/// Errors go to the `start` connection, since `create` is gone by now.
fn wait_and_exec(plan: &LaunchPlan, ctx: &Context, ready: &Ready) -> crate::Error {
    let conn = match crate::state::start_barrier::wait(&ctx.start_listener) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let Err(err) = exec(plan, ctx, ready);
    crate::state::start_barrier::report(conn, &err);
    let code = err.exit_code().unwrap_or(1);
    // SAFETY: exec failed; leave without destructors.
    unsafe { libc::_exit(code) }
}

fn exec(plan: &LaunchPlan, ctx: &Context, ready: &Ready) -> Result<std::convert::Infallible> {
    let hooks = &plan.hooks.start_container;
    if !hooks.is_empty() {
        let state = state_doc(ctx, Status::Created, std::process::id() as i32).to_string();
        // Each hook finishes the handoff as the container's program would.
        let into_container = |path: &std::ffi::CStr, args: &[CString], env: &[CString]| {
            let mut k = kernel(plan, ctx, &ready.agent_msg);
            handoff::finish_with(&plan.handoff, path, args, env, &mut k)
        };
        let runner = crate::hooks::Runner { default_env: Some(&plan.handoff.env), exec: Some(&into_container) };
        crate::hooks::run_all_with("startContainer", hooks, &state, &runner)?;
    }
    Err(handoff::finish(&plan.handoff, &ready.program, &mut kernel(plan, ctx, &ready.agent_msg)))
}

fn kernel<'a>(plan: &'a LaunchPlan, ctx: &'a Context, agent_msg: &'a [u8]) -> handoff::Real<'a> {
    handoff::Real { seccomp: plan.seccomp.as_ref(), agent: ctx.seccomp_agent.as_ref(), agent_msg }
}

/// Our pid as the host sees it: /proc, still the host's before pivot_root,
/// names it; getpid() in a new pid namespace would say 1.
pub fn host_pid() -> i32 {
    std::fs::read_link("/proc/self")
        .ok()
        .and_then(|p| p.to_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| std::process::id() as i32)
}

/// The container's state document as init reports it: the parent's, with
/// this phase's status and the pid the reader should see.
fn state_doc(ctx: &Context, status: Status, pid: i32) -> serde_json::Value {
    let mut doc = ctx.hook_state.clone();
    doc["status"] = status.as_str().into();
    doc["pid"] = pid.into();
    doc
}

/// The runtime-spec's container process state, which a seccomp agent gets
/// with the listener fd; built now, as nothing may be built after the filter.
fn seccomp_agent_msg(plan: &LaunchPlan, ctx: &Context, pid: i32) -> Vec<u8> {
    if ctx.seccomp_agent.is_none() {
        return Vec::new();
    }
    let msg = serde_json::json!({
        "ociVersion": plan.oci_version,
        "fds": ["seccompFd"],
        "pid": pid,
        "metadata": plan.seccomp_metadata,
        "state": state_doc(ctx, Status::Created, pid),
    });
    msg.to_string().into_bytes()
}
