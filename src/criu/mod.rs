//! Checkpoint and restore with CRIU.
//!
//! `proto.rs` is the protobuf wire format, `rpc.rs` CRIU's messages
//! (`images/rpc.proto`, whose field numbers are the interface), `swrk.rs`
//! one request's conversation.
//!
//! berth talks to CRIU as runc does: `criu swrk 3`, one protobuf request
//! and its answers over a SOCK_SEQPACKET socketpair, rather than through
//! the `criu` command line. Only the RPC hands back the pty master of a
//! container with a terminal on restore (`orphan_pts_master`), and it
//! brings CRIU's notifications (setup-namespaces, when the restore hooks
//! run; post-restore, with init's pid) on the same socket, acknowledged in
//! turn. The few messages involved are encoded by a codec of our own
//! (`proto.rs`, `rpc.rs`): no protoc and no generated-code crate in the
//! build or the binary, for a handful of messages.
//!
//! `check.rs` asks `criu check` first, so a host where CRIU cannot work is
//! one line naming the cause, with the container untouched. `images.rs` is
//! what berth keeps beside CRIU's images.

pub mod check;
pub mod error;
pub mod images;
pub mod proto;
pub mod rpc;
mod swrk;
#[cfg(test)]
mod tests;

pub use error::Error;
pub use swrk::{dump, restore, Restored};

use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// How CRIU treats the container's cgroups (runc's --manage-cgroups-mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupMode {
    Soft,
    Full,
    Strict,
    Ignore,
}

impl CgroupMode {
    pub fn parse(mode: Option<&str>) -> CgroupMode {
        match mode {
            Some("full") => CgroupMode::Full,
            Some("strict") => CgroupMode::Strict,
            Some("ignore") => CgroupMode::Ignore,
            _ => CgroupMode::Soft,
        }
    }
}

/// The options checkpoint and restore share, as runc names them.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub tcp_established: bool,
    pub ext_unix_sk: bool,
    pub shell_job: bool,
    pub file_locks: bool,
    pub lazy_pages: bool,
    pub auto_dedup: bool,
    /// `--empty-ns network`.
    pub empty_net: bool,
}

/// A checkpoint (or, with `pre_dump`, a memory-only one) of a running
/// container, as `commands::checkpoint` decided it.
pub struct Dump {
    pub images: OwnedFd,
    pub work: OwnedFd,
    /// Where dump.log lands, for errors.
    pub log: PathBuf,
    pub pid: i32,
    pub root: PathBuf,
    pub flags: Flags,
    pub cgroups: CgroupMode,
    pub pre_dump: bool,
    pub leave_running: bool,
    /// A previous pre-dump, relative to the image directory.
    pub parent: Option<PathBuf>,
    pub tcp_skip_in_flight: bool,
    pub link_remap: bool,
    pub page_server: Option<(String, i32)>,
    pub status_fd: Option<i32>,
    /// Mounts CRIU must not look into: (container path, key).
    pub external_mounts: Vec<(String, String)>,
    /// Other externals (namespaces joined by path).
    pub external: Vec<String>,
    /// The cgroup to freeze the container with.
    pub freeze_cgroup: Option<PathBuf>,
    pub terminal: bool,
}

/// An fd given to CRIU for the restored process.
pub enum Inherit {
    /// One of our own stdio fds (0, 1, 2), which CRIU inherits as its own.
    Stdio(i32),
    /// An fd of ours, passed to CRIU.
    Fd(OwnedFd),
}

/// What the restore tells its caller as it goes (CRIU's notifications).
pub trait Events {
    /// The restored tasks' namespaces exist (init is `pid`): prestart and
    /// createRuntime hooks run now.
    fn namespaces_ready(&mut self, pid: i32) -> crate::error::Result<()>;
    /// The pty master of the restored terminal.
    fn pty_master(&mut self, master: OwnedFd) -> crate::error::Result<()>;
}

/// A restore of a checkpoint into a new container.
pub struct Restore {
    pub images: OwnedFd,
    pub work: OwnedFd,
    pub log: PathBuf,
    pub root: PathBuf,
    pub flags: Flags,
    pub cgroups: CgroupMode,
    /// The new container's cgroup, for CRIU to restore into.
    pub cgroup_root: Option<String>,
    /// Directories whose cgroup.procs CRIU itself joins first, so the tasks
    /// it forks start in the container's cgroups.
    pub join_cgroups: Vec<PathBuf>,
    /// What the restored process gets in place of what a key named when it
    /// was dumped (`pipe:[123]`, `extRootNetNS`).
    pub inherit: Vec<(String, Inherit)>,
    /// External mounts: (key as dumped, host source now).
    pub external_mounts: Vec<(String, String)>,
    pub tcp_close: bool,
    pub terminal: bool,
}
