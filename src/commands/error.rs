//! What the verbs themselves refuse: a container in the wrong status for
//! the verb, a signal `kill` does not know, an fd `--preserve-fds` names
//! that is not open, the host's `ps` failing. The container a refusal is
//! about is carried by `crate::Error::Container` around it.

use crate::state::Status;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// The container's status does not allow `verb` (`start` of a stopped
    /// container, `delete` without --force of a running one). The words are
    /// runc's where engines match them ("cannot delete a container that is
    /// running (use --force)", "container not running").
    #[error("{}", wrong_status(.verb, *.status))]
    WrongStatus { verb: String, status: Status },
    /// `kill`'s signal: neither a name (KILL, SIGKILL, kill, SIGRTMIN+1)
    /// nor a number from 0 to SIGRTMAX.
    #[error("signal {signal:?}: {}", if .signal.parse::<i64>().is_ok() { "out of range" } else { "unknown signal" })]
    UnknownSignal { signal: String },
    /// `--preserve-fds N` (plus LISTEN_FDS=`listen` from socket activation)
    /// passes fds 3..3+N+listen; `fd` among them is not open in our caller's
    /// hands, so it would hand over one of ours.
    #[error("--preserve-fds {preserve}{}: fd {fd} is not open", if *.listen > 0 { format!(" with LISTEN_FDS={listen}") } else { String::new() })]
    FdNotOpen { preserve: u32, listen: u32, fd: i32 },
    /// The host's `ps`, run with `args` for `berth ps`'s table, failed or
    /// printed what cannot be read: why.
    #[error("ps {}: {reason}", .args.join(" "))]
    Ps { args: Vec<String>, reason: Box<crate::Error> },
}

impl Error {
    /// The error this one wraps, for `crate::Error::chain`.
    pub fn inner(&self) -> Option<&crate::Error> {
        match self {
            Error::Ps { reason, .. } => Some(reason),
            _ => None,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_status_keeps_the_words_engines_match() {
        let text = |verb, status| crate::Error::from(Error::wrong_status(verb, status)).to_string();
        assert_eq!(text("delete", Status::Running), "cannot delete a container that is running (use --force)");
        assert_eq!(text("start", Status::Running), "cannot start an already running container");
        assert_eq!(text("start", Status::Stopped), "cannot start a container that has stopped");
        assert!(text("exec", Status::Stopped).contains("container not running"));
        assert!(text("kill", Status::Creating).contains("container not running"));
        assert!(text("pause", Status::Stopped).contains("is not running"));
        assert!(text("update", Status::Stopped).contains("is not running"));
        assert!(text("events", Status::Creating).contains("is not running"));
        assert!(text("resume", Status::Running).contains("is not paused"));
    }

    #[test]
    fn a_refusal_survives_the_sync_socket() {
        let e = crate::Error::container("c", Error::wrong_status("delete", Status::Paused));
        let back: crate::Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(back.to_string(), "container \"c\": cannot delete a container that is paused (use --force)");
        assert!(matches!(
            back.chain().last(),
            Some(crate::Error::Commands(Error::WrongStatus { status: Status::Paused, .. }))
        ));
    }

    #[test]
    fn preserved_fds() {
        let e = Error::FdNotOpen { preserve: 5, listen: 0, fd: 4 };
        assert_eq!(e.to_string(), "--preserve-fds 5: fd 4 is not open");
        let e = Error::FdNotOpen { preserve: 1, listen: 2, fd: 3 };
        assert_eq!(e.to_string(), "--preserve-fds 1 with LISTEN_FDS=2: fd 3 is not open");
    }
}
