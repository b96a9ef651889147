//! What can go wrong setting the process's privileges.

use crate::error::OsError;
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

impl Error {
    /// The error this one wraps, for `crate::Error::chain`.
    pub fn inner(&self) -> Option<&crate::Error> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_filter_says_what_it_needs() {
        let e = crate::Error::field(
            "linux.seccomp",
            Error::Install { instructions: 12, flags: 0, os: OsError::Errno(libc::EACCES) },
        );
        assert_eq!(
            e.to_string(),
            "linux.seccomp: installing the filter (12 instructions, flags 0x0): Permission denied (os error 13) \
             (needs no_new_privs or CAP_SYS_ADMIN)"
        );
        let e = Error::Install { instructions: 12, flags: 1, os: OsError::Errno(libc::EINVAL) };
        assert_eq!(e.to_string(), "installing the filter (12 instructions, flags 0x1): Invalid argument (os error 22)");
    }
}
