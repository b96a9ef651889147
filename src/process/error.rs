//! What can go wrong starting the container's process, or talking to it.

use crate::error::{shown, OsError};
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
    /// The parent <-> init channel failed: a send or receive (a SysError),
    /// or a message that is not one (serde_json's text).
    #[error("sync: {reason}")]
    Sync { reason: Box<crate::Error> },
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
    /// process.terminal: the container's /dev/pts is not a devpts of its
    /// own that holds a pty multiplexer.
    #[error("needs a devpts mount at /dev/pts: {reason}")]
    NoDevpts { reason: Box<crate::Error> },
}

impl Error {
    /// The error this one wraps, for `crate::Error::chain`.
    pub fn inner(&self) -> Option<&crate::Error> {
        match self {
            Error::Sync { reason } | Error::NoDevpts { reason } => Some(reason),
            _ => None,
        }
    }

    /// The exit status runc gives the same failure.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Error::NotFound { .. } => Some(127),
            Error::NotExecutable { .. } => Some(126),
            Error::Exec { os, .. } => Some(if os.errno() == Some(libc::ENOENT) { 127 } else { 126 }),
            _ => None,
        }
    }

    /// `reason`, a failure of the sync channel itself.
    pub fn sync(reason: impl Into<crate::Error>) -> crate::Error {
        Error::Sync { reason: Box::new(reason.into()) }.into()
    }

    /// While waiting for `awaited`, `came` (None: nothing, the other side is gone).
    pub fn protocol(awaited: impl Into<String>, came: Option<&impl fmt::Debug>) -> crate::Error {
        Error::Protocol { awaited: awaited.into(), came: came.map(|m| format!("{m:?}")) }.into()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SysError;

    #[test]
    fn protocol_breaks_say_what_was_awaited_and_what_came() {
        let e = Error::protocol("Go", Some(&"HooksDone"));
        assert_eq!(e.to_string(), "waiting for Go: unexpected \"HooksDone\"");
        let e = Error::protocol("hooks", None::<&()>);
        assert_eq!(e.to_string(), "waiting for hooks: the other side went away");
    }

    #[test]
    fn a_dead_init_says_how_it_ended_and_crosses_the_sync_socket() {
        let e = crate::Error::from(Error::InitDied { status: Ended::Killed(libc::SIGKILL) });
        assert_eq!(e.to_string(), "container init exited during setup (killed by SIGKILL)");
        let back: crate::Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(back.to_string(), e.to_string());
        assert_eq!(Ended::Exited(3).to_string(), "exit status 3");
    }

    #[test]
    fn a_sync_failure_keeps_its_errno() {
        let e = Error::sync(SysError::new("send", None, OsError::Errno(libc::EPIPE)));
        assert_eq!(e.to_string(), "sync: send: Broken pipe (os error 32)");
        assert_eq!(e.errno(), Some(libc::EPIPE));
    }

    #[test]
    fn exit_statuses_are_found_under_subjects() {
        let e = crate::Error::container("c", Error::NotFound { program: "x".into() });
        assert_eq!(e.exit_code(), Some(127));
        let e = crate::Error::field("process.cwd", Error::RuntimeBinary { program: "/berth".into() });
        assert_eq!(e.exit_code(), None);
    }
}
