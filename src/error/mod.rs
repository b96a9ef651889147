//! berth's errors.
//!
//! Each module says what went wrong in an enum of its own (`spec::Error`,
//! `cgroups::Error`, ...), typed where a caller or the exit status must tell
//! one case from another. They roll up into [`Error`], which every library
//! function returns, which the sync protocol carries from init to the parent
//! (so the enums are serde types: an OS error travels as its errno), and
//! which `main` prints once, on one line.
//!
//! Whatever an error is about is carried, not spelled into a message: the
//! config.json field by its JSON path (`Error::Field`), the flag
//! (`Error::Flag`), the container (`Error::Container`), the path
//! (`Error::Path`), the system call and its path (`SysError`). A reason that
//! only a person reads is words (`Error::Invalid`), always under one of those.
//!
//! An error's text already says what it wraps, so no variant hands its inner
//! error out as `source()` (a reporter walking that chain would say it
//! twice); `Error::chain` walks it instead.

pub mod os;

pub use os::{one_line, shown, OsError, SysError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error berth reports.
#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    #[error(transparent)]
    Sys(#[from] SysError),
    #[error(transparent)]
    Spec(#[from] crate::spec::error::Error),
    #[error(transparent)]
    State(#[from] crate::state::error::Error),
    #[error(transparent)]
    Cgroups(#[from] crate::cgroups::error::Error),
    #[error(transparent)]
    Rootfs(#[from] crate::rootfs::error::Error),
    #[error(transparent)]
    Security(#[from] crate::security::error::Error),
    #[error(transparent)]
    Process(#[from] crate::process::error::Error),
    #[error(transparent)]
    Hooks(#[from] crate::hooks::error::Error),
    #[error(transparent)]
    Commands(#[from] crate::commands::error::Error),
    #[error(transparent)]
    Criu(#[from] crate::criu::error::Error),
    /// A config `validate` refused: runc's prefix, which engines match.
    #[error("invalid configuration: {0}")]
    InvalidConfig(Box<Error>),
    /// One of config.json's `mounts` could not be made: which (by index,
    /// type and destination inside the rootfs) and why.
    #[error("mounts[{index}] ({what} on /{}): {reason}", shown(.dest))]
    Mount { index: usize, what: String, dest: PathBuf, reason: Box<Error> },
    /// The hook `hooks.<phase>[<index>]` (its path) failed: why.
    #[error("hooks.{phase}[{index}] {}: {reason}", shown(.path))]
    Hook { phase: String, index: usize, path: PathBuf, reason: Box<Error> },
    /// The parent <-> init channel failed: a send or receive (a SysError),
    /// or a message that is not one (serde_json's text).
    #[error("sync: {0}")]
    Sync(Box<Error>),
    /// process.terminal: the container's /dev/pts is not a devpts of its
    /// own that holds a pty multiplexer.
    #[error("needs a devpts mount at /dev/pts: {0}")]
    NoDevpts(Box<Error>),
    /// The host's `ps`, run with `args` for `berth ps`'s table, failed or
    /// printed what cannot be read: why.
    #[error("ps {}: {reason}", .args.join(" "))]
    Ps { args: Vec<String>, reason: Box<Error> },
    /// About a config.json field, by its JSON path (`mounts[2].source`).
    #[error("{field}: {reason}")]
    Field { field: String, reason: Box<Error> },
    /// About a command-line flag (`--pid-file`).
    #[error("{flag}: {reason}")]
    Flag { flag: String, reason: Box<Error> },
    /// About a container, by id.
    #[error("container {id:?}: {reason}")]
    Container { id: String, reason: Box<Error> },
    /// About a file or directory.
    #[error("{}: {reason}", shown(.path))]
    Path { path: PathBuf, reason: Box<Error> },
    /// Why, in words: under one of the variants above, what to change.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// `e`, a finding of `validate`, as `create` reports it.
    pub fn invalid_config(e: Error) -> Error {
        Error::InvalidConfig(Box::new(e))
    }

    /// `reason`, a failure of the sync channel itself.
    pub fn sync(reason: impl Into<Error>) -> Error {
        Error::Sync(Box::new(reason.into()))
    }

    /// `reason` about the config.json field `field`.
    pub fn field(field: impl Into<String>, reason: impl Into<Error>) -> Error {
        Error::Field { field: field.into(), reason: Box::new(reason.into()) }
    }

    /// `reason` about the command-line flag `flag`.
    pub fn flag(flag: impl Into<String>, reason: impl Into<Error>) -> Error {
        Error::Flag { flag: flag.into(), reason: Box::new(reason.into()) }
    }

    /// `reason` about the container `id`.
    pub fn container(id: impl Into<String>, reason: impl Into<Error>) -> Error {
        Error::Container { id: id.into(), reason: Box::new(reason.into()) }
    }

    /// `reason` about the file or directory `path`.
    pub fn path(path: impl Into<PathBuf>, reason: impl Into<Error>) -> Error {
        Error::Path { path: path.into(), reason: Box::new(reason.into()) }
    }

    /// The errors this one wraps, outermost first, itself included.
    pub fn chain(&self) -> impl Iterator<Item = &Error> {
        std::iter::successors(Some(self), |e| e.inner())
    }

    fn inner(&self) -> Option<&Error> {
        match self {
            Error::Field { reason, .. }
            | Error::Flag { reason, .. }
            | Error::Container { reason, .. }
            | Error::Path { reason, .. }
            | Error::Mount { reason, .. }
            | Error::Hook { reason, .. }
            | Error::Ps { reason, .. } => Some(reason),
            Error::InvalidConfig(reason) | Error::Sync(reason) | Error::NoDevpts(reason) => Some(reason),
            _ => None,
        }
    }

    /// The exit status this error asks for (127 for a program not found,
    /// 126 for one that cannot run), if any.
    pub fn exit_code(&self) -> Option<i32> {
        self.chain().find_map(|e| match e {
            Error::Process(p) => p.exit_code(),
            _ => None,
        })
    }

    /// The field of config.json this error is about, innermost first.
    pub fn config_field(&self) -> Option<&str> {
        self.chain()
            .filter_map(|e| match e {
                Error::Field { field, .. } => Some(field.as_str()),
                _ => None,
            })
            .last()
    }

    /// The OS error at the bottom of the chain, if it is one.
    pub fn errno(&self) -> Option<i32> {
        self.chain().find_map(|e| match e {
            Error::Sys(s) => s.os.errno(),
            _ => None,
        })
    }
}

impl From<String> for Error {
    fn from(reason: String) -> Error {
        Error::Invalid(reason)
    }
}

impl From<&str> for Error {
    fn from(reason: &str) -> Error {
        Error::Invalid(reason.to_string())
    }
}

/// Errors of OS calls named and turned into `Error`s: `.sys("pivot_root")?`,
/// `.sys_at("open", path)?`.
pub trait SysResult<T> {
    fn sys(self, call: &str) -> Result<T>;
    fn sys_at(self, call: &str, path: &Path) -> Result<T>;
}

impl<T, E: Into<OsError>> SysResult<T> for std::result::Result<T, E> {
    fn sys(self, call: &str) -> Result<T> {
        self.map_err(|e| SysError::new(call, None, e).into())
    }

    fn sys_at(self, call: &str, path: &Path) -> Result<T> {
        self.map_err(|e| SysError::new(call, Some(path), e).into())
    }
}

/// What an error is about, added where it is known: `.field("mounts[2]")?`.
pub trait About<T> {
    fn field(self, field: impl Into<String>) -> Result<T>;
    fn with_field(self, field: impl FnOnce() -> String) -> Result<T>;
    fn flag(self, flag: &str) -> Result<T>;
    fn in_container(self, id: &str) -> Result<T>;
    fn at_path(self, path: &Path) -> Result<T>;
}

impl<T, E: Into<Error>> About<T> for std::result::Result<T, E> {
    fn field(self, field: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::field(field, e))
    }

    fn with_field(self, field: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::field(field(), e))
    }

    fn flag(self, flag: &str) -> Result<T> {
        self.map_err(|e| Error::flag(flag, e))
    }

    fn in_container(self, id: &str) -> Result<T> {
        self.map_err(|e| Error::container(id, e))
    }

    fn at_path(self, path: &Path) -> Result<T> {
        self.map_err(|e| Error::path(path, e))
    }
}

#[cfg(test)]
mod tests;
