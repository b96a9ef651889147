//! Where a container's cgroups live, their limits, and how its process gets
//! into them.
//!
//! Paths always resolve from each hierarchy's root, never from the caller's
//! own cgroup: the caller's cgroup belongs to whoever started us.

pub mod mount;
pub mod resources;

use anyhow::{anyhow, bail, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// cgroup2 only.
    Unified,
    /// v1 controllers plus a cgroup2 mount (systemd's "hybrid" layout).
    Hybrid,
    /// v1 only.
    Legacy,
}

#[derive(Debug, Clone)]
pub struct Hierarchy {
    pub mount_point: PathBuf,
    pub v2: bool,
    /// v1 mount options naming the controllers, e.g. ["cpu"] or ["name=systemd"].
    pub controllers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub kind: Kind,
    pub hierarchies: Vec<Hierarchy>,
}

/// Reads the cgroup mounts of this mount namespace from mountinfo text.
pub fn parse_layout(mountinfo: &str) -> Layout {
    let mut hierarchies = Vec::new();
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else { continue };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 5 || r.len() < 3 || l[3] != "/" {
            continue;
        }
        let mount_point = PathBuf::from(unescape(l[4]));
        match r[0] {
            "cgroup2" => hierarchies.push(Hierarchy { mount_point, v2: true, controllers: vec![] }),
            "cgroup" => {
                let controllers = r[2]
                    .split(',')
                    .filter(|o| {
                        !matches!(*o, "rw" | "ro" | "clone_children" | "xattr" | "noprefix")
                            && !o.starts_with("release_agent=")
                    })
                    .map(String::from)
                    .collect();
                hierarchies.push(Hierarchy { mount_point, v2: false, controllers });
            }
            _ => {}
        }
    }
    let v1 = hierarchies.iter().any(|h| !h.v2);
    let v2 = hierarchies.iter().any(|h| h.v2);
    let kind = match (v1, v2) {
        (true, true) => Kind::Hybrid,
        (true, false) => Kind::Legacy,
        _ => Kind::Unified,
    };
    Layout { kind, hierarchies }
}

fn unescape(s: &str) -> String {
    s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
}

pub fn detect() -> Result<Layout> {
    let text =
        std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| anyhow!("read /proc/self/mountinfo: {e}"))?;
    Ok(parse_layout(&text))
}

/// The cgroup path relative to each hierarchy root. Empty means the default,
/// `/berth/<id>`; relative paths are taken from the root as well.
pub fn relative_path(cgroups_path: Option<&Path>, id: &str) -> Result<PathBuf> {
    let p = match cgroups_path {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("berth").join(id),
    };
    let rel = crate::spec::plan::relative_destination(&p).map_err(|e| anyhow!("linux.cgroupsPath: {e}"))?;
    if rel.as_os_str().is_empty() {
        anyhow::bail!("linux.cgroupsPath: {} names the root cgroup", p.display());
    }
    Ok(rel)
}

/// The container's cgroup directories: one per hierarchy, plus what we made.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    /// The container's directory in every hierarchy.
    pub dirs: Vec<PathBuf>,
    /// Directories this container created, parents before children.
    pub created: Vec<PathBuf>,
}

/// Creates the container's directory in every hierarchy. On failure, removes
/// what it made and reports the path.
pub fn create(layout: &Layout, rel: &Path) -> Result<Placement> {
    let mut placement = Placement::default();
    for h in &layout.hierarchies {
        let dir = h.mount_point.join(rel);
        if let Err(e) = mkdir_all(h, &h.mount_point, rel, &mut placement.created) {
            remove(&placement);
            return Err(e);
        }
        placement.dirs.push(dir);
    }
    Ok(placement)
}

/// Another container's delete may remove a shared parent (such as `berth`)
/// between our mkdirs; then we start again from the top.
fn mkdir_all(h: &Hierarchy, base: &Path, rel: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    for _ in 0..10 {
        match mkdir_all_once(h, base, rel, created) {
            Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound) => {
                continue
            }
            other => return other.map_err(|e| anyhow!("linux.cgroupsPath: {e:#}")),
        }
    }
    Err(anyhow!("linux.cgroupsPath: {}: parent kept disappearing", base.join(rel).display()))
}

fn mkdir_all_once(h: &Hierarchy, base: &Path, rel: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    let mut cur = base.to_path_buf();
    for c in rel.components() {
        let parent = cur.clone();
        cur.push(c);
        match std::fs::create_dir(&cur) {
            Ok(()) => {
                created.push(cur.clone());
                if h.controllers.iter().any(|c| c == "cpuset") {
                    inherit_cpuset(&parent, &cur)?;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(e.into()),
            Err(e) => return Err(anyhow!("mkdir {}: {e}", cur.display())),
        }
    }
    Ok(())
}

/// A new v1 cpuset cgroup starts with no cpus and no mems, and no process can
/// join it until they are copied from the parent.
fn inherit_cpuset(parent: &Path, child: &Path) -> Result<()> {
    for f in ["cpuset.cpus", "cpuset.mems"] {
        let v =
            std::fs::read_to_string(parent.join(f)).map_err(|e| anyhow!("read {}: {e}", parent.join(f).display()))?;
        std::fs::write(child.join(f), v.trim()).map_err(|e| anyhow!("write {}: {e}", child.join(f).display()))?;
    }
    Ok(())
}

pub fn join(placement: &Placement, pid: i32) -> Result<()> {
    for dir in &placement.dirs {
        let f = dir.join("cgroup.procs");
        std::fs::write(&f, pid.to_string()).map_err(|e| anyhow!("join cgroup {}: {e}", f.display()))?;
    }
    Ok(())
}

/// Writes the container's limits, before its process joins. Each controller
/// goes where the host has it: a v1 hierarchy, else the v2 tree (hybrid hosts
/// keep some controllers only there). A controller the host lacks is an error.
pub fn apply(layout: &Layout, placement: &Placement, r: Option<&oci_spec::runtime::LinuxResources>) -> Result<()> {
    use resources::{controller_writes, device_writes, Version};
    let r = r.cloned().unwrap_or_default();
    let v1_dir = |c: &str| {
        layout.hierarchies.iter().zip(&placement.dirs).find(|(h, _)| !h.v2 && h.controllers.iter().any(|x| x == c))
    };
    let v2 = layout.hierarchies.iter().zip(&placement.dirs).find(|(h, _)| h.v2);
    let rules = r.devices().clone().unwrap_or_default();
    match v1_dir("devices") {
        Some((_, dir)) => write_all(dir, &device_writes(&rules)?)?,
        None => crate::logging::debug("no v1 devices controller: device rules are not enforced on cgroup v2 yet"),
    }
    for (controller, field) in resources::wanted(&r) {
        if let Some((_, dir)) = v1_dir(controller) {
            write_all(dir, &controller_writes(&r, controller, Version::V1)?)?;
            continue;
        }
        let v2_name = if controller == "blkio" { "io" } else { controller };
        match v2 {
            Some((h, dir)) if v2_has(&h.mount_point, v2_name) => {
                enable_v2(&h.mount_point, dir, v2_name)?;
                write_all(dir, &controller_writes(&r, v2_name, Version::V2)?)?;
            }
            _ => bail!("{field}: the {controller} controller is not available on this host"),
        }
    }
    if let Some(unified) = r.unified().as_ref().filter(|u| !u.is_empty()) {
        let Some((h, dir)) = v2 else { bail!("linux.resources.unified: this host has no cgroup v2 hierarchy") };
        for (key, value) in unified {
            if key.contains('/') || !dir.join(key).exists() {
                bail!("linux.resources.unified: {key:?} is not a cgroup v2 file here");
            }
            if let Some((controller, _)) = key.split_once('.') {
                if v2_has(&h.mount_point, controller) {
                    enable_v2(&h.mount_point, dir, controller)?;
                }
            }
            write_one(dir, key, value, "linux.resources.unified")?;
        }
    }
    Ok(())
}

fn write_all(dir: &Path, writes: &[resources::Write]) -> Result<()> {
    writes.iter().try_for_each(|w| write_one(dir, &w.file, &w.value, w.field))
}

fn write_one(dir: &Path, file: &str, value: &str, field: &str) -> Result<()> {
    let path = dir.join(file);
    std::fs::write(&path, value).map_err(|e| anyhow!("{field}: write {value:?} to {}: {e}", path.display()))
}

fn v2_has(mount_point: &Path, controller: &str) -> bool {
    std::fs::read_to_string(mount_point.join("cgroup.controllers"))
        .is_ok_and(|s| s.split_whitespace().any(|c| c == controller))
}

/// A v2 controller is usable in a cgroup only when every ancestor enables it
/// for its children.
fn enable_v2(mount_point: &Path, dir: &Path, controller: &str) -> Result<()> {
    let Ok(rel) = dir.strip_prefix(mount_point) else { return Ok(()) };
    let mut cur = mount_point.to_path_buf();
    for c in rel.parent().into_iter().flat_map(|p| p.components()) {
        enable_in(&cur, controller)?;
        cur.push(c);
    }
    enable_in(&cur, controller)
}

fn enable_in(dir: &Path, controller: &str) -> Result<()> {
    let file = dir.join("cgroup.subtree_control");
    let current = std::fs::read_to_string(&file).unwrap_or_default();
    if current.split_whitespace().any(|c| c == controller) {
        return Ok(());
    }
    std::fs::write(&file, format!("+{controller}"))
        .map_err(|e| anyhow!("enable {controller} in {}: {e}", file.display()))
}

/// Every pid in the container's cgroup (from the first hierarchy).
pub fn pids(placement: &Placement) -> Result<Vec<i32>> {
    let Some(dir) = placement.dirs.first() else { return Ok(vec![]) };
    let text = std::fs::read_to_string(dir.join("cgroup.procs"))
        .map_err(|e| anyhow!("read {}/cgroup.procs: {e}", dir.display()))?;
    Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect())
}

/// Removes what the container created, children first. A directory still in
/// use by another container (a shared parent) is left alone.
pub fn remove(placement: &Placement) {
    for dir in placement.created.iter().rev() {
        for _ in 0..50 {
            match std::fs::remove_dir(dir) {
                // Just-killed tasks can take a moment to leave a v1 cgroup.
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) && placement.dirs.contains(dir) => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                _ => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
25 1 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
27 25 0:24 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
28 25 0:25 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
29 25 0:26 /sub /mnt/bound rw - cgroup cgroup rw,memory
";

    #[test]
    fn detects_hybrid_and_skips_bind_mounts() {
        let l = parse_layout(HYBRID);
        assert_eq!(l.kind, Kind::Hybrid);
        assert_eq!(l.hierarchies.len(), 3);
        assert_eq!(l.hierarchies[1].controllers, vec!["cpu"]);
        assert_eq!(l.hierarchies[2].controllers, vec!["name=systemd"]);
    }

    #[test]
    fn unified_and_legacy() {
        assert_eq!(parse_layout("30 1 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n").kind, Kind::Unified);
        assert_eq!(parse_layout("27 25 0:24 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n").kind, Kind::Legacy);
    }

    #[test]
    fn paths_resolve_from_the_root() {
        assert_eq!(relative_path(None, "c1").unwrap(), PathBuf::from("berth/c1"));
        assert_eq!(relative_path(Some(Path::new("a/b")), "c1").unwrap(), PathBuf::from("a/b"));
        assert_eq!(relative_path(Some(Path::new("/a/b")), "c1").unwrap(), PathBuf::from("a/b"));
        assert!(relative_path(Some(Path::new("/")), "c1").is_err());
        assert!(relative_path(Some(Path::new("/../x")), "c1").is_err());
    }

    #[test]
    fn creates_and_removes_in_a_tempdir() {
        let t = tempfile::tempdir().unwrap();
        let layout = Layout {
            kind: Kind::Unified,
            hierarchies: vec![Hierarchy { mount_point: t.path().into(), v2: true, controllers: vec![] }],
        };
        std::fs::create_dir(t.path().join("shared")).unwrap();
        let p = create(&layout, Path::new("shared/a/b")).unwrap();
        assert_eq!(p.created, vec![t.path().join("shared/a"), t.path().join("shared/a/b")]);
        remove(&p);
        assert!(!t.path().join("shared/a").exists());
        assert!(t.path().join("shared").exists());
    }
}
