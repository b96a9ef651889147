//! The leaf of berth's errors: an OS error as the kernel gave it, a failed
//! system call, and how paths and messages are shown. Module error enums
//! use these and nothing else of the error module, so no file imports its
//! importer.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

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
