//! `restore`: a new container from a bundle and the CRIU images of a
//! checkpoint, with the same id or another, under this `--root` or another
//! host's: the process goes on from where it was dumped.
//!
//! The bundle is compiled as `create` compiles it (its cgroups made and
//! their limits written, the same way), CRIU recreates the process tree,
//! its namespaces and mounts from the images, and the container is
//! `running` once CRIU reports init's pid. As with runc, the prestart and
//! createRuntime hooks run when the restored namespaces exist. `-d`
//! returns then; otherwise berth waits for the container as `run` does,
//! forwarding signals (and its terminal), deletes it, and exits with its
//! status.

use crate::cli::{GlobalOpts, RestoreArgs};
use crate::criu::{self, images, Inherit};
use crate::error::{About, Result, SysResult};
use crate::process::{console, foreground};
use crate::spec::{self, CreateOptions, LaunchPlan};
use crate::state::{ContainerDir, State, Status};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

pub fn run(g: &GlobalOpts, a: &RestoreArgs) -> Result<i32> {
    let prepared = prepare(g, a)?;
    let signals = if a.detach { None } else { Some(foreground::block_signals()?) };
    // The restored init is our child (CRIU's sibling), but a forked one
    // would be our grandchild: as subreaper we still wait for it.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let dir = ContainerDir::create(&g.root, &a.id)?;
    let mut state = crate::commands::create::initial_state(&a.id, &prepared.plan);
    let mut tty = None;
    if let Err(e) = materialize(a, &prepared, &dir, &mut state, &mut tty) {
        crate::commands::create::undo(&prepared.plan, dir, &state);
        return Err(e);
    }
    let Some(signals) = signals else { return Ok(0) };
    drop(dir); // let `state`, `kill` and friends in while we wait
    let status = foreground::wait(state.pid, &signals, tty, None)?;
    let dir = ContainerDir::open(&g.root, &a.id)?;
    let state = dir.load()?;
    super::delete::destroy(dir, &state)?;
    Ok(status)
}

/// Everything decided before the first side effect.
struct Prepared {
    plan: LaunchPlan,
    meta: images::Meta,
    image_dir: PathBuf,
    work_dir: PathBuf,
    /// Where the pty master goes: the caller's console socket (None: we
    /// hold it, for a foreground restore).
    console: Option<OwnedFd>,
    /// --empty-ns network: the network namespace is not restored.
    empty_ns: bool,
}

fn prepare(g: &GlobalOpts, a: &RestoreArgs) -> Result<Prepared> {
    crate::commands::create::free_id(g, &a.id)?;
    for (flag, given) in [("--lsm-profile", &a.lsm_profile), ("--lsm-mount-context", &a.lsm_mount_context)] {
        if given.is_some() {
            return Err(crate::Error::flag(flag, "no LSM (AppArmor, SELinux) is supported on this host"));
        }
    }
    let image_dir = a.criu.image_path.clone().unwrap_or_else(|| PathBuf::from("checkpoint"));
    let meta = images::read(&image_dir)?;
    let empty_ns = super::checkpoint::empty_ns(a.criu.empty_ns.as_deref())?;
    let config = crate::commands::create::load_valid(g, &a.bundle, |config| {
        if images::identity(config) != meta.identity {
            return Err(criu::Error::ForeignImages { id: meta.id.clone() }).flag("--image-path");
        }
        Ok(())
    })?;
    let opts = CreateOptions { rootless: g.is_rootless(), ..Default::default() };
    let plan = spec::compile(&a.id, &a.bundle, config, opts)?;
    let console = match (plan.attrs.terminal, &a.console_socket) {
        (true, None) if a.detach => {
            return Err(crate::Error::flag("--detach", "a terminal needs --console-socket (berth cannot hold it)"))
        }
        (false, Some(_)) => return Err(crate::Error::flag("--console-socket", "the container has no terminal")),
        (true, Some(path)) => Some(console::endpoints(Some(path))?.0),
        _ => None,
    };
    criu::check::usable().in_container(&a.id)?;
    let work_dir = a.criu.work_path.clone().unwrap_or_else(|| image_dir.clone());
    Ok(Prepared { plan, meta, image_dir, work_dir, console, empty_ns })
}

/// The side effects, in order; `state` always records what exists so far.
fn materialize(
    a: &RestoreArgs,
    p: &Prepared,
    dir: &ContainerDir,
    state: &mut State,
    tty: &mut Option<OwnedFd>,
) -> Result<()> {
    crate::commands::create::make_cgroups(dir, state, &p.plan)?;
    let cg = &p.plan.cgroups;
    mount_points(&p.plan)?;
    let root = criu_root(&p.plan.rootfs)?;
    let restore = criu::Restore {
        images: open_dir(&p.image_dir, "--image-path")?,
        work: work_dir(&p.work_dir)?,
        log: p.work_dir.join("restore.log"),
        root,
        flags: super::checkpoint::flags(&a.criu, p.empty_ns),
        cgroups: criu::CgroupMode::parse(a.criu.manage_cgroups_mode.as_deref()),
        cgroup_root: Some(format!("/{}", cg.rel.display())),
        join_cgroups: state.cgroups.dirs.clone(),
        inherit: inherited(&p.meta, &p.plan)?,
        external_mounts: external_mounts(&p.plan, state)?,
        tcp_close: a.tcp_close,
        terminal: p.plan.attrs.terminal,
    };
    let mut events = Events { plan: &p.plan, state, console: p.console.as_ref(), held: None };
    let restored = criu::restore(&restore, &mut events)?;
    *tty = events.held.take();
    state.record_init(restored.pid)?;
    state.status = Status::Running;
    dir.save(state)?;
    if let Some(path) = &a.pid_file {
        super::create::write_pid_file(path, restored.pid)?;
    }
    Ok(())
}

/// CRIU restores the mount namespace onto a root that is a mount point:
/// the rootfs bound onto itself, in a mount namespace of our own (a slave
/// of the host's), so the host never sees it and it is gone with us.
fn criu_root(rootfs: &Path) -> Result<PathBuf> {
    use nix::mount::{mount, MsFlags};
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS).sys("unshare (mount namespace for criu)")?;
    let none = None::<&str>;
    mount(none, "/", none, MsFlags::MS_SLAVE | MsFlags::MS_REC, none).sys("mount --make-rslave /")?;
    mount(Some(rootfs), rootfs, none, MsFlags::MS_BIND | MsFlags::MS_REC, none).sys_at("bind", rootfs)?;
    Ok(rootfs.to_path_buf())
}

/// CRIU mounts onto what the rootfs has, and a mount point made by the
/// create that was checkpointed (a file bound over /etc/hosts) is not in a
/// fresh bundle or a copied one: made now, as create makes them, inside
/// the rootfs.
fn mount_points(plan: &LaunchPlan) -> Result<()> {
    use crate::rootfs::safe_path::{Kind, Root};
    let root = Root::open(&plan.rootfs)?;
    for m in &plan.mounts {
        let kind = match (&m.source, m.options.is_bind()) {
            (Some(src), true) if !src.is_dir() => Kind::File,
            _ => Kind::Dir,
        };
        root.resolve(&m.destination, Some(kind)).with_field(|| format!("mounts[{}].destination", m.index))?;
    }
    Ok(())
}

fn open_dir(path: &Path, flag: &str) -> Result<OwnedFd> {
    crate::sys::openat2(libc::AT_FDCWD, path, libc::O_RDONLY | libc::O_DIRECTORY, 0, 0).sys_at("open", path).flag(flag)
}

fn work_dir(path: &Path) -> Result<OwnedFd> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path).sys_at("mkdir", path).flag("--work-path")?;
    open_dir(path, "--work-path")
}

/// What the restored process gets in place of what it had: our stdio for
/// its stdio (a terminal comes back on its own), and the namespaces joined
/// by path.
fn inherited(meta: &images::Meta, plan: &LaunchPlan) -> Result<Vec<(String, Inherit)>> {
    let mut out = Vec::new();
    for (fd, key) in meta.stdio.iter().enumerate() {
        if !key.is_empty() {
            out.push((key.clone(), Inherit::Stdio(fd as i32)));
        }
    }
    for (typ, fd, _) in &plan.ns.joins {
        if let Some(key) = super::checkpoint::external_key(*typ) {
            out.push((key.to_string(), Inherit::Fd(fd.try_clone().sys("dup")?)));
        }
    }
    if let Some(fd) = &plan.ns.parent_pid_join {
        out.push(("extRootPidNS".to_string(), Inherit::Fd(fd.try_clone().sys("dup")?)));
    }
    Ok(out)
}

/// The bundle's bind sources, and the new container's cgroup directories,
/// for the mounts the checkpoint recorded as external.
fn external_mounts(plan: &LaunchPlan, state: &State) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for m in &plan.mounts {
        let dest = super::checkpoint::mount_key(&m.destination);
        if m.options.is_bind() {
            if let Some(src) = &m.source {
                out.push((dest, src.to_string_lossy().into_owned()));
            }
        } else if m.typ == "cgroup" || m.typ == "cgroup2" {
            let layout = &plan.cgroups.layout;
            if layout.kind == crate::cgroups::Kind::Unified {
                if let Some(d) = state.cgroups.dirs.first() {
                    out.push((dest.clone(), d.to_string_lossy().into_owned()));
                }
            } else {
                for (h, d) in layout.hierarchies.iter().zip(&state.cgroups.dirs) {
                    let Some(name) = h.mount_point.file_name() else { continue };
                    out.push((format!("{dest}/{}", name.to_string_lossy()), d.to_string_lossy().into_owned()));
                }
            }
        }
    }
    Ok(out)
}

/// CRIU's notifications during the restore.
struct Events<'a> {
    plan: &'a LaunchPlan,
    state: &'a State,
    console: Option<&'a OwnedFd>,
    /// The pty master, when we hold it (a foreground restore).
    held: Option<OwnedFd>,
}

impl criu::Events for Events<'_> {
    fn namespaces_ready(&mut self, pid: i32) -> Result<()> {
        let mut doc = self.state.oci_json();
        doc["pid"] = pid.into();
        doc["status"] = Status::Created.as_str().into();
        let doc = doc.to_string();
        crate::hooks::run_all("prestart", &self.plan.hooks.prestart, &doc)?;
        crate::hooks::run_all("createRuntime", &self.plan.hooks.create_runtime, &doc)
    }

    fn pty_master(&mut self, master: OwnedFd) -> Result<()> {
        match self.console {
            Some(socket) => console::send_master(socket, &master),
            None => {
                self.held = Some(master);
                Ok(())
            }
        }
    }
}
