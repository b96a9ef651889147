//! Making the rootfs the container's `/`.

use crate::error::{Result, SysResult};
use crate::sys::mountinfo;
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
    mount(None::<&str>, "/", None::<&str>, flags, None::<&str>).sys_at("set propagation of", Path::new("/"))?;
    if !flags.contains(MsFlags::MS_REC) {
        // A recursive change left no mount shared; only then is mountinfo
        // worth reading (it costs ~0.1 ms a run).
        make_parent_mount_private(rootfs)?;
    }
    mount(Some(rootfs), rootfs, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>).sys_at("bind", rootfs)
}

/// A non-recursive propagation on `/` can leave the mount holding the rootfs
/// shared; then our mounts would show up on the host (and pivot_root fails).
fn make_parent_mount_private(rootfs: &Path) -> Result<()> {
    let info = mountinfo::read().sys_at("read", Path::new(mountinfo::PATH))?;
    let Some(parent) = parent_mount(&info, rootfs) else { return Ok(()) };
    if parent.shared() {
        mount(None::<&str>, &parent.mount_point, None::<&str>, MsFlags::MS_PRIVATE, None::<&str>)
            .sys_at("make private", &parent.mount_point)?;
    }
    Ok(())
}

/// The mount under which `path` lives (the deepest, the latest at a point).
fn parent_mount<'a>(mounts: &'a [mountinfo::Mount], path: &Path) -> Option<&'a mountinfo::Mount> {
    let mut best: Option<&mountinfo::Mount> = None;
    for m in mounts {
        let depth = m.mount_point.as_os_str().len();
        if path.starts_with(&m.mount_point) && best.is_none_or(|b| depth >= b.mount_point.as_os_str().len()) {
            best = Some(m);
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
        .sys_at("open", p)
    };
    let old_root = open_dir(Path::new("/"))?;
    let new_root = open_dir(rootfs)?;
    fchdir(&new_root).sys_at("chdir", rootfs)?;
    pivot_root(".", ".").sys_at("pivot_root", rootfs)?;
    // Back onto the old root (stacked over the new one) before touching its
    // propagation: "." right after pivot_root is the new root, whose mounts
    // must keep the propagation the config gave them.
    fchdir(&old_root).sys("chdir old root")?;
    // The old root must not propagate our unmount back to the host.
    mount(None::<&str>, ".", None::<&str>, MsFlags::MS_SLAVE | MsFlags::MS_REC, None::<&str>)
        .sys("make old root rslave")?;
    umount2(".", MntFlags::MNT_DETACH).sys("detach old root")?;
    chdir("/").sys_at("chdir", Path::new("/"))
}

/// `--no-pivot`: move the rootfs over `/` and chroot (for roots on ramfs,
/// where pivot_root is not possible).
///
/// The old root stays in the mount namespace under the moved one. Its full
/// procfs and sysfs mounts would count as "fully visible" to the kernel,
/// which then lets a process in a new user and pid namespace mount a procfs
/// of its own, unmasked. So they are detached first (covered with a tmpfs
/// where they cannot be), as runc does.
pub fn move_root(rootfs: &Path) -> Result<()> {
    drop_full_proc_and_sys_outside(rootfs)?;
    chdir(rootfs).sys_at("chdir", rootfs)?;
    mount(Some(rootfs), "/", None::<&str>, MsFlags::MS_MOVE, None::<&str>).sys("move rootfs to /")?;
    chroot(".").sys_at("chroot", rootfs)?;
    chdir("/").sys_at("chdir", Path::new("/"))
}

fn drop_full_proc_and_sys_outside(rootfs: &Path) -> Result<()> {
    let info = mountinfo::read().sys_at("read", Path::new(mountinfo::PATH))?;
    let mut points = full_proc_and_sys(&info, rootfs);
    // Deepest first, so a mount is never detached before one inside it.
    points.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
    for p in points {
        // Our unmount must not propagate back to the host.
        let _ = mount(None::<&str>, &p, None::<&str>, MsFlags::MS_SLAVE | MsFlags::MS_REC, None::<&str>);
        match nix::mount::umount2(&p, nix::mount::MntFlags::MNT_DETACH) {
            Ok(()) => {}
            Err(nix::errno::Errno::EINVAL | nix::errno::Errno::EPERM) => {
                mount(Some("tmpfs"), &p, Some("tmpfs"), MsFlags::empty(), None::<&str>).sys_at("cover", &p)?;
            }
            Err(e) => return Err(e).sys_at("detach", &p),
        }
    }
    Ok(())
}

/// Mount points of whole (root "/") proc and sysfs mounts outside `rootfs`.
fn full_proc_and_sys(mounts: &[mountinfo::Mount], rootfs: &Path) -> Vec<std::path::PathBuf> {
    mounts
        .iter()
        .filter(|m| m.root == "/" && (m.fstype == "proc" || m.fstype == "sysfs") && !m.mount_point.starts_with(rootfs))
        .map(|m| m.mount_point.clone())
        .collect()
}

/// No mount namespace: chroot only; the caller's root is never pivoted.
pub fn chroot_into(rootfs: &Path) -> Result<()> {
    chdir(rootfs).sys_at("chdir", rootfs)?;
    chroot(".").sys_at("chroot", rootfs)?;
    chdir("/").sys_at("chdir", Path::new("/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_whole_proc_and_sys_outside_the_rootfs() {
        let info = "1 0 8:1 / / rw - ext4 /dev/sda rw\n\
                    2 1 0:5 / /proc rw - proc proc rw\n\
                    3 1 0:6 / /sys rw - sysfs sysfs rw\n\
                    4 1 0:7 /sys /mnt/part rw - proc proc rw\n\
                    5 1 0:8 / /b/rootfs/proc rw - proc proc rw\n\
                    6 1 0:9 / /my\\040proc rw - proc proc rw\n";
        let got = super::full_proc_and_sys(&crate::sys::mountinfo::parse(info), std::path::Path::new("/b/rootfs"));
        assert_eq!(got, ["/proc", "/sys", "/my proc"].map(std::path::PathBuf::from));
    }

    #[test]
    fn finds_the_deepest_parent_mount() {
        let info = crate::sys::mountinfo::parse(
            "1 0 8:1 / / rw shared:1 - ext4 /dev/sda rw\n2 1 0:5 / /tmp rw shared:2 - tmpfs tmpfs rw\n3 1 0:6 / /tmpx rw - tmpfs tmpfs rw\n",
        );
        let at =
            |p: &str| super::parent_mount(&info, std::path::Path::new(p)).map(|m| (m.mount_point.clone(), m.shared()));
        assert_eq!(at("/tmp/b/rootfs"), Some(("/tmp".into(), true)));
        assert_eq!(at("/srv/rootfs"), Some(("/".into(), true)));
        assert_eq!(at("/tmpx/r"), Some(("/tmpx".into(), false)));
    }
}
