//! What can be wrong with a config.json, found before any side effect.
//!
//! The field a finding is about is carried by `crate::Error::Field` around
//! it (`linux.namespaces[1].type: unknown variant ...`); a reason that only a
//! person reads is `crate::Error::Invalid` under it. The variants here are
//! the cases a caller can tell apart or that carry a value of their own.

use crate::error::os::{shown, OsError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// A container id that would not be a plain directory name under --root.
    #[error("container id {id:?}: must be 1 or more of [A-Za-z0-9_+.-], and not . or ..")]
    BadId { id: String },
    /// The file is not JSON at all (serde_json's message, without its position).
    #[error("invalid JSON: {msg}")]
    Syntax { msg: String },
    /// JSON, but not an object: a config is `{"ociVersion": ...}`.
    #[error("not a JSON object (a config is {{\"ociVersion\": ...}})")]
    NotAnObject,
    /// A value that does not read as its field's type (an unknown variant, a
    /// wrong type, a missing field): serde_json's message, under the field.
    #[error("{msg}")]
    Json { msg: String },
    /// A path in the config (a mount destination, linux.cgroupsPath) whose
    /// `..` climbs above the directory it is relative to.
    #[error("{} climbs out of the rootfs", shown(.path))]
    ClimbsOut { path: PathBuf },
    /// linux.namespaces[].path names a file that is not a namespace
    /// (`kind` None), or a namespace of another kind than the entry's type.
    #[error("{} is not a {}", shown(.path), .kind.as_deref().map_or("namespace file".to_string(), |k| format!("{k} namespace")))]
    NotNamespace { path: PathBuf, kind: Option<String> },
    /// Nothing answers at linux.seccomp.listenerPath (runc's words, which
    /// engines match).
    #[error("failed to connect with seccomp agent at {}: {os}", shown(.path))]
    NoAgent { path: PathBuf, os: OsError },
    /// exec was given neither a command nor --process.
    #[error("exec: no command given (pass it after the container id, or use --process)")]
    NoCommand,
}
