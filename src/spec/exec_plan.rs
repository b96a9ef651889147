//! The plan `exec` hands the process entering a running container: the
//! same family as `compile` for `create`, from the container's config and
//! the process `exec` runs, into plain data the entering child only applies.

use crate::cgroups::Hierarchy;
use crate::error::{Result, SysResult};
use crate::process::enter_plan::EnterPlan;
use nix::sched::CloneFlags;
use oci_spec::runtime::{Process, Spec};
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The container being entered, as `exec` found it.
pub struct Target {
    /// A pidfd of init, opened while its start time still matched.
    pub init: OwnedFd,
    pub pid: i32,
    pub paused: bool,
    /// Where the process goes, each directory with its hierarchy.
    pub cgroup_dirs: Vec<(Hierarchy, PathBuf)>,
    /// The container's state document, for the seccomp agent.
    pub state_doc: serde_json::Value,
}

/// What `exec`'s command line adds.
pub struct Options {
    pub preserve_fds: u32,
    /// The command as bytes, exactly as given (None with --process).
    pub command: Option<Vec<CString>>,
    /// Where the pty master goes when the process has a terminal.
    pub console: Option<OwnedFd>,
}

pub fn compile(target: Target, config: &Spec, process: &Process, opts: Options) -> Result<EnterPlan> {
    let (join_pid_ns, mut setns_flags) = namespaces_to_join(target.pid)?;
    let parent_joins_user =
        join_pid_ns && setns_flags.contains(CloneFlags::CLONE_NEWUSER) && !nix::unistd::geteuid().is_root();
    if parent_joins_user {
        setns_flags -= CloneFlags::CLONE_NEWUSER;
    }
    let chroot = if setns_flags.contains(CloneFlags::CLONE_NEWNS) {
        None
    } else {
        let root = format!("/proc/{}/root", target.pid);
        let root = Path::new(&root);
        Some(crate::sys::openat2(libc::AT_FDCWD, root, libc::O_PATH | libc::O_DIRECTORY, 0, 0).sys_at("open", root)?)
    };
    let freezes = |h: &Hierarchy| h.v2 || h.controllers.iter().any(|c| c == "freezer");
    let (frozen, joined): (Vec<_>, Vec<_>) =
        target.cgroup_dirs.into_iter().partition(|(h, _)| target.paused && freezes(h));
    let cgroup_v2_dir = joined.iter().find(|(h, _)| h.v2).map(|(_, d)| d.clone());
    let frozen_dirs = frozen.into_iter().map(|(_, d)| d).collect();
    let cgroup_dirs = joined.into_iter().map(|(_, d)| d).collect();
    let linux = config.linux().clone().unwrap_or_default();
    let seccomp = linux.seccomp().as_ref().map(crate::security::seccomp::compile).transpose()?;
    let seccomp_agent = super::plan::seccomp_agent(
        seccomp.as_ref(),
        linux.seccomp().as_ref().and_then(|s| s.listener_path().as_deref()),
    )?;
    let personality = super::plan::personality(&linux)?;
    let own_user_ns = setns_flags.contains(CloneFlags::CLONE_NEWUSER) || parent_joins_user;
    // In the container's user namespace the process may hold every capability.
    let grantable =
        if own_user_ns { crate::security::caps::kernel_caps() } else { crate::security::caps::held_by_us() };
    let mut handoff = super::plan::handoff(process, grantable, seccomp.is_some(), personality, opts.preserve_fds)?;
    if let Some(args) = opts.command {
        handoff.args = args;
    }
    // A rootless container mapping only its creator's gid denies setgroups
    // (only a user namespace of the container's own can).
    handoff.user.groups_denied = own_user_ns && setgroups_denied(target.pid);
    let initial_cpus = crate::security::process_attrs::cpu_list(
        process.exec_cpu_affinity().as_ref().and_then(|a| a.initial().as_ref()),
        "process.execCPUAffinity.initial",
    )?;
    Ok(EnterPlan {
        init: target.init,
        join_pid_ns,
        parent_joins_user,
        setns_flags,
        chroot,
        cgroup_dirs,
        cgroup_v2_dir,
        frozen_dirs,
        handoff,
        initial_cpus,
        seccomp,
        seccomp_agent,
        state: target.state_doc,
        oci_version: config.version().clone(),
        listener_metadata: linux.seccomp().as_ref().and_then(|s| s.listener_metadata().clone()).unwrap_or_default(),
        console: opts.console,
        attrs: crate::security::process_attrs::compile(process)?,
    })
}

fn setgroups_denied(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/setgroups")).is_ok_and(|s| s.trim() == "deny")
}

/// Init's namespaces that differ from ours: those are the container's own.
fn namespaces_to_join(pid: i32) -> Result<(bool, CloneFlags)> {
    let differs = |name: &str| -> Result<bool> {
        let ours = PathBuf::from(format!("/proc/self/ns/{name}"));
        let ours = match std::fs::metadata(&ours) {
            Ok(m) => m,
            // A kernel without this kind of namespace.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e).sys_at("stat", &ours),
        };
        let theirs = PathBuf::from(format!("/proc/{pid}/ns/{name}"));
        let theirs = std::fs::metadata(&theirs).sys_at("stat", &theirs)?;
        Ok((theirs.dev(), theirs.ino()) != (ours.dev(), ours.ino()))
    };
    let mut flags = CloneFlags::empty();
    // The pid namespace is joined by the parent, apart from the others.
    for k in super::ns_kind::ALL.iter().filter(|k| k.proc_name != "pid") {
        if differs(k.proc_name)? {
            flags |= CloneFlags::from_bits_retain(k.clone_flag);
        }
    }
    Ok((differs("pid")?, flags))
}
