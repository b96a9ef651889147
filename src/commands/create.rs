//! `create`: everything up to a process waiting for `start`.

use crate::cgroups::{self, Placement};
use crate::cli::{CreateArgs, GlobalOpts};
use crate::error::{About, Result, SysResult};
use crate::process::launch::{self, Context, Launched};
use crate::process::protect;
use crate::spec::{self, CreateOptions};
use crate::state::{ContainerDir, State, Status};
use std::os::fd::OwnedFd;
use std::path::Path;

pub fn run(g: &GlobalOpts, a: &CreateArgs) -> Result<i32> {
    create(g, a, false)?;
    Ok(0)
}

pub struct Created {
    pub dir: ContainerDir,
    pub state: State,
    pub launched: Launched,
    /// The pty master, when berth holds the container's terminal itself.
    pub tty: Option<OwnedFd>,
}

/// Creates the container. With `hold_terminal` (a foreground `run`), a
/// terminal without --console-socket is allocated for berth to proxy.
pub fn create(g: &GlobalOpts, a: &CreateArgs, hold_terminal: bool) -> Result<Created> {
    let mut prepared = prepare(g, a, hold_terminal)?;
    // Side effects start here: from now on a failure removes what it made.
    let dir = ContainerDir::create(&g.root, &a.id)?;
    let mut state = initial_state(&a.id, &prepared.plan);
    let mut made = || -> Result<(Launched, Option<OwnedFd>)> {
        spec::plan::open_idmap_namespaces(&mut prepared.plan.mounts)?;
        notify_mount(&dir, &mut prepared.plan)?;
        let launched = materialize(a, &prepared, &dir, &mut state)?;
        let tty = prepared.held_terminal.take().map(|s| crate::process::console::recv_fd(&s)).transpose()?;
        Ok((launched, tty))
    };
    match made() {
        Ok((launched, tty)) => Ok(Created { dir, state, launched, tty }),
        Err(e) => {
            undo(&prepared.plan, dir, &state);
            Err(e)
        }
    }
}

/// With NOTIFY_SOCKET set, the container gets a socket to report READY on.
fn notify_mount(dir: &ContainerDir, plan: &mut spec::LaunchPlan) -> Result<()> {
    if crate::notify::host_socket().is_none() {
        return Ok(());
    }
    let path = std::fs::canonicalize(&dir.path).sys_at("realpath", &dir.path)?;
    crate::notify::prepare(&path, plan)
}

/// Everything decided before the first side effect: the validated config,
/// its compiled plan, the cgroup layout and path, the console connection.
struct Prepared {
    plan: spec::LaunchPlan,
    console: Option<OwnedFd>,
    /// Our end of the socketpair init sends the pty master on (hold_terminal).
    held_terminal: Option<OwnedFd>,
}

fn prepare(g: &GlobalOpts, a: &CreateArgs, hold_terminal: bool) -> Result<Prepared> {
    free_id(g, &a.id)?;
    let mut config = load_valid(g, &a.bundle, |_| Ok(()))?;
    let listen_fds = listen_fds();
    if listen_fds > 0 {
        add_listen_env(&mut config, listen_fds);
    }
    let opts = CreateOptions {
        rootless: g.is_rootless(),
        no_pivot: a.no_pivot,
        no_new_keyring: a.no_new_keyring,
        preserve_fds: a.preserve_fds + listen_fds,
    };
    let plan = spec::compile(&a.id, &a.bundle, config, opts)?;
    if plan.ns.parent_pid_join.is_some() && !protect::running_from_sealed_copy() {
        // Processes already in that pid namespace will see init before it
        // execs: let them see a sealed copy, not the binary on disk.
        protect::reexec_from_sealed_copy()?;
    }
    let mut plan = plan;
    let (console, held_terminal) = console_socket(&plan, a.console_socket.as_deref(), hold_terminal)?;
    if held_terminal.is_some() {
        if let Some(size) = crate::process::console::our_size() {
            plan.attrs.console_size = Some((size.height() as u16, size.width() as u16));
        }
    }
    crate::logging::debug(&format!(
        "create {}: rootfs {}, clone flags {:?}, joins {}, unshare {:?}, cgroup layout {:?}",
        a.id,
        plan.rootfs.display(),
        plan.ns.clone_flags,
        plan.ns.joins.len(),
        plan.ns.unshare_flags,
        plan.cgroups.layout.kind
    ));
    Ok(Prepared { plan, console, held_terminal })
}

/// A new container's (create, restore) id: valid, and free under --root.
/// Said first, before any other finding; making the directory later is
/// what decides a race.
pub fn free_id(g: &GlobalOpts, id: &str) -> Result<()> {
    spec::validate::container_id(id)?;
    if g.root.join(id).exists() {
        return Err(crate::state::Error::Exists).in_container(id);
    }
    Ok(())
}

/// A new container's config: loaded (its warnings said), `check` on it as
/// loaded, the cgroup driver, the config valid.
pub fn load_valid(
    g: &GlobalOpts,
    bundle: &Path,
    check: impl FnOnce(&oci_spec::runtime::Spec) -> Result<()>,
) -> Result<oci_spec::runtime::Spec> {
    let loaded = spec::load(bundle)?;
    for w in &loaded.warnings {
        crate::logging::warn(w);
    }
    let config = loaded.spec;
    check(&config)?;
    if g.systemd_cgroup {
        let path = config.linux().as_ref().and_then(|l| l.cgroups_path().clone()).unwrap_or_default();
        cgroups::systemd::parse(&path.to_string_lossy())?;
        let why = match cgroups::systemd::running() {
            false => "systemd is not running on this host (no /run/systemd/system)",
            true => "the systemd cgroup driver is not supported yet",
        };
        return Err(crate::Error::flag("--systemd-cgroup", why));
    }
    // runc's prefix for a config it refuses; engines match it.
    spec::validate::validate(&config, bundle).map_err(crate::Error::invalid_config)?;
    Ok(config)
}

pub fn initial_state(id: &str, plan: &spec::LaunchPlan) -> State {
    State {
        oci_version: plan.oci_version.clone(),
        id: id.to_string(),
        status: Status::Creating,
        pid: 0,
        pid_start: 0,
        bundle: plan.bundle.clone(),
        rootfs: plan.rootfs.clone(),
        created: crate::logging::rfc3339_now(),
        owner: owner(),
        annotations: plan.annotations.clone(),
        cgroups: Placement::default(),
        hooks: Some(plan.hooks.clone()),
        own_pid_ns: plan.ns.new_pid,
        resources: Some(plan.resources.clone()),
    }
}

/// The side effects, in order; `state` always records what exists so far,
/// so that `undo` (or a later `delete --force`) can remove it.
fn materialize(a: &CreateArgs, p: &Prepared, dir: &ContainerDir, state: &mut State) -> Result<Launched> {
    make_cgroups(dir, state, &p.plan)?;
    let ctx = Context {
        lock_fd: dir.lock_fd(),
        start_listener: crate::state::start_barrier::listen(dir)?,
        console: p.console.as_ref().map(|c| c.try_clone()).transpose().sys("dup").flag("--console-socket")?,
        seccomp_agent: spec::plan::seccomp_agent(p.plan.seccomp.as_ref(), p.plan.seccomp_listener.as_deref())?,
        placement: &state.cgroups,
        layout: &p.plan.cgroups.layout,
        hook_state: state.oci_json(),
    };
    let launched = launch::launch(&p.plan, &ctx)?;
    crate::logging::debug(&format!("create {}: init pid {} ready", a.id, launched.pid));
    state.record_init(launched.pid)?;
    state.status = Status::Created;
    dir.save(state)?;
    if let Some(path) = &a.pid_file {
        write_pid_file(path, launched.pid)?;
    }
    if let Some(path) = &a.pidfd_socket {
        crate::process::pidfd_socket::connect(path)?.send(launched.pidfd.as_ref(), launched.pid, b"standard")?;
    }
    Ok(launched)
}

/// The state saved, then the container's cgroups made (and recorded, so
/// that an undo removes them) and the compiled limits written.
pub fn make_cgroups(dir: &ContainerDir, state: &mut State, plan: &spec::LaunchPlan) -> Result<()> {
    dir.save(state)?;
    state.cgroups = cgroups::create(&plan.cgroups.layout, &plan.cgroups.rel)?;
    dir.save(state)?;
    plan.cgroups.writes.execute()
}

/// A failed create (or restore) leaves nothing: no process, no cgroup, no
/// state dir. The spec's lifecycle runs poststop hooks even then.
pub fn undo(plan: &spec::LaunchPlan, dir: ContainerDir, state: &State) {
    if state.pid > 0 {
        crate::process::launch::kill(state.pid, None);
    }
    cgroups::remove(&state.cgroups);
    let doc = state.hook_json(Status::Stopped).to_string();
    crate::hooks::run_all_warn("poststop", &plan.hooks.poststop, &doc);
    let _ = dir.remove();
}

/// Where init sends the pty master: the caller's console socket, or a
/// socketpair whose other end (returned second) berth keeps to proxy it.
fn console_socket(
    plan: &spec::LaunchPlan,
    path: Option<&Path>,
    hold_terminal: bool,
) -> Result<(Option<OwnedFd>, Option<OwnedFd>)> {
    let terminal = plan.attrs.terminal;
    match (terminal, path) {
        (true, None) if !hold_terminal => Err(crate::Error::field(
            "process.terminal",
            "a terminal needs --console-socket (or a foreground `run`, which holds it itself)",
        )),
        (false, Some(_)) => Err(crate::Error::flag("--console-socket", "given but process.terminal is false")),
        (false, None) => Ok((None, None)),
        (true, path) => {
            let (theirs, ours) = crate::process::console::endpoints(path)?;
            Ok((Some(theirs), ours))
        }
    }
}

/// Socket activation: fds 3.. named by LISTEN_FDS pass into the container,
/// when LISTEN_PID says they are meant for us.
pub fn listen_fds() -> u32 {
    let for_us = std::env::var("LISTEN_PID").ok().and_then(|v| v.parse::<u32>().ok()) == Some(std::process::id());
    if !for_us {
        return 0;
    }
    std::env::var("LISTEN_FDS").ok().and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn add_listen_env(config: &mut oci_spec::runtime::Spec, n: u32) {
    if let Some(p) = config.process_mut() {
        let mut env = p.env().clone().unwrap_or_default();
        env.retain(|e| !e.starts_with("LISTEN_FDS=") && !e.starts_with("LISTEN_PID="));
        env.push(format!("LISTEN_FDS={n}"));
        env.push("LISTEN_PID=1".into());
        p.set_env(Some(env));
    }
}

fn owner() -> String {
    match nix::unistd::getuid().as_raw() {
        0 => "root".into(),
        uid => uid.to_string(),
    }
}

pub fn write_pid_file(path: &Path, pid: i32) -> Result<()> {
    let tmp =
        path.with_file_name(format!(".{}.tmp", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
    std::fs::write(&tmp, pid.to_string()).sys_at("write", &tmp).flag("--pid-file")?;
    std::fs::rename(&tmp, path).sys_at("rename", path).flag("--pid-file")
}
