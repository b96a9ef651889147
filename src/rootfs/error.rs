//! What can go wrong building the container's filesystem.

use crate::error::os::{shown, OsError};
use nix::sys::stat::SFlag;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
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
    #[error("open {}: {os}: a mount or symlink is in the way", shown(.path))]
    Redirected { path: PathBuf, os: OsError },
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
