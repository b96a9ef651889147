//! `--pidfd-socket` (runc 1.2): a pidfd of the container's init, or of the
//! process `exec` started, sent over a unix socket with SCM_RIGHTS, so the
//! caller can signal and wait for exactly that process without pid races.

use anyhow::{anyhow, Result};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

pub struct PidfdSocket {
    socket: OwnedFd,
    path: PathBuf,
}

/// Connects first, so that a wrong path fails before any process exists.
pub fn connect(path: &Path) -> Result<PidfdSocket> {
    let socket =
        std::os::unix::net::UnixStream::connect(path).map_err(|e| anyhow!("--pidfd-socket {}: {e}", path.display()))?;
    Ok(PidfdSocket { socket: socket.into(), path: path.to_path_buf() })
}

impl PidfdSocket {
    /// Sends the pidfd; `payload` is runc's: "standard" for init, "setns" for exec.
    pub fn send(&self, pidfd: Option<&OwnedFd>, pid: i32, payload: &[u8]) -> Result<()> {
        let opened;
        let fd = match pidfd {
            Some(fd) => fd,
            None => {
                opened = crate::sys::pidfd_open(pid).map_err(|e| anyhow!("--pidfd-socket: pidfd of {pid}: {e}"))?;
                &opened
            }
        };
        super::console::send_fd(&self.socket, fd, payload)
            .map_err(|e| anyhow!("--pidfd-socket {}: {e:#}", self.path.display()))
    }
}
