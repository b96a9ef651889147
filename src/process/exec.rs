//! Finding the program to exec, inside the container, before `create` returns,
//! so that a missing program is a create error (exit 127) as with runc.

use crate::error::ExitError;
use nix::unistd::{access, AccessFlags};
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn find(arg0: &CStr, path_var: &str) -> Result<CString, ExitError> {
    let name = arg0.to_string_lossy();
    let not_found = || ExitError::new(127, format!("exec: {name:?}: executable file not found in $PATH"));
    let denied = || ExitError::new(126, format!("exec: {name:?}: permission denied"));
    let candidates: Vec<PathBuf> = if name.contains('/') {
        vec![PathBuf::from(name.as_ref())]
    } else {
        path_var.split(':').map(|d| Path::new(if d.is_empty() { "." } else { d }).join(name.as_ref())).collect()
    };
    let mut saw_denied = false;
    for c in candidates {
        match std::fs::metadata(&c) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 && access(&c, AccessFlags::X_OK).is_ok() => {
                return CString::new(c.as_os_str().as_bytes()).map_err(|_| not_found());
            }
            Ok(_) => saw_denied = true,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => saw_denied = true,
            Err(_) => {}
        }
    }
    Err(if saw_denied { denied() } else { not_found() })
}
