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
//!   none of the mounts stacked above it;
//! - it is checked with fstatfs to be procfs, and its root to be proc's root;
//! - each file is opened beneath it with openat2, refusing symlinks, magic
//!   links and mount crossings, never with O_CREAT, and checked again with
//!   fstatfs before the write.

use super::{new_detached_mount, open_tree_clone_at, openat2, RESOLVE_NO_XDEV, RESOLVE_STRICT};
use std::io::{Error, ErrorKind, Result, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

const PROC_SUPER_MAGIC: i64 = 0x9fa0;
/// The inode number of every proc instance's root directory.
const PROC_ROOT_INO: u64 = 1;
const RESOLVE: u64 = RESOLVE_STRICT | RESOLVE_NO_XDEV;

fn fs_magic(fd: &OwnedFd) -> Result<i64> {
    Ok(nix::sys::statfs::fstatfs(fd).map_err(Error::from)?.filesystem_type().0 as i64)
}

/// A private handle on a procfs of the caller's pid namespace.
pub struct ProcFs {
    root: OwnedFd,
}

impl ProcFs {
    pub fn open() -> Result<ProcFs> {
        let root = new_detached_mount(c"proc", &[], 0)
            .or_else(|_| open_tree_clone_at(libc::AT_FDCWD, Path::new("/proc"), false))?;
        if fs_magic(&root)? != PROC_SUPER_MAGIC {
            return Err(Error::other("/proc is not a procfs"));
        }
        let ino = std::fs::File::from(root.try_clone()?).metadata()?.ino();
        if ino != PROC_ROOT_INO {
            return Err(Error::other("/proc is not the root of a procfs"));
        }
        Ok(ProcFs { root })
    }

    /// Writes `data` to the existing file `rel` ("sys/kernel/shmmax",
    /// "1234/uid_map"), in one write(2), as procfs wants it.
    pub fn write(&self, rel: &str, data: &[u8]) -> Result<()> {
        let fd = openat2(self.root.as_raw_fd(), Path::new(rel), libc::O_WRONLY | libc::O_NOFOLLOW, 0, RESOLVE)
            .map_err(|e| match e.raw_os_error() {
                Some(libc::EXDEV) | Some(libc::ELOOP) => {
                    Error::new(e.kind(), format!("{e}: a mount or symlink is in the way"))
                }
                _ => e,
            })?;
        if fs_magic(&fd)? != PROC_SUPER_MAGIC {
            return Err(Error::other("not a procfs file"));
        }
        let mut file = std::fs::File::from(fd);
        let n = file.write(data)?;
        if n != data.len() {
            return Err(Error::new(ErrorKind::WriteZero, format!("short write ({n} of {} bytes)", data.len())));
        }
        Ok(())
    }

    /// `file` of the process `pid` (as this pid namespace numbers it).
    pub fn write_pid(&self, pid: i32, file: &str, data: &[u8]) -> Result<()> {
        self.write(&format!("{pid}/{file}"), data)
    }
}
