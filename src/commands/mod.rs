//! One file per verb. Each returns the process exit status.

pub mod checkpoint;
pub mod create;
pub mod delete;
pub mod error;
pub mod events;
pub mod exec;
pub mod features;
pub mod kill;
pub mod list;
pub mod pause;
pub mod ps;
pub mod restore;
pub mod resume;
pub mod run;
pub mod spec;
pub mod start;
pub mod state;
pub mod update;

pub use error::Error;
