//! Whether berth runs rootless, decided as runc decides it, and where a
//! rootless berth keeps its state.
//!
//! `--rootless auto` (the default): rootless when the effective uid is not
//! 0, or when berth runs in a user namespace that does not map the whole id
//! range (root there is not root on the host). `true` and `false` force it.

use crate::error::{shown, OsError, Result};
use std::path::PathBuf;

pub fn detect(flag: Option<&str>) -> bool {
    match flag {
        Some("true") => true,
        Some("false") => false,
        _ => {
            !nix::unistd::geteuid().is_root()
                || !maps_everything(&std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default())
        }
    }
}

/// The initial user namespace's map: one line, 0 0 4294967295.
fn maps_everything(uid_map: &str) -> bool {
    let fields: Vec<&str> = uid_map.split_whitespace().collect();
    // No /proc (or an unreadable map): assume the host, as runc does.
    fields.is_empty() || fields == ["0", "0", "4294967295"]
}

/// The default state directory: /run/berth, or $XDG_RUNTIME_DIR/berth when
/// rootless (one line naming the problem when that cannot be used: an error
/// about `--root`, whose default it is).
pub fn default_root(rootless: bool) -> Result<PathBuf> {
    if !rootless {
        return Ok(PathBuf::from("/run/berth"));
    }
    let no_default = |why: String| Err(crate::Error::flag("--root", format!("rootless: XDG_RUNTIME_DIR {why}")));
    let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) else {
        return no_default("is not set; set it, or pass --root".into());
    };
    let dir = PathBuf::from(dir);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => Ok(dir.join("berth")),
        Ok(_) => no_default(format!("{} is not a directory; pass --root", shown(&dir))),
        Err(e) => no_default(format!("{}: {}; pass --root", shown(&dir), OsError::from(e))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_whole_range_is_the_host() {
        assert!(super::maps_everything("         0          0 4294967295\n"));
        assert!(super::maps_everything(""));
        assert!(!super::maps_everything("         0       1000          1\n"));
        assert!(!super::maps_everything("0 100000 65536\n"));
    }
}
