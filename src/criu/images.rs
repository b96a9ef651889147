//! What berth keeps beside CRIU's images: enough to restore the container
//! from its bundle, and to refuse images made from another config.
//!
//! `berth.json` in the image directory holds the container's id, what the
//! images can only be restored with (the program, its terminal, the kinds
//! of namespace: `identity`), where its stdio went (the restored process
//! gets the restorer's stdio in its place), and whether it had a terminal.
//! Paths, ids and mount sources may change between checkpoint and restore
//! (a bundle copied to another host; podman writes a new config for a
//! restore), so they are not part of the identity.

use super::Error;
use crate::error::{About, Result, SysResult};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FILE: &str = "berth.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub id: String,
    /// FNV-1a of what the images need of the config (`identity`): tells
    /// configs apart, not a secret.
    pub identity: String,
    /// What init's fds 0, 1 and 2 were, as CRIU knows them (`pipe:[123]`,
    /// `file[mnt:inode]`): the restored process gets the restorer's stdio
    /// in their place. Empty for a terminal, which comes back on its own.
    pub stdio: Vec<String>,
    pub terminal: bool,
}

/// What a restore of these images needs the config to say as it said at
/// the checkpoint: process.args, process.terminal, and the kinds of
/// namespace (new or joined), as a digest.
pub fn identity(config: &oci_spec::runtime::Spec) -> String {
    let process = config.process().as_ref();
    let mut kinds: Vec<String> = config
        .linux()
        .iter()
        .flat_map(|l| l.namespaces().iter().flatten())
        .map(|n| crate::spec::ns_kind::of(n.typ()).proc_name.to_string())
        .collect();
    kinds.sort();
    let canonical = serde_json::json!({
        "args": process.and_then(|p| p.args().clone()),
        "terminal": process.and_then(|p| p.terminal()).unwrap_or(false),
        "namespaces": kinds,
    });
    format!("{:016x}", fnv1a(canonical.to_string().as_bytes()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100000001b3))
}

/// Init's stdio as CRIU will know it: a pipe or socket by its name
/// (`pipe:[1234]`), a file by CRIU's key for an external file
/// (`file[MNT_ID:INODE]`, both hex: the caller's /dev/null or log file is
/// outside the container's mounts, which CRIU could not dump otherwise),
/// nothing for a terminal.
pub fn stdio_of(pid: i32) -> Vec<String> {
    (0..3).map(|fd| stdio_key(pid, fd).unwrap_or_default()).collect()
}

fn stdio_key(pid: i32, fd: i32) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?.to_string_lossy().into_owned();
    if link.starts_with("pipe:") || link.starts_with("socket:") {
        return Some(link);
    }
    if link.starts_with("/dev/pts/") {
        return None;
    }
    let ino = std::fs::metadata(format!("/proc/{pid}/fd/{fd}")).ok()?.ino();
    let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    let mnt: u64 = info.lines().find_map(|l| l.strip_prefix("mnt_id:"))?.trim().parse().ok()?;
    Some(format!("file[{mnt:x}:{ino:x}]"))
}

pub fn write(dir: &Path, meta: &Meta) -> Result<()> {
    let path = dir.join(FILE);
    let text = serde_json::to_vec_pretty(meta).map_err(|e| crate::Error::path(&path, e.to_string()))?;
    std::fs::write(&path, text).sys_at("write", &path)
}

/// The checkpoint in `dir`: CRIU's inventory and berth's own file, or an
/// error naming `--image-path` and what is missing.
pub fn read(dir: &Path) -> Result<Meta> {
    let missing = |what: &str| Error::NoImages { dir: dir.to_path_buf(), what: what.to_string() };
    if !dir.join("inventory.img").is_file() {
        return Err(missing("inventory.img")).flag("--image-path");
    }
    let path = dir.join(FILE);
    let text = std::fs::read(&path).map_err(|_| missing(FILE)).flag("--image-path")?;
    serde_json::from_slice(&text).map_err(|e| crate::Error::path(&path, e.to_string())).flag("--image-path")
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv1a_is_the_standard_one() {
        assert_eq!(super::fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(super::fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }
}
