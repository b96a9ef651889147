//! What init gets besides the plan: the fds and state `create` opened for
//! it. Shared by launch (which clones init with it) and init (which uses it).

use crate::cgroups::{Layout, Placement};
use std::os::fd::{OwnedFd, RawFd};

/// Everything init needs besides the plan; built by `create`.
pub struct Context<'a> {
    pub lock_fd: RawFd,
    pub start_listener: OwnedFd,
    pub console: Option<OwnedFd>,
    /// Connected to linux.seccomp.listenerPath when the profile has NOTIFY rules.
    pub seccomp_agent: Option<OwnedFd>,
    pub placement: &'a Placement,
    pub layout: &'a Layout,
    /// The state document hooks get, without pid and status.
    pub hook_state: serde_json::Value,
}
