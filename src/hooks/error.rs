//! How a hook that failed ended. Which hook it was is carried by
//! `crate::Error::Hook` around it.

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// Still running when its `timeout` (seconds) ran out: killed.
    #[error("timed out after {secs}s")]
    TimedOut { secs: i64 },
    /// Exit status 127: the program could not be executed.
    #[error("could not be executed (exit status 127)")]
    NotExecuted,
    #[error("exited with status {code}")]
    Exited { code: i32 },
    #[error("killed by {}", signal_name(*.signal))]
    Killed { signal: i32 },
}

/// `SIGKILL` for 9, as nix names signals.
fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal).map_or_else(|_| format!("signal {signal}"), |s| s.to_string())
}
