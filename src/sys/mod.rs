//! The syscall seam: every raw syscall berth makes that `nix` does not wrap
//! lives here, each `unsafe` with the argument for why it is sound.

pub mod mountinfo;
pub mod procfs;

use crate::error::SysResult;
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// A raw syscall return value: negative means errno says why.
pub fn errno_result(ret: libc::c_long) -> std::io::Result<libc::c_long> {
    if ret < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// What `clone_process` returned in the calling process.
pub enum Forked {
    Child,
    Parent { pid: i32, pidfd: Option<OwnedFd> },
}

/// Forks like fork(2) but with namespace flags, and a pidfd when the kernel has
/// clone3. `cgroup_fd` places the child in that cgroup v2 at birth.
///
/// Only sound while the process is single-threaded, which berth always is.
pub fn clone_process(flags: u64, cgroup_fd: Option<RawFd>) -> std::io::Result<Forked> {
    let mut pidfd: RawFd = -1;
    let mut args = CloneArgs {
        flags: flags | libc::CLONE_PIDFD as u64,
        pidfd: &mut pidfd as *mut RawFd as u64,
        exit_signal: libc::SIGCHLD as u64,
        ..Default::default()
    };
    if let Some(fd) = cgroup_fd {
        args.flags |= 0x200000000; // CLONE_INTO_CGROUP
        args.cgroup = fd as u64;
    }
    // SAFETY: clone3 with a null stack behaves like fork: the child continues on
    // a copy of our stack. `args` and `pidfd` outlive the call. berth has no other
    // threads, so no lock can be held by a thread that does not exist in the child.
    let ret = unsafe { libc::syscall(libc::SYS_clone3, &mut args as *mut CloneArgs, std::mem::size_of::<CloneArgs>()) };
    let ret = match errno_result(ret) {
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) && cgroup_fd.is_none() => {
            // Pre-5.3 kernel: plain clone, no pidfd, no time namespace.
            // SAFETY: as above; clone with a null stack is fork with flags.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_clone,
                    (flags as libc::c_ulong) | libc::SIGCHLD as libc::c_ulong,
                    0usize,
                    0usize,
                    0usize,
                    0usize,
                )
            };
            return errno_result(r).map(|pid| match pid {
                0 => Forked::Child,
                pid => Forked::Parent { pid: pid as i32, pidfd: None },
            });
        }
        other => other?,
    };
    Ok(match ret {
        0 => Forked::Child,
        // SAFETY: the kernel just stored a fresh pidfd that nothing else owns.
        pid => Forked::Parent { pid: pid as i32, pidfd: Some(unsafe { OwnedFd::from_raw_fd(pidfd) }) },
    })
}

pub fn pidfd_open(pid: i32) -> std::io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments.
    let fd = errno_result(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: the kernel returned a new fd that we now own (pidfds are CLOEXEC).
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Sends `sig` to each pid, ignoring the ones gone meanwhile. Any signal
/// number the kernel knows, real-time ones included (nix's `Signal` has no
/// real-time signals, and `kill(pid, None)` would send 0).
pub fn signal_each(pids: &[i32], sig: i32) {
    for &pid in pids {
        // SAFETY: kill(2) with integer arguments; no memory is passed.
        unsafe { libc::kill(pid, sig) };
    }
}

pub fn pidfd_send_signal(pidfd: &OwnedFd, sig: i32) -> std::io::Result<()> {
    // SAFETY: plain syscall; a null siginfo means "as kill(2) would".
    errno_result(unsafe {
        libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), sig, std::ptr::null::<libc::siginfo_t>(), 0)
    })
    .map(|_| ())
}

#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_NO_SYMLINKS: u64 = 0x04;
pub const RESOLVE_BENEATH: u64 = 0x08;
pub const RESOLVE_IN_ROOT: u64 = 0x10;
pub const RESOLVE_NO_XDEV: u64 = 0x01;
/// Beneath the directory, following no symlink of either kind.
pub const RESOLVE_STRICT: u64 = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

/// openat2(2): opens `path` under `dirfd` with the `resolve` restrictions.
/// O_CLOEXEC is always added.
pub fn openat2(dirfd: RawFd, path: &Path, flags: i32, mode: u32, resolve: u64) -> std::io::Result<OwnedFd> {
    let c = cstr(path)?;
    let mut how = OpenHow { flags: (flags | libc::O_CLOEXEC) as u64, mode: mode as u64, resolve };
    // SAFETY: `c` and `how` are valid for the call; the size matches the struct.
    let fd = errno_result(unsafe {
        libc::syscall(libc::SYS_openat2, dirfd, c.as_ptr(), &mut how as *mut OpenHow, std::mem::size_of::<OpenHow>())
    })?;
    // SAFETY: a fresh fd from the kernel, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Marks every fd from `first` up as close-on-exec (CLOSE_RANGE_CLOEXEC), so
/// nothing the runtime opened survives into the container process.
pub fn cloexec_from(first: u32) -> std::io::Result<()> {
    // SAFETY: plain syscall with integer arguments.
    errno_result(unsafe {
        libc::syscall(libc::SYS_close_range, first, u32::MAX, 4u32 /* CLOSE_RANGE_CLOEXEC */)
    })
    .map(|_| ())
}

#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
pub const MOUNT_ATTR_NODEV: u64 = 0x4;
pub const MOUNT_ATTR_NOEXEC: u64 = 0x8;
pub const MOUNT_ATTR_RELATIME: u64 = 0x0;
pub const MOUNT_ATTR_NOATIME: u64 = 0x10;
pub const MOUNT_ATTR_STRICTATIME: u64 = 0x20;
pub const MOUNT_ATTR__ATIME: u64 = 0x70;
pub const MOUNT_ATTR_NODIRATIME: u64 = 0x80;
pub const MOUNT_ATTR_IDMAP: u64 = 0x100000;
pub const MOUNT_ATTR_NOSYMFOLLOW: u64 = 0x200000;

/// mount_setattr(2) on the mount at `fd` (AT_EMPTY_PATH), optionally recursive.
pub fn mount_setattr(fd: RawFd, recursive: bool, set: u64, clr: u64, userns_fd: Option<RawFd>) -> std::io::Result<()> {
    let mut attr = MountAttr { attr_set: set, attr_clr: clr, propagation: 0, userns_fd: userns_fd.unwrap_or(0) as u64 };
    let flags = libc::AT_EMPTY_PATH as u32 | if recursive { libc::AT_RECURSIVE as u32 } else { 0 };
    // SAFETY: empty path string and a valid attr struct of the declared size.
    errno_result(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd,
            c"".as_ptr(),
            flags,
            &mut attr as *mut MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    })
    .map(|_| ())
}

/// open_tree(2) with OPEN_TREE_CLONE: a detached copy of the mount (tree) at
/// `path` under `dirfd`, or at `dirfd` itself when `path` is empty.
pub fn open_tree_clone_at(dirfd: RawFd, path: &Path, recursive: bool) -> std::io::Result<OwnedFd> {
    let c = cstr(path)?;
    let flags = 1 /* OPEN_TREE_CLONE */
        | libc::O_CLOEXEC as u32
        | if path.as_os_str().is_empty() { libc::AT_EMPTY_PATH as u32 } else { 0 }
        | if recursive { libc::AT_RECURSIVE as u32 } else { 0 };
    // SAFETY: a NUL-terminated path we own, integer flags.
    let r = errno_result(unsafe { libc::syscall(libc::SYS_open_tree, dirfd, c.as_ptr(), flags) })?;
    // SAFETY: a fresh fd from the kernel.
    Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) })
}

/// A detached copy of the mount at the path fd `fd`.
pub fn open_tree_clone(fd: RawFd, recursive: bool) -> std::io::Result<OwnedFd> {
    open_tree_clone_at(fd, Path::new(""), recursive)
}

/// move_mount(2) of the detached mount `from` onto the path fd `to`.
pub fn move_mount(from: RawFd, to: RawFd) -> std::io::Result<()> {
    const MOVE_MOUNT_F_EMPTY_PATH: u32 = 0x4;
    const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x40;
    // SAFETY: empty path strings and integer flags.
    errno_result(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            from,
            c"".as_ptr(),
            to,
            c"".as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH,
        )
    })
    .map(|_| ())
}

pub fn ioprio_set(class: u32, prio: u32) -> std::io::Result<()> {
    let value = (class << 13) | prio;
    // SAFETY: plain syscall; who = 0 means the calling process.
    errno_result(unsafe {
        libc::syscall(libc::SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, value)
    })
    .map(|_| ())
}

/// Joins a fresh session keyring named after the container, so containers do
/// not share the caller's keys.
pub fn join_session_keyring(name: &str) -> std::io::Result<()> {
    let c = CString::new(name).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: KEYCTL_JOIN_SESSION_KEYRING takes a NUL-terminated name we own.
    errno_result(unsafe {
        libc::syscall(libc::SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, c.as_ptr())
    })
    .map(|_| ())
}

/// TIOCGPTPEER: opens the pty slave of `master` without going through a path
/// the container could have replaced.
pub fn pty_peer(master: RawFd) -> std::io::Result<OwnedFd> {
    const TIOCGPTPEER: libc::c_ulong = 0x5441;
    // SAFETY: the ioctl takes open flags by value and returns a new fd.
    let fd = unsafe { libc::ioctl(master, TIOCGPTPEER as _, libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh fd from the kernel.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub fn cstr(path: &Path) -> std::io::Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))
}

/// Brings the loopback interface of our network namespace up.
pub fn loopback_up() -> std::io::Result<()> {
    // SAFETY: a datagram socket, closed below; it only carries the ioctls.
    let sock = errno_result(unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) } as _)?;
    // SAFETY: the fd was just returned to us and nothing else owns it.
    let sock = unsafe { OwnedFd::from_raw_fd(sock as RawFd) };
    // SAFETY: an ifreq zeroed and named "lo", valid for both ioctls.
    unsafe {
        let mut req: libc::ifreq = std::mem::zeroed();
        for (slot, b) in req.ifr_name.iter_mut().zip(b"lo\0") {
            *slot = *b as libc::c_char;
        }
        errno_result(libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) as _)?;
        req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        errno_result(libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) as _)?;
    }
    Ok(())
}

/// What berth reads of /proc/PID/stat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    /// The state letter: R, S, D, Z (zombie), X (dead), ...
    pub state: char,
    pub ppid: i32,
    /// Clock ticks since boot (field 22): with the pid it identifies a
    /// process across pid reuse.
    pub start_time: u64,
}

impl ProcStat {
    pub fn read(pid: i32) -> crate::error::Result<ProcStat> {
        let path = std::path::PathBuf::from(format!("/proc/{pid}/stat"));
        let text = std::fs::read_to_string(&path).sys_at("read", &path)?;
        ProcStat::parse(&text).ok_or_else(|| crate::Error::path(&path, "malformed"))
    }

    fn parse(text: &str) -> Option<ProcStat> {
        // The command name may hold spaces and parens: fields follow the last ')'.
        let mut fields = text.rsplit_once(')')?.1.split_whitespace();
        let state = fields.next()?.chars().next()?;
        let ppid = fields.next()?.parse().ok()?;
        let start_time = fields.nth(17)?.parse().ok()?;
        Some(ProcStat { state, ppid, start_time })
    }

    pub fn exited(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }
}

#[cfg(test)]
mod stat_tests {
    #[test]
    fn fields_follow_the_last_paren() {
        let text = "42 (a) b (c)) S 7 42 42 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 12345 0 0";
        let s = super::ProcStat::parse(text).unwrap();
        assert_eq!((s.state, s.ppid, s.start_time), ('S', 7, 12345));
        assert!(super::ProcStat::parse("42 (x) Z 1").is_none());
        assert!(super::ProcStat::parse("42 (x) Z 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 99").unwrap().exited());
    }
}

/// A new read-only, empty tmpfs as a detached mount (fsopen/fsconfig/fsmount),
/// ready for `move_mount`; used to mask directories without a path.
pub fn empty_ro_tmpfs() -> std::io::Result<OwnedFd> {
    new_detached_mount(c"tmpfs", &[(c"size", c"0")], MOUNT_ATTR_RDONLY)
}

/// A new instance of the filesystem `fstype` as a detached mount that no
/// path reaches (fsopen, fsconfig, fsmount), always nosuid, nodev, noexec.
pub fn new_detached_mount(fstype: &CStr, options: &[(&CStr, &CStr)], attrs: u64) -> std::io::Result<OwnedFd> {
    const FSOPEN_CLOEXEC: u32 = 1;
    const FSCONFIG_SET_STRING: u32 = 1;
    const FSCONFIG_CMD_CREATE: u32 = 6;
    const FSMOUNT_CLOEXEC: u32 = 1;
    // SAFETY: a NUL-terminated name; returns a new fd or -1.
    let fs = errno_result(unsafe { libc::syscall(libc::SYS_fsopen, fstype.as_ptr(), FSOPEN_CLOEXEC) })?;
    // SAFETY: the kernel handed us this fd; we own it from here on.
    let fs = unsafe { OwnedFd::from_raw_fd(fs as RawFd) };
    for (key, value) in options {
        // SAFETY: NUL-terminated key and value strings; fd is ours.
        errno_result(unsafe {
            libc::syscall(libc::SYS_fsconfig, fs.as_raw_fd(), FSCONFIG_SET_STRING, key.as_ptr(), value.as_ptr(), 0)
        })?;
    }
    // SAFETY: CMD_CREATE takes no key or value.
    errno_result(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_CMD_CREATE,
            std::ptr::null::<u8>(),
            std::ptr::null::<u8>(),
            0,
        )
    })?;
    // SAFETY: integer arguments on our own fs context fd.
    let m = errno_result(unsafe {
        libc::syscall(
            libc::SYS_fsmount,
            fs.as_raw_fd(),
            FSMOUNT_CLOEXEC,
            attrs | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
        )
    })?;
    // SAFETY: a fresh mount fd from the kernel.
    Ok(unsafe { OwnedFd::from_raw_fd(m as RawFd) })
}

pub fn setrlimit(resource: libc::c_int, soft: u64, hard: u64) -> std::io::Result<()> {
    let lim = libc::rlimit { rlim_cur: soft, rlim_max: hard };
    // SAFETY: `lim` is a valid rlimit for the duration of the call.
    if unsafe { libc::setrlimit(resource as _, &lim) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// capset(2) of all three sets at once (v3 ABI, 64 capabilities), which the
/// kernel checks as one transition: no intermediate state needs CAP_SETPCAP.
pub fn capset(effective: u64, permitted: u64, inheritable: u64) -> std::io::Result<()> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = Header { version: 0x20080522, pid: 0 };
    let lo = |v: u64| v as u32;
    let hi = |v: u64| (v >> 32) as u32;
    let data = [
        Data { effective: lo(effective), permitted: lo(permitted), inheritable: lo(inheritable) },
        Data { effective: hi(effective), permitted: hi(permitted), inheritable: hi(inheritable) },
    ];
    // SAFETY: header and a two-element data array, as the v3 ABI requires.
    errno_result(unsafe { libc::syscall(libc::SYS_capset, &mut header as *mut Header, data.as_ptr()) }).map(|_| ())
}

/// capget(2) of this process: (effective, permitted, inheritable).
pub fn capget() -> std::io::Result<(u64, u64, u64)> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = Header { version: 0x20080522, pid: 0 };
    let mut data = [Data::default(); 2];
    // SAFETY: header and a writable two-element data array, as the v3 ABI requires.
    errno_result(unsafe { libc::syscall(libc::SYS_capget, &mut header as *mut Header, data.as_mut_ptr()) })?;
    let join = |lo: u32, hi: u32| u64::from(lo) | (u64::from(hi) << 32);
    Ok((
        join(data[0].effective, data[1].effective),
        join(data[0].permitted, data[1].permitted),
        join(data[0].inheritable, data[1].inheritable),
    ))
}

/// sched_setattr's struct sched_attr (`size` is filled in by the call).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SchedAttr {
    pub size: u32,
    pub policy: u32,
    pub flags: u64,
    pub nice: i32,
    pub priority: u32,
    pub runtime: u64,
    pub deadline: u64,
    pub period: u64,
}

pub fn sched_setattr(attr: &mut SchedAttr) -> std::io::Result<()> {
    attr.size = std::mem::size_of::<SchedAttr>() as u32;
    // SAFETY: a valid sched_attr of the declared size; pid 0 is the caller.
    errno_result(unsafe { libc::syscall(libc::SYS_sched_setattr, 0, attr as *mut SchedAttr, 0) }).map(|_| ())
}

/// Unblocks every signal and restores default dispositions, so the process we
/// exec (or a hook) does not inherit the runtime's signal handling.
pub fn reset_signals() {
    // SAFETY: sigset operations on a local set; SIG_DFL for each valid signal.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
        for sig in 1..libc::SIGRTMAX() {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
    }
}
