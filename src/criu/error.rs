//! What can go wrong checkpointing or restoring with CRIU. Which container,
//! flag or path it is about is carried by `crate::Error` around it.

use crate::error::os::{shown, OsError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// No `criu` on PATH.
    #[error("criu: {os} (install Debian's criu package)")]
    NotInstalled { os: OsError },
    /// `criu check` fails here: CRIU cannot checkpoint on this host.
    #[error("criu check failed{}: {cause}", .status.map(|s| format!(" (exit status {s})")).unwrap_or_default())]
    Unusable { cause: String, status: Option<i32> },
    /// CRIU refused or failed the request; its log says more.
    #[error("criu {action} failed: {why} (see {})", shown(.log))]
    Failed { action: String, why: String, log: PathBuf },
    /// CRIU's swrk protocol broke: a message that does not decode, an
    /// answer of the wrong kind, the socket gone.
    #[error("criu: {0}")]
    Protocol(String),
    /// The image directory holds no checkpoint berth made.
    #[error("{} holds no checkpoint made by berth (no {what})", shown(.dir))]
    NoImages { dir: PathBuf, what: String },
    /// The images are of a container that ran another program, or had
    /// other kinds of namespace, than this bundle's.
    #[error(
        "the images are of container {id:?}, whose process.args, process.terminal or namespaces differ from this bundle's"
    )]
    ForeignImages { id: String },
    /// A container must be running to be checkpointed (not paused: CRIU
    /// freezes it itself, and would thaw what the user froze).
    #[error("cannot checkpoint a container that is {status}")]
    NotRunning { status: String },
}
