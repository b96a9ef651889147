//! process.terminal: a pty from the container's own devpts, its master sent to
//! `--console-socket` (SCM_RIGHTS, the name as payload, as runc frames it),
//! its peer opened with TIOCGPTPEER and bound onto /dev/console.

use crate::error::{About, OsError, Result, SysError, SysResult};
use crate::rootfs::dev_dir::DevDir;
use crate::rootfs::safe_path::{fd_path, Root};
use nix::mount::{mount, MsFlags};
use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};
use std::io::IoSlice;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

/// Creates the pty and sends the master; returns the peer (the new stdio).
pub fn setup(root: &Root, socket: &OwnedFd, size: Option<(u16, u16)>) -> Result<OwnedFd> {
    let (master, peer) = open_pty(root, size)?;
    let console = DevDir::open(root, Path::new("/dev")).and_then(|dev| dev.mount_point("console")).field(TERMINAL)?;
    mount(Some(&fd_path(&peer)), &fd_path(&console), None::<&str>, MsFlags::MS_BIND, None::<&str>)
        .sys_at("bind the pty onto", Path::new("/dev/console"))
        .field(TERMINAL)?;
    send_master(socket, &master)?;
    Ok(peer)
}

const TERMINAL: &str = "process.terminal";

/// A new pty from the container's own devpts: (master, peer). The peer comes
/// from the master (TIOCGPTPEER), never from a path the container could swap.
pub fn open_pty(root: &Root, size: Option<(u16, u16)>) -> Result<(OwnedFd, OwnedFd)> {
    let master = DevDir::open(root, Path::new("/dev/pts"))
        .and_then(|pts| pts.ptmx())
        .map_err(|e| crate::Error::field(TERMINAL, crate::Error::NoDevpts(Box::new(e))))?;
    let unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK reads an int from a valid pointer.
    if unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock) } != 0 {
        return Err(crate::Error::field(TERMINAL, SysError::new("unlock pty (TIOCSPTLCK)", None, OsError::last())));
    }
    if let Some((rows, cols)) = size {
        set_size(&master, rows, cols);
    }
    let peer = crate::sys::pty_peer(master.as_raw_fd()).sys("open pty peer (TIOCGPTPEER)").field(TERMINAL)?;
    Ok((master, peer))
}

/// The pty becomes the process's, as runc makes it: its uid, and its gid
/// unless devpts gave it a group of its own (`gid=`, the tty group).
pub fn give_to(peer: &OwnedFd, uid: u32, gid: u32) -> Result<()> {
    let st = nix::sys::stat::fstat(peer).sys("stat the pty").field(TERMINAL)?;
    let gid = if st.st_gid == 0 { Some(gid.into()) } else { None };
    nix::unistd::fchown(peer, Some(uid.into()), gid).sys(&format!("chown the pty to {uid}")).field(TERMINAL)
}

pub fn set_size(tty: &impl AsRawFd, rows: u16, cols: u16) {
    let ws = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads a winsize from a valid pointer.
    unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
}

/// The size of our own terminal as a consoleSize, for a pty berth proxies:
/// set before the process runs, so its first look at the size is right.
pub fn our_size() -> Option<oci_spec::runtime::Box> {
    let (rows, cols) = size_of(&std::io::stdin())?;
    oci_spec::runtime::BoxBuilder::default().height(rows).width(cols).build().ok()
}

/// The size of a terminal, when `fd` is one.
pub fn size_of(fd: &impl AsRawFd) -> Option<(u16, u16)> {
    // SAFETY: an all-zero winsize is valid; TIOCGWINSZ fills it.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes a winsize through a valid pointer.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
    (r == 0 && ws.ws_row > 0).then_some((ws.ws_row, ws.ws_col))
}

/// How long a send to a peer berth does not control (the console socket,
/// a seccomp agent) may block before it is an error naming the peer.
pub const PEER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Where a pty master is to go: connected to the caller's console socket, or
/// one end of a socketpair whose other end (returned second) berth keeps to
/// proxy the terminal itself.
pub fn endpoints(console_socket: Option<&Path>) -> Result<(OwnedFd, Option<OwnedFd>)> {
    if let Some(path) = console_socket {
        let s = std::os::unix::net::UnixStream::connect(path).sys_at("connect", path).flag(CONSOLE_SOCKET)?;
        // A peer that stops reading must not hold create forever.
        s.set_write_timeout(Some(PEER_TIMEOUT)).sys_at("setsockopt SO_SNDTIMEO", path).flag(CONSOLE_SOCKET)?;
        return Ok((s.into(), None));
    }
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().sys("socketpair")?;
    Ok((theirs.into(), Some(ours.into())))
}

/// Sends the pty master as runc frames it: SCM_RIGHTS with the name as payload.
pub fn send_master(socket: &OwnedFd, master: &OwnedFd) -> Result<()> {
    send_fd(socket, master, b"/dev/ptmx").sys("send pty master (sendmsg)").flag(CONSOLE_SOCKET)
}

const CONSOLE_SOCKET: &str = "--console-socket";

/// Receives one fd sent with SCM_RIGHTS (the pty master from init or exec).
pub fn recv_fd(socket: &OwnedFd) -> Result<OwnedFd> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned};
    let mut buf = [0u8; 4096];
    let mut iov = [std::io::IoSliceMut::new(&mut buf)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    const CALL: &str = "receive pty master (recvmsg)";
    let msg = recvmsg::<()>(socket.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC).sys(CALL)?;
    for c in msg.cmsgs().sys(CALL)? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            if let Some(fd) = fds.first() {
                // SAFETY: SCM_RIGHTS just installed this fd in our table; we own it.
                return Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(*fd) });
            }
        }
    }
    Err(SysError::new(CALL, None, OsError::Other("no fd in the message".into())).into())
}

/// Sends `fd` with SCM_RIGHTS, `name` as the payload; the caller names
/// what it sent in an error.
pub fn send_fd(socket: &OwnedFd, fd: &OwnedFd, name: &[u8]) -> nix::Result<()> {
    let fds = [fd.as_raw_fd()];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    sendmsg::<()>(socket.as_raw_fd(), &[IoSlice::new(name)], &cmsg, MsgFlags::empty(), None).map(drop)
}

/// Makes the pty peer our stdio and controlling terminal (after setsid).
pub fn become_stdio(peer: &OwnedFd) -> Result<()> {
    for target in 0..=2 {
        // SAFETY: dup2 onto the standard fds, which we intend to replace.
        if unsafe { libc::dup2(peer.as_raw_fd(), target) } < 0 {
            return Err(crate::Error::field(TERMINAL, SysError::new("dup2 pty", None, OsError::last())));
        }
    }
    // SAFETY: TIOCSCTTY with arg 0 on an fd we own.
    if unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) } != 0 {
        let e = SysError::new("set controlling terminal (TIOCSCTTY)", None, OsError::last());
        return Err(crate::Error::field(TERMINAL, e));
    }
    Ok(())
}
