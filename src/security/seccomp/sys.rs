//! The seccomp(2) calls, each `unsafe` with its argument.
//! libc has no wrapper for seccomp(2), so it goes through syscall(2).

use std::io;

use crate::sys::errno_result as seccomp_result;

/// SECCOMP_SET_MODE_FILTER: attaches `filter` to the calling thread. Returns
/// the listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0 (or, with
/// TSYNC alone, the id of a thread that could not be synchronised).
pub fn set_mode_filter(flags: u32, filter: &[libc::sock_filter]) -> io::Result<libc::c_long> {
    let len = u16::try_from(filter.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let prog = libc::sock_fprog { len, filter: filter.as_ptr().cast_mut() };
    // SAFETY: `prog` points at `filter`, `len` instructions that stay borrowed
    // for the whole call; the kernel copies them and never writes through the
    // pointer (the `*mut` is only the C declaration's).
    let ret = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::c_ulong::from(flags),
            &prog as *const libc::sock_fprog,
        )
    };
    seccomp_result(ret)
}

/// SECCOMP_GET_ACTION_AVAIL (Linux 4.14): Ok if the kernel knows `action`
/// (a SECCOMP_RET_* value without data), EOPNOTSUPP if not.
pub fn action_available(action: u32) -> io::Result<()> {
    // SAFETY: the kernel reads one u32 through the pointer, which points at a
    // live local for the duration of the call.
    let ret = unsafe {
        libc::syscall(libc::SYS_seccomp, libc::SECCOMP_GET_ACTION_AVAIL, 0 as libc::c_ulong, &action as *const u32)
    };
    seccomp_result(ret).map(drop)
}

/// Whether the kernel accepts filter `flags`, asked the way libseccomp and
/// crun ask: SECCOMP_SET_MODE_FILTER with no filter. A kernel that knows the
/// flags gets as far as copying the filter and fails with EFAULT; one that
/// does not fails with EINVAL first. Nothing is installed either way.
pub fn flags_accepted(flags: u32) -> bool {
    // SAFETY: a null filter pointer is never dereferenced in user space; the
    // kernel's copy_from_user fails on it and returns EFAULT.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::c_ulong::from(flags),
            std::ptr::null::<libc::sock_fprog>(),
        )
    };
    seccomp_result(ret).is_err_and(|e| e.raw_os_error() == Some(libc::EFAULT))
}
