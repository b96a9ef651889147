//! What can go wrong with a container's state under `--root`. Engines match
//! on these texts (runc's), so they stay word for word.

use crate::error::os::shown;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    #[error("container does not exist")]
    NotFound,
    #[error("container with given ID already exists")]
    Exists,
    #[error("container not running")]
    NotRunning,
    /// state.json that does not parse.
    #[error("parse {}: {msg}", shown(.path))]
    Corrupt { path: PathBuf, msg: String },
}
