//! Writes into procfs that nothing in a container's mounts can redirect.
//!
//! A bundle controls the container's mounts, so it can bind a directory of
//! its own over `/proc/sys/kernel`, or plant a symlink there: a sysctl
//! written by path would then land in (or create) a file of the attacker's
//! choosing, on the host (the CVE-2025-52881 class). So berth never writes
//! into procfs by path:
//!
//! - the handle is a proc instance no path reaches: a new one from
//!   fsopen("proc") and fsmount, detached, or where the kernel refuses that,
//!   a non-recursive clone of the mount at /proc (open_tree), which carries
//!   none of the mounts stacked above it; a user without privileges (a
//!   rootless parent writing its container's id maps from the host side)
//!   gets neither, and uses its own /proc;
//! - it is checked with fstatfs to be procfs, and its root to be proc's root;
//! - each file is opened beneath it with openat2, refusing symlinks, magic
//!   links and mount crossings, never with O_CREAT, and checked again with
//!   fstatfs before the write.

use super::{new_detached_mount, open_tree_clone_at, openat2, RESOLVE_NO_XDEV, RESOLVE_STRICT};
use crate::error::{OsError, Result, SysError, SysResult};
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const PROC_SUPER_MAGIC: i64 = 0x9fa0;
/// The inode number of every proc instance's root directory.
const PROC_ROOT_INO: u64 = 1;
const RESOLVE: u64 = RESOLVE_STRICT | RESOLVE_NO_XDEV;

/// Whether `fd` is on a procfs; `path` names it in an error.
fn on_procfs(fd: &OwnedFd, path: &Path) -> Result<bool> {
    let fs = nix::sys::statfs::fstatfs(fd).sys_at("statfs", path)?;
    Ok(fs.filesystem_type().0 as i64 == PROC_SUPER_MAGIC)
}

/// Without CAP_SYS_ADMIN (a rootless parent writing its own id maps) there
/// is no new instance and no clone of the mount: then /proc itself, checked
/// like the others below. This is the caller's view of /proc, on the host
/// side, which no container config has shaped.
fn unprivileged_proc(at: &Path, refused: std::io::Error) -> std::io::Result<OwnedFd> {
    if refused.raw_os_error() != Some(libc::EPERM) || nix::unistd::geteuid().is_root() {
        return Err(refused);
    }
    super::openat2(libc::AT_FDCWD, at, libc::O_PATH | libc::O_DIRECTORY, 0, super::RESOLVE_NO_SYMLINKS)
}

/// A private handle on a procfs of the caller's pid namespace.
pub struct ProcFs {
    root: OwnedFd,
}

impl ProcFs {
    pub fn open() -> Result<ProcFs> {
        let at = Path::new("/proc");
        let root = new_detached_mount(c"proc", &[], 0)
            .or_else(|_| open_tree_clone_at(libc::AT_FDCWD, at, false))
            .or_else(|e| unprivileged_proc(at, e))
            .sys_at("open_tree", at)?;
        if !on_procfs(&root, at)? {
            return Err(crate::Error::path(at, "not a procfs"));
        }
        let root_dir = std::fs::File::from(root.try_clone().sys("dup")?);
        if root_dir.metadata().sys_at("stat", at)?.ino() != PROC_ROOT_INO {
            return Err(crate::Error::path(at, "not the root of a procfs"));
        }
        Ok(ProcFs { root })
    }

    /// Writes `data` to the existing file `rel` ("sys/kernel/shmmax",
    /// "1234/uid_map"), in one write(2), as procfs wants it. Errors name it
    /// as /proc/`rel`; a missing file is ENOENT (`crate::Error::errno`).
    pub fn write(&self, rel: &str, data: &[u8]) -> Result<()> {
        let path = PathBuf::from("/proc").join(rel);
        let fd = match openat2(self.root.as_raw_fd(), Path::new(rel), libc::O_WRONLY | libc::O_NOFOLLOW, 0, RESOLVE) {
            Ok(fd) => fd,
            Err(e) if matches!(e.raw_os_error(), Some(libc::EXDEV | libc::ELOOP)) => {
                return Err(crate::rootfs::Error::Redirected { path, os: e.into() }.into());
            }
            Err(e) => return Err(e).sys_at("open", &path),
        };
        if !on_procfs(&fd, &path)? {
            return Err(crate::Error::path(&path, "not a procfs file"));
        }
        let mut file = std::fs::File::from(fd);
        let n = file.write(data).sys_at("write", &path)?;
        if n != data.len() {
            let short = OsError::Other(format!("short write ({n} of {} bytes)", data.len()));
            return Err(SysError::new("write", Some(&path), short).into());
        }
        Ok(())
    }

    /// `file` of the process `pid` (as this pid namespace numbers it).
    pub fn write_pid(&self, pid: i32, file: &str, data: &[u8]) -> Result<()> {
        self.write(&format!("{pid}/{file}"), data)
    }
}
