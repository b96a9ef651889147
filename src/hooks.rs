//! OCI hooks: each runs with the container state on stdin, its own args and
//! env, and an optional timeout.
//!
//! | phase           | run by  | when                                             |
//! |-----------------|---------|--------------------------------------------------|
//! | prestart        | parent  | create, after mounts, before pivot_root (legacy) |
//! | createRuntime   | parent  | same point, runtime namespace                    |
//! | createContainer | init    | same point, container namespaces                 |
//! | startContainer  | init    | start, just before exec                          |
//! | poststart       | start   | after the process started; failure only warns    |
//! | poststop        | delete  | after the container is gone; failure only warns  |
//!
//! A hook that names no `env` gets the environment runc gives it: the
//! runtime's own for the phases the runtime runs, the container process's
//! for createContainer and startContainer, which run in the container. A
//! startContainer hook runs as the container's program would: same user,
//! capabilities and seccomp filter (`Runner::exec`).

use crate::error::{shown, Result, SysResult};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, pipe2, ForkResult};
use oci_spec::runtime::Hook;
use std::ffi::{CStr, CString};
use std::io::Write;
use std::os::fd::AsFd;
use std::path::PathBuf;

/// Turns the forked child into the hook: (path, args, env), returning only
/// when it could not.
pub type Exec<'a> = &'a dyn Fn(&CStr, &[CString], &[CString]) -> crate::Error;

/// How a hook's process is made, besides fork.
#[derive(Default, Clone, Copy)]
pub struct Runner<'a> {
    /// The environment of a hook that names none; None: berth's own.
    pub default_env: Option<&'a [CString]>,
    /// How the forked child becomes the hook; None: a plain execve.
    pub exec: Option<Exec<'a>>,
}

/// Runs hooks in order; the first failure is the error.
pub fn run_all(phase: &str, hooks: &[Hook], state: &str) -> Result<()> {
    run_all_with(phase, hooks, state, &Runner::default())
}

pub fn run_all_with(phase: &str, hooks: &[Hook], state: &str, runner: &Runner) -> Result<()> {
    for (i, h) in hooks.iter().enumerate() {
        run_one(h, state, runner).map_err(|e| failed(phase, i, h, e))?;
    }
    Ok(())
}

/// `e` about the hook `hooks.<phase>[<index>]`.
fn failed(phase: &str, index: usize, hook: &Hook, e: crate::Error) -> crate::Error {
    Error::Hook { phase: phase.to_string(), index, path: hook.path().clone(), reason: Box::new(e) }.into()
}

/// Runs every hook; failures are logged as warnings (poststart, poststop).
pub fn run_all_warn(phase: &str, hooks: &[Hook], state: &str) {
    for (i, h) in hooks.iter().enumerate() {
        if let Err(e) = run_one(h, state, &Runner::default()) {
            crate::logging::warn(&failed(phase, i, h, e).to_string());
        }
    }
}

/// berth's own environment, for a hook that names none.
fn own_env() -> Vec<CString> {
    use std::os::unix::ffi::OsStrExt;
    std::env::vars_os()
        .filter_map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok()
        })
        .collect()
}

fn cstrings(v: &[String]) -> Result<Vec<CString>> {
    v.iter().map(|s| CString::new(s.as_str()).map_err(|_| format!("{s:?} contains a NUL byte").into())).collect()
}

fn run_one(hook: &Hook, state: &str, runner: &Runner) -> Result<()> {
    let path = crate::sys::cstr(hook.path()).map_err(|_| crate::Error::from("the path contains a NUL byte"))?;
    let mut args = cstrings(hook.args().as_deref().unwrap_or_default())?;
    if args.is_empty() {
        args.push(path.clone());
    }
    let env = match (hook.env(), runner.default_env) {
        (Some(env), _) => cstrings(env)?,
        (None, Some(env)) => env.to_vec(),
        (None, None) => own_env(),
    };
    let (read, write) = pipe2(nix::fcntl::OFlag::O_CLOEXEC).sys("pipe2")?;
    // SAFETY: berth is single-threaded, so the child inherits no lock that
    // another thread held; it only sets itself up and execs or _exits.
    match unsafe { fork() }.sys("fork")? {
        ForkResult::Child => {
            let _ = nix::unistd::dup2_stdin(read.as_fd());
            match runner.exec {
                Some(exec) => drop(exec(&path, &args, &env)),
                None => {
                    crate::sys::reset_signals();
                    let _ = nix::unistd::execve(&path, &args, &env);
                }
            }
            // SAFETY: exec failed; leave without running the parent's destructors.
            unsafe { libc::_exit(127) }
        }
        ForkResult::Parent { child } => {
            drop(read);
            // A hook that exits without reading its stdin is fine (EPIPE).
            let _ = std::fs::File::from(write).write_all(state.as_bytes());
            wait(child, hook.timeout())
        }
    }
}

fn wait(child: nix::unistd::Pid, timeout: Option<i64>) -> Result<()> {
    if let Some(secs) = timeout {
        let pidfd = crate::sys::pidfd_open(child.as_raw()).sys("pidfd_open")?;
        let ms = (secs.saturating_mul(1000)).min(i32::MAX as i64) as i32;
        let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
        let ready = loop {
            match poll(&mut fds, PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => break other.sys("poll")?,
            }
        };
        if ready == 0 {
            let _ = crate::sys::pidfd_send_signal(&pidfd, libc::SIGKILL);
            let _ = waitpid(child, None);
            return Err(Error::TimedOut { secs }.into());
        }
    }
    loop {
        let ended = match waitpid(child, None) {
            Err(nix::errno::Errno::EINTR) => continue,
            Ok(WaitStatus::Exited(_, 0)) => return Ok(()),
            Ok(WaitStatus::Exited(_, 127)) => Error::NotExecuted,
            Ok(WaitStatus::Exited(_, code)) => Error::Exited { code },
            Ok(WaitStatus::Signaled(_, sig, _)) => Error::Killed { signal: sig as i32 },
            Ok(_) => continue,
            Err(e) => return Err(e).sys("waitpid"),
        };
        return Err(ended.into());
    }
}

/// What can go wrong running an OCI hook.
#[derive(Debug, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum Error {
    /// The hook `hooks.<phase>[<index>]` (its path) failed: why.
    #[error("hooks.{phase}[{index}] {}: {reason}", shown(.path))]
    Hook { phase: String, index: usize, path: PathBuf, reason: Box<crate::Error> },
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

impl Error {
    /// The error this one wraps, for `crate::Error::chain`.
    pub fn inner(&self) -> Option<&crate::Error> {
        match self {
            Error::Hook { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// `SIGKILL` for 9, as nix names signals.
fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal).map_or_else(|_| format!("signal {signal}"), |s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(script: &str, timeout: Option<i64>) -> Hook {
        let mut h = Hook::default();
        h.set_path("/bin/sh".into());
        h.set_args(Some(vec!["sh".into(), "-c".into(), script.into()]));
        h.set_timeout(timeout);
        h
    }

    fn ended(script: &str, timeout: Option<i64>) -> crate::Error {
        run_all("prestart", &[hook("true", None), hook(script, timeout)], "{}").unwrap_err()
    }

    #[test]
    fn how_a_hook_ended_is_typed_and_named() {
        let e = ended("exit 3", None);
        assert_eq!(e.to_string(), "hooks.prestart[1] /bin/sh: exited with status 3");
        assert!(e.chain().any(|c| matches!(c, crate::Error::Hook(Error::Exited { code: 3 }))), "{e:?}");
        let e = ended("kill -9 $$", None);
        assert_eq!(e.to_string(), "hooks.prestart[1] /bin/sh: killed by SIGKILL");
        let e = ended("sleep 5", Some(1));
        assert!(e.chain().any(|c| matches!(c, crate::Error::Hook(Error::TimedOut { secs: 1 }))), "{e:?}");
        let back: crate::Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(back.to_string(), "hooks.prestart[1] /bin/sh: timed out after 1s");
    }
}
