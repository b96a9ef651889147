//! After pivot_root: readonlyPaths, maskedPaths and a read-only rootfs.
//! Mounts are made from fds (open_tree/move_mount), so no path the container
//! controls, and no /proc, is involved.

use super::safe_path::Root;
use super::{error::FileKind, Error};
use crate::error::{About, Result, SysResult};
use crate::sys;
use nix::sys::stat::{fstat, major, minor, SFlag};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Opens a path inside the new root; None when it does not exist (the spec
/// says a missing masked or read-only path is not an error).
fn open_existing(root: &Root, path: &Path) -> Result<Option<OwnedFd>> {
    match root.open_path(path, None) {
        Ok((_, fd)) => Ok(Some(fd)),
        Err(e) if e.errno() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn readonly_paths(paths: &[PathBuf]) -> Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    let root = Root::open(Path::new("/"))?;
    for (i, p) in paths.iter().enumerate() {
        readonly(&root, p).at_path(p).with_field(|| format!("linux.readonlyPaths[{i}]"))?;
    }
    Ok(())
}

fn readonly(root: &Root, p: &Path) -> Result<()> {
    let Some(fd) = open_existing(root, p)? else { return Ok(()) };
    let tree = sys::open_tree_clone(fd.as_raw_fd(), true).sys("open_tree")?;
    sys::mount_setattr(tree.as_raw_fd(), true, sys::MOUNT_ATTR_RDONLY, 0, None).sys("mount_setattr")?;
    sys::move_mount(tree.as_raw_fd(), fd.as_raw_fd()).sys("move_mount")
}

pub fn masked_paths(paths: &[PathBuf]) -> Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    let root = Root::open(Path::new("/"))?;
    let null = verified_dev_null(&root).field("linux.maskedPaths")?;
    for (i, p) in paths.iter().enumerate() {
        mask(&root, &null, p).at_path(p).with_field(|| format!("linux.maskedPaths[{i}]"))?;
    }
    Ok(())
}

fn mask(root: &Root, null: &OwnedFd, p: &Path) -> Result<()> {
    let Some(fd) = open_existing(root, p)? else { return Ok(()) };
    let is_dir = SFlag::from_bits_truncate(fstat(&fd).sys("fstat")?.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
    let cover = if is_dir {
        sys::empty_ro_tmpfs().sys("fsmount tmpfs")?
    } else {
        sys::open_tree_clone(null.as_raw_fd(), false).sys_at("open_tree", Path::new("/dev/null"))?
    };
    sys::move_mount(cover.as_raw_fd(), fd.as_raw_fd()).sys("move_mount")
}

/// The container's /dev/null, checked to really be the null device (char 1:3)
/// so a container cannot make us bind something else over masked files.
fn verified_dev_null(root: &Root) -> Result<OwnedFd> {
    let path = Path::new("/dev/null");
    let (_, fd) = root.open_path(path, None)?;
    let st = fstat(&fd).sys_at("fstat", path)?;
    let kind = FileKind::of(SFlag::from_bits_truncate(st.st_mode));
    if kind != FileKind::CharDevice || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3 {
        return Err(Error::NotTheDevice { path: path.into(), found: kind, device: "null device".into() }.into());
    }
    Ok(fd)
}

pub fn readonly_root() -> Result<()> {
    let fd = crate::sys::openat2(libc::AT_FDCWD, Path::new("/"), libc::O_PATH, 0, 0).sys_at("open", Path::new("/"));
    fd.and_then(|fd| super::remount::remount_bind(&fd, nix::mount::MsFlags::MS_RDONLY)).field("root.readonly")
}
