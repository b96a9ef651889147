//! What can go wrong setting the process's privileges.

use crate::error::os::OsError;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// A seccomp action or filter flag (`what`, as the profile names it)
    /// that the running kernel does not have.
    #[error("{what} is not supported by this kernel")]
    Unsupported { what: String },
    /// seccomp(2) refused the compiled filter.
    #[error(
        "installing the filter ({instructions} instructions, flags {flags:#x}): {os}{}",
        if os.errno() == Some(libc::EACCES) { " (needs no_new_privs or CAP_SYS_ADMIN)" } else { "" }
    )]
    Install { instructions: usize, flags: u32, os: OsError },
    /// SECCOMP_FILTER_FLAG_TSYNC: another thread of ours could not take the filter.
    #[error("SECCOMP_FILTER_FLAG_TSYNC: thread {thread} could not be synchronised")]
    Tsync { thread: i64 },
}
