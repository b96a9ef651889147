//! `checkpoint`: a running container dumped to a directory of CRIU images,
//! with what berth needs to restore it (`criu::images`). Unless it is left
//! running (or only pre-dumped), the container is gone afterwards, deleted
//! as `delete` would, as with runc.
//!
//! Everything that can be wrong is found before CRIU is asked: the status,
//! the image and work directories, the flags, whether CRIU works on this
//! host at all (`criu check`). A refusal leaves the container as it was.

use crate::cgroups::{self, Bound};
use crate::cli::{CheckpointArgs, GlobalOpts};
use crate::criu::{self, images};
use crate::error::{About, Result, SysResult};
use crate::state::{ContainerDir, Status};
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

pub fn run(g: &GlobalOpts, a: &CheckpointArgs) -> Result<i32> {
    let dir = ContainerDir::open(&g.root, &a.id)?;
    let state = dir.load()?;
    match state.status() {
        Status::Running => {}
        s => return Err(criu::Error::NotRunning { status: s.as_str().into() }).in_container(&a.id),
    }
    let config = crate::spec::load(&state.bundle)?.spec;
    let image_dir = a.criu.image_path.clone().unwrap_or_else(|| PathBuf::from("checkpoint"));
    let images = directory(&image_dir, "--image-path")?;
    let work_dir = a.criu.work_path.clone().unwrap_or_else(|| image_dir.clone());
    let work = directory(&work_dir, "--work-path")?;
    let parent = a.parent_path.as_deref().map(|p| parent_images(&image_dir, p)).transpose()?;
    let page_server = a.page_server.as_deref().map(page_server).transpose()?;
    let status_fd = a.status_fd.as_deref().map(status_fd).transpose()?;
    let empty_net = empty_ns(a.criu.empty_ns.as_deref())?;
    criu::check::usable().in_container(&a.id)?;
    let pid = state.running_init()?.pid;
    let cgroups = Bound::new(&cgroups::detect()?, &state.cgroups);
    let stdio = images::stdio_of(pid);
    // Files among init's stdio are the caller's, outside the container.
    let mut external = external_namespaces(&config)?;
    external.extend(stdio.iter().filter(|k| k.starts_with("file[")).cloned());
    let dump = criu::Dump {
        images,
        work,
        log: work_dir.join(if a.pre_dump { "pre-dump.log" } else { "dump.log" }),
        pid,
        root: state.rootfs.clone(),
        flags: flags(&a.criu, empty_net),
        cgroups: criu::CgroupMode::parse(a.criu.manage_cgroups_mode.as_deref()),
        pre_dump: a.pre_dump,
        leave_running: a.leave_running,
        parent,
        tcp_skip_in_flight: a.tcp_skip_in_flight,
        link_remap: a.link_remap,
        page_server,
        status_fd,
        external_mounts: external_mounts(&config, &cgroups)?,
        external,
        freeze_cgroup: freezer_of(&cgroups),
        terminal: config.process().as_ref().and_then(|p| p.terminal()).unwrap_or(false),
    };
    let meta = images::Meta { id: a.id.clone(), identity: images::identity(&config), stdio, terminal: dump.terminal };
    crate::logging::debug(&format!("checkpoint {}: pid {} into {}", a.id, dump.pid, image_dir.display()));
    criu::dump(&dump).in_container(&a.id)?;
    images::write(&image_dir, &meta)?;
    if !a.leave_running && !a.pre_dump {
        // CRIU has ended the container's processes: what is left goes.
        super::delete::destroy(dir, &state)?;
    }
    Ok(0)
}

pub fn flags(a: &crate::cli::CriuArgs, empty_net: bool) -> criu::Flags {
    criu::Flags {
        tcp_established: a.tcp_established,
        ext_unix_sk: a.ext_unix_sk,
        shell_job: a.shell_job,
        file_locks: a.file_locks,
        lazy_pages: a.lazy_pages,
        auto_dedup: a.auto_dedup,
        empty_net,
    }
}

/// `--empty-ns network`: the only namespace runc takes there.
pub fn empty_ns(ns: Option<&str>) -> Result<bool> {
    match ns {
        None => Ok(false),
        Some("network" | "net") => Ok(true),
        Some(other) => Err(crate::Error::flag("--empty-ns", format!("{other:?}: only network is supported"))),
    }
}

/// The image or work directory, made if missing (mode 0700, as runc), and
/// open; one we may not write is refused now, not by CRIU half-way.
fn directory(path: &Path, flag: &str) -> Result<OwnedFd> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path).sys_at("mkdir", path).flag(flag)?;
    nix::unistd::access(path, nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK)
        .sys_at("access", path)
        .flag(flag)?;
    let fd = crate::sys::openat2(libc::AT_FDCWD, path, libc::O_RDONLY | libc::O_DIRECTORY, 0, 0);
    fd.sys_at("open", path).flag(flag)
}

/// `--parent-path`: a pre-dump's images, relative to the image directory.
fn parent_images(image_dir: &Path, parent: &Path) -> Result<PathBuf> {
    let flag = "--parent-path";
    if parent.is_absolute() {
        return Err(crate::Error::flag(flag, format!("{}: must be relative to --image-path", parent.display())));
    }
    let at = image_dir.join(parent);
    if !at.join("inventory.img").is_file() {
        return Err(crate::Error::flag(flag, format!("{}: holds no pre-dump (no inventory.img)", at.display())));
    }
    Ok(parent.to_path_buf())
}

fn page_server(text: &str) -> Result<(String, i32)> {
    let flag = "--page-server";
    let Some((addr, port)) = text.rsplit_once(':') else {
        return Err(crate::Error::flag(flag, format!("{text:?}: use ADDRESS:PORT")));
    };
    match port.parse::<u16>() {
        Ok(p) if !addr.is_empty() => Ok((addr.to_string(), i32::from(p))),
        _ => Err(crate::Error::flag(flag, format!("{text:?}: use ADDRESS:PORT, with a port from 0 to 65535"))),
    }
}

/// `--status-fd N`: an fd of our caller's, open for writing.
fn status_fd(text: &str) -> Result<i32> {
    let flag = "--status-fd";
    let fd: i32 = text.parse().map_err(|_| crate::Error::flag(flag, format!("{text:?}: not an fd number")))?;
    // SAFETY: F_GETFL only queries the fd table.
    let mode = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if fd < 3 || mode < 0 || mode & libc::O_ACCMODE == libc::O_RDONLY {
        return Err(crate::Error::flag(flag, format!("{fd}: not an fd open for writing")));
    }
    Ok(fd)
}

/// The mounts whose source is outside the container: CRIU records them by
/// their path inside (key and value both) and restore maps them to the
/// bundle's sources again. Bind mounts from config.json, and the cgroup
/// directories bound in where the container has no cgroup namespace.
fn external_mounts(config: &Spec, cgroups: &Bound) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (i, m) in config.mounts().iter().flatten().enumerate() {
        let field = |name: &str| format!("mounts[{i}].{name}");
        let options = crate::rootfs::options::parse(m.options().as_deref().unwrap_or_default())
            .with_field(|| field("options"))?;
        let bind = m.typ().as_deref() == Some("bind") || options.is_bind();
        let dest = crate::spec::plan::relative_destination(m.destination()).with_field(|| field("destination"))?;
        let dest = mount_key(&dest);
        if bind {
            out.push((dest.clone(), dest));
        } else if matches!(m.typ().as_deref(), Some("cgroup" | "cgroup2")) && !own_cgroup_namespace(config) {
            out.extend(cgroup_binds(&dest, cgroups));
        }
    }
    Ok(out)
}

/// How CRIU knows an external mount: its path inside the container, made
/// absolute from the normalized destination (the same at restore, where
/// the bundle may spell it differently).
pub fn mount_key(relative: &Path) -> String {
    Path::new("/").join(relative).to_string_lossy().into_owned()
}

fn own_cgroup_namespace(config: &Spec) -> bool {
    namespaces(config).any(|(t, path)| t == LinuxNamespaceType::Cgroup && path.is_none())
}

/// Where berth bound the container's cgroup directories under `dest`.
fn cgroup_binds(dest: &str, bound: &Bound) -> Vec<(String, String)> {
    if bound.kind == cgroups::Kind::Unified {
        return if bound.pairs.is_empty() { vec![] } else { vec![(dest.to_string(), dest.to_string())] };
    }
    bound
        .pairs
        .iter()
        .filter_map(|(h, _)| h.mount_point.file_name())
        .map(|name| {
            let at = format!("{dest}/{}", name.to_string_lossy());
            (at.clone(), at)
        })
        .collect()
}

fn namespaces(config: &Spec) -> impl Iterator<Item = (LinuxNamespaceType, Option<PathBuf>)> + '_ {
    config.linux().iter().flat_map(|l| l.namespaces().iter().flatten()).map(|n| (n.typ(), n.path().clone()))
}

/// Network and pid namespaces joined by path are not the container's to
/// dump: CRIU records them as external, by inode, and restore gives them.
fn external_namespaces(config: &Spec) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (typ, path) in namespaces(config) {
        let (Some(path), Some(key)) = (path.filter(|p| !p.as_os_str().is_empty()), external_key(typ)) else {
            continue;
        };
        let ino = std::fs::metadata(&path).sys_at("stat", &path).field("linux.namespaces")?.ino();
        out.push(format!("{}[{ino}]:{key}", if typ == LinuxNamespaceType::Network { "net" } else { "pid" }));
    }
    Ok(out)
}

/// The names runc gives joined namespaces in the images, so restore (ours
/// or runc's) knows what to pass in.
pub fn external_key(typ: LinuxNamespaceType) -> Option<&'static str> {
    match typ {
        LinuxNamespaceType::Network => Some("extRootNetNS"),
        LinuxNamespaceType::Pid => Some("extRootPidNS"),
        _ => None,
    }
}

/// The container's freezer: v1's freezer directory, else its v2 one.
fn freezer_of(bound: &Bound) -> Option<PathBuf> {
    bound.v1("freezer").map(Path::to_path_buf).or_else(|| bound.v2().map(|(_, d)| d.to_path_buf()))
}
