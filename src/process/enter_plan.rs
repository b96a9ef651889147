//! The plan `exec` compiles for a process entering a running container:
//! plain data, shared by the parent side (enter.rs) and the child
//! (enter_child.rs).

use super::handoff::Handoff;
use nix::sched::CloneFlags;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// Everything the entering process applies, decided by `exec` beforehand.
pub struct EnterPlan {
    /// A pidfd of the container's init, checked against its start time.
    pub init: OwnedFd,
    /// The container has its own pid namespace: join it before the clone.
    pub join_pid_ns: bool,
    /// Join the container's user namespace before the clone too: an
    /// unprivileged caller (rootless) may join its pid namespace only as a
    /// member of the user namespace that owns it.
    pub parent_joins_user: bool,
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
    /// rlimits, scheduler, I/O priority, oom_score_adj, the terminal.
    pub attrs: crate::security::process_attrs::Attrs,
    pub handoff: Handoff,
    pub initial_cpus: Option<Vec<usize>>,
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
