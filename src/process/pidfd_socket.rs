//! `--pidfd-socket` (runc 1.2): a pidfd of the container's init, or of the
//! process `exec` started, sent over a unix socket with SCM_RIGHTS, so the
//! caller can signal and wait for exactly that process without pid races.

use crate::error::{About, Result, SysResult};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

pub struct PidfdSocket {
    socket: OwnedFd,
    path: PathBuf,
}

/// Connects first, so that a wrong path fails before any process exists.
pub fn connect(path: &Path) -> Result<PidfdSocket> {
    let socket = std::os::unix::net::UnixStream::connect(path).sys_at("connect", path).flag(FLAG)?;
    Ok(PidfdSocket { socket: socket.into(), path: path.to_path_buf() })
}

impl PidfdSocket {
    /// Sends the pidfd; `payload` is runc's: "standard" for init, "setns" for exec.
    pub fn send(&self, pidfd: Option<&OwnedFd>, pid: i32, payload: &[u8]) -> Result<()> {
        let opened;
        let fd = match pidfd {
            Some(fd) => fd,
            None => {
                opened = crate::sys::pidfd_open(pid).sys(&format!("pidfd_open (pid {pid})")).flag(FLAG)?;
                &opened
            }
        };
        super::console::send_fd(&self.socket, fd, payload).sys_at("send pidfd (sendmsg) to", &self.path).flag(FLAG)
    }
}

const FLAG: &str = "--pidfd-socket";
