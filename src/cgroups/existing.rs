//! A `cgroupsPath` that names a cgroup which already exists: checked before
//! anything is made, as runc checks it. A frozen one would freeze init on
//! entry, leaving create waiting on a child that cannot answer: refused. One
//! with processes in it is allowed (engines reuse pod cgroups) with runc's
//! warning.

use super::Layout;
use anyhow::{bail, Result};
use std::path::Path;

pub fn check(layout: &Layout, rel: &Path) -> Result<()> {
    let mut busy = None;
    for h in &layout.hierarchies {
        let dir = h.mount_point.join(rel);
        if !dir.is_dir() {
            continue;
        }
        if frozen(&dir, h.v2) {
            bail!(
                "linux.cgroupsPath: the cgroup {} is frozen; thaw it first (a container started in it could never run)",
                dir.display()
            );
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

fn frozen(dir: &Path, v2: bool) -> bool {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).map(|s| s.trim().to_string()).unwrap_or_default();
    if v2 {
        read("cgroup.freeze") == "1"
    } else {
        matches!(read("freezer.state").as_str(), "FROZEN" | "FREEZING")
    }
}
