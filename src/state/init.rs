//! A container's init, held by a pidfd opened while the start time state.json
//! recorded still matched: from then on a recycled pid can never stand in
//! for it, whatever it is sent or waited for.

use super::State;
use crate::error::{About, Result, SysResult};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

pub struct Init {
    pub pid: i32,
    pub fd: OwnedFd,
}

impl State {
    /// Init, if it is still the process `create` started.
    pub fn init(&self) -> Option<Init> {
        if self.pid <= 0 {
            return None;
        }
        let fd = crate::sys::pidfd_open(self.pid).ok()?;
        // The pidfd pins the process; the start time proves it is init.
        self.alive().then_some(Init { pid: self.pid, fd })
    }

    /// Records `pid` as init, with its start time, which tells it apart
    /// from whatever process gets its pid after it.
    pub fn record_init(&mut self, pid: i32) -> Result<()> {
        self.pid_start = crate::sys::ProcStat::read(pid)?.start_time;
        self.pid = pid;
        Ok(())
    }

    /// Init, or "container not running" about this container.
    pub fn running_init(&self) -> Result<Init> {
        self.init().ok_or(super::Error::NotRunning).in_container(&self.id)
    }
}

impl Init {
    /// `sig` to init; "container not running" when it is already gone.
    pub fn signal(&self, sig: i32, id: &str) -> Result<()> {
        match crate::sys::pidfd_send_signal(&self.fd, sig) {
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Err(super::Error::NotRunning).in_container(id),
            other => other.sys("kill").in_container(id),
        }
    }

    /// Waits up to `limit` for init to exit; true once it has.
    pub fn wait_exit(&self, limit: Duration) -> bool {
        let timeout = PollTimeout::try_from(limit).unwrap_or(PollTimeout::MAX);
        // The pidfd becomes readable when the process has exited.
        let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
        matches!(poll(&mut fds, timeout), Ok(n) if n > 0)
    }
}
