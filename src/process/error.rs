//! What can go wrong starting the container's process, or talking to it.

use crate::error::OsError;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// No executable file of that name along PATH: exit status 127.
    #[error("exec: {program:?}: executable file not found in $PATH")]
    NotFound { program: String },
    /// Found, but nobody may execute it: exit status 126.
    #[error("exec: {program:?}: permission denied")]
    NotExecutable { program: String },
    /// execve itself refused: 127 when the file is gone, else 126.
    #[error("exec {program:?}: {os}")]
    Exec { program: String, os: OsError },
}

impl Error {
    /// The error this one wraps, for `crate::Error::chain`.
    pub fn inner(&self) -> Option<&crate::Error> {
        None
    }

    /// The exit status runc gives the same failure.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Error::NotFound { .. } => Some(127),
            Error::NotExecutable { .. } => Some(126),
            Error::Exec { os, .. } => Some(if os.errno() == Some(libc::ENOENT) { 127 } else { 126 }),
        }
    }
}
