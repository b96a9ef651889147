//! What can go wrong with a container's cgroups.
//!
//! A bad `linux.resources` value is words (`crate::Error::Invalid`) under the
//! field it came from (`crate::Error::Field`), as is a write the kernel
//! refuses (`Write`, under the field that asked for it): `update` finds the
//! field there to name the flag that set it. The variants here are what a
//! caller may want to tell apart, or what carries a path, a value or an
//! errno.

use crate::error::os::{shown, OsError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// The kernel refused a value written to a cgroup file (a limit, a
    /// freezer state, a controller to enable).
    #[error("write {value:?} to {}: {os}", shown(.path))]
    Write { path: PathBuf, value: String, os: OsError },
    /// A process could not be moved into the cgroup `path` (its
    /// `cgroup.procs` or `tasks` file).
    #[error("join cgroup {}: {os}", shown(.path))]
    Join { path: PathBuf, os: OsError },
    /// An existing cgroup the container was to be created in is frozen:
    /// its init could never run.
    #[error("the cgroup {} is frozen; thaw it first (a container started in it could never run)", shown(.path))]
    Frozen { path: PathBuf },
    /// The state records no cgroup directory: it was made rootless with
    /// none delegated, or never fully created.
    #[error("the container has no cgroup ({})", if *.rootless { "it runs rootless, and no cgroup was delegated to its user" } else { "it was never fully created" })]
    NoCgroup { rootless: bool },
    /// A controller the config (or the verb: the freezer) needs is mounted
    /// neither as a v1 hierarchy nor in cgroup2.
    #[error("the {controller} controller is not available on this host")]
    NoController { controller: String },
    /// A cgroup file this kernel lacks (no swap accounting, no cfs burst...).
    #[error("this host has no {}", shown(.path))]
    NoFile { path: PathBuf },
    /// A freeze or thaw the kernel did not finish in time; `thawed` when a
    /// freeze was undone.
    #[error("{}: still {state:?} after {after:?}{}", shown(.path), if *.thawed { "; left thawed" } else { "" })]
    Stuck { path: PathBuf, state: String, after: Duration, thawed: bool },
    /// The kernel's verifier refused the device filter (a bug in its
    /// code generator): the last lines of the verifier's log.
    #[error("load the device filter: {os} ({instructions} instructions; verifier: {log})")]
    Verifier { os: OsError, instructions: usize, log: String },
}
