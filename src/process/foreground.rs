//! A process berth waits for (`run`, `exec` without --detach): its exit status
//! becomes ours, every signal we get is forwarded to it, and when berth holds
//! its terminal, the terminal is proxied over our own stdio.
//!
//! Signals are blocked before the clone (an early exit must not be lost) and
//! read from a signalfd, so one poll loop serves signals and terminal I/O
//! without threads or handlers.

use crate::error::{Result, SysResult};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::termios::{self, SetArg, Termios};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// Every signal except those that cannot be caught or that report our own faults.
pub fn forwardable() -> SigSet {
    let mut set = SigSet::all();
    for s in [Signal::SIGKILL, Signal::SIGSTOP, Signal::SIGSEGV, Signal::SIGBUS, Signal::SIGILL, Signal::SIGFPE] {
        set.remove(s);
    }
    set
}

/// Blocks the forwardable signals; call before cloning the process to wait for.
pub fn block_signals() -> Result<SigSet> {
    let set = forwardable();
    set.thread_block().sys("block signals (pthread_sigmask)")?;
    Ok(set)
}

/// Waits for `pid` to exit, forwarding signals, proxying `tty` (a pty master)
/// when given, and forwarding READY from `notify` (with our pid as MAINPID,
/// as runc does in the foreground). Reaps any orphan that lands on us
/// meanwhile. Returns the shell-style exit status (128+N when killed by signal N).
pub fn wait(pid: i32, signals: &SigSet, tty: Option<OwnedFd>, mut notify: Option<OwnedFd>) -> Result<i32> {
    let sfd = SignalFd::with_flags(signals, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK).sys("signalfd")?;
    let mut proxy = tty.map(Proxy::new).transpose()?;
    loop {
        let (signals_ready, tty_events, notified) = wait_events(&sfd, proxy.as_ref(), notify.as_ref())?;
        if notified {
            let sock = notify.take();
            match sock {
                Some(s) if !crate::notify::forward_if_ready(&s, std::process::id() as i32)? => notify = Some(s),
                _ => {}
            }
        }
        if signals_ready {
            if let Some(status) = handle_signals(&sfd, pid, proxy.as_mut())? {
                if let Some(p) = proxy.as_mut() {
                    p.drain();
                }
                return Ok(status);
            }
        }
        if let (Some(p), Some(events)) = (proxy.as_mut(), tty_events) {
            p.pump(events)?;
        }
    }
}

type Events = (bool, Option<[PollFlags; 2]>, bool);

/// Polls the signalfd, the notify socket and, with a proxy, stdin and the pty master.
fn wait_events(sfd: &SignalFd, proxy: Option<&Proxy>, notify: Option<&OwnedFd>) -> Result<Events> {
    let mut fds = vec![PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
    fds.push(match notify {
        Some(n) => PollFd::new(n.as_fd(), PollFlags::POLLIN),
        None => PollFd::new(sfd.as_fd(), PollFlags::empty()),
    });
    if let Some(p) = proxy {
        fds.extend(p.poll_fds());
    }
    loop {
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e).sys("poll"),
            Ok(_) => break,
        }
    }
    let ev = |i: usize| fds.get(i).and_then(|f| f.revents()).unwrap_or(PollFlags::empty());
    let tty = proxy.map(|_| [ev(2), ev(3)]);
    Ok((!ev(0).is_empty(), tty, notify.is_some() && !ev(1).is_empty()))
}

/// Forwards what arrived; on SIGCHLD reaps, and returns `pid`'s status once it is gone.
fn handle_signals(sfd: &SignalFd, pid: i32, mut proxy: Option<&mut Proxy>) -> Result<Option<i32>> {
    let mut status = None;
    while let Ok(Some(info)) = sfd.read_signal() {
        let Ok(sig) = Signal::try_from(info.ssi_signo as i32) else { continue };
        match sig {
            Signal::SIGCHLD => status = status.or(reap(pid)),
            Signal::SIGWINCH if proxy.is_some() => {
                if let Some(p) = proxy.as_mut() {
                    p.resize();
                }
            }
            _ => {
                let _ = nix::sys::signal::kill(Pid::from_raw(pid), sig);
            }
        }
    }
    Ok(status)
}

/// Reaps every exited child; `pid`'s status if it was among them.
fn reap(pid: i32) -> Option<i32> {
    let mut found = None;
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(p, code)) if p.as_raw() == pid => found = Some(code),
            Ok(WaitStatus::Signaled(p, s, _)) if p.as_raw() == pid => found = Some(128 + s as i32),
            Ok(WaitStatus::StillAlive) | Err(_) => return found,
            Ok(_) => continue,
        }
    }
}

/// Our stdio joined to a pty master: stdin in raw mode (when it is a
/// terminal) so keys like Ctrl-C reach the container's line discipline.
struct Proxy {
    master: OwnedFd,
    /// Bytes read from stdin that the master has not taken yet.
    pending: Vec<u8>,
    stdin_open: bool,
    master_open: bool,
    saved: Option<Termios>,
}

impl Proxy {
    fn new(master: OwnedFd) -> Result<Proxy> {
        let flags = nix::fcntl::fcntl(&master, nix::fcntl::FcntlArg::F_GETFL).sys("fcntl(F_GETFL) pty master")?;
        let flags = nix::fcntl::OFlag::from_bits_retain(flags) | nix::fcntl::OFlag::O_NONBLOCK;
        nix::fcntl::fcntl(&master, nix::fcntl::FcntlArg::F_SETFL(flags)).sys("fcntl(F_SETFL) pty master")?;
        let stdin = std::io::stdin();
        let saved = termios::tcgetattr(stdin.as_fd()).ok();
        if let Some(t) = &saved {
            let mut raw = t.clone();
            termios::cfmakeraw(&mut raw);
            let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw);
        }
        let mut p = Proxy { master, pending: Vec::new(), stdin_open: true, master_open: true, saved };
        p.resize();
        Ok(p)
    }

    fn poll_fds(&self) -> [PollFd<'_>; 2] {
        // SAFETY: fd 0 stays open for the life of the process.
        let stdin = unsafe { BorrowedFd::borrow_raw(0) };
        let want_stdin = self.stdin_open && self.pending.is_empty();
        let mut master = PollFlags::empty();
        if self.master_open {
            master |= PollFlags::POLLIN;
            if !self.pending.is_empty() {
                master |= PollFlags::POLLOUT;
            }
        }
        [
            PollFd::new(stdin, if want_stdin { PollFlags::POLLIN } else { PollFlags::empty() }),
            PollFd::new(self.master.as_fd(), master),
        ]
    }

    fn pump(&mut self, [stdin, master]: [PollFlags; 2]) -> Result<()> {
        if !stdin.is_empty() {
            let mut buf = [0u8; 4096];
            match nix::unistd::read(std::io::stdin().as_fd(), &mut buf) {
                Ok(0) | Err(_) => self.stdin_open = false,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
        if master.contains(PollFlags::POLLOUT) && !self.pending.is_empty() {
            match nix::unistd::write(&self.master, &self.pending) {
                Ok(n) => drop(self.pending.drain(..n)),
                Err(nix::errno::Errno::EAGAIN) => {}
                Err(_) => self.pending.clear(),
            }
        }
        if master.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            self.copy_out();
        }
        Ok(())
    }

    /// Copies what the master has to stdout; EIO means no one holds the peer.
    fn copy_out(&mut self) -> bool {
        let mut buf = [0u8; 16384];
        match nix::unistd::read(self.master.as_fd(), &mut buf) {
            Ok(0) => self.master_open = false,
            Ok(n) => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(&buf[..n]).and_then(|()| out.flush());
                return true;
            }
            Err(nix::errno::Errno::EAGAIN) | Err(nix::errno::Errno::EINTR) => {}
            Err(_) => self.master_open = false,
        }
        false
    }

    /// After the process exits: what it wrote last may still be on its way
    /// through the line discipline, so read until the master is closed or quiet.
    fn drain(&mut self) {
        while self.master_open {
            let mut fds = [PollFd::new(self.master.as_fd(), PollFlags::POLLIN)];
            let ready = matches!(poll(&mut fds, PollTimeout::from(100u8)), Ok(n) if n > 0);
            let hup = fds[0].revents().is_some_and(|r| r.contains(PollFlags::POLLHUP));
            if !ready || (!self.copy_out() && hup) {
                break;
            }
        }
    }

    /// The container's terminal takes the size of ours.
    fn resize(&mut self) {
        if let Some((rows, cols)) = super::console::size_of(&std::io::stdin()) {
            super::console::set_size(&self.master, rows, cols);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(t) = &self.saved {
            let _ = termios::tcsetattr(std::io::stdin().as_fd(), SetArg::TCSANOW, t);
        }
    }
}
