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
        // Shared propagation would make pivot_root fail, and an unbindable /
        // cannot be bound onto itself: both are applied after pivot_root.
        Some(p) if !p.intersects(MsFlags::MS_SHARED | MsFlags::MS_UNBINDABLE) => p,
        _ => MsFlags::MS_SLAVE | MsFlags::MS_REC,
    };
    mount(None::<&str>, "/", None::<&str>, flags, None::<&str>).map_err(|e| anyhow!("set propagation of /: {e}"))?;
    if !flags.contains(MsFlags::MS_REC) {
        // A recursive change left no mount shared; only then is mountinfo
        // worth reading (it costs ~0.1 ms a run).
        make_parent_mount_private(rootfs)?;
    }
    mount(Some(rootfs), rootfs, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
        .map_err(|e| anyhow!("bind rootfs {} onto itself: {e}", rootfs.display()))
}

/// A non-recursive propagation on `/` can leave the mount holding the rootfs
/// shared; then our mounts would show up on the host (and pivot_root fails).
fn make_parent_mount_private(rootfs: &Path) -> Result<()> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| anyhow!("read mountinfo: {e}"))?;
    let Some((point, shared)) = parent_mount(&info, rootfs) else { return Ok(()) };
    if shared {
        mount(None::<&str>, Path::new(&point), None::<&str>, MsFlags::MS_PRIVATE, None::<&str>)
            .map_err(|e| anyhow!("make {point} private: {e}"))?;
    }
    Ok(())
}

/// The mount point under which `path` lives, and whether it is shared.
fn parent_mount(mountinfo: &str, path: &Path) -> Option<(String, bool)> {
    let mut best: Option<(String, bool)> = None;
    for line in mountinfo.lines() {
        let (left, _) = line.split_once(" - ")?;
        let fields: Vec<&str> = left.split(' ').collect();
        let point = fields.get(4)?.replace("\\040", " ");
        if path.starts_with(&point) && best.as_ref().is_none_or(|(b, _)| point.len() >= b.len()) {
            best = Some((point, fields[6..].iter().any(|f| f.starts_with("shared:"))));
        }
    }
    best
}

/// pivot_root(".", ".") then detach the old root, which is stacked under the
/// new one: no temporary directory inside the rootfs is needed.
pub fn pivot(rootfs: &Path) -> Result<()> {
    let open_dir = |p: &Path| {
        nix::fcntl::open(
            p,
            nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .map_err(|e| anyhow!("open {}: {e}", p.display()))
    };
    let old_root = open_dir(Path::new("/"))?;
    let new_root = open_dir(rootfs)?;
    fchdir(&new_root).map_err(|e| anyhow!("chdir rootfs: {e}"))?;
    pivot_root(".", ".").map_err(|e| anyhow!("pivot_root {}: {e}", rootfs.display()))?;
    // Back onto the old root (stacked over the new one) before touching its
    // propagation: "." right after pivot_root is the new root, whose mounts
    // must keep the propagation the config gave them.
    fchdir(&old_root).map_err(|e| anyhow!("chdir old root: {e}"))?;
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
    mount(Some(rootfs), "/", None::<&str>, MsFlags::MS_MOVE, None::<&str>)
        .map_err(|e| anyhow!("move rootfs to /: {e}"))?;
    chroot(".").map_err(|e| anyhow!("chroot: {e}"))?;
    chdir("/").map_err(|e| anyhow!("chdir /: {e}"))
}

/// No mount namespace: chroot only; the caller's root is never pivoted.
pub fn chroot_into(rootfs: &Path) -> Result<()> {
    chdir(rootfs).map_err(|e| anyhow!("chdir {}: {e}", rootfs.display()))?;
    chroot(".").map_err(|e| anyhow!("chroot {}: {e}", rootfs.display()))?;
    chdir("/").map_err(|e| anyhow!("chdir /: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_deepest_parent_mount() {
        let info = "1 0 8:1 / / rw shared:1 - ext4 /dev/sda rw\n2 1 0:5 / /tmp rw shared:2 - tmpfs tmpfs rw\n3 1 0:6 / /tmpx rw - tmpfs tmpfs rw\n";
        assert_eq!(super::parent_mount(info, std::path::Path::new("/tmp/b/rootfs")), Some(("/tmp".into(), true)));
        assert_eq!(super::parent_mount(info, std::path::Path::new("/srv/rootfs")), Some(("/".into(), true)));
        assert_eq!(super::parent_mount(info, std::path::Path::new("/tmpx/r")), Some(("/tmpx".into(), false)));
    }
}
