//! `exec`: run a new process inside an existing container, in all of its
//! namespaces and cgroups, under its limits, capabilities and seccomp filter.

use crate::cgroups::{self, Bound, Hierarchy};
use crate::cli::{ExecArgs, GlobalOpts};
use crate::error::{About, Result};
use crate::process::enter;
use crate::process::{console, foreground, pidfd_socket, protect};
use crate::spec::{self, exec_process};
use crate::state::{State, Status};
use oci_spec::runtime::Process;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

pub fn run(g: &GlobalOpts, a: &ExecArgs) -> Result<i32> {
    spec::validate::container_id(&a.id)?;
    let state = crate::state::load(&g.root, &a.id)?;
    let status = check_status(&state, a)?;
    // The container's config was warned about at create.
    let config = spec::load(&state.bundle)?.spec;
    let process = exec_process::build(&config, &a.process)?;
    spec::validate::process_fields(&process)?;
    spec::validate::process_labels(&process)?;
    check_terminal(&process, a)?;
    let layout = cgroups::detect()?;
    let cgroup_dirs = sub_cgroups(&layout, &state, &a.cgroup)?;
    if protect::container_may_ptrace_host(&config) && !protect::running_from_sealed_copy() {
        // The new process is visible in the container before it execs.
        protect::reexec_from_sealed_copy()?;
    }
    let (console, proxy) = console_ends(&process, a)?;
    let mut process = process;
    if proxy.is_some() {
        if let Some(size) = console::our_size() {
            process.set_console_size(Some(size));
        }
    }
    let pidfd_socket = a.pidfd_socket.as_deref().map(pidfd_socket::connect).transpose()?;
    let target = spec::exec_plan::Target {
        init: state.running_init()?.fd,
        pid: state.pid,
        paused: status == Status::Paused,
        cgroup_dirs,
        state_doc: state.oci_json(),
    };
    let opts = spec::exec_plan::Options {
        preserve_fds: a.preserve_fds,
        command: exec_process::command_bytes(&a.process),
        console,
    };
    let plan = spec::exec_plan::compile(target, &config, &process, opts)?;
    crate::logging::debug(&format!(
        "exec {}: into init pid {}, setns {:?}, cgroups {}, args {:?}",
        a.id,
        state.pid,
        plan.setns_flags,
        plan.cgroup_dirs.len(),
        plan.handoff.args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>()
    ));
    let signals = if a.detach { None } else { Some(foreground::block_signals()?) };
    let entered = enter::launch(&plan)?;
    drop(plan);
    crate::logging::debug(&format!("exec {}: process pid {} runs", a.id, entered.pid));
    if let Err(e) = report_pid(a, &entered, pidfd_socket.as_ref()) {
        // A process the caller cannot know about must not stay behind.
        crate::process::launch::kill(entered.pid, entered.pidfd.as_ref());
        return Err(e);
    }
    let Some(signals) = signals else { return Ok(0) };
    let tty = proxy.map(|s| console::recv_fd(&s)).transpose()?;
    let status = foreground::wait(entered.pid, &signals, tty, None)?;
    crate::logging::debug(&format!("exec {}: the process ended with status {status}", a.id));
    Ok(status)
}

/// The pid file and the pidfd socket.
fn report_pid(a: &ExecArgs, entered: &enter::Entered, socket: Option<&pidfd_socket::PidfdSocket>) -> Result<()> {
    if let Some(path) = &a.pid_file {
        super::create::write_pid_file(path, entered.pid)?;
    }
    if let Some(s) = socket {
        s.send(entered.pidfd.as_ref(), entered.pid, b"setns")?;
    }
    Ok(())
}

/// The container's status, when it allows exec.
fn check_status(state: &State, a: &ExecArgs) -> Result<Status> {
    match state.status() {
        s @ (Status::Created | Status::Running) => Ok(s),
        s @ Status::Paused if a.ignore_paused => Ok(s),
        s => Err(super::Error::wrong_status("exec", s)).in_container(&a.id),
    }
}

fn check_terminal(p: &Process, a: &ExecArgs) -> Result<()> {
    let terminal = p.terminal().unwrap_or(false);
    if terminal && a.detach && a.console_socket.is_none() {
        return Err(crate::Error::flag(
            "--detach",
            "with a terminal needs --console-socket (berth cannot hold the terminal once it exits)",
        ));
    }
    if !terminal && a.console_socket.is_some() {
        return Err(crate::Error::flag(
            "--console-socket",
            "given but the process has no terminal (use --tty or process.terminal)",
        ));
    }
    Ok(())
}

/// Where the pty master goes: the caller's console socket, or a socketpair
/// whose other end (returned second) berth keeps to proxy the terminal.
fn console_ends(p: &Process, a: &ExecArgs) -> Result<(Option<OwnedFd>, Option<OwnedFd>)> {
    if !p.terminal().unwrap_or(false) {
        return Ok((None, None));
    }
    let (theirs, ours) = console::endpoints(a.console_socket.as_deref())?;
    Ok((Some(theirs), ours))
}

/// `--cgroup PATH` or `--cgroup CONTROLLERS:PATH`: a sub-cgroup of the
/// container's, which must already exist. Without it, the container's own.
fn sub_cgroups(layout: &cgroups::Layout, state: &State, flags: &[String]) -> Result<Vec<(Hierarchy, PathBuf)>> {
    let bound = Bound::new(layout, &state.cgroups);
    let mut out = Vec::new();
    for (h, dir) in &bound.pairs {
        let mut chosen = dir.clone();
        for flag in flags {
            let (controllers, sub) = match flag.split_once(':') {
                Some((c, p)) => (Some(c), p),
                None => (None, flag.as_str()),
            };
            let applies = match controllers {
                None => true,
                Some(list) => list.split(',').any(|c| h.controllers.iter().any(|hc| hc == c)),
            };
            if applies {
                chosen = dir.join(relative_sub_cgroup(flag, sub)?);
            }
        }
        if !chosen.is_dir() {
            return Err(crate::Error::flag("--cgroup", crate::Error::path(&chosen, "does not exist")));
        }
        out.push((h.clone(), chosen));
    }
    Ok(out)
}

fn relative_sub_cgroup(flag: &str, sub: &str) -> Result<PathBuf> {
    let p = Path::new(sub);
    if sub.is_empty() || p.components().any(|c| !matches!(c, Component::Normal(_) | Component::RootDir)) {
        let given = if flag == sub { String::new() } else { format!(" (in {flag:?})") };
        return Err(crate::Error::flag(
            "--cgroup",
            format!("{sub:?}{given} is not a sub cgroup path (a path under the container's, without '..')"),
        ));
    }
    Ok(p.components().filter(|c| matches!(c, Component::Normal(_))).collect())
}
