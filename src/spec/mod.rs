//! config.json: load, validate without side effects, compile into a plan.

pub mod default;
pub mod error;
pub mod exec_plan;
pub mod exec_process;
pub mod json_path;
pub mod load;
pub mod ns_kind;
pub mod plan;
pub mod validate;
pub mod wire;

pub use error::Error;
pub use load::load;
pub use plan::{compile, CreateOptions, LaunchPlan};

/// The oldest and newest runtime-spec versions berth reads; `spec` writes
/// the newest.
pub const OCI_VERSION_MIN: &str = "1.0.0";
pub const OCI_VERSION_MAX: &str = "1.2.1";
