//! Finding the program to exec along PATH, inside the container, before
//! `create` returns, so that a missing program fails `create` (exit 127) as
//! with runc. Whether the process may execute what it found is execve's to
//! decide (it knows about CAP_DAC_OVERRIDE, ACLs and mount flags; an
//! access(2)-style prediction does not: runc#3715): only a file with no
//! execute bit at all, which nobody may run, is refused here (126).

use super::Error;
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn find(arg0: &CStr, path_var: &str) -> Result<CString, Error> {
    let name = std::ffi::OsStr::from_bytes(arg0.to_bytes());
    let shown = arg0.to_string_lossy();
    let not_found = || Error::NotFound { program: shown.to_string() };
    let denied = || Error::NotExecutable { program: shown.to_string() };
    // A name with a slash is the path itself: a directory there cannot run.
    let is_path = name.as_bytes().contains(&b'/');
    let candidates: Vec<PathBuf> = if is_path {
        vec![PathBuf::from(name)]
    } else {
        path_var.split(':').map(|d| Path::new(if d.is_empty() { "." } else { d }).join(name)).collect()
    };
    let mut saw_denied = false;
    for c in candidates {
        match std::fs::metadata(&c) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => {
                return CString::new(c.as_os_str().as_bytes()).map_err(|_| not_found());
            }
            Ok(m) if m.is_file() => saw_denied = true,
            Ok(_) if is_path => saw_denied = true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => saw_denied = true,
            Err(_) => {}
        }
    }
    Err(if saw_denied { denied() } else { not_found() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn file(dir: &Path, name: &str, mode: u32) {
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn any_execute_bit_is_left_to_execve() {
        let d = tempfile::tempdir().unwrap();
        file(d.path(), "owner-only", 0o700);
        file(d.path(), "none", 0o644);
        let path = d.path().to_str().unwrap();
        let c = |s: &str| CString::new(s).unwrap();
        // Whoever runs the test, a file with some x bit is found: execve decides.
        assert!(find(&c("owner-only"), path).unwrap().to_str().unwrap().ends_with("/owner-only"));
        assert_eq!(find(&c("none"), path).unwrap_err().exit_code(), Some(126));
        assert_eq!(find(&c("missing"), path).unwrap_err().exit_code(), Some(127));
        let dir_as_program = format!("{path}/");
        assert_eq!(find(&c(&dir_as_program), path).unwrap_err().exit_code(), Some(126));
    }
}
