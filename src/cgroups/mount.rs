//! A `cgroup` mount inside the container.

use super::{Kind, Layout};
use crate::rootfs::safe_path::{fd_path, Root};
use anyhow::{anyhow, Result};
use nix::mount::{mount, MsFlags};
use std::path::Path;

/// cgroup2 hosts get a cgroup2 mount. v1 and hybrid hosts get a tmpfs with one
/// mount per hierarchy under it, named like the host's. In a new cgroup
/// namespace the kernel roots each at the container's own cgroup.
pub fn mount_cgroupfs(root: &Root, resolved: &Path, flags: MsFlags, layout: &Layout) -> Result<()> {
    let flags = flags & !(MsFlags::MS_BIND | MsFlags::MS_REC);
    let path = fd_path(&root.open_strict(resolved, libc::O_PATH)?);
    if layout.kind == Kind::Unified {
        return mount(Some("cgroup2"), &path, Some("cgroup2"), flags, None::<&str>).map_err(|e| anyhow!("mount cgroup2: {e}"));
    }
    mount(Some("tmpfs"), &path, Some("tmpfs"), flags & !MsFlags::MS_RDONLY, Some("mode=755"))
        .map_err(|e| anyhow!("mount tmpfs for cgroups: {e}"))?;
    // Reopen: the fd we mounted on still names the directory under the tmpfs.
    let top = root.open_strict(resolved, libc::O_PATH | libc::O_DIRECTORY)?;
    let path = fd_path(&top);
    for h in &layout.hierarchies {
        let Some(name) = h.mount_point.file_name() else { continue };
        let sub = path.join(name);
        std::fs::create_dir(&sub).map_err(|e| anyhow!("mkdir {}: {e}", sub.display()))?;
        let (fstype, data) = if h.v2 { ("cgroup2", String::new()) } else { ("cgroup", h.controllers.join(",")) };
        mount(Some("cgroup"), &sub, Some(fstype), flags, Some(data.as_str()))
            .map_err(|e| anyhow!("mount {fstype} {data} at {}: {e}", sub.display()))?;
    }
    if flags.contains(MsFlags::MS_RDONLY) {
        mount(None::<&str>, &path, None::<&str>, MsFlags::MS_REMOUNT | flags, Some("mode=755"))
            .map_err(|e| anyhow!("remount cgroup tmpfs read-only: {e}"))?;
    }
    Ok(())
}
