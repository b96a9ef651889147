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

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error berth reports.
#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    #[error(transparent)]
    Sys(#[from] SysError),
    #[error(transparent)]
    Spec(#[from] crate::spec::Error),
    #[error(transparent)]
    State(#[from] crate::state::Error),
    #[error(transparent)]
    Cgroups(#[from] crate::cgroups::Error),
    #[error(transparent)]
    Rootfs(#[from] crate::rootfs::Error),
    #[error(transparent)]
    Security(#[from] crate::security::Error),
    #[error(transparent)]
    Process(#[from] crate::process::Error),
    #[error(transparent)]
    Hook(#[from] crate::hooks::Error),
    #[error(transparent)]
    Commands(#[from] crate::commands::Error),
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
            | Error::Path { reason, .. } => Some(reason),
            Error::Spec(e) => e.inner(),
            Error::Process(e) => e.inner(),
            Error::Rootfs(e) => e.inner(),
            Error::Hook(e) => e.inner(),
            Error::Commands(e) => e.inner(),
            Error::State(e) => e.inner(),
            Error::Cgroups(e) => e.inner(),
            Error::Security(e) => e.inner(),
            Error::Sys(_) | Error::Invalid(_) => None,
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

/// An OS error as the kernel gave it: its errno, shown as the standard
/// library shows it. Unlike `std::io::Error` it crosses the sync socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OsError {
    Errno(i32),
    /// An I/O error that carries no errno (a short write, bad UTF-8).
    Other(String),
}

impl OsError {
    pub fn errno(&self) -> Option<i32> {
        match self {
            OsError::Errno(n) => Some(*n),
            OsError::Other(_) => None,
        }
    }

    /// The last OS error of this thread.
    pub fn last() -> OsError {
        std::io::Error::last_os_error().into()
    }
}

impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OsError::Errno(n) => std::io::Error::from_raw_os_error(*n).fmt(f),
            OsError::Other(text) => f.write_str(text),
        }
    }
}

impl From<std::io::Error> for OsError {
    fn from(e: std::io::Error) -> OsError {
        match e.raw_os_error() {
            Some(n) => OsError::Errno(n),
            None => OsError::Other(e.to_string()),
        }
    }
}

impl From<nix::errno::Errno> for OsError {
    fn from(e: nix::errno::Errno) -> OsError {
        OsError::Errno(e as i32)
    }
}

/// A system call or file operation that failed: which, on what, and why.
#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
#[error("{call}{}: {os}", .path.as_deref().map(|p| format!(" {}", shown(p))).unwrap_or_default())]
pub struct SysError {
    /// The call as a person knows it: `mount`, `open`, `write`, `pivot_root`.
    pub call: String,
    pub path: Option<PathBuf>,
    pub os: OsError,
}

impl SysError {
    pub fn new(call: impl Into<String>, path: Option<&Path>, os: impl Into<OsError>) -> SysError {
        SysError { call: call.into(), path: path.map(Path::to_path_buf), os: os.into() }
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

/// A path for a message: as it reads when it is UTF-8, escaped (`"\xFF"`)
/// when it is not, so the bytes that were given can be told apart.
pub fn shown(p: &Path) -> String {
    match p.to_str() {
        Some(s) => s.to_string(),
        None => format!("{:?}", p.as_os_str()),
    }
}

/// `msg` on one line: control characters (a newline inside a value echoed
/// back, say) escaped, so every error stays the one line it is reported as.
pub fn one_line(msg: &str) -> String {
    if !msg.chars().any(char::is_control) {
        return msg.to_string();
    }
    msg.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_outermost_first() {
        let e = Error::container(
            "c1",
            Error::field(
                "mounts[2].source",
                SysError::new("open", Some(Path::new("/x")), OsError::Errno(libc::ENOENT)),
            ),
        );
        assert_eq!(
            e.to_string(),
            "container \"c1\": mounts[2].source: open /x: No such file or directory (os error 2)"
        );
        assert_eq!(e.config_field(), Some("mounts[2].source"));
        assert_eq!(e.errno(), Some(libc::ENOENT));
    }

    #[test]
    fn an_error_survives_the_sync_socket() {
        let e =
            Error::field("process.cwd", SysError::new("chdir", Some(Path::new("/nope")), OsError::Errno(libc::ENOENT)));
        let back: Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(back.to_string(), e.to_string());
        assert_eq!(back.errno(), Some(libc::ENOENT));
    }
}
