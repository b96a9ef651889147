//! The container's filesystem: mounts, /dev, pivot, masks.

pub mod devices;
pub mod masks;
pub mod mounts;
pub mod options;
pub mod pivot;
pub mod safe_path;
