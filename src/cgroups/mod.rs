//! Where a container's cgroups live, their limits, and how its process gets
//! into them.
//!
//! Paths always resolve from each hierarchy's root, never from the caller's
//! own cgroup: the caller's cgroup belongs to whoever started us.

pub mod device_filter;
pub mod error;
pub mod existing;
pub mod freezer;
pub mod mount;
pub mod plan;
pub mod resources;
pub mod rootless;
pub mod stats;
pub mod systemd;

pub use error::Error;
pub use plan::{plan, CgroupPlan};

use crate::error::{About, Result, SysResult};
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

/// Reads the cgroup mounts of this mount namespace from mountinfo text. A
/// later mount on the same point hides an earlier one (e.g. a tmpfs over
/// /sys/fs/cgroup/unified), so only the last mount at each point counts.
pub fn parse_layout(mountinfo: &str) -> Layout {
    let mut hierarchies: Vec<Hierarchy> = Vec::new();
    for m in crate::sys::mountinfo::parse(mountinfo) {
        let mount_point = m.mount_point;
        hierarchies.retain(|h| h.mount_point != mount_point);
        if m.root != "/" {
            continue;
        }
        match m.fstype.as_str() {
            "cgroup2" => hierarchies.push(Hierarchy { mount_point, v2: true, controllers: vec![] }),
            "cgroup" => {
                let controllers = m
                    .super_options
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

#[cfg(test)]
mod layout_tests {
    #[test]
    fn a_mount_over_a_hierarchy_hides_it() {
        let info = "30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n\
                    31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
                    32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
                    90 31 0:60 / /sys/fs/cgroup/unified rw - tmpfs x rw\n";
        let l = super::parse_layout(info);
        assert_eq!(l.hierarchies.len(), 1, "{l:?}");
        assert!(matches!(l.kind, super::Kind::Legacy));
    }
}

pub fn detect() -> Result<Layout> {
    let mountinfo = Path::new("/proc/self/mountinfo");
    let text = std::fs::read_to_string(mountinfo).sys_at("read", mountinfo)?;
    Ok(parse_layout(&text))
}

/// The container's cgroup directories: one per hierarchy, plus what we made.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    /// The container's directory in every hierarchy.
    pub dirs: Vec<PathBuf>,
    /// Directories this container created, parents before children.
    pub created: Vec<PathBuf>,
    /// Made rootless where no hierarchy was delegated to the user: the
    /// container has no cgroup on purpose.
    #[serde(default)]
    pub none_delegated: bool,
}

/// Creates the container's directory in every hierarchy. On failure, removes
/// what it made and reports the path.
pub fn create(layout: &Layout, rel: &Path) -> Result<Placement> {
    let mut placement = Placement { none_delegated: layout.hierarchies.is_empty(), ..Default::default() };
    for h in &layout.hierarchies {
        let dir = h.mount_point.join(rel);
        if let Err(e) = mkdir_all(h, &h.mount_point, rel, &mut placement.created) {
            remove(&placement);
            return Err(e);
        }
        if h.v2 && layout.kind == Kind::Unified {
            enable_for_stats(h, &dir);
        }
        placement.dirs.push(dir);
    }
    Ok(placement)
}

/// On a pure v2 host a controller's files (memory.current, pids.current...)
/// exist in the container's cgroup only when its parents enable it: enable
/// the ones `events` reads, as runc does, so a container without limits
/// still has figures. Best effort: a parent that holds processes refuses.
fn enable_for_stats(h: &Hierarchy, dir: &Path) {
    for controller in ["cpu", "io", "memory", "pids"] {
        if v2_has(&h.mount_point, controller) {
            if let Err(e) = enable_v2(&h.mount_point, dir, controller) {
                crate::logging::debug(&format!("{e:#}"));
            }
        }
    }
}

/// Another container's delete may remove a shared parent
/// between our mkdirs; then we start again from the top.
fn mkdir_all(h: &Hierarchy, base: &Path, rel: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    for _ in 0..10 {
        if mkdir_all_once(h, base, rel, created).field("linux.cgroupsPath")? {
            return Ok(());
        }
    }
    Err(crate::Error::field("linux.cgroupsPath", crate::Error::path(base.join(rel), "parent kept disappearing")))
}

/// False when a parent vanished under a mkdir (ENOENT), to start again.
fn mkdir_all_once(h: &Hierarchy, base: &Path, rel: &Path, created: &mut Vec<PathBuf>) -> Result<bool> {
    let mut cur = base.to_path_buf();
    for c in rel.components() {
        let parent = cur.clone();
        cur.push(c);
        match std::fs::create_dir(&cur) {
            Ok(()) => created.push(cur.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e).sys_at("mkdir", &cur),
        }
        // Also for a directory another container just made: it may not have
        // filled it yet, and an empty parent would leave ours empty too.
        if h.controllers.iter().any(|c| c == "cpuset") {
            inherit_cpuset(&parent, &cur)?;
        }
    }
    Ok(true)
}

/// A new v1 cpuset cgroup starts with no cpus and no mems, and no process can
/// join it until they are copied from the parent. Values already set (by the
/// config, a user, or a concurrent create) are kept.
fn inherit_cpuset(parent: &Path, child: &Path) -> Result<()> {
    let read = |p: PathBuf| std::fs::read_to_string(&p).sys_at("read", &p);
    for f in ["cpuset.cpus", "cpuset.mems"] {
        if !read(child.join(f))?.trim().is_empty() {
            continue;
        }
        let v = read(parent.join(f))?;
        match std::fs::write(child.join(f), v.trim()) {
            Ok(()) => {}
            // A concurrent create filled it first: fine if it is set now.
            Err(_) if !read(child.join(f))?.trim().is_empty() => {}
            Err(e) => return Err(write_failed(&child.join(f), v.trim(), e)),
        }
    }
    Ok(())
}

/// Moves process `pid` into `dirs` (by pid: see `SelfJoin` for the cheap way).
pub fn join(dirs: &[PathBuf], pid: i32) -> Result<()> {
    for dir in dirs {
        let f = dir.join("cgroup.procs");
        std::fs::write(&f, pid.to_string()).map_err(|e| Error::Join { path: f, os: e.into() })?;
    }
    Ok(())
}

/// The calling process's way into its cgroups: each directory's entry file,
/// opened while the host's cgroupfs is still in view, written later by
/// `enter`. Writing "0" to a v1 `tasks` file moves the current thread and
/// skips the kernel's global threadgroup lock, whose write side waits for an
/// RCU grace period (~10 ms here) when another process is moved by pid. Only
/// for a single-threaded caller, which then is the whole process. A v2
/// directory takes cgroup.procs.
pub struct SelfJoin(Vec<(PathBuf, std::fs::File)>);

impl SelfJoin {
    pub fn open(dirs: &[PathBuf]) -> Result<SelfJoin> {
        let open = |p: PathBuf| match std::fs::OpenOptions::new().write(true).open(&p) {
            Ok(f) => Ok((p, f)),
            Err(e) => Err((p, e)),
        };
        let files = dirs
            .iter()
            .map(|dir| match open(dir.join("tasks")) {
                Err((_, e)) if e.kind() == std::io::ErrorKind::NotFound => open(dir.join("cgroup.procs")),
                other => other,
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|(path, e)| Error::Join { path, os: e.into() })?;
        Ok(SelfJoin(files))
    }

    /// The files' fds, for a forked child to write "0" to before it execs
    /// (the files stay ours to close).
    pub fn raw_fds(&self) -> Vec<std::os::fd::RawFd> {
        use std::os::fd::AsRawFd;
        self.0.iter().map(|(_, f)| f.as_raw_fd()).collect()
    }

    /// Moves us in, and closes the files.
    pub fn enter(self) -> Result<()> {
        use std::io::Write;
        for (path, mut file) in self.0 {
            file.write_all(b"0").map_err(|e| Error::Join { path, os: e.into() })?;
        }
        Ok(())
    }
}

/// A container's cgroup directories, each paired with the hierarchy it lives
/// in, so a verb can find a controller's v1 directory or the v2 one.
#[derive(Debug, Clone)]
pub struct Bound {
    pub kind: Kind,
    pub pairs: Vec<(Hierarchy, PathBuf)>,
}

impl Bound {
    /// Pairs each directory with the hierarchy whose mount point holds it
    /// (the deepest one, should mounts nest). Matching by path rather than by
    /// position works for a layout detected long after `create`.
    pub fn new(layout: &Layout, placement: &Placement) -> Bound {
        let pairs = placement
            .dirs
            .iter()
            .filter_map(|d| {
                let h = layout
                    .hierarchies
                    .iter()
                    .filter(|h| d.starts_with(&h.mount_point))
                    .max_by_key(|h| h.mount_point.components().count())?;
                Some((h.clone(), d.clone()))
            })
            .collect();
        Bound { kind: layout.kind, pairs }
    }

    /// The container's directory in the v1 hierarchy of `controller`.
    pub fn v1(&self, controller: &str) -> Option<&Path> {
        self.pairs
            .iter()
            .find(|(h, _)| !h.v2 && h.controllers.iter().any(|c| c == controller))
            .map(|(_, d)| d.as_path())
    }

    /// The container's directory in the cgroup2 hierarchy, with that hierarchy.
    pub fn v2(&self) -> Option<(&Hierarchy, &Path)> {
        self.pairs.iter().find(|(h, _)| h.v2).map(|(h, d)| (h, d.as_path()))
    }
}

/// The container's cgroups as this host mounts them now.
pub fn bind(placement: &Placement) -> Result<Bound> {
    if placement.dirs.is_empty() {
        return Err(Error::NoCgroup { rootless: placement.none_delegated }.into());
    }
    Ok(Bound::new(&detect()?, placement))
}

/// Cgroup writes, all decided and checked before the first is made, so a bad
/// value is an error that changes nothing.
#[derive(Debug, Default)]
pub struct Plan {
    steps: Vec<Step>,
    /// cgroup v2's device rules: an eBPF program for this directory.
    device_filter: Option<(PathBuf, device_filter::Filter)>,
}

#[derive(Debug)]
struct Step {
    dir: PathBuf,
    /// A v2 controller to enable down to `dir` first: (mount point, name).
    enable: Option<(PathBuf, String)>,
    writes: Vec<resources::Write>,
}

impl Plan {
    /// This plan's writes, then `next`'s.
    fn then(mut self, next: Plan) -> Plan {
        self.steps.extend(next.steps);
        self.device_filter = self.device_filter.or(next.device_filter);
        self
    }

    pub fn execute(&self) -> Result<()> {
        if let Some((dir, filter)) = &self.device_filter {
            filter.attach(dir)?;
        }
        for s in &self.steps {
            if let Some((mount_point, controller)) = &s.enable {
                enable_v2(mount_point, &s.dir, controller)?;
            }
            write_all(&s.dir, &s.writes)?;
        }
        Ok(())
    }
}

/// Every write a new container's cgroups get (its device rules, then its
/// resources), worked out once, before any side effect, for the directories
/// `create` is about to make: a value that cannot work is refused before
/// the state dir, a cgroup or a process exists. Files are checked where the
/// directory already exists (a cgroupsPath given), the rest as they are
/// written. `Plan::execute` writes them once the directories are made.
/// Without `device_rules` (rootless: loading a v2 filter or writing v1
/// rules takes privileges the user lacks) none are written.
pub fn compile(
    layout: &Layout,
    rel: &Path,
    r: Option<&oci_spec::runtime::LinuxResources>,
    device_rules: bool,
) -> Result<Plan> {
    let placement =
        Placement { dirs: layout.hierarchies.iter().map(|h| h.mount_point.join(rel)).collect(), ..Default::default() };
    let cg = Bound::new(layout, &placement);
    let r = r.cloned().unwrap_or_default();
    let limits = plan_resources(&cg, &r, &r)?;
    if !device_rules {
        return Ok(limits);
    }
    Ok(plan_devices(&cg, r.devices().as_deref().unwrap_or_default())?.then(limits))
}

/// `update`: device rules only when the update gives some; then each
/// controller the update touches, written with the merged values (v2's
/// cpu.max and memory.swap.max need the half that did not change too).
pub fn update(
    cg: &Bound,
    merged: &oci_spec::runtime::LinuxResources,
    changed: &oci_spec::runtime::LinuxResources,
) -> Result<()> {
    let devices = match changed.devices() {
        Some(rules) => plan_devices(cg, rules)?,
        None => Plan::default(),
    };
    let limits = plan_resources(cg, merged, changed)?;
    devices.execute()?;
    limits.execute()
}

/// Device rules go to the v1 devices controller, else into an eBPF filter
/// on the v2 directory (compiled now, attached when the plan runs).
pub fn plan_devices(cg: &Bound, rules: &[oci_spec::runtime::LinuxDeviceCgroup]) -> Result<Plan> {
    let writes = resources::device_writes(rules)?;
    match (cg.v1("devices"), cg.v2()) {
        (Some(dir), _) => Ok(Plan { steps: vec![Step { dir: dir.into(), enable: None, writes }], device_filter: None }),
        (None, Some((_, dir))) => {
            Ok(Plan { steps: vec![], device_filter: Some((dir.into(), device_filter::compile(rules)?)) })
        }
        (None, None) => {
            crate::logging::debug("no devices controller and no cgroup v2: device rules are not enforced");
            Ok(Plan::default())
        }
    }
}

/// The writes for every controller `changed` names, with values from
/// `merged`. Each controller goes where the host has it: a v1 hierarchy,
/// else the v2 tree (hybrid hosts keep some controllers only there). A
/// controller the host lacks is an error.
pub fn plan_resources(
    cg: &Bound,
    merged: &oci_spec::runtime::LinuxResources,
    changed: &oci_spec::runtime::LinuxResources,
) -> Result<Plan> {
    let mut steps = Vec::new();
    for (controller, field) in resources::wanted(changed) {
        steps.push(controller_step(cg, merged, controller, field)?);
    }
    for (key, value) in changed.unified().iter().flatten() {
        steps.push(unified_step(cg, key, value)?);
    }
    Ok(Plan { steps, device_filter: None })
}

fn controller_step(
    cg: &Bound,
    r: &oci_spec::runtime::LinuxResources,
    controller: &'static str,
    field: &str,
) -> Result<Step> {
    use resources::{controller_writes, Version};
    if let Some(dir) = cg.v1(controller) {
        let mut writes = controller_writes(r, controller, Version::V1)?;
        check_v1_files(dir, &writes)?;
        if controller == "memory" {
            order_v1_memory(dir, &mut writes);
        }
        return Ok(Step { dir: dir.into(), enable: None, writes });
    }
    let v2_name = if controller == "blkio" { "io" } else { controller };
    match cg.v2() {
        Some((h, dir)) if v2_has(&h.mount_point, v2_name) => Ok(Step {
            dir: dir.into(),
            enable: Some((h.mount_point.clone(), v2_name.into())),
            writes: controller_writes(r, v2_name, Version::V2)?,
        }),
        _ => Err(crate::Error::field(field, Error::NoController { controller: controller.into() })),
    }
}

/// A v1 file exists from the moment its cgroup does: one that is missing is
/// a knob this kernel lacks (swap accounting off, no cfs burst, ...).
fn check_v1_files(dir: &Path, writes: &[resources::Write]) -> Result<()> {
    if !dir.is_dir() {
        // Not made yet (`check`): its files are looked at when it is.
        return Ok(());
    }
    match writes.iter().find(|w| !dir.join(&w.file).exists()) {
        Some(w) => Err(crate::Error::field(w.field, Error::NoFile { path: dir.join(&w.file) })),
        None => Ok(()),
    }
}

/// v1 refuses a memory limit above memory+swap and a memory+swap below the
/// memory limit: when memory+swap grows past the current limit (or goes
/// unlimited) it must be written first, as runc does.
fn order_v1_memory(dir: &Path, writes: &mut Vec<resources::Write>) {
    let find = |file: &str| writes.iter().position(|w| w.file == file);
    let (Some(swap), Some(limit)) = (find("memory.memsw.limit_in_bytes"), find("memory.limit_in_bytes")) else {
        return;
    };
    let current: Option<u64> =
        std::fs::read_to_string(dir.join("memory.limit_in_bytes")).ok().and_then(|s| s.trim().parse().ok());
    let value = &writes[swap].value;
    let grows = value == "-1" || matches!((value.parse::<u64>(), current), (Ok(v), Some(c)) if c < v);
    if grows && swap > limit {
        let w = writes.remove(swap);
        writes.insert(limit, w);
    }
}

/// `linux.resources.unified`: a v2 file named as is; it must exist here.
fn unified_step(cg: &Bound, key: &str, value: &str) -> Result<Step> {
    let unified = |reason: String| Err(crate::Error::field("linux.resources.unified", reason));
    let Some((h, dir)) = cg.v2() else { return unified("this host has no cgroup v2 hierarchy".into()) };
    // Before the directory exists (`check`), the file's controller must be
    // one this host's cgroup2 has; once it exists, the file itself.
    let known_prefix = key.split_once('.').is_some_and(|(c, _)| c == "cgroup" || v2_has(&h.mount_point, c));
    let exists = if dir.is_dir() { dir.join(key).exists() } else { known_prefix };
    if key.contains('/') || !exists {
        return unified(format!("{key:?} is not a cgroup v2 file here"));
    }
    let enable = key
        .split_once('.')
        .filter(|(controller, _)| v2_has(&h.mount_point, controller))
        .map(|(controller, _)| (h.mount_point.clone(), controller.to_string()));
    let write = resources::Write {
        controller: "unified",
        file: key.into(),
        value: value.into(),
        field: "linux.resources.unified",
    };
    Ok(Step { dir: dir.into(), enable, writes: vec![write] })
}

/// The writes in order, but for one pair: a new cfs period the kernel
/// refuses (EINVAL) against the current quota, when a quota comes with it,
/// is written again after the quota, as runc does. Which order works
/// depends on the old values and on the parent's limit.
fn write_all(dir: &Path, writes: &[resources::Write]) -> Result<()> {
    let quota_follows = writes.iter().any(|w| w.file == "cpu.cfs_quota_us");
    let mut retry_period = None;
    for w in writes {
        if w.file == "cpu.cfs_period_us" && quota_follows {
            match std::fs::write(dir.join(&w.file), &w.value) {
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => retry_period = Some(w),
                other => other.map_err(|e| write_failed(&dir.join(&w.file), &w.value, e)).field(w.field)?,
            }
            continue;
        }
        write_one(dir, &w.file, &w.value, w.field)?;
    }
    if let Some(w) = retry_period {
        write_one(dir, &w.file, &w.value, w.field)?;
    }
    Ok(())
}

/// `value` refused by the cgroup file `path`.
fn write_failed(path: &Path, value: &str, e: std::io::Error) -> crate::Error {
    Error::Write { path: path.into(), value: value.into(), os: e.into() }.into()
}

/// One write to a cgroup file.
fn write(path: &Path, value: &str) -> Result<()> {
    std::fs::write(path, value).map_err(|e| write_failed(path, value, e))
}

/// A write for the config field `field`, which names it when refused.
fn write_one(dir: &Path, file: &str, value: &str, field: &str) -> Result<()> {
    write(&dir.join(file), value).field(field)
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
    write(&file, &format!("+{controller}"))
}

/// Every pid in the container's cgroup and in cgroups the container made
/// below it (read from the first hierarchy: every one holds the same tasks).
pub fn pids(placement: &Placement) -> Result<Vec<i32>> {
    let Some(dir) = placement.dirs.first() else { return Ok(vec![]) };
    let mut out = read_procs(dir).sys_at("read", &dir.join("cgroup.procs"))?;
    collect_child_pids(dir, &mut out);
    Ok(out)
}

fn read_procs(dir: &Path) -> std::io::Result<Vec<i32>> {
    let text = std::fs::read_to_string(dir.join("cgroup.procs"))?;
    Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect())
}

/// Sub-cgroups can vanish while we walk them: those are skipped.
fn collect_child_pids(dir: &Path, out: &mut Vec<i32>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(read_procs(&e.path()).unwrap_or_default());
            collect_child_pids(&e.path(), out);
        }
    }
}

/// Signals every process of the container. On a pure v2 host SIGKILL is one
/// write to cgroup.kill, which no fork can outrun. Otherwise each pid gets
/// the signal while the freezer holds them all still, so none forks a child
/// we would miss. A paused container stays frozen, except for SIGKILL: a
/// frozen v1 task only dies once thawed.
pub fn signal_all(placement: &Placement, sig: i32) -> Result<()> {
    let cg = bind(placement)?;
    if cg.kind == Kind::Unified && sig == libc::SIGKILL {
        if let Some(file) = cg.v2().map(|(_, d)| d.join("cgroup.kill")).filter(|f| f.exists()) {
            return write(&file, "1");
        }
    }
    if pids(placement)?.is_empty() {
        return Ok(()); // nothing to signal, nothing to freeze
    }
    let freezer = freezer::Freezer::of(&cg).ok();
    let was_frozen = freezer.as_ref().is_some_and(|f| f.is_frozen().unwrap_or(false));
    if let (Some(f), false) = (&freezer, was_frozen) {
        if let Err(e) = f.freeze() {
            crate::logging::warn(&format!("kill --all: signalling without freezing: {e:#}"));
        }
    }
    crate::sys::signal_each(&pids(placement)?, sig);
    if let (Some(f), true) = (&freezer, !was_frozen || sig == libc::SIGKILL) {
        f.thaw()?;
    }
    Ok(())
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
    fn dirs_pair_with_their_hierarchy_by_path() {
        let layout = parse_layout(HYBRID);
        let placement = Placement {
            dirs: vec!["/sys/fs/cgroup/cpu/berth/c1".into(), "/sys/fs/cgroup/unified/berth/c1".into()],
            ..Default::default()
        };
        let cg = Bound::new(&layout, &placement);
        assert_eq!(cg.v1("cpu"), Some(Path::new("/sys/fs/cgroup/cpu/berth/c1")));
        assert_eq!(cg.v1("memory"), None);
        assert_eq!(cg.v2().map(|(_, d)| d), Some(Path::new("/sys/fs/cgroup/unified/berth/c1")));
    }

    #[test]
    fn v1_memory_swap_goes_first_when_it_grows() {
        use resources::Write;
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("memory.limit_in_bytes"), "33554432\n").unwrap();
        let w = |file: &str, value: &str| Write {
            controller: "memory",
            file: file.into(),
            value: value.into(),
            field: "linux.resources.memory",
        };
        let order = |limit: &str, swap: &str| {
            let mut ws = vec![w("memory.limit_in_bytes", limit), w("memory.memsw.limit_in_bytes", swap)];
            order_v1_memory(t.path(), &mut ws);
            ws.iter().map(|w| w.file.clone()).collect::<Vec<_>>()
        };
        assert_eq!(order("67108864", "67108864")[0], "memory.memsw.limit_in_bytes", "growing");
        assert_eq!(order("-1", "-1")[0], "memory.memsw.limit_in_bytes", "unlimited");
        assert_eq!(order("16777216", "16777216")[0], "memory.limit_in_bytes", "shrinking");
    }

    #[test]
    fn a_refused_write_names_its_field_file_and_value() {
        let t = tempfile::tempdir().unwrap();
        let e = write_one(&t.path().join("gone"), "cpu.cfs_quota_us", "5000", "linux.resources.cpu.quota").unwrap_err();
        assert_eq!(e.config_field(), Some("linux.resources.cpu.quota"));
        let text = e.to_string();
        assert!(text.starts_with("linux.resources.cpu.quota: write \"5000\" to "), "{text}");
        assert!(text.contains("gone/cpu.cfs_quota_us: No such file or directory"), "{text}");
        // It crosses the sync socket typed.
        let back: crate::Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
        assert_eq!(back.to_string(), text);
        let refused = back.chain().find_map(|c| match c {
            crate::Error::Cgroups(Error::Write { value, os, .. }) => Some((value.clone(), os.errno())),
            _ => None,
        });
        assert_eq!(refused, Some(("5000".to_string(), Some(libc::ENOENT))));
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
