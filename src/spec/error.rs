//! What can be wrong with a config.json, found before any side effect.
//!
//! The field a finding is about is carried by `crate::Error::Field` around
//! it (`linux.namespaces[1].type: unknown variant ...`); a reason that only a
//! person reads is `crate::Error::Invalid` under it. The variants here are
//! the cases a caller can tell apart or that carry a value of their own.

use crate::error::shown;
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
    /// A config `validate` refused: runc's prefix, which engines match.
    #[error("invalid configuration: {0}")]
    InvalidConfig(Box<crate::Error>),
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
    NoAgent { path: PathBuf, os: crate::error::OsError },
    /// exec was given neither a command nor --process.
    #[error("exec: no command given (pass it after the container id, or use --process)")]
    NoCommand,
}

impl Error {
    /// The error this one wraps, for `crate::Error::chain`.
    pub fn inner(&self) -> Option<&crate::Error> {
        match self {
            Error::InvalidConfig(e) => Some(e),
            _ => None,
        }
    }

    /// `e`, a finding of `validate`, as `create` reports it.
    pub fn invalid_config(e: crate::Error) -> crate::Error {
        Error::InvalidConfig(Box::new(e)).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_config_wraps_the_finding() {
        let e = Error::invalid_config(crate::Error::field("process.cwd", "\"rel\" must be an absolute path"));
        assert_eq!(e.to_string(), "invalid configuration: process.cwd: \"rel\" must be an absolute path");
        assert_eq!(e.config_field(), Some("process.cwd"));
        let back: crate::Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(back.to_string(), e.to_string());
    }

    #[test]
    fn namespace_files() {
        let e = Error::NotNamespace { path: "/etc/hostname".into(), kind: None };
        assert_eq!(e.to_string(), "/etc/hostname is not a namespace file");
        let e = Error::NotNamespace { path: "/proc/self/ns/ipc".into(), kind: Some("network".into()) };
        assert_eq!(e.to_string(), "/proc/self/ns/ipc is not a network namespace");
    }
}
