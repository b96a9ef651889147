//! What can go wrong building the container's filesystem.

use crate::error::shown;
use nix::sys::stat::SFlag;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    /// One of config.json's `mounts` could not be made: which (by index,
    /// type and destination inside the rootfs) and why.
    #[error("mounts[{index}] ({what} on /{}): {reason}", shown(.dest))]
    Mount { index: usize, what: String, dest: PathBuf, reason: Box<crate::Error> },
    /// A `..` (from a symlink's target) would climb above the rootfs: the
    /// shape of an escape, refused.
    #[error("{}: a symlink climbs out of the rootfs", shown(.path))]
    ClimbsOut { path: PathBuf },
    /// More symlinks on the way than the kernel would follow (a loop).
    #[error("{}: too many levels of symlinks", shown(.path))]
    SymlinkLoop { path: PathBuf },
    /// `component`, on the way to `path`, is not a directory.
    #[error("{}: {} is not a directory", shown(.path), shown(.component))]
    NotADirectory { path: PathBuf, component: PathBuf },
    /// proc or sysfs whose destination is reached through a symlink or a
    /// non-directory (the CVE-2019-19921 class), refused as runc refuses it.
    #[error(
        "/{} must be mounted on an ordinary directory (a symlink or a non-directory is on its way in the rootfs)",
        shown(.dest)
    )]
    NotOrdinaryDirectory { dest: PathBuf },
    /// In the container's /dev, something berth will not mount over or
    /// replace (a symlink, a directory, a socket, ...): never followed.
    #[error("{}: {found}; refusing to {refused}", shown(.path))]
    InTheWay { path: PathBuf, found: FileKind, refused: Refusal },
    /// A device berth must use (`device`: "null device", "pty
    /// multiplexer") is something else there.
    #[error("{}: {found}, not the {device}", shown(.path))]
    NotTheDevice { path: PathBuf, found: FileKind, device: String },
    /// An open beneath a handle (procfs) refused because the bundle's mounts
    /// or symlinks would have redirected it (EXDEV, ELOOP).
    #[error("{reason}: a mount or symlink is in the way")]
    Redirected { reason: Box<crate::Error> },
}

impl Error {
    /// The error this one wraps, for `crate::Error::chain`.
    pub fn inner(&self) -> Option<&crate::Error> {
        match self {
            Error::Mount { reason, .. } | Error::Redirected { reason } => Some(reason),
            _ => None,
        }
    }
}

/// What berth found at a path, as `stat` tells it (`S_IFMT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

impl FileKind {
    /// The kind in a `st_mode` (or its `S_IFMT` bits).
    pub fn of(mode: SFlag) -> FileKind {
        match mode & SFlag::S_IFMT {
            SFlag::S_IFLNK => FileKind::Symlink,
            SFlag::S_IFDIR => FileKind::Directory,
            SFlag::S_IFIFO => FileKind::Fifo,
            SFlag::S_IFSOCK => FileKind::Socket,
            SFlag::S_IFCHR => FileKind::CharDevice,
            SFlag::S_IFBLK => FileKind::BlockDevice,
            _ => FileKind::Regular,
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Symlink => "a symlink",
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a fifo",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Regular => "a regular file",
        })
    }
}

/// What berth would have done at a path where something is in the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    MountOver,
    Replace,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::MountOver => "mount over it",
            Refusal::Replace => "replace it",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{OsError, SysError};

    #[test]
    fn a_failed_mount_names_it_and_crosses_the_sync_socket() {
        let os = SysError::new("mount", None, OsError::Errno(libc::EPERM));
        let e = crate::Error::from(Error::Mount {
            index: 2,
            what: "tmpfs".into(),
            dest: "run".into(),
            reason: Box::new(os.into()),
        });
        assert_eq!(e.to_string(), "mounts[2] (tmpfs on /run): mount: Operation not permitted (os error 1)");
        assert_eq!(e.errno(), Some(libc::EPERM));
        let back: crate::Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(back.to_string(), e.to_string());
        assert_eq!(back.errno(), Some(libc::EPERM));
    }

    #[test]
    fn what_is_in_the_way_is_named() {
        let e = Error::InTheWay { path: "/dev/console".into(), found: FileKind::Symlink, refused: Refusal::MountOver };
        assert_eq!(e.to_string(), "/dev/console: a symlink; refusing to mount over it");
        let e =
            Error::NotTheDevice { path: "/dev/null".into(), found: FileKind::Regular, device: "null device".into() };
        assert_eq!(e.to_string(), "/dev/null: a regular file, not the null device");
    }
}
