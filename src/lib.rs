//! berth: a daemonless OCI container runtime.
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod cgroups;
pub mod cli;
pub mod commands;
pub mod criu;
pub mod error;
pub use error::{Error, Result};
pub mod hooks;
pub mod logging;
pub mod namespaces;
pub mod notify;
pub mod process;
pub mod rootfs;
pub mod rootless;
pub mod security;
pub mod spec;
pub mod state;
pub mod sys;
pub mod userns;
