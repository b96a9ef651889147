//! The container's filesystem: mounts, /dev, pivot, masks.

pub mod dev_dir;
pub mod devices;
pub mod error;
pub mod masks;
pub mod mounts;
pub mod options;
pub mod pivot;
pub mod remount;
pub mod safe_path;

pub use error::Error;
