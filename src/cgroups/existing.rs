//! A `cgroupsPath` that names a cgroup which already exists: checked before
//! anything is made, as runc checks it. A frozen one would freeze init on
//! entry, leaving create waiting on a child that cannot answer: refused. One
//! with processes in it is allowed (engines reuse pod cgroups) with runc's
//! warning.

use super::freezer::Freezer;
use super::{Error, Layout};
use crate::error::Result;
use std::path::Path;

pub fn check(layout: &Layout, rel: &Path) -> Result<()> {
    let mut busy = None;
    for h in &layout.hierarchies {
        let dir = h.mount_point.join(rel);
        if !dir.is_dir() {
            continue;
        }
        let freezer = if h.v2 { Freezer::V2(dir.clone()) } else { Freezer::V1(dir.clone()) };
        // Only the freezer's own hierarchy (or cgroup2) has the file to read.
        if freezer.is_frozen().unwrap_or(false) {
            return Err(crate::Error::field("linux.cgroupsPath", Error::Frozen { path: dir }));
        }
        if busy.is_none() {
            let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
            let n = procs.lines().filter(|l| !l.trim().is_empty()).count();
            if n > 0 {
                busy = Some((dir, n));
            }
        }
    }
    if let Some((dir, n)) = busy {
        crate::logging::warn(&format!("container's cgroup is not empty: {n} process(es) in {}", dir.display()));
    }
    Ok(())
}
