//! config.json: load, validate without side effects, compile into a plan.

pub mod exec_process;
pub mod json_path;
pub mod load;
pub mod plan;
pub mod validate;
pub mod wire;

pub use load::load;
pub use plan::{compile, CreateOptions, LaunchPlan};
