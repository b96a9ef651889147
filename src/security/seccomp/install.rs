//! Attaching a compiled program to the calling thread.

use super::kernel::FLAG_NEW_LISTENER;
use super::{sys, Program};
use crate::error::{About, Result};
use crate::security::Error;
use std::os::fd::{FromRawFd, OwnedFd};

const FIELD: &str = "linux.seccomp";

/// Attaches `p` to the calling thread with seccomp(2) and returns the
/// listener fd when the program has SCMP_ACT_NOTIFY rules.
///
/// The kernel accepts a filter only from a thread with no_new_privs set or
/// with CAP_SYS_ADMIN in its user namespace. runc's order therefore is:
/// with `process.noNewPrivileges`, set it and install as late as possible,
/// just before exec; without it, install while still holding CAP_SYS_ADMIN,
/// before capabilities are dropped. Once installed, the filter applies to
/// every later syscall of this process, berth's own included.
///
/// Allocates nothing on success, so it may run in a child of a threaded
/// process.
pub fn install(p: &Program) -> Result<Option<OwnedFd>> {
    let mut flags = p.flags;
    if p.wants_listener {
        flags |= FLAG_NEW_LISTENER;
    }
    let ret = sys::set_mode_filter(flags, &p.filter)
        .map_err(|e| Error::Install { instructions: p.filter.len(), flags, os: e.into() })
        .field(FIELD)?;
    if p.wants_listener {
        let fd = i32::try_from(ret).expect("the kernel returns an fd as an int");
        // SAFETY: with NEW_LISTENER, a successful seccomp(2) returns a new fd
        // that nothing else in this process knows of, so it is ours to own.
        return Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }));
    }
    if ret > 0 {
        return Err(crate::Error::field(FIELD, Error::Tsync { thread: ret }));
    }
    Ok(None)
}
