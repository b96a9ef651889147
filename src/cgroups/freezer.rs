//! Freezing a container's processes: the v1 freezer controller, or v2's
//! `cgroup.freeze`. Both are asynchronous (each task stops on its way back to
//! user space), so freezing waits until the kernel reports the whole cgroup
//! frozen: `pause` must not return while a task can still run.

use super::{write, Bound, Error, Placement};
use crate::error::{Result, SysResult};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a freeze may take before we give up and thaw again.
const FREEZE_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freezer {
    /// The container's directory in the v1 freezer hierarchy.
    V1(PathBuf),
    /// The container's cgroup2 directory.
    V2(PathBuf),
}

impl Freezer {
    /// The v1 freezer controller where the host mounts one (v1 and hybrid
    /// hosts), else cgroup2's `cgroup.freeze`.
    pub fn of(cg: &Bound) -> Result<Freezer> {
        if let Some(dir) = cg.v1("freezer") {
            return Ok(Freezer::V1(dir.into()));
        }
        match cg.v2() {
            Some((_, dir)) if dir.join("cgroup.freeze").exists() => Ok(Freezer::V2(dir.into())),
            _ => Err(Error::NoController { controller: "freezer".into() }.into()),
        }
    }

    pub fn freeze(&self) -> Result<()> {
        match self {
            Freezer::V1(dir) => freeze_v1(dir),
            Freezer::V2(dir) => set_v2(dir, true),
        }
    }

    pub fn thaw(&self) -> Result<()> {
        match self {
            Freezer::V1(dir) => thaw_v1(dir),
            Freezer::V2(dir) => set_v2(dir, false),
        }
    }

    /// Whether the cgroup is frozen or being frozen (what was asked of it).
    pub fn is_frozen(&self) -> Result<bool> {
        match self {
            Freezer::V1(dir) => Ok(read(&dir.join("freezer.state"))? != "THAWED"),
            Freezer::V2(dir) => Ok(read(&dir.join("cgroup.freeze"))? == "1"),
        }
    }
}

/// Thaws a container's cgroup if it is frozen, ignoring every error: for
/// paths (delete, kill) that must go on either way.
pub fn thaw_if_frozen(placement: &Placement) {
    let Ok(f) = super::bind(placement).and_then(|cg| Freezer::of(&cg)) else { return };
    if f.is_frozen().unwrap_or(false) {
        if let Err(e) = f.thaw() {
            crate::logging::warn(&format!("thaw: {e:#}"));
        }
    }
}

/// Writes FROZEN until the state reads FROZEN (it reads FREEZING while tasks
/// are still on their way). Now and then we thaw for a moment, as runc does:
/// a freeze can stall on a task that waits for another (vfork), and thawing
/// lets that pair move on.
fn freeze_v1(dir: &Path) -> Result<()> {
    let file = dir.join("freezer.state");
    let deadline = Instant::now() + FREEZE_TIMEOUT;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        if attempt % 500 == 0 {
            write(&file, "THAWED")?;
        }
        write(&file, "FROZEN")?;
        if read(&file)? == "FROZEN" {
            return Ok(());
        }
        if Instant::now() > deadline {
            let _ = write(&file, "THAWED");
            return Err(stuck(file, "FREEZING".into(), true));
        }
        std::thread::sleep(POLL);
    }
}

fn thaw_v1(dir: &Path) -> Result<()> {
    let file = dir.join("freezer.state");
    write(&file, "THAWED")?;
    wait_until(&file, FREEZE_TIMEOUT, |s| s == "THAWED")?.map_err(|state| stuck(file, state, false))
}

/// Writes cgroup.freeze, then waits for cgroup.events to say the cgroup got
/// there (`frozen 1` once every task has stopped). A freeze that does not
/// finish is undone.
fn set_v2(dir: &Path, frozen: bool) -> Result<()> {
    let (want, line) = if frozen { ("1", "frozen 1") } else { ("0", "frozen 0") };
    write(&dir.join("cgroup.freeze"), want)?;
    let events = dir.join("cgroup.events");
    wait_until(&events, FREEZE_TIMEOUT, |s| s.lines().any(|l| l == line))?.map_err(|state| {
        let thawed = frozen && write(&dir.join("cgroup.freeze"), "0").is_ok();
        stuck(events, state, thawed)
    })
}

/// Polls `file` until `done` says yes (Ok(Ok)), or `timeout` passes:
/// Ok(Err(what the file said last)).
fn wait_until(file: &Path, timeout: Duration, done: impl Fn(&str) -> bool) -> Result<Result<(), String>> {
    let deadline = Instant::now() + timeout;
    loop {
        let s = read(file)?;
        if done(&s) {
            return Ok(Ok(()));
        }
        if Instant::now() > deadline {
            return Ok(Err(s));
        }
        std::thread::sleep(POLL);
    }
}

/// A freeze or thaw that did not finish within FREEZE_TIMEOUT.
fn stuck(path: PathBuf, state: String, thawed: bool) -> crate::Error {
    Error::Stuck { path, state, after: FREEZE_TIMEOUT, thawed }.into()
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).map(|s| s.trim().to_string()).sys_at("read", file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroups::{Hierarchy, Kind};

    fn bound(pairs: Vec<(Hierarchy, PathBuf)>) -> Bound {
        Bound { kind: Kind::Hybrid, pairs }
    }

    #[test]
    fn v1_freezer_is_preferred_and_v2_needs_cgroup_freeze() {
        let t = tempfile::tempdir().unwrap();
        let v1 = Hierarchy { mount_point: t.path().join("freezer"), v2: false, controllers: vec!["freezer".into()] };
        let v2 = Hierarchy { mount_point: t.path().join("unified"), v2: true, controllers: vec![] };
        let (d1, d2) = (t.path().join("freezer/c"), t.path().join("unified/c"));
        std::fs::create_dir_all(&d2).unwrap();
        let both = bound(vec![(v2.clone(), d2.clone()), (v1, d1.clone())]);
        assert_eq!(Freezer::of(&both).unwrap(), Freezer::V1(d1));
        let only_v2 = bound(vec![(v2, d2.clone())]);
        assert!(Freezer::of(&only_v2).is_err(), "no cgroup.freeze: no freezer");
        std::fs::write(d2.join("cgroup.freeze"), "0\n").unwrap();
        assert_eq!(Freezer::of(&only_v2).unwrap(), Freezer::V2(d2));
    }

    #[test]
    fn v2_freeze_waits_for_cgroup_events() {
        // A plain directory stands in for the cgroup: the "kernel" has
        // already reported frozen, so the wait ends at once.
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("cgroup.events"), "populated 1\nfrozen 1\n").unwrap();
        let f = Freezer::V2(t.path().into());
        f.freeze().unwrap();
        assert!(f.is_frozen().unwrap());
        let events = t.path().join("cgroup.events");
        assert_eq!(
            wait_until(&events, Duration::from_millis(20), |s| s.contains("frozen 0")).unwrap(),
            Err("populated 1\nfrozen 1".to_string())
        );
    }
}
