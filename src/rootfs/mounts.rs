//! config.json `mounts`, in order, each onto an fd resolved inside the rootfs.

use super::options::MountOptions;
use super::remount::remount_bind;
use super::safe_path::{fd_path, Kind, Root};
use super::Error;
use crate::cgroups::mount::CgroupView;
use crate::error::{Result, SysResult};
use crate::spec::plan::MountPlan;
use crate::sys;
use nix::mount::{mount, MsFlags};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Flags a bind remount must not touch: the bind itself and propagation.
const NOT_REMOUNT: MsFlags = MsFlags::MS_BIND
    .union(MsFlags::MS_REC)
    .union(MsFlags::MS_REMOUNT)
    .union(MsFlags::MS_SHARED)
    .union(MsFlags::MS_SLAVE)
    .union(MsFlags::MS_PRIVATE)
    .union(MsFlags::MS_UNBINDABLE);

pub fn mount_all(root: &Root, mounts: &[MountPlan], cgroups: &CgroupView) -> Result<()> {
    for m in mounts {
        mount_one(root, m, cgroups).map_err(|e| m.error(e))?;
    }
    Ok(())
}

impl MountPlan {
    fn typ_or_bind(&self) -> &str {
        if self.options.is_bind() {
            "bind"
        } else {
            &self.typ
        }
    }

    /// `e` about this mount.
    fn error(&self, e: crate::Error) -> crate::Error {
        let what = self.typ_or_bind().to_string();
        crate::Error::Mount { index: self.index, what, dest: self.destination.clone(), reason: Box::new(e) }
    }
}

/// A read-only /dev is made read-only only after its nodes, symlinks, pts
/// and console are in it (`read_only_dev_last`), as runc does.
fn read_only_later(m: &MountPlan) -> bool {
    m.destination == Path::new("dev") && !m.options.is_bind() && m.options.flags.contains(MsFlags::MS_RDONLY)
}

/// After /dev is filled: the read-only remount `read_only_later` put off.
pub fn read_only_dev_last(root: &Root, mounts: &[MountPlan]) -> Result<()> {
    let Some(m) = mounts.iter().rev().find(|m| read_only_later(m)) else { return Ok(()) };
    let top = root.open_path(&m.destination, None)?.1;
    remount_bind(&top, m.options.flags - NOT_REMOUNT).map_err(|e| m.error(e))
}

/// proc and sysfs only on a directory that is just that: reached through a
/// symlink (even one to itself), the mount would land where the image
/// decides (the CVE-2019-19921 class), so it is refused as runc refuses it.
fn ordinary_directory(root: &Root, m: &MountPlan) -> Result<()> {
    // Strict resolution refuses a symlink anywhere on the way (ELOOP) and
    // a non-directory (ENOTDIR); a missing one is made as a directory.
    let flags = libc::O_PATH | libc::O_DIRECTORY;
    match sys::openat2(root.fd().as_raw_fd(), &m.destination, flags, 0, sys::RESOLVE_STRICT) {
        Ok(_) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(()),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)) => {
            Err(Error::NotOrdinaryDirectory { dest: m.destination.clone() }.into())
        }
        Err(e) => Err(e).sys_at("open", &Path::new("/").join(&m.destination)),
    }
}

/// The mode of the directory a tmpfs covers, kept (setuid, setgid and sticky
/// bits too), unless the options say `mode=`: what runc passes.
fn tmpfs_data(root: &Root, m: &MountPlan) -> Option<String> {
    let data = &m.options.data;
    if m.typ != "tmpfs" || data.split(',').any(|o| o.starts_with("mode=")) {
        return (!data.is_empty()).then(|| data.clone());
    }
    let existing = root.resolve(&m.destination, None).ok().and_then(|r| root.open_strict(&r, libc::O_PATH).ok());
    let mode = existing.and_then(|fd| nix::sys::stat::fstat(&fd).ok()).map(|st| st.st_mode & 0o7777);
    match (mode, data.is_empty()) {
        (Some(mode), true) => Some(format!("mode={mode:04o}")),
        (Some(mode), false) => Some(format!("mode={mode:04o},{data}")),
        (None, _) => (!data.is_empty()).then(|| data.clone()),
    }
}

fn mount_one(root: &Root, m: &MountPlan, cgroups: &CgroupView) -> Result<()> {
    let kind = match (&m.source, m.options.is_bind()) {
        (Some(src), true) if !src.is_dir() => Kind::File,
        _ => Kind::Dir,
    };
    if !m.options.is_bind() && (m.typ == "proc" || m.typ == "sysfs") {
        ordinary_directory(root, m)?;
    }
    let data = tmpfs_data(root, m);
    let (resolved, target) = root.open_path(&m.destination, Some(kind))?;
    let o = &m.options;
    let no_source = || crate::Error::from("bind mount without source");
    if let Some(userns) = &m.idmap_userns {
        let src = m.source.as_deref().ok_or_else(no_source)?;
        idmapped_bind(src, m.source_fd.as_ref(), &target, userns, o)?;
    } else if o.is_bind() {
        let src = m.source.as_deref().ok_or_else(no_source)?;
        if let Some(tree) = &m.source_fd {
            // The copy the parent made for us (user namespace).
            sys::move_mount(tree.as_raw_fd(), target.as_raw_fd()).sys_at("bind", src)?;
        } else {
            let flags = MsFlags::MS_BIND | (o.flags & MsFlags::MS_REC);
            mount(Some(src), &fd_path(&target), None::<&str>, flags, None::<&str>).sys_at("bind", src)?;
        }
        let top = root.open_strict(&resolved, libc::O_PATH)?;
        if !(o.flags - NOT_REMOUNT).is_empty() {
            remount_bind(&top, o.flags - NOT_REMOUNT)?;
        }
    } else if m.typ == "cgroup" || m.typ == "cgroup2" {
        crate::cgroups::mount::mount_cgroupfs(root, &resolved, o.flags, cgroups)?;
    } else {
        let copy_from =
            if o.tmpcopyup { Some(root.open_strict(&resolved, libc::O_RDONLY | libc::O_DIRECTORY)?) } else { None };
        let source = m.source.as_deref().unwrap_or(Path::new(&m.typ));
        let flags = if read_only_later(m) { o.flags - NOT_REMOUNT - MsFlags::MS_RDONLY } else { o.flags - NOT_REMOUNT };
        match mount(Some(source), &fd_path(&target), Some(m.typ.as_str()), flags, data.as_deref()) {
            Err(nix::errno::Errno::EPERM) if m.typ == "sysfs" => host_sysfs(root, &resolved, &target, flags)?,
            other => other.sys("mount")?,
        }
        if let Some(from) = copy_from {
            let top = root.open_strict(&resolved, libc::O_RDONLY | libc::O_DIRECTORY)?;
            copy_tree(&from, &top, &Path::new("/").join(&m.destination))?;
        }
    }
    finish_attributes(root, &resolved, o)
}

/// A user namespace may mount a sysfs only with a network namespace of its
/// own (a rootless container sharing the host's, or podman's): the host's
/// /sys is bound instead, with the mount's flags, as crun does (runc's
/// rootless config asks for the bind itself).
fn host_sysfs(root: &Root, resolved: &Path, target: &OwnedFd, flags: MsFlags) -> Result<()> {
    crate::logging::debug("sysfs: not permitted in this user namespace; binding the host's /sys instead");
    let sys_dir = Path::new("/sys");
    mount(Some(sys_dir), &fd_path(target), None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
        .sys_at("bind", sys_dir)?;
    let top = root.open_strict(resolved, libc::O_PATH)?;
    remount_bind(&top, flags)?;
    if flags.contains(MsFlags::MS_RDONLY) {
        // The host's mounts below /sys come along: read-only as well.
        sys::mount_setattr(top.as_raw_fd(), true, sys::MOUNT_ATTR_RDONLY, 0, None).sys_at("mount_setattr", sys_dir)?;
    }
    Ok(())
}

/// An idmapped bind: a detached copy of the source gets the idmap (and the
/// flags as mount attributes) before it is attached, so it is never visible
/// without them.
fn idmapped_bind(
    src: &Path,
    src_fd: Option<&OwnedFd>,
    target: &OwnedFd,
    userns: &OwnedFd,
    o: &MountOptions,
) -> Result<()> {
    let recursive = o.idmap == Some(true);
    let rec = recursive || o.flags.contains(MsFlags::MS_REC);
    // The parent's detached copy is ours to give the idmap to.
    let own;
    let tree = match src_fd {
        Some(fd) => fd,
        None => {
            own = sys::open_tree_clone_at(libc::AT_FDCWD, src, rec).sys_at("open_tree", src)?;
            &own
        }
    };
    let mut attrs = sys::MOUNT_ATTR_IDMAP;
    for (flag, attr) in [
        (MsFlags::MS_RDONLY, sys::MOUNT_ATTR_RDONLY),
        (MsFlags::MS_NOSUID, sys::MOUNT_ATTR_NOSUID),
        (MsFlags::MS_NODEV, sys::MOUNT_ATTR_NODEV),
        (MsFlags::MS_NOEXEC, sys::MOUNT_ATTR_NOEXEC),
    ] {
        if o.flags.contains(flag) {
            attrs |= attr;
        }
    }
    sys::mount_setattr(tree.as_raw_fd(), recursive, attrs, 0, Some(userns.as_raw_fd())).sys_at("idmap", src)?;
    sys::move_mount(tree.as_raw_fd(), target.as_raw_fd()).sys_at("idmapped bind", src)
}

/// Propagation and recursive attributes act on the new mount, so they reopen
/// the path (the fd we mounted on still points at the covered directory).
fn finish_attributes(root: &Root, resolved: &Path, o: &MountOptions) -> Result<()> {
    if o.propagation.is_empty() && o.rec_set == 0 && o.rec_clr == 0 {
        return Ok(());
    }
    let top = root.open_strict(resolved, libc::O_PATH)?;
    for p in &o.propagation {
        mount(None::<&str>, &fd_path(&top), None::<&str>, *p, None::<&str>).sys("propagation")?;
    }
    if o.rec_set != 0 || o.rec_clr != 0 {
        sys::mount_setattr(top.as_raw_fd(), true, o.rec_set, o.rec_clr, None).sys("mount_setattr")?;
    }
    Ok(())
}

/// Copies a directory tree between two open directories (for `tmpcopyup`),
/// keeping modes and owners; symlinks are copied as links, never followed.
/// `at` is where `to` is in the container, for messages.
fn copy_tree(from: &OwnedFd, to: &OwnedFd, at: &Path) -> Result<()> {
    use nix::dir::Dir;
    use nix::fcntl::{AtFlags, OFlag};
    use nix::sys::stat::{fchmodat, fstatat, FchmodatFlags, Mode, SFlag};
    let mut dir = Dir::openat(from, ".", OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .sys_at("tmpcopyup: open", at)?;
    let names: Vec<std::ffi::CString> = dir
        .iter()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_owned())
        .filter(|n| n.as_bytes() != b"." && n.as_bytes() != b"..")
        .collect();
    for name in names {
        let path = at.join(std::ffi::OsStr::from_bytes(name.as_bytes()));
        let path = path.as_path();
        let st = fstatat(from, name.as_c_str(), AtFlags::AT_SYMLINK_NOFOLLOW).sys_at("tmpcopyup: stat", path)?;
        let mode = Mode::from_bits_truncate(st.st_mode & 0o7777);
        match SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT {
            SFlag::S_IFDIR => {
                nix::sys::stat::mkdirat(to, name.as_c_str(), mode).sys_at("tmpcopyup: mkdir", path)?;
                let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
                let sub_from =
                    nix::fcntl::openat(from, name.as_c_str(), flags, Mode::empty()).sys_at("tmpcopyup: open", path)?;
                let sub_to =
                    nix::fcntl::openat(to, name.as_c_str(), flags, Mode::empty()).sys_at("tmpcopyup: open", path)?;
                copy_tree(&sub_from, &sub_to, path)?;
            }
            SFlag::S_IFREG => {
                let src = nix::fcntl::openat(
                    from,
                    name.as_c_str(),
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .sys_at("tmpcopyup: open", path)?;
                let dst = nix::fcntl::openat(
                    to,
                    name.as_c_str(),
                    OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_CLOEXEC,
                    mode,
                )
                .sys_at("tmpcopyup: create", path)?;
                std::io::copy(&mut std::fs::File::from(src), &mut std::fs::File::from(dst))
                    .sys_at("tmpcopyup: copy", path)?;
            }
            SFlag::S_IFLNK => {
                let target = nix::fcntl::readlinkat(from, name.as_c_str()).sys_at("tmpcopyup: readlink", path)?;
                nix::unistd::symlinkat(target.as_os_str(), to, name.as_c_str()).sys_at("tmpcopyup: symlink", path)?;
                continue;
            }
            _ => continue, // device nodes, fifos, sockets: not copied
        }
        fchmodat(to, name.as_c_str(), mode, FchmodatFlags::NoFollowSymlink)
            .or_else(|e| if e == nix::errno::Errno::EOPNOTSUPP { Ok(()) } else { Err(e) })
            .sys_at("tmpcopyup: chmod", path)?;
        nix::unistd::fchownat(
            to,
            name.as_c_str(),
            Some(st.st_uid.into()),
            Some(st.st_gid.into()),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .sys_at("tmpcopyup: chown", path)?;
    }
    Ok(())
}
