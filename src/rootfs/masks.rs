//! After pivot_root: readonlyPaths, maskedPaths and a read-only rootfs.
//! Mounts are made from fds (open_tree/move_mount), so no path the container
//! controls, and no /proc, is involved.

use super::safe_path::Root;
use crate::sys;
use anyhow::{anyhow, bail, Result};
use nix::sys::stat::{fstat, major, minor, SFlag};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Opens a path inside the new root; None when it does not exist (the spec
/// says a missing masked or read-only path is not an error).
fn open_existing(root: &Root, path: &Path) -> Result<Option<OwnedFd>> {
    match root.open_path(path, None) {
        Ok((_, fd)) => Ok(Some(fd)),
        Err(e) if e.downcast_ref::<nix::errno::Errno>() == Some(&nix::errno::Errno::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn readonly_paths(paths: &[PathBuf]) -> Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    let root = Root::open(Path::new("/"))?;
    for p in paths {
        let Some(fd) = open_existing(&root, p).map_err(|e| anyhow!("linux.readonlyPaths: {}: {e:#}", p.display()))?
        else {
            continue;
        };
        sys::open_tree_clone(fd.as_raw_fd(), true)
            .and_then(|t| sys::mount_setattr(t.as_raw_fd(), true, sys::MOUNT_ATTR_RDONLY, 0, None).map(|_| t))
            .and_then(|t| sys::move_mount(t.as_raw_fd(), fd.as_raw_fd()))
            .map_err(|e| anyhow!("linux.readonlyPaths: {}: {e}", p.display()))?;
    }
    Ok(())
}

pub fn masked_paths(paths: &[PathBuf]) -> Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    let root = Root::open(Path::new("/"))?;
    let null = verified_dev_null(&root)?;
    for p in paths {
        let Some(fd) = open_existing(&root, p).map_err(|e| anyhow!("linux.maskedPaths: {}: {e:#}", p.display()))?
        else {
            continue;
        };
        let is_dir = SFlag::from_bits_truncate(fstat(&fd)?.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
        let cover = if is_dir { sys::empty_ro_tmpfs() } else { sys::open_tree_clone(null.as_raw_fd(), false) };
        cover
            .and_then(|c| sys::move_mount(c.as_raw_fd(), fd.as_raw_fd()))
            .map_err(|e| anyhow!("linux.maskedPaths: {}: {e}", p.display()))?;
    }
    Ok(())
}

/// The container's /dev/null, checked to really be the null device (char 1:3)
/// so a container cannot make us bind something else over masked files.
fn verified_dev_null(root: &Root) -> Result<OwnedFd> {
    let (_, fd) =
        root.open_path(Path::new("/dev/null"), None).map_err(|e| anyhow!("linux.maskedPaths: /dev/null: {e:#}"))?;
    let st = fstat(&fd)?;
    let is_char = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFCHR;
    if !is_char || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3 {
        bail!("linux.maskedPaths: /dev/null in the container is not the null device");
    }
    Ok(fd)
}

pub fn readonly_root() -> Result<()> {
    let fd = crate::sys::openat2(libc::AT_FDCWD, Path::new("/"), libc::O_PATH, 0, 0)?;
    super::remount::remount_bind(&fd, nix::mount::MsFlags::MS_RDONLY).map_err(|e| anyhow!("root.readonly: {e:#}"))
}
