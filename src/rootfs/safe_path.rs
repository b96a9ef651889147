//! Paths inside the container's rootfs, resolved without ever leaving it.
//!
//! Symlinks are followed as the container would see them (an absolute target
//! starts again at the rootfs), so images with `/var/run -> /run` work. A
//! symlink whose `..` would climb above the rootfs is an error: nothing in a
//! sane image needs it and it is the shape of an escape attempt. Every open
//! uses openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) on the already resolved,
//! symlink-free path, so a symlink swapped in after the walk makes the open
//! fail instead of escaping.

use super::Error;
use crate::error::{Result, SysResult};
use crate::sys::{self, RESOLVE_STRICT as STRICT};
use nix::fcntl::AtFlags;
use nix::sys::stat::{fstatat, Mode, SFlag};
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

const MAX_SYMLINKS: usize = 40;

/// What to create at the end of a path that does not exist yet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Dir,
    File,
}

pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

impl Root {
    pub fn open(path: &Path) -> Result<Root> {
        let fd = sys::openat2(libc::AT_FDCWD, path, libc::O_PATH | libc::O_DIRECTORY, 0, 0).sys_at("open", path)?;
        Ok(Root { fd, path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Resolves `path` (taken as relative to the rootfs) to a symlink-free path
    /// inside it. With `create`, missing directories are made on the way and a
    /// missing last component is made as `create` says.
    pub fn resolve(&self, path: &Path, create: Option<Kind>) -> Result<PathBuf> {
        let mut todo: VecDeque<OsString> = components(path)?;
        let mut done = PathBuf::new();
        let mut links = 0;
        while let Some(c) = todo.pop_front() {
            if c == ".." {
                if !done.pop() {
                    return Err(Error::ClimbsOut { path: path.to_path_buf() }.into());
                }
                continue;
            }
            let parent = self.open_strict(&done, libc::O_PATH | libc::O_DIRECTORY)?;
            match fstatat(&parent, c.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
                Ok(st) if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFLNK => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(Error::SymlinkLoop { path: path.to_path_buf() }.into());
                    }
                    let target = nix::fcntl::readlinkat(&parent, c.as_os_str()).sys_at("readlink", &done.join(&c))?;
                    let target = Path::new(&target);
                    if target.is_absolute() {
                        done.clear();
                    }
                    for t in components(target)?.into_iter().rev() {
                        todo.push_front(t);
                    }
                }
                Ok(st) => {
                    let is_dir = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
                    if !todo.is_empty() && !is_dir {
                        return Err(Error::NotADirectory { path: path.to_path_buf(), component: done.join(&c) }.into());
                    }
                    done.push(&c);
                }
                Err(nix::errno::Errno::ENOENT) if create.is_some() => {
                    let kind = if todo.is_empty() { create.unwrap_or(Kind::Dir) } else { Kind::Dir };
                    let call = if kind == Kind::Dir { "mkdir" } else { "create" };
                    make(&parent, &c, kind).sys_at(call, &done.join(&c))?;
                    done.push(&c);
                }
                Err(e) => return Err(e).sys_at("stat", &done.join(&c)),
            }
        }
        Ok(done)
    }

    /// Opens an already resolved path; fails rather than follow any symlink.
    pub fn open_strict(&self, resolved: &Path, flags: i32) -> Result<OwnedFd> {
        let p = if resolved.as_os_str().is_empty() { Path::new(".") } else { resolved };
        sys::openat2(self.fd.as_raw_fd(), p, flags, 0, STRICT).sys_at("open", p)
    }

    /// Resolves, creates as needed, and returns an O_PATH fd of the result.
    pub fn open_path(&self, path: &Path, create: Option<Kind>) -> Result<(PathBuf, OwnedFd)> {
        let resolved = self.resolve(path, create)?;
        let fd = self.open_strict(&resolved, libc::O_PATH)?;
        Ok((resolved, fd))
    }

    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }
}

fn components(path: &Path) -> Result<VecDeque<OsString>> {
    let mut out = VecDeque::new();
    for c in path.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => out.push_back(OsString::from("..")),
            Component::Normal(n) => out.push_back(n.to_os_string()),
            Component::Prefix(_) => return Err(crate::Error::path(path, "not a Linux path")),
        }
    }
    Ok(out)
}

fn make(parent: &OwnedFd, name: &OsStr, kind: Kind) -> nix::Result<()> {
    let r = match kind {
        Kind::Dir => nix::sys::stat::mkdirat(parent, name, Mode::from_bits_truncate(0o755)),
        Kind::File => nix::fcntl::openat(
            parent,
            name,
            nix::fcntl::OFlag::O_CREAT
                | nix::fcntl::OFlag::O_EXCL
                | nix::fcntl::OFlag::O_WRONLY
                | nix::fcntl::OFlag::O_CLOEXEC
                | nix::fcntl::OFlag::O_NOFOLLOW,
            Mode::from_bits_truncate(0o644),
        )
        .map(drop),
    };
    match r {
        Err(nix::errno::Errno::EEXIST) => Ok(()),
        other => other,
    }
}

/// `/proc/self/fd/N`: how mount(2) is pointed at an fd we resolved ourselves.
pub fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn follows_symlinks_inside_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("run/lock")).unwrap();
        std::fs::create_dir_all(r.join("var")).unwrap();
        symlink("/run", r.join("var/run")).unwrap();
        symlink("../../../../etc", r.join("escape")).unwrap();
        symlink("../run", r.join("var/rel")).unwrap();
        let root = Root::open(r).unwrap();
        assert_eq!(root.resolve(Path::new("/var/run/lock"), None).unwrap(), PathBuf::from("run/lock"));
        assert_eq!(root.resolve(Path::new("var/rel/lock"), None).unwrap(), PathBuf::from("run/lock"));
        let e = root.resolve(Path::new("/escape/passwd"), Some(Kind::File)).unwrap_err();
        assert!(matches!(e, crate::Error::Rootfs(Error::ClimbsOut { .. })), "{e}");
        assert_eq!(e.to_string(), "/escape/passwd: a symlink climbs out of the rootfs");
        assert!(!r.join("etc").exists());
    }

    #[test]
    fn creates_missing_components() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::open(dir.path()).unwrap();
        let (p, _fd) = root.open_path(Path::new("/a/b/c.txt"), Some(Kind::File)).unwrap();
        assert_eq!(p, PathBuf::from("a/b/c.txt"));
        assert!(dir.path().join("a/b/c.txt").is_file());
        std::fs::write(dir.path().join("f"), "").unwrap();
        let e = root.resolve(Path::new("/f/x"), Some(Kind::Dir)).unwrap_err();
        assert_eq!(e.to_string(), "/f/x: f is not a directory");
        assert_eq!(root.resolve(Path::new("/none"), None).unwrap_err().errno(), Some(libc::ENOENT));
    }

    #[test]
    fn symlink_loops_end() {
        let dir = tempfile::tempdir().unwrap();
        symlink("b", dir.path().join("a")).unwrap();
        symlink("a", dir.path().join("b")).unwrap();
        let root = Root::open(dir.path()).unwrap();
        let e = root.resolve(Path::new("/a/x"), None).unwrap_err();
        assert!(matches!(e, crate::Error::Rootfs(Error::SymlinkLoop { .. })), "{e}");
    }
}
