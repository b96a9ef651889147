//! What the host shows of a pod: cgroup files, processes, mounts.

use crate::report::Res;
use std::fs;
use std::path::{Path, PathBuf};

/// A cgroup hierarchy: where it is mounted, and for v1 its controllers.
struct Hierarchy {
    mount: PathBuf,
    v2: bool,
    options: Vec<String>,
}

fn hierarchies() -> Vec<Hierarchy> {
    let text = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mount = left.split(' ').nth(4)?;
            let mut right = right.split(' ');
            let fstype = right.next()?;
            let options = right.nth(1).unwrap_or_default();
            let v2 = match fstype {
                "cgroup2" => true,
                "cgroup" => false,
                _ => return None,
            };
            Some(Hierarchy {
                mount: PathBuf::from(mount),
                v2,
                options: options.split(',').map(str::to_string).collect(),
            })
        })
        .collect()
}

/// Joins an absolute cgroup path to a hierarchy's mount point.
fn under(mount: &Path, cgroup: &str) -> PathBuf {
    mount.join(cgroup.trim_start_matches('/'))
}

/// The pod's cgroup, made in every hierarchy before the pod exists, as
/// the kubelet makes it: the runtime then puts each container's cgroup
/// under it, and must take those away again, leaving this one.
pub struct PodCgroup {
    pub path: String,
    made: Vec<PathBuf>,
}

impl PodCgroup {
    pub fn make(path: &str) -> Res<(PodCgroup, usize)> {
        let mut pod = PodCgroup { path: path.into(), made: Vec::new() };
        let all = hierarchies();
        for h in &all {
            let target = under(&h.mount, path);
            // Only the components that were missing are ours to remove.
            let mut missing = Vec::new();
            let mut p = target.as_path();
            while p != h.mount && !p.exists() {
                missing.push(p.to_path_buf());
                p = match p.parent() {
                    Some(parent) => parent,
                    None => break,
                };
            }
            for dir in missing.into_iter().rev() {
                fs::create_dir(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
                pod.made.push(dir);
            }
        }
        Ok((pod, all.len()))
    }

    /// Directories left under the pod's cgroup, in any hierarchy.
    pub fn children(&self) -> Vec<PathBuf> {
        hierarchies()
            .iter()
            .filter_map(|h| fs::read_dir(under(&h.mount, &self.path)).ok())
            .flat_map(|dir| dir.flatten())
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .map(|e| e.path())
            .collect()
    }

    pub fn remove(&mut self) -> Res<()> {
        let mut failed = Vec::new();
        while let Some(dir) = self.made.pop() {
            if let Err(e) = fs::remove_dir(&dir) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    failed.push(format!("rmdir {}: {e}", dir.display()));
                }
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(failed.join("\n"))
        }
    }
}

impl Drop for PodCgroup {
    fn drop(&mut self) {
        let _ = self.remove();
    }
}

/// The host path of a process's cgroup file: `v1` in the hierarchy of
/// `controller` when there is one, else `v2` in the unified hierarchy.
pub fn cgroup_file(pid: u32, controller: &str, v1: &str, v2: &str) -> Res<PathBuf> {
    let own = fs::read_to_string(format!("/proc/{pid}/cgroup")).map_err(|e| format!("/proc/{pid}/cgroup: {e}"))?;
    let all = hierarchies();
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if controllers.split(',').any(|c| c == controller) {
            if let Some(h) = all.iter().find(|h| !h.v2 && h.options.iter().any(|o| o == controller)) {
                return Ok(under(&h.mount, path).join(v1));
            }
        }
    }
    let path = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .ok_or_else(|| format!("pid {pid} has no {controller} cgroup"))?;
    let h = all.iter().find(|h| h.v2).ok_or("no cgroup2 hierarchy is mounted")?;
    Ok(under(&h.mount, path).join(v2))
}

/// A process, told apart from a later one with the same pid by its start
/// time.
#[derive(Clone, Copy, Debug)]
pub struct Proc {
    pub pid: u32,
    start: u64,
}

fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command, which may itself hold spaces and ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

impl Proc {
    pub fn of(pid: u32) -> Option<Proc> {
        start_time(pid).map(|start| Proc { pid, start })
    }

    /// Alive and not a zombie: a reaped-late orphan does not count.
    pub fn alive(&self) -> bool {
        start_time(self.pid) == Some(self.start)
    }
}

fn pids() -> Vec<u32> {
    fs::read_dir("/proc")
        .map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// Processes in the pod's cgroup or below it, in any hierarchy.
pub fn procs_in_cgroup(pod: &str) -> Vec<u32> {
    let inside = format!(":{}/", pod.trim_end_matches('/'));
    let exact = format!(":{}", pod.trim_end_matches('/'));
    pids()
        .into_iter()
        .filter(|pid| {
            start_time(*pid).is_some()
                && fs::read_to_string(format!("/proc/{pid}/cgroup"))
                    .map(|c| c.lines().any(|l| l.contains(&inside) || l.ends_with(&exact)))
                    .unwrap_or(false)
        })
        .collect()
}

/// Processes whose command line names `word` (a pod's shim is started
/// with `-id <pod id>`).
pub fn procs_naming(word: &str) -> Vec<(u32, String)> {
    pids()
        .into_iter()
        .filter(|&pid| pid != std::process::id() && start_time(pid).is_some())
        .filter_map(|pid| {
            let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args: Vec<String> = raw.split(|&b| b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            args.iter().any(|a| a == word).then(|| (pid, args.join(" ")))
        })
        .collect()
}

/// Mount table lines naming any of `words`.
pub fn mounts_naming(words: &[&str]) -> Vec<String> {
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter(|l| words.iter().any(|w| !w.is_empty() && l.contains(w)))
        .map(str::to_string)
        .collect()
}

/// Entries of a directory; none when it does not exist.
pub fn entries(dir: &Path) -> Res<Vec<String>> {
    match fs::read_dir(dir) {
        Ok(d) => Ok(d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("{}: {e}", dir.display())),
    }
}

pub fn ns_inode(pid: u32, ns: &str) -> Res<String> {
    fs::read_link(format!("/proc/{pid}/ns/{ns}"))
        .map(|p| p.display().to_string())
        .map_err(|e| format!("/proc/{pid}/ns/{ns}: {e}"))
}
