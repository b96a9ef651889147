//! A `cgroup` mount inside the container.
//!
//! In a new cgroup namespace the kernel roots a fresh cgroup mount at the
//! container's own cgroup. Without one, a fresh mount would show the host's
//! whole tree, so the container's own directories are bind-mounted instead.
//! A container with no cgroup at all (rootless) gets an empty read-only
//! tmpfs there.

use super::{Kind, Layout};
use crate::error::{Result, SysResult};
use crate::rootfs::remount::remount_bind;
use crate::rootfs::safe_path::{fd_path, Root};
use nix::mount::{mount, MsFlags};
use std::path::{Path, PathBuf};

/// What a cgroup mount needs to know about the container's cgroups.
pub struct CgroupView<'a> {
    pub layout: &'a Layout,
    /// The container's directory in each hierarchy, in `layout` order.
    pub dirs: &'a [PathBuf],
    pub own_namespace: bool,
}

/// cgroup2 hosts get one mount; v1 and hybrid hosts a tmpfs with one mount per
/// hierarchy under it, named like the host's.
pub fn mount_cgroupfs(root: &Root, resolved: &Path, flags: MsFlags, view: &CgroupView) -> Result<()> {
    let flags = flags & !(MsFlags::MS_BIND | MsFlags::MS_REC);
    let target = root.open_strict(resolved, libc::O_PATH)?;
    if view.dirs.is_empty() && !view.own_namespace {
        // No cgroup of its own (rootless, none delegated): nothing of the
        // host's tree is the container's to see.
        return mount(Some("tmpfs"), &fd_path(&target), Some("tmpfs"), flags | MsFlags::MS_RDONLY, Some("mode=755"))
            .sys("mount tmpfs for cgroups");
    }
    if view.layout.kind == Kind::Unified {
        return hierarchy(
            &fd_path(&target),
            true,
            "",
            view.dirs.first().map(|p| p.as_path()),
            flags,
            view.own_namespace,
            root,
            Some(resolved),
        );
    }
    mount(Some("tmpfs"), &fd_path(&target), Some("tmpfs"), flags & !MsFlags::MS_RDONLY, Some("mode=755"))
        .sys("mount tmpfs for cgroups")?;
    // Reopen: the fd we mounted on still names the directory under the tmpfs.
    let top = root.open_strict(resolved, libc::O_PATH | libc::O_DIRECTORY)?;
    for (i, h) in view.layout.hierarchies.iter().enumerate() {
        let Some(name) = h.mount_point.file_name() else { continue };
        let sub = fd_path(&top).join(name);
        std::fs::create_dir(&sub).sys_at("mkdir", &sub)?;
        hierarchy(
            &sub,
            h.v2,
            &h.controllers.join(","),
            view.dirs.get(i).map(|p| p.as_path()),
            flags,
            view.own_namespace,
            root,
            None,
        )?;
    }
    if flags.contains(MsFlags::MS_RDONLY) {
        mount(None::<&str>, &fd_path(&top), None::<&str>, MsFlags::MS_REMOUNT | flags, Some("mode=755"))
            .sys("remount cgroup tmpfs read-only")?;
    }
    Ok(())
}

/// One hierarchy at `at`: fresh in a cgroup namespace, else a bind of `dir`.
#[allow(clippy::too_many_arguments)]
fn hierarchy(
    at: &Path,
    v2: bool,
    controllers: &str,
    dir: Option<&Path>,
    flags: MsFlags,
    own_ns: bool,
    root: &Root,
    resolved: Option<&Path>,
) -> Result<()> {
    let fstype = if v2 { "cgroup2" } else { "cgroup" };
    match dir {
        Some(dir) if !own_ns => {
            // `at` is a /proc/self/fd path: the host directory is what names it.
            mount(Some(dir), at, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>).sys_at("bind", dir)?;
            let extra = flags & (MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC);
            if !extra.is_empty() {
                // Reopen to reach the new mount rather than the directory under it.
                let top = match resolved {
                    Some(r) => root.open_strict(r, libc::O_PATH)?,
                    None => crate::sys::openat2(libc::AT_FDCWD, at, libc::O_PATH, 0, 0).sys_at("open", at)?,
                };
                remount_bind(&top, extra)?;
            }
            Ok(())
        }
        _ => mount(Some("cgroup"), at, Some(fstype), flags, Some(controllers))
            .sys(format!("mount {fstype} {controllers}").trim_end()),
    }
}
