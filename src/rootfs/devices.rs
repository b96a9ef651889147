//! /dev inside the container: the default nodes every container gets, the
//! config's `linux.devices`, and the standard symlinks.
//!
//! In a user namespace mknod is not allowed, so the host's node is bind
//! mounted onto an empty file instead, as runc does.

use super::dev_dir::DevDir;
use super::safe_path::{fd_path, Kind, Root};
use crate::error::{Result, SysResult};
use nix::fcntl::AtFlags;
use nix::mount::{mount, MsFlags};
use nix::sys::stat::{makedev, mknodat, Mode, SFlag};
use nix::unistd::{fchownat, unlinkat, UnlinkatFlags};
use oci_spec::runtime::{LinuxDevice, LinuxDeviceType};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// What init makes in the container's /dev, decided when the plan is
/// compiled.
pub struct DevPlan {
    /// The default nodes, but for those a config mount covers; none when
    /// /dev itself is a bind mount (the caller's /dev is used as it is).
    pub defaults: Vec<Node>,
    /// The standard symlinks (/dev/fd, /dev/ptmx, ...), unless /dev is bound.
    pub symlinks: bool,
    /// linux.devices.
    pub config: Vec<Node>,
    /// Bind the host's nodes instead of mknod (in a user namespace).
    pub bind: bool,
}

impl DevPlan {
    /// `dev_is_bind`: config.json binds a directory onto /dev; `mounted`:
    /// whether a config mount lands on a path (as the container sees it).
    pub fn compile(
        devices: &[LinuxDevice],
        dev_is_bind: bool,
        mounted: impl Fn(&Path) -> bool,
        in_user_ns: bool,
    ) -> DevPlan {
        // A config mount at a default node's path wins (and maskedPaths will
        // then check that /dev/null really is the null device).
        let defaults = match dev_is_bind {
            true => vec![],
            false => default_nodes().into_iter().filter(|n| !mounted(&n.path)).collect(),
        };
        DevPlan { defaults, symlinks: !dev_is_bind, config: config_nodes(devices), bind: in_user_ns }
    }
}

pub struct Node {
    pub path: PathBuf,
    pub kind: SFlag,
    pub major: u64,
    pub minor: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// The nodes the runtime-spec says every Linux container has.
fn default_nodes() -> Vec<Node> {
    [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)]
        .into_iter()
        .map(|(name, major, minor)| Node {
            path: PathBuf::from("/dev").join(name),
            kind: SFlag::S_IFCHR,
            major,
            minor,
            mode: 0o666,
            uid: 0,
            gid: 0,
        })
        .collect()
}

fn config_nodes(devices: &[LinuxDevice]) -> Vec<Node> {
    devices
        .iter()
        .map(|d| Node {
            path: d.path().clone(),
            kind: match d.typ() {
                LinuxDeviceType::B => SFlag::S_IFBLK,
                LinuxDeviceType::P => SFlag::S_IFIFO,
                _ => SFlag::S_IFCHR,
            },
            major: d.major() as u64,
            minor: d.minor() as u64,
            mode: d.file_mode().unwrap_or(0o666) & 0o7777,
            uid: d.uid().unwrap_or(0),
            gid: d.gid().unwrap_or(0),
        })
        .collect()
}

pub fn create(root: &Root, nodes: &[Node], bind: bool) -> Result<()> {
    for n in nodes {
        create_one(root, n, bind)?;
    }
    Ok(())
}

fn create_one(root: &Root, n: &Node, bind: bool) -> Result<()> {
    let (parent, name) = split(&n.path)?;
    let name = name.to_str().ok_or_else(|| crate::Error::path(&n.path, "not a UTF-8 name"))?;
    let dir = DevDir::open(root, parent)?;
    dir.clear_for_node(name)?;
    if bind && n.kind != SFlag::S_IFIFO {
        let target = dir.mount_point(name)?;
        mount(Some(&n.path), &fd_path(&target), None::<&str>, MsFlags::MS_BIND, None::<&str>)
            .sys_at("bind the host's node", &n.path)?;
        return Ok(());
    }
    let dev = if n.kind == SFlag::S_IFIFO { 0 } else { makedev(n.major, n.minor) };
    mknodat(dir.fd(), name, n.kind, Mode::from_bits_truncate(n.mode), dev).sys_at("mknod", &n.path)?;
    fchownat(dir.fd(), name, Some(n.uid.into()), Some(n.gid.into()), AtFlags::AT_SYMLINK_NOFOLLOW)
        .sys_at("chown", &n.path)?;
    Ok(())
}

/// The symlinks a container's /dev has; `/dev/ptmx` points into its own devpts.
pub fn symlinks(root: &Root) -> Result<()> {
    let mut links = vec![
        ("/proc/self/fd", "/dev/fd"),
        ("/proc/self/fd/0", "/dev/stdin"),
        ("/proc/self/fd/1", "/dev/stdout"),
        ("/proc/self/fd/2", "/dev/stderr"),
        ("pts/ptmx", "/dev/ptmx"),
    ];
    if Path::new("/proc/kcore").exists() {
        links.push(("/proc/kcore", "/dev/core"));
    }
    for (target, link) in links {
        let (parent, name) = split(Path::new(link))?;
        let parent_path = root.resolve(parent, Some(Kind::Dir))?;
        let dir = root.open_strict(&parent_path, libc::O_PATH | libc::O_DIRECTORY)?;
        if link == "/dev/ptmx" {
            let _ = unlinkat(&dir, name, UnlinkatFlags::NoRemoveDir);
        }
        match nix::unistd::symlinkat(target, &dir, name) {
            Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
            Err(e) => return Err(e).sys_at("symlink", Path::new(link)),
        }
    }
    Ok(())
}

fn split(path: &Path) -> Result<(&Path, &OsStr)> {
    match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) => Ok((p, n)),
        _ => Err(crate::Error::path(path, "no file name")),
    }
}
