//! NOTIFY_SOCKET: a systemd-style service in the container reports READY to
//! whoever called berth.
//!
//! `create` (when NOTIFY_SOCKET is set) makes `<state dir>/notify` and binds it
//! read-only onto /run/notify in the container, whose process gets
//! NOTIFY_SOCKET=/run/notify/notify.sock. `start` (or `run`) binds that
//! socket, releases the container, and forwards the first READY=
//! datagram to the caller's socket with the container's MAINPID; `start` and
//! `run -d` wait for it (or for init to exit) before returning, as runc does.

use crate::error::{About, Result, SysResult};
use crate::rootfs::options;
use crate::spec::plan::MountPlan;
use crate::spec::LaunchPlan;
use nix::sys::socket::{bind, recv, sendto, socket, AddressFamily, MsgFlags, SockFlag, SockType, UnixAddr};
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

const DIR: &str = "notify";
const SOCKET: &str = "notify.sock";
const IN_CONTAINER: &str = "/run/notify";
/// What errors here are about: the caller's environment variable, given as
/// a flag is.
const VAR: &str = "NOTIFY_SOCKET";

/// The caller's socket, when it asked to be notified.
pub fn host_socket() -> Option<String> {
    std::env::var("NOTIFY_SOCKET").ok().filter(|s| !s.is_empty())
}

/// create: the directory, its mount and the container's NOTIFY_SOCKET.
pub fn prepare(state_dir: &Path, plan: &mut LaunchPlan) -> Result<()> {
    let dir = state_dir.join(DIR);
    std::fs::create_dir(&dir).sys_at("mkdir", &dir).flag(VAR)?;
    let ro: Vec<String> = ["rbind", "nosuid", "noexec", "nodev", "ro"].iter().map(|s| s.to_string()).collect();
    // The state dir is root's alone: a mapped root reaches it only by fd.
    let source_fd = (plan.ns.in_user_ns() && nix::unistd::geteuid().is_root())
        .then(|| crate::sys::open_tree_clone_at(libc::AT_FDCWD, &dir, false))
        .transpose()
        .sys_at("open_tree", &dir)
        .flag(VAR)?;
    plan.mounts.push(MountPlan {
        index: plan.mounts.len(),
        destination: PathBuf::from(&IN_CONTAINER[1..]),
        typ: "bind".into(),
        source: Some(dir),
        source_fd,
        options: options::parse(&ro)?,
        idmap_maps: None,
        idmap_userns: None,
    });
    let var = format!("NOTIFY_SOCKET={IN_CONTAINER}/{SOCKET}");
    plan.handoff.env.retain(|e| !e.as_bytes().starts_with(b"NOTIFY_SOCKET="));
    plan.handoff.env.push(CString::new(var).map_err(|_| crate::Error::flag(VAR, "contains a NUL byte"))?);
    Ok(())
}

/// start/run: binds the container-side socket, if `create` made its directory
/// and our caller wants notifications.
pub fn listen(state_dir: &Path) -> Result<Option<OwnedFd>> {
    let dir = state_dir.join(DIR);
    if host_socket().is_none() || !dir.is_dir() {
        return Ok(None);
    }
    let path = dir.join(SOCKET);
    let _ = std::fs::remove_file(&path);
    let sock = socket(AddressFamily::Unix, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None).sys("socket").flag(VAR)?;
    UnixAddr::new(&path).and_then(|addr| bind(sock.as_raw_fd(), &addr)).sys_at("bind", &path).flag(VAR)?;
    // Any user in the container may report (connecting needs write permission).
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .sys_at("chmod", &path)
        .flag(VAR)?;
    Ok(Some(sock))
}

/// Reads one datagram; when it says READY, forwards it with MAINPID=`main_pid`
/// and returns true.
pub fn forward_if_ready(sock: &OwnedFd, main_pid: i32) -> Result<bool> {
    let mut buf = [0u8; 4096];
    let n = match recv(sock.as_raw_fd(), &mut buf, MsgFlags::MSG_DONTWAIT) {
        Ok(n) => n,
        Err(nix::errno::Errno::EAGAIN) => return Ok(false),
        Err(e) => return Err(e).sys("recv").flag(VAR),
    };
    let text = String::from_utf8_lossy(&buf[..n]);
    let Some(ready) = text.lines().find(|l| l.starts_with("READY=")) else { return Ok(false) };
    send_host(&format!("{ready}\nMAINPID={main_pid}\n"))?;
    Ok(true)
}

/// Blocks until the container reports READY or `init` (a pidfd) exits.
pub fn wait_ready(sock: &OwnedFd, init: &OwnedFd, main_pid: i32) -> Result<()> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    loop {
        let mut fds = [PollFd::new(sock.as_fd(), PollFlags::POLLIN), PollFd::new(init.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e).sys("poll").flag(VAR),
            Ok(_) => {}
        }
        if fds[0].revents().is_some_and(|r| !r.is_empty()) && forward_if_ready(sock, main_pid)? {
            return Ok(());
        }
        if fds[1].revents().is_some_and(|r| !r.is_empty()) {
            return Ok(()); // init exited without reporting ready
        }
    }
}

fn send_host(msg: &str) -> Result<()> {
    let Some(target) = host_socket() else { return Ok(()) };
    let path = Path::new(&target);
    let addr = match target.strip_prefix('@') {
        Some(name) => UnixAddr::new_abstract(name.as_bytes()),
        None => UnixAddr::new(path),
    };
    let sock = socket(AddressFamily::Unix, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None).sys("socket").flag(VAR)?;
    addr.and_then(|addr| sendto(sock.as_raw_fd(), msg.as_bytes(), &addr, MsgFlags::MSG_NOSIGNAL))
        .sys_at("sendto", path)
        .flag(VAR)?;
    Ok(())
}
