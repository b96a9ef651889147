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

use anyhow::{anyhow, bail, Result};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, pipe2, ForkResult};
use oci_spec::runtime::Hook;
use std::ffi::{CStr, CString};
use std::io::Write;
use std::os::fd::AsFd;

/// Turns the forked child into the hook: (path, args, env), returning only
/// when it could not.
pub type Exec<'a> = &'a dyn Fn(&CStr, &[CString], &[CString]) -> anyhow::Error;

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
        run_one(h, state, runner).map_err(|e| anyhow!("hooks.{phase}[{i}] {}: {e:#}", h.path().display()))?;
    }
    Ok(())
}

/// Runs every hook; failures are logged as warnings (poststart, poststop).
pub fn run_all_warn(phase: &str, hooks: &[Hook], state: &str) {
    for (i, h) in hooks.iter().enumerate() {
        if let Err(e) = run_one(h, state, &Runner::default()) {
            crate::logging::warn(&format!("hooks.{phase}[{i}] {}: {e:#}", h.path().display()));
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
    v.iter().map(|s| CString::new(s.as_str()).map_err(|_| anyhow!("{s:?} contains a NUL byte"))).collect()
}

fn run_one(hook: &Hook, state: &str, runner: &Runner) -> Result<()> {
    let path = crate::sys::cstr(hook.path())?;
    let mut args = cstrings(hook.args().as_deref().unwrap_or_default())?;
    if args.is_empty() {
        args.push(path.clone());
    }
    let env = match (hook.env(), runner.default_env) {
        (Some(env), _) => cstrings(env)?,
        (None, Some(env)) => env.to_vec(),
        (None, None) => own_env(),
    };
    let (read, write) = pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: berth is single-threaded, so the child inherits no lock that
    // another thread held; it only sets itself up and execs or _exits.
    match unsafe { fork() }? {
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
        let pidfd = crate::sys::pidfd_open(child.as_raw())?;
        let ms = (secs.saturating_mul(1000)).min(i32::MAX as i64) as i32;
        let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
        let ready = loop {
            match poll(&mut fds, PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => break other?,
            }
        };
        if ready == 0 {
            let _ = crate::sys::pidfd_send_signal(&pidfd, libc::SIGKILL);
            let _ = waitpid(child, None);
            bail!("timed out after {secs}s");
        }
    }
    loop {
        match waitpid(child, None) {
            Err(nix::errno::Errno::EINTR) => continue,
            Ok(WaitStatus::Exited(_, 0)) => return Ok(()),
            Ok(WaitStatus::Exited(_, 127)) => bail!("could not be executed (exit status 127)"),
            Ok(WaitStatus::Exited(_, code)) => bail!("exited with status {code}"),
            Ok(WaitStatus::Signaled(_, sig, _)) => bail!("killed by {sig}"),
            Ok(_) => continue,
            Err(e) => bail!("wait: {e}"),
        }
    }
}

/// What can go wrong running an OCI hook.
#[derive(Debug, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum Error {}

impl Error {
    /// The error this one wraps, for `crate::Error::chain`.
    pub fn inner(&self) -> Option<&crate::Error> {
        match *self {}
    }
}
