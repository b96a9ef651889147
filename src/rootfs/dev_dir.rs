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

use super::error::{FileKind, Refusal};
use super::safe_path::{Kind, Root};
use super::Error;
use crate::error::{Result, SysError, SysResult};
use crate::sys::{self, RESOLVE_NO_XDEV, RESOLVE_STRICT as STRICT};
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

    fn at(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// What is at `name`, without following it.
    pub fn kind_of(&self, name: &str) -> Result<Option<SFlag>> {
        match fstatat(&self.fd, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT)),
            Err(nix::errno::Errno::ENOENT) => Ok(None),
            Err(e) => Err(e).sys_at("stat", &self.at(name)),
        }
    }

    /// An O_PATH fd of the file or device at `name` to mount over, an empty
    /// file made there when nothing is. Anything else is an error.
    pub fn mount_point(&self, name: &str) -> Result<OwnedFd> {
        match self.kind_of(name)? {
            None => self.create_file(name)?,
            Some(SFlag::S_IFREG | SFlag::S_IFCHR | SFlag::S_IFBLK) => {}
            Some(other) => return Err(self.in_the_way(name, other, Refusal::MountOver)),
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
                unlinkat(&self.fd, name, UnlinkatFlags::NoRemoveDir).sys_at("unlink", &self.at(name))
            }
            Some(other) => Err(self.in_the_way(name, other, Refusal::Replace)),
        }
    }

    /// An empty regular file at `name`, which must not exist.
    pub fn create_file(&self, name: &str) -> Result<()> {
        let flags = libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_NOFOLLOW;
        sys::openat2(self.fd.as_raw_fd(), Path::new(name), flags, 0o600, STRICT)
            .map(drop)
            .sys_at("create", &self.at(name))
    }

    /// The pty multiplexer of this devpts: the directory must be a devpts
    /// and `ptmx` its own entry, so nothing else is ever opened read-write.
    pub fn ptmx(&self) -> Result<OwnedFd> {
        let fs = nix::sys::statfs::fstatfs(&self.fd).sys_at("statfs", &self.path)?;
        if fs.filesystem_type().0 as i64 != DEVPTS_SUPER_MAGIC {
            return Err(crate::Error::path(&self.path, "not a devpts mount"));
        }
        match self.kind_of("ptmx")? {
            Some(SFlag::S_IFCHR) => {}
            Some(other) => {
                let found = FileKind::of(other);
                return Err(
                    Error::NotTheDevice { path: self.at("ptmx"), found, device: "pty multiplexer".into() }.into()
                );
            }
            None => return Err(SysError::new("stat", Some(&self.at("ptmx")), nix::errno::Errno::ENOENT).into()),
        }
        self.open_at("ptmx", libc::O_RDWR | libc::O_NOCTTY | libc::O_NOFOLLOW, STRICT | RESOLVE_NO_XDEV)
    }

    fn open_at(&self, name: &str, flags: i32, resolve: u64) -> Result<OwnedFd> {
        sys::openat2(self.fd.as_raw_fd(), Path::new(name), flags, 0, resolve).sys_at("open", &self.at(name))
    }

    fn in_the_way(&self, name: &str, kind: SFlag, refused: Refusal) -> crate::Error {
        Error::InTheWay { path: self.at(name), found: FileKind::of(kind), refused }.into()
    }
}
