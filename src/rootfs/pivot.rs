//! Making the rootfs the container's `/`.

use anyhow::{anyhow, Result};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::unistd::{chdir, chroot, fchdir, pivot_root};
use std::path::Path;

/// Before any mount: stop our mounts from propagating to the host (rslave
/// unless the config says otherwise), and make the rootfs a mount point, which
/// pivot_root requires.
pub fn prepare(rootfs: &Path, propagation: Option<MsFlags>) -> Result<()> {
    let flags = match propagation {
        // Shared propagation would make pivot_root fail; it is applied after it.
        Some(p) if !p.contains(MsFlags::MS_SHARED) => p,
        _ => MsFlags::MS_SLAVE | MsFlags::MS_REC,
    };
    mount(None::<&str>, "/", None::<&str>, flags, None::<&str>).map_err(|e| anyhow!("set propagation of /: {e}"))?;
    mount(Some(rootfs), rootfs, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
        .map_err(|e| anyhow!("bind rootfs {} onto itself: {e}", rootfs.display()))
}

/// pivot_root(".", ".") then detach the old root, which is stacked under the
/// new one: no temporary directory inside the rootfs is needed.
pub fn pivot(rootfs: &Path) -> Result<()> {
    let dir = nix::fcntl::open(rootfs, nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
        .map_err(|e| anyhow!("open rootfs {}: {e}", rootfs.display()))?;
    fchdir(&dir).map_err(|e| anyhow!("chdir rootfs: {e}"))?;
    pivot_root(".", ".").map_err(|e| anyhow!("pivot_root {}: {e}", rootfs.display()))?;
    // The old root must not propagate our unmount back to the host.
    mount(None::<&str>, ".", None::<&str>, MsFlags::MS_SLAVE | MsFlags::MS_REC, None::<&str>)
        .map_err(|e| anyhow!("make old root rslave: {e}"))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| anyhow!("detach old root: {e}"))?;
    chdir("/").map_err(|e| anyhow!("chdir /: {e}"))
}

/// `--no-pivot`: move the rootfs over `/` and chroot (for roots on ramfs,
/// where pivot_root is not possible).
pub fn move_root(rootfs: &Path) -> Result<()> {
    chdir(rootfs).map_err(|e| anyhow!("chdir {}: {e}", rootfs.display()))?;
    mount(Some(rootfs), "/", None::<&str>, MsFlags::MS_MOVE, None::<&str>).map_err(|e| anyhow!("move rootfs to /: {e}"))?;
    chroot(".").map_err(|e| anyhow!("chroot: {e}"))?;
    chdir("/").map_err(|e| anyhow!("chdir /: {e}"))
}

/// No mount namespace: chroot only; the caller's root is never pivoted.
pub fn chroot_into(rootfs: &Path) -> Result<()> {
    chdir(rootfs).map_err(|e| anyhow!("chdir {}: {e}", rootfs.display()))?;
    chroot(".").map_err(|e| anyhow!("chroot {}: {e}", rootfs.display()))?;
    chdir("/").map_err(|e| anyhow!("chdir /: {e}"))
}
