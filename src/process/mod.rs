//! Creating and running the container process.

pub mod console;
pub mod enter;
pub mod enter_child;
pub mod exec;
pub mod finish;
pub mod foreground;
pub mod init;
pub mod launch;
pub mod pidfd_socket;
pub mod protect;
pub mod sync;
