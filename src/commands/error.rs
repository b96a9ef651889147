//! What the verbs themselves refuse: a container in the wrong status for
//! the verb, a signal `kill` does not know, an fd `--preserve-fds` names
//! that is not open, the host's `ps` failing. The container a refusal is
//! about is carried by `crate::Error::Container` around it.

use crate::state::status::Status;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// The container's status does not allow `verb` (`start` of a stopped
    /// container, `delete` without --force of a running one). The words are
    /// runc's where engines match them ("cannot delete a container that is
    /// running (use --force)", "container not running").
    #[error("{}", wrong_status(.verb, *.status))]
    WrongStatus { verb: String, status: Status },
    /// `kill`'s signal: not a name (KILL, SIGKILL, kill, SIGRTMIN+1).
    #[error("signal {signal:?}: unknown signal")]
    UnknownSignal { signal: String },
    /// `kill`'s signal: a number, but not one from 0 to SIGRTMAX.
    #[error("signal {signal:?}: out of range")]
    SignalOutOfRange { signal: String },
    /// `--preserve-fds N` (plus LISTEN_FDS=`listen` from socket activation)
    /// passes fds 3..3+N+listen; `fd` among them is not open in our caller's
    /// hands, so it would hand over one of ours.
    #[error("--preserve-fds {preserve}{}: fd {fd} is not open", if *.listen > 0 { format!(" with LISTEN_FDS={listen}") } else { String::new() })]
    FdNotOpen { preserve: u32, listen: u32, fd: i32 },
}

impl Error {
    /// `verb` refused for a container in `status`.
    pub fn wrong_status(verb: &str, status: Status) -> Error {
        Error::WrongStatus { verb: verb.to_string(), status }
    }
}

/// Why `verb` cannot act on a container in `status`, in the words runc and
/// berth have always used (engines and scripts match some of them).
fn wrong_status(verb: &str, status: Status) -> String {
    let s = status.as_str();
    match (verb, status) {
        ("start", Status::Stopped) => "cannot start a container that has stopped".into(),
        ("start", Status::Creating) => "cannot start a container that is still being created".into(),
        ("start", _) => format!("cannot start an already {s} container"),
        ("delete", _) => format!("cannot delete a container that is {s} (use --force)"),
        ("exec", Status::Paused) => "cannot exec in a paused container (use --ignore-paused to override)".into(),
        ("exec", Status::Creating) => "cannot exec in a container that is still being created".into(),
        ("exec", _) => format!("cannot exec in a {s} container (container not running)"),
        ("kill", Status::Creating) => "container not running (still being created)".into(),
        ("kill", _) => format!("container not running ({s})"),
        ("resume", _) => format!("cannot resume a {s} container: it is not paused"),
        ("events", _) => format!("cannot report the events of a {s} container: it is not running"),
        (verb, _) => format!("cannot {verb} a {s} container: it is not running"),
    }
}
