//! What can go wrong starting the container's process, or talking to it.

use crate::error::os::{shown, OsError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

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
    /// The program, or the `#!` interpreter it names, is the berth binary
    /// itself (CVE-2019-5736 class): refused.
    #[error("exec {}: refusing to run the runtime binary inside the container", shown(.program))]
    RuntimeBinary { program: PathBuf },
    /// The sync protocol broke: while waiting for `awaited`, the message
    /// `came` arrived instead; None when the other side went away.
    #[error(
        "waiting for {awaited}: {}",
        .came.as_deref().map_or_else(|| "the other side went away".to_string(), |m| format!("unexpected {m}"))
    )]
    Protocol { awaited: String, came: Option<String> },
    /// The container's init ended before it was ready, without a word
    /// (its errors come as `ToParent::Error`): how it ended.
    #[error("container init exited during setup ({status})")]
    InitDied { status: Ended },
}

impl Error {
    /// The exit status runc gives the same failure.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Error::NotFound { .. } => Some(127),
            Error::NotExecutable { .. } => Some(126),
            Error::Exec { os, .. } => Some(if os.errno() == Some(libc::ENOENT) { 127 } else { 126 }),
            _ => None,
        }
    }

    /// While waiting for `awaited`, `came` (None: nothing, the other side is gone).
    pub fn protocol(awaited: impl Into<String>, came: Option<&impl fmt::Debug>) -> Error {
        Error::Protocol { awaited: awaited.into(), came: came.map(|m| format!("{m:?}")) }
    }
}

/// How a process we waited for ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ended {
    /// It exited with this status.
    Exited(i32),
    /// A signal (its number) killed it.
    Killed(i32),
    /// waitpid failed: how it ended is unknown.
    Unknown(OsError),
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ended::Exited(code) => write!(f, "exit status {code}"),
            Ended::Killed(signal) => match nix::sys::signal::Signal::try_from(*signal) {
                Ok(s) => write!(f, "killed by {s}"),
                Err(_) => write!(f, "killed by signal {signal}"),
            },
            Ended::Unknown(os) => write!(f, "wait: {os}"),
        }
    }
}
