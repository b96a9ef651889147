//! Small helpers shared by the subcommands: errno handling, C strings and
//! lossy conversions. The probe must keep working in hostile environments
//! (no /proc, odd paths, seccomp filters), so everything here reports failure
//! as data instead of panicking.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// errno of the last failed libc call.
pub fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// errno carried by an `io::Error`; errors that did not come from the OS
/// (e.g. interior NUL in a path) are mapped to EINVAL so callers always get
/// a number to report.
pub fn err_code(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EINVAL)
}

/// Convert a path argument to a C string without assuming UTF-8, since the
/// tests may deliberately probe non-UTF-8 file names.
pub fn cstring(s: &OsStr) -> Result<CString, i32> {
    CString::new(s.as_bytes()).map_err(|_| libc::EINVAL)
}

pub fn lossy(s: &OsStr) -> String {
    s.to_string_lossy().into_owned()
}

/// readlink(2) as a lossy string; `None` on any error, which is how missing
/// /proc entries are represented in the output.
pub fn readlink(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_link(path).ok().map(|p| p.as_os_str().to_string_lossy().into_owned())
}

/// Whole-file read as lossy UTF-8. Procfs files report a size of 0, so this
/// relies on `fs::read` reading until EOF rather than trusting st_size.
pub fn read_lossy(path: impl AsRef<Path>) -> io::Result<String> {
    std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Lossy string from a fixed-size, NUL-terminated C char array such as the
/// fields of `struct utsname`.
pub fn c_chars_to_string(chars: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = chars.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// open(2) with O_CLOEXEC added, returning the fd or errno. The caller owns
/// the returned fd.
pub fn open_raw(path: &OsStr, flags: libc::c_int) -> Result<libc::c_int, i32> {
    let c = cstring(path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call;
    // open does not retain the pointer.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        Err(errno())
    } else {
        Ok(fd)
    }
}

pub fn close(fd: libc::c_int) {
    // SAFETY: callers only pass fds they obtained from open_raw and have not
    // closed yet; a failing close is harmless for a short-lived probe.
    unsafe {
        libc::close(fd);
    }
}

/// Value of a `Key:\tvalue` line in /proc/self/status.
pub fn status_field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k == key).then(|| v.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_status_fields() {
        let s = "Name:\tprobe\nUid:\t0\t1\t2\t3\nCapEff:\t00000000a80425fb\n";
        assert_eq!(status_field(s, "CapEff"), Some("00000000a80425fb"));
        assert_eq!(status_field(s, "Uid"), Some("0\t1\t2\t3"));
        assert_eq!(status_field(s, "CapAmb"), None);
    }
}
