//! Changing the flags of a mount already made: the config mounts' flags,
//! a read-only /dev or rootfs, the container's cgroupfs.

use super::safe_path::fd_path;
use crate::error::{Result, SysResult};
use nix::mount::{mount, MsFlags};
use std::os::fd::OwnedFd;

/// Remounts a bind mount with `flags`. The kernel refuses to drop flags that
/// are locked on the source (in a user namespace), so on EPERM we keep them.
pub fn remount_bind(top: &OwnedFd, flags: MsFlags) -> Result<()> {
    let target = fd_path(top);
    let remount = MsFlags::MS_BIND | MsFlags::MS_REMOUNT;
    match mount(None::<&str>, &target, None::<&str>, remount | flags, None::<&str>) {
        Err(nix::errno::Errno::EPERM) => {
            let locked = locked_flags(top)?;
            mount(None::<&str>, &target, None::<&str>, remount | flags | locked, None::<&str>).sys("remount")
        }
        other => other.sys("remount"),
    }
}

fn locked_flags(fd: &OwnedFd) -> Result<MsFlags> {
    let st = nix::sys::statvfs::fstatvfs(fd).sys("statvfs")?;
    use nix::sys::statvfs::FsFlags as S;
    let pairs = [
        (S::ST_RDONLY, MsFlags::MS_RDONLY),
        (S::ST_NOSUID, MsFlags::MS_NOSUID),
        (S::ST_NODEV, MsFlags::MS_NODEV),
        (S::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (S::ST_NOATIME, MsFlags::MS_NOATIME),
        (S::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (S::ST_RELATIME, MsFlags::MS_RELATIME),
    ];
    Ok(pairs.iter().filter(|(s, _)| st.flags().contains(*s)).fold(MsFlags::empty(), |acc, (_, m)| acc | *m))
}
