//! The start barrier between `create` and `start`.
//!
//! Protocol:
//! 1. `create` binds and listens on `start.sock` in the container's state
//!    directory (through the directory's fd, so the path length never
//!    matters) before init is cloned; init inherits the listener.
//! 2. init, its setup done, blocks in accept().
//! 3. `start` connects and writes one byte.
//! 4. init reads it, runs the startContainer hooks and execs. Its fds are
//!    close-on-exec, so a successful exec closes the connection with
//!    nothing written; a failure writes its error (the typed error as
//!    JSON), then init exits with that error's status.
//! 5. `start` reads to EOF: empty means the program runs, else it returns
//!    init's error, whose exit status becomes its own. It then removes
//!    the socket file, whose presence is how a paused container that was
//!    never started is told apart from a running one (`resume`).
//!
//! A socket rather than runc's FIFO: it works without /proc in the
//! container, and `start` learns why an exec failed.

use super::ContainerDir;
use crate::error::{Result, SysResult};
use nix::sys::socket::{bind, listen as listen_on, socket, AddressFamily, Backlog, SockFlag, SockType, UnixAddr};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

const SOCKET: &str = "start.sock";

fn path_via_fd(dir: &ContainerDir) -> PathBuf {
    Path::new(&format!("/proc/self/fd/{}", dir.lock_fd())).join(SOCKET)
}

/// Step 1 (create).
pub fn listen(dir: &ContainerDir) -> Result<OwnedFd> {
    let path = dir.path.join(SOCKET);
    let sock = socket(AddressFamily::Unix, SockType::Stream, SockFlag::SOCK_CLOEXEC, None).sys("socket")?;
    let addr = UnixAddr::new(&path_via_fd(dir)).sys_at("bind", &path)?;
    bind(sock.as_raw_fd(), &addr).sys_at("bind", &path)?;
    listen_on(&sock, Backlog::new(1).sys("listen")?).sys_at("listen", &path)?;
    Ok(sock)
}

/// Steps 2 and 4 (init): blocks until `start` comes; the returned
/// connection is where an exec failure is written (`report`).
pub fn wait(listener: &OwnedFd) -> Result<std::fs::File> {
    let conn = loop {
        // SAFETY: accept4 on our listening socket; null address pointers are allowed.
        let fd = unsafe {
            libc::accept4(listener.as_raw_fd(), std::ptr::null_mut(), std::ptr::null_mut(), libc::SOCK_CLOEXEC)
        };
        if fd >= 0 {
            // SAFETY: a fresh fd from the kernel.
            break unsafe { OwnedFd::from_raw_fd(fd) };
        }
        let e = crate::error::OsError::last();
        if e.errno() != Some(libc::EINTR) {
            return Err(crate::error::SysError::new("accept", Some(Path::new(SOCKET)), e).into());
        }
    };
    let mut conn = std::fs::File::from(conn);
    let _ = conn.read(&mut [0u8; 1]);
    Ok(conn)
}

/// Step 4, on failure (init).
pub fn report(mut conn: std::fs::File, err: &crate::Error) {
    let _ = conn.write_all(&serde_json::to_vec(err).unwrap_or_default());
}

/// Steps 3 and 5 (start): Ok once the program runs; the exec's error if
/// it did not.
pub fn release(dir: &ContainerDir, id: &str) -> Result<()> {
    let not_running = || crate::Error::container(id, super::Error::NotRunning);
    let mut conn = std::os::unix::net::UnixStream::connect(path_via_fd(dir)).map_err(|_| not_running())?;
    conn.write_all(b"s").map_err(|_| not_running())?;
    let mut why = Vec::new();
    let _ = conn.read_to_end(&mut why);
    if !why.is_empty() {
        let err = serde_json::from_slice(&why)
            .unwrap_or_else(|_| crate::Error::Invalid(String::from_utf8_lossy(&why).into_owned()));
        return Err(crate::Error::container(id, err));
    }
    let _ = std::fs::remove_file(dir.path.join(SOCKET));
    Ok(())
}

/// Whether `start` has not yet released this container (for `resume`).
pub fn pending(dir: &ContainerDir) -> bool {
    dir.path.join(SOCKET).exists()
}
