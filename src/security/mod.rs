//! Privileges of the container process.

pub mod caps;
pub mod error;
pub mod process_attrs;
pub mod seccomp;
pub mod user;

pub use error::Error;
