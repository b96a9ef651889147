//! Creating and running the container process.

pub mod console;
pub mod context;
pub mod enter;
pub mod enter_child;
pub mod enter_plan;
pub mod error;
pub mod foreground;
pub mod handoff;
pub mod init;
pub mod launch;
pub mod pidfd_socket;
pub mod program;
pub mod protect;
pub mod sync;

pub use error::Error;
