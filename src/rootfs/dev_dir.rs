//! Entries of the container's /dev, by handle.
//!
//! Without a tmpfs on /dev, the image's own /dev is used, and the bundle
//! decides what is in it: `dev/console -> /etc/passwd` would have the pty
//! mounted over /etc/passwd (the CVE-2025-52565 pattern), a fifo planted at
//! `dev/pts/ptmx` would be opened as if it were the pty multiplexer. So the
//! entries berth makes or uses there are reached from a handle on the
//! resolved /dev and taken as they are: a symlink, directory, socket or fifo
//! where berth wants a file or a device is an error that names it, never
//! followed, and files are created with O_EXCL|O_NOFOLLOW.

use super::safe_path::{Kind, Root};
use crate::sys::{self, RESOLVE_NO_XDEV, RESOLVE_STRICT as STRICT};
use anyhow::{anyhow, bail, Result};
use nix::fcntl::AtFlags;
use nix::sys::stat::{fstatat, SFlag};
use nix::unistd::{unlinkat, UnlinkatFlags};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;

/// An open directory of the container's /dev tree, and its path there.
pub struct DevDir {
    fd: OwnedFd,
    path: PathBuf,
}

impl DevDir {
    /// `path` ("/dev", "/dev/pts") resolved inside the root, made if missing.
    pub fn open(root: &Root, path: &Path) -> Result<DevDir> {
        let resolved = root.resolve(path, Some(Kind::Dir))?;
        let fd = root.open_strict(&resolved, libc::O_PATH | libc::O_DIRECTORY)?;
        Ok(DevDir { fd, path: path.to_path_buf() })
    }

    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    fn shown(&self, name: &str) -> String {
        self.path.join(name).display().to_string()
    }

    /// What is at `name`, without following it.
    pub fn kind_of(&self, name: &str) -> Result<Option<SFlag>> {
        match fstatat(&self.fd, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT)),
            Err(nix::errno::Errno::ENOENT) => Ok(None),
            Err(e) => bail!("{}: {e}", self.shown(name)),
        }
    }

    /// An O_PATH fd of the file or device at `name` to mount over, an empty
    /// file made there when nothing is. Anything else is an error.
    pub fn mount_point(&self, name: &str) -> Result<OwnedFd> {
        match self.kind_of(name)? {
            None => self.create_file(name)?,
            Some(SFlag::S_IFREG | SFlag::S_IFCHR | SFlag::S_IFBLK) => {}
            Some(other) => bail!("{}: {}; refusing to mount over it", self.shown(name), describe(other)),
        }
        self.open_at(name, libc::O_PATH | libc::O_NOFOLLOW, STRICT)
    }

    /// Clears `name` for a new node: a file, device or fifo there is
    /// removed (unlink never follows); a symlink, directory or socket is an
    /// error that names it.
    pub fn clear_for_node(&self, name: &str) -> Result<()> {
        match self.kind_of(name)? {
            None => Ok(()),
            Some(SFlag::S_IFREG | SFlag::S_IFCHR | SFlag::S_IFBLK | SFlag::S_IFIFO) => {
                unlinkat(&self.fd, name, UnlinkatFlags::NoRemoveDir)
                    .map_err(|e| anyhow!("{}: remove the existing file: {e}", self.shown(name)))
            }
            Some(other) => bail!("{}: {}; refusing to replace it", self.shown(name), describe(other)),
        }
    }

    /// An empty regular file at `name`, which must not exist.
    pub fn create_file(&self, name: &str) -> Result<()> {
        let flags = libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_NOFOLLOW;
        sys::openat2(self.fd.as_raw_fd(), Path::new(name), flags, 0o600, STRICT)
            .map(drop)
            .map_err(|e| anyhow!("{}: create: {e}", self.shown(name)))
    }

    /// The pty multiplexer of this devpts: the directory must be a devpts
    /// and `ptmx` its own entry, so nothing else is ever opened read-write.
    pub fn ptmx(&self) -> Result<OwnedFd> {
        let fs = nix::sys::statfs::fstatfs(&self.fd).map_err(|e| anyhow!("{}: statfs: {e}", self.path.display()))?;
        if fs.filesystem_type().0 as i64 != DEVPTS_SUPER_MAGIC {
            bail!("{} is not a devpts mount", self.path.display());
        }
        match self.kind_of("ptmx")? {
            Some(SFlag::S_IFCHR) => {}
            Some(other) => bail!("{}: {}, not the pty multiplexer", self.shown("ptmx"), describe(other)),
            None => bail!("{}: missing", self.shown("ptmx")),
        }
        self.open_at("ptmx", libc::O_RDWR | libc::O_NOCTTY | libc::O_NOFOLLOW, STRICT | RESOLVE_NO_XDEV)
    }

    fn open_at(&self, name: &str, flags: i32, resolve: u64) -> Result<OwnedFd> {
        sys::openat2(self.fd.as_raw_fd(), Path::new(name), flags, 0, resolve)
            .map_err(|e| anyhow!("open {}: {e}", self.shown(name)))
    }
}

fn describe(kind: SFlag) -> &'static str {
    match kind {
        SFlag::S_IFLNK => "a symlink",
        SFlag::S_IFDIR => "a directory",
        SFlag::S_IFIFO => "a fifo",
        SFlag::S_IFSOCK => "a socket",
        SFlag::S_IFCHR => "a character device",
        SFlag::S_IFBLK => "a block device",
        _ => "a regular file",
    }
}
