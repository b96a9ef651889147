//! Creating and running the container process.

pub mod console;
pub mod exec;
pub mod init;
pub mod launch;
pub mod protect;
pub mod sync;
