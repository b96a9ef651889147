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

pub mod error;

use crate::error::{shown, Result, SysResult};
pub use error::Error;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, pipe2, ForkResult};
use serde::{Deserialize, Serialize};
use std::ffi::{CStr, CString};
use std::io::Write;
use std::os::fd::AsFd;
use std::path::PathBuf;

/// A hook as config.json gives it, checked (an absolute path, no NUL byte,
/// a positive timeout) and with its argv filled in: what `run_one` execs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub path: PathBuf,
    /// argv, args[0] included (the path, when config.json gives none).
    pub args: Vec<String>,
    /// None: the environment of the phase's default (see the table above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
}

/// Every phase's hooks, in order. Kept in state.json for `start` and
/// `delete` (its JSON is the config's shape, so older state files read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hooks {
    #[serde(default)]
    pub prestart: Vec<Hook>,
    #[serde(default)]
    pub create_runtime: Vec<Hook>,
    #[serde(default)]
    pub create_container: Vec<Hook>,
    #[serde(default)]
    pub start_container: Vec<Hook>,
    #[serde(default)]
    pub poststart: Vec<Hook>,
    #[serde(default)]
    pub poststop: Vec<Hook>,
}

impl Hooks {
    /// config.json's `hooks`, checked: an error names the hook's field.
    pub fn compile(h: Option<&oci_spec::runtime::Hooks>) -> Result<Hooks> {
        let Some(h) = h else { return Ok(Hooks::default()) };
        let phase = |name: &str, list: &Option<Vec<oci_spec::runtime::Hook>>| -> Result<Vec<Hook>> {
            list.iter()
                .flatten()
                .enumerate()
                .map(|(i, hook)| compile_one(&format!("hooks.{name}[{i}]"), hook))
                .collect()
        };
        Ok(Hooks {
            prestart: phase("prestart", h.prestart())?,
            create_runtime: phase("createRuntime", h.create_runtime())?,
            create_container: phase("createContainer", h.create_container())?,
            start_container: phase("startContainer", h.start_container())?,
            poststart: phase("poststart", h.poststart())?,
            poststop: phase("poststop", h.poststop())?,
        })
    }

    /// Whether a hook of a create phase exists (they find the container by
    /// its pid's cgroups, so init must be in them first).
    pub fn any_at_create(&self) -> bool {
        !(self.prestart.is_empty() && self.create_runtime.is_empty() && self.create_container.is_empty())
    }
}

fn compile_one(field: &str, hook: &oci_spec::runtime::Hook) -> Result<Hook> {
    use std::os::unix::ffi::OsStrExt;
    let path = hook.path().clone();
    if !path.is_absolute() {
        return Err(crate::Error::field(format!("{field}.path"), format!("{} must be absolute", shown(&path))));
    }
    if path.as_os_str().as_bytes().contains(&0) {
        return Err(crate::Error::field(format!("{field}.path"), "contains a NUL byte"));
    }
    if hook.timeout().is_some_and(|t| t <= 0) {
        return Err(crate::Error::field(format!("{field}.timeout"), "must be positive"));
    }
    let no_nul = |what: &str, list: &[String]| match list.iter().position(|s| s.contains('\0')) {
        Some(j) => Err(crate::Error::field(format!("{field}.{what}[{j}]"), "contains a NUL byte")),
        None => Ok(()),
    };
    let mut args = hook.args().clone().unwrap_or_default();
    no_nul("args", &args)?;
    if args.is_empty() {
        args.push(path.to_string_lossy().into_owned());
    }
    if let Some(env) = hook.env() {
        no_nul("env", env)?;
    }
    Ok(Hook { path, args, env: hook.env().clone(), timeout: hook.timeout() })
}

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
    crate::Error::Hook { phase: phase.to_string(), index, path: hook.path.clone(), reason: Box::new(e) }
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
    let path = crate::sys::cstr(&hook.path).map_err(|_| crate::Error::from("the path contains a NUL byte"))?;
    let args = cstrings(&hook.args)?;
    let env = match (&hook.env, runner.default_env) {
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
            wait(child, hook.timeout)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(script: &str, timeout: Option<i64>) -> Hook {
        Hook { path: "/bin/sh".into(), args: vec!["sh".into(), "-c".into(), script.into()], env: None, timeout }
    }

    fn ended(script: &str, timeout: Option<i64>) -> crate::Error {
        run_all("prestart", &[hook("true", None), hook(script, timeout)], "{}").unwrap_err()
    }

    #[test]
    fn how_a_hook_ended_is_typed_and_named() {
        let e = ended("exit 3", None);
        assert_eq!(e.to_string(), "hooks.prestart[1] /bin/sh: exited with status 3");
        assert!(e.chain().any(|c| matches!(c, crate::Error::Hooks(Error::Exited { code: 3 }))), "{e:?}");
        let e = ended("kill -9 $$", None);
        assert_eq!(e.to_string(), "hooks.prestart[1] /bin/sh: killed by SIGKILL");
        let e = ended("sleep 5", Some(1));
        assert!(e.chain().any(|c| matches!(c, crate::Error::Hooks(Error::TimedOut { secs: 1 }))), "{e:?}");
        let back: crate::Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(back.to_string(), "hooks.prestart[1] /bin/sh: timed out after 1s");
    }

    #[test]
    fn compiling_checks_each_hook_and_fills_its_argv() {
        let h: oci_spec::runtime::Hooks =
            serde_json::from_str(r#"{"poststop":[{"path":"/bin/true"},{"path":"/x","args":["x","a\u0000b"]}]}"#)
                .unwrap();
        let e = Hooks::compile(Some(&h)).unwrap_err();
        assert_eq!(e.config_field(), Some("hooks.poststop[1].args[1]"));
        let h: oci_spec::runtime::Hooks = serde_json::from_str(r#"{"prestart":[{"path":"/bin/true"}]}"#).unwrap();
        assert_eq!(Hooks::compile(Some(&h)).unwrap().prestart[0].args, ["/bin/true"]);
        let h: oci_spec::runtime::Hooks = serde_json::from_str(r#"{"prestart":[{"path":"true"}]}"#).unwrap();
        assert_eq!(Hooks::compile(Some(&h)).unwrap_err().config_field(), Some("hooks.prestart[0].path"));
    }
}
